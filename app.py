"""MesoLearn entry point: `streamlit run app.py`. Chooses the pages a user may see, by role."""

from pathlib import Path

import streamlit as st

from mesolearn.ui import a11y, auth, nav
from mesolearn.ui.services import services

# a local file: a Material icon as page icon makes every browser fetch it from a font server (fails offline, B15)
st.set_page_config(
    page_title="MesoLearn", page_icon=str(Path(__file__).parent / "mesolearn/ui/assets/favicon.png"), layout="centered"
)

with auth.database_guard():  # a missing, damaged or unreachable database: a message, never a traceback
    svc = services()
    account = auth.current_account(svc)
# signed in: there are users, and the self-registration setting only changes what a signed-out visitor sees
pages = (
    nav.pages_for(account.role, True, False, must_change_password=account.must_change_password)
    if account
    else nav.pages_for(None, svc.accounts.has_users(), svc.accounts.self_registration)
)
current = st.navigation(pages, position="hidden")  # the app draws the menu (nav.menu): Streamlit's is no list
a11y.style()

with st.sidebar:
    nav.menu(pages)
    auth.account_box(svc, account)
    if account is not None:  # signed out, the sign-in page shows the notice itself: once is enough
        st.caption(svc.course.info.notice)

auth.run_page(current)  # database errors in the page: a short message, never a traceback
