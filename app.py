"""MesoLearn entry point: `streamlit run app.py`. Chooses the pages a user may see, by role."""
from pathlib import Path

import streamlit as st

from mesolearn.accounts import AccountError
from mesolearn.ui import auth, nav
from mesolearn.ui.services import services

# a local file: a Material icon as page icon makes every browser fetch it from a font server (fails offline, B15)
st.set_page_config(page_title="MesoLearn", page_icon=str(Path(__file__).parent / "mesolearn/ui/assets/favicon.png"),
                   layout="centered")

svc = services()
account = auth.current_account(svc)
pages = nav.pages_for(account.role if account else None, svc.accounts.has_users(), svc.accounts.self_registration)
current = st.navigation(pages)

with st.sidebar:
    auth.sync_cookie()
    if account is not None:
        st.markdown(f"**{account.display_name}**  \n{account.role}")
        if st.button("Sign out", key="signout"):
            auth.sign_out(svc)
            st.rerun()
        with st.expander("Change password"):
            with st.form("change-password", clear_on_submit=True):
                old = st.text_input("Current password", type="password")
                new = st.text_input("New password", type="password", help="At least 8 characters")
                if st.form_submit_button("Change password"):
                    try:
                        svc.accounts.change_password(account, old, new)
                        st.success("Password changed.")
                    except AccountError as exc:
                        st.error(str(exc))
    st.caption(svc.course.info.notice)

current.run()
