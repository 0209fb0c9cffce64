"""First-run setup, sign in, registration, and the instructor's account settings."""

from __future__ import annotations

import streamlit as st

from mesolearn.accounts.limits import MAX_EMAIL, MAX_NAME, MAX_PASSWORD, MAX_USERNAME
from mesolearn.accounts.throttle import describe_wait
from mesolearn.app import UserError
from mesolearn.ui import auth
from mesolearn.ui.services import services
from mesolearn.ui.text import escape_markdown


def _account_form(key: str, submit_label: str, with_email: bool = True):
    with st.form(key):
        name = st.text_input("Your name", max_chars=MAX_NAME)
        username = st.text_input(
            "Username", help="3 to 32 characters: lowercase letters, digits, '.', '_' or '-'", max_chars=MAX_USERNAME
        )
        email = st.text_input("Email (optional)", max_chars=MAX_EMAIL) if with_email else ""
        password = st.text_input("Password", type="password", help="At least 8 characters", max_chars=MAX_PASSWORD)
        confirm = st.text_input("Repeat the password", type="password", max_chars=MAX_PASSWORD)
        ok = st.form_submit_button(submit_label, type="primary")
    return ok, name, username, email, password, confirm


def setup() -> None:
    svc = services()
    st.title(f"Welcome to {svc.course.info.title}")
    if svc.accounts.has_users():
        st.info("Setup is complete. Please sign in.")
        return
    st.write(
        "This is a new installation. Create the first **instructor** account; trainees can then register themselves."
    )
    ok, name, username, email, password, confirm = _account_form("setup", "Create instructor account")
    if ok:
        if password != confirm:
            st.error("The two passwords differ.")
            return
        try:
            account = svc.accounts.create_first_instructor(username, name, password, email or None)
        except UserError as exc:
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
        username = st.text_input("Username", max_chars=MAX_USERNAME)
        password = st.text_input("Password", type="password", max_chars=MAX_PASSWORD)
        ok = st.form_submit_button("Sign in", type="primary")
    if ok:
        try:
            account = svc.accounts.authenticate(username, password, auth.client_address())
        except UserError as exc:
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
            account = svc.accounts.register_trainee(username, name, password, email or None, auth.client_address())
        except UserError as exc:
            st.error(str(exc))
            return
        auth.sign_in(svc, account)
        st.rerun()


def settings() -> None:
    svc = services()
    auth.require(svc, "instructor")
    st.title("Settings")
    current = svc.accounts.self_registration
    new = st.toggle(
        "Trainees may register themselves",
        value=current,
        help="When off, only instructors can create trainee accounts.",
    )
    if new != current:
        svc.accounts.set_setting("self_registration", new)
        st.toast("Saved")
    st.subheader("Create a trainee account")
    with st.form("new-trainee", clear_on_submit=True):
        name = st.text_input("Name", max_chars=MAX_NAME)
        username = st.text_input("Username", max_chars=MAX_USERNAME)
        email = st.text_input("Email (optional)", max_chars=MAX_EMAIL)
        password = st.text_input("Initial password", type="password", max_chars=MAX_PASSWORD)
        ok = st.form_submit_button("Create trainee")
    if ok:
        try:
            acc = svc.accounts.create_user(username, name, password, "trainee", email or None)
            st.success(f"Created {escape_markdown(acc.username)}.")
        except UserError as exc:
            st.error(str(exc))
    st.subheader("Accounts")
    st.dataframe(
        [
            {"name": a.display_name, "username": a.username, "role": a.role, "email": a.email or ""}
            for a in svc.accounts.list_users()
        ],
        hide_index=True,
    )
    _sign_in_delays(svc)
    _session_settings(svc)
    _database_health(svc)


def _sign_in_delays(svc) -> None:
    """Accounts whose sign-in is slowed down by recent wrong passwords; an instructor can clear the delay."""
    st.subheader("Sign-in delays")
    delayed = svc.accounts.throttled_accounts()
    if not delayed:
        st.caption("No account has recent wrong passwords.")
        return
    st.dataframe(
        [
            {
                "username": name,
                "recent wrong passwords": c.failures,
                "next try allowed in": describe_wait(c.wait_seconds) if c.wait_seconds else "now",
            }
            for name, c in delayed
        ],
        hide_index=True,
    )
    with st.form("unlock"):
        who = st.selectbox("Account", [name for name, _ in delayed])
        if st.form_submit_button("Clear the delay (unlock)") and who and svc.accounts.unlock(who):
            st.success(f"{escape_markdown(who)} can sign in again at once.")


def _session_settings(svc) -> None:
    st.subheader("Sign-in sessions")
    idle, lifetime = svc.accounts.session_limits()
    with st.form("session-limits"):
        minutes = st.number_input("Sign out after this many idle minutes", 5, 24 * 60, int(idle.total_seconds() // 60))
        days = st.number_input("Sign out after this many days in any case", 1, 90, lifetime.days)
        if st.form_submit_button("Save session limits"):
            try:
                svc.accounts.set_session_limits(int(minutes), int(days))
                st.success("Saved.")
            except UserError as exc:
                st.error(str(exc))


def _database_health(svc) -> None:
    st.subheader("Database")
    health = svc.health()
    (st.success if health.ok else st.error)(health.message if health.ok else escape_markdown(health.message))
