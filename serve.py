"""MesoLearn behind Streamlit's ASGI server: `streamlit run serve.py` (same app, server-set HttpOnly cookie).

`st.App` runs app.py exactly as `streamlit run app.py` does, plus two HTTP routes
(mesolearn.ui.session_routes) that set and clear the sign-in cookie from the server, so page scripts cannot
read it. Under plain `streamlit run app.py` the cookie is written by page JavaScript instead (README, security).
"""

import os

import streamlit as st

from mesolearn.ui.session_routes import ENV_FLAG, ROUTES


def _on_script_error(exc: Exception) -> bool:
    """Database errors in widget callbacks (answers are saved there) get the same short message as pages."""
    from mesolearn.ui.auth import show_database_error

    return show_database_error(exc)


os.environ[ENV_FLAG] = "1"
app = st.App("app.py", routes=ROUTES, on_script_error=_on_script_error)
