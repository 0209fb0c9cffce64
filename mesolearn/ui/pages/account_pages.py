"""First-run setup, sign in, registration, and the instructor's account settings."""
from __future__ import annotations

import streamlit as st

from mesolearn.accounts import AccountError
from mesolearn.ui import auth
from mesolearn.ui.services import services


def _account_form(key: str, submit_label: str, with_email: bool = True):
    with st.form(key):
        name = st.text_input("Your name")
        username = st.text_input("Username", help="3 to 32 characters: lowercase letters, digits, '.', '_' or '-'")
        email = st.text_input("Email (optional)") if with_email else ""
        password = st.text_input("Password", type="password", help="At least 8 characters")
        confirm = st.text_input("Repeat the password", type="password")
        ok = st.form_submit_button(submit_label, type="primary")
    return ok, name, username, email, password, confirm


def setup() -> None:
    svc = services()
    st.title(f"Welcome to {svc.course.info.title}")
    if svc.accounts.has_users():
        st.info("Setup is complete. Please sign in.")
        return
    st.write("This is a new installation. Create the first **instructor** account; trainees can then register themselves.")
    ok, name, username, email, password, confirm = _account_form("setup", "Create instructor account")
    if ok:
        if password != confirm:
            st.error("The two passwords differ.")
            return
        try:
            account = svc.accounts.create_first_instructor(username, name, password, email or None)
        except AccountError as exc:
            st.error(str(exc))
            return
        auth.sign_in(svc, account)
        st.rerun()


def sign_in() -> None:
    svc = services()
    st.title(svc.course.info.title)
    if svc.course.info.description:
        st.write(svc.course.info.description)
    st.info(svc.course.info.notice, icon=":material/info:")
    st.subheader("Sign in")
    with st.form("signin"):
        username = st.text_input("Username")
        password = st.text_input("Password", type="password")
        ok = st.form_submit_button("Sign in", type="primary")
    if ok:
        try:
            account = svc.accounts.authenticate(username, password)
        except AccountError as exc:
            st.error(str(exc))
            return
        auth.sign_in(svc, account)
        st.rerun()
    if svc.accounts.self_registration:
        st.caption("New here? Use **Register** in the menu to create a trainee account.")


def register() -> None:
    svc = services()
    st.title("Register as a trainee")
    if not svc.accounts.self_registration:
        st.warning("Self-registration is turned off. Ask your instructor for an account.")
        return
    ok, name, username, email, password, confirm = _account_form("register", "Create my account")
    if ok:
        if password != confirm:
            st.error("The two passwords differ.")
            return
        try:
            account = svc.accounts.register_trainee(username, name, password, email or None)
        except AccountError as exc:
            st.error(str(exc))
            return
        auth.sign_in(svc, account)
        st.rerun()


def settings() -> None:
    svc = services()
    auth.require(svc, "instructor")
    st.title("Settings")
    current = svc.accounts.self_registration
    new = st.toggle("Trainees may register themselves", value=current,
                    help="When off, only instructors can create trainee accounts.")
    if new != current:
        svc.accounts.set_setting("self_registration", new)
        st.toast("Saved")
    st.subheader("Create a trainee account")
    with st.form("new-trainee", clear_on_submit=True):
        name = st.text_input("Name")
        username = st.text_input("Username")
        email = st.text_input("Email (optional)")
        password = st.text_input("Initial password", type="password")
        ok = st.form_submit_button("Create trainee")
    if ok:
        try:
            acc = svc.accounts.create_user(username, name, password, "trainee", email or None)
            st.success(f"Created {acc.username}.")
        except AccountError as exc:
            st.error(str(exc))
    st.subheader("Accounts")
    st.dataframe([{"name": a.display_name, "username": a.username, "role": a.role, "email": a.email or ""}
                  for a in svc.accounts.list_users()], hide_index=True)
