"""MesoLearn behind Streamlit's ASGI server: `streamlit run serve.py` (same app, server-set HttpOnly cookie).

`st.App` runs app.py exactly as `streamlit run app.py` does, plus two HTTP routes
(mesolearn.ui.session_routes) that set and clear the sign-in cookie from the server, so page scripts cannot
read it. Under plain `streamlit run app.py` the cookie is written by page JavaScript instead (README, security).
"""
import os

import streamlit as st

from mesolearn.ui.session_routes import ENV_FLAG, ROUTES

os.environ[ENV_FLAG] = "1"
app = st.App("app.py", routes=ROUTES)
