"""First-run setup, sign in, registration (also through an invite link), the new password after a reset, and the
instructor's account settings (resets, deactivation, a second instructor). The rules are in the core:
:mod:`mesolearn.accounts.admin` and :mod:`mesolearn.cohorts.invites`."""

from __future__ import annotations

import streamlit as st

from mesolearn.accounts.admin import AccountAdmin, AccountRow
from mesolearn.accounts.limits import MAX_EMAIL, MAX_NAME, MAX_PASSWORD, MAX_USERNAME
from mesolearn.accounts.throttle import describe_wait
from mesolearn.app import UserError
from mesolearn.cohorts.invites import Invites
from mesolearn.ui import auth, nav
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


def _account_for_someone_form(key: str, submit_label: str):
    """An instructor makes an account for someone else: name, username, optional email, an initial password."""
    with st.form(key, clear_on_submit=True):
        name = st.text_input("Name", max_chars=MAX_NAME)
        username = st.text_input("Username", max_chars=MAX_USERNAME)
        email = st.text_input("Email (optional)", max_chars=MAX_EMAIL)
        password = st.text_input("Initial password", type="password", max_chars=MAX_PASSWORD)
        ok = st.form_submit_button(submit_label)
    return ok, name, username, email, password


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


_JUST_JOINED = "invite-just-joined"


def _invites(svc) -> Invites:
    return svc.invites


def register() -> None:
    svc = services()
    if "invite" in st.query_params:
        _register_with_invite(svc, st.query_params.get("invite"))
        return
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


def _register_with_invite(svc, token: str | None) -> None:
    """Register and join the invite's cohort in one step (self-registration may be off)."""
    st.title("Join your cohort")
    invites = _invites(svc)
    try:
        invite = invites.check(token)
    except UserError as exc:
        st.error(str(exc))
        return
    st.write(
        f"You are invited to join **{escape_markdown(invite.cohort_name)}**. Create your trainee account: "
        "you join the cohort at once and see its assignments."
    )
    st.caption("Already have an account? Sign in first, then open this link again.")
    ok, name, username, email, password, confirm = _account_form("register-invite", "Create my account")
    if ok:
        if password != confirm:
            st.error("The two passwords differ.")
            return
        try:
            account, cohort = invites.register(token, username, name, password, email or None, auth.client_address())
        except UserError as exc:
            st.error(str(exc))
            return
        auth.sign_in(svc, account)
        st.session_state[_JUST_JOINED] = cohort.id  # lost in the reload after a server-set cookie: words only
        st.rerun()  # signed in, the same link shows the cohort and its assignments (invite_join)


def invite_join() -> None:
    """An invite link opened by a signed-in user (also right after registering through it): a trainee joins the
    cohort and sees its assignments here. Nothing is kept in the session for it, so it survives the reload that
    the server-set cookie makes after a sign-in (serve.py)."""
    svc = services()
    account = auth.require(svc)
    if "invite" not in st.query_params:  # just registered without a link (the same URL): the home page
        st.switch_page(nav.page("catalogue"))
    st.title("Join a cohort")
    if account.role != "trainee":
        st.info("Invite links are for trainee accounts: share this one with your trainees.")
        return
    try:
        cohort, joined = _invites(svc).join(st.query_params.get("invite"), account.id)
    except UserError as exc:
        st.error(str(exc))
        st.page_link(nav.page("catalogue"), label="Go to your modules", icon=":material/school:")
        return
    joined = joined or st.session_state.pop(_JUST_JOINED, None) == cohort.id
    st.success(f"You {'joined' if joined else 'are a member of'} {escape_markdown(cohort.name)}.")
    work = [r for r in svc.cohorts.assignments_for(account.id) if cohort.name in r.cohorts]
    if work:
        st.subheader("Your assignments")
        for r in work:
            due = f"due {r.due_at:%d %B %Y}" if r.due_at else "no due date"
            st.page_link(
                nav.page("quiz"),
                label=f"{r.title} · {due} · {r.status}",
                query_params={"module": r.quiz_id} if r.kind == "module" else {"exam": r.quiz_id},
                icon=":material/assignment_late:" if r.overdue else ":material/assignment:",
            )
    else:
        st.caption("The cohort has no assignments yet.")
    st.page_link(nav.page("catalogue"), label="Go to your home page", icon=":material/school:")


def new_password() -> None:
    """After an instructor reset the password: choose a new one before anything else opens."""
    svc = services()
    account = auth.require(svc)
    st.title("Choose a new password")
    st.info("Your instructor has reset your password. Choose a new password of your own to continue.")
    with st.form("new-password"):
        new = st.text_input("New password", type="password", help="At least 8 characters", max_chars=MAX_PASSWORD)
        confirm = st.text_input("Repeat the new password", type="password", max_chars=MAX_PASSWORD)
        ok = st.form_submit_button("Save my new password", type="primary")
    if ok:
        if new != confirm:
            st.error("The two passwords differ.")
            return
        try:
            updated = svc.admin.choose_new_password(account, new)
        except UserError as exc:
            st.error(str(exc))
            return
        auth.sign_in(svc, updated)  # every other sign-in ended with the change
        st.toast("New password saved.")
        st.rerun()


def settings() -> None:
    svc = services()
    me = auth.require(svc, "instructor")
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
    ok, name, username, email, password = _account_for_someone_form("new-trainee", "Create trainee")
    if ok:
        try:
            acc = svc.accounts.create_user(username, name, password, "trainee", email or None)
            st.success(f"Created {escape_markdown(acc.username)}.")
        except UserError as exc:
            st.error(str(exc))
    _accounts(svc, me)
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


_ADMIN_MESSAGE = "admin-message"


def _accounts(svc, me) -> None:
    """Every account with its status; reset a password, deactivate or reactivate, change a role; a new instructor."""
    admin = svc.admin
    st.subheader("Accounts")
    if message := st.session_state.pop(_ADMIN_MESSAGE, None):
        text, secret = message
        st.success(text)
        if secret:
            st.code(secret, language=None)  # shown this once: it is not stored anywhere readable
    rows = admin.list_accounts(me.id)
    st.dataframe(
        [
            {"name": r.display_name, "username": r.username, "role": r.role, "email": r.email or "", "status": r.status}
            for r in rows
        ],
        hide_index=True,
    )
    others = [r for r in rows if r.id != me.id]
    if others:
        _account_actions(admin, me, others)
    st.caption(
        "Your own account is not in this list: change your password in the sidebar; another instructor can "
        "reset it or deactivate it. The last active instructor can be neither deactivated nor made a trainee."
    )
    with st.expander("Add an instructor"):
        st.caption("A second instructor has every instructor page. You can also make a trainee an instructor above.")
        ok, name, username, email, password = _account_for_someone_form("new-instructor", "Create instructor")
        if ok:
            try:
                acc = admin.create_instructor(me.id, username, name, password, email or None)
            except UserError as exc:
                st.error(str(exc))
            else:
                st.session_state[_ADMIN_MESSAGE] = (
                    f"Created the instructor account {escape_markdown(acc.username)}.",
                    "",
                )
                st.rerun()


def _account_actions(admin: AccountAdmin, me, others: list[AccountRow]) -> None:
    who = st.selectbox(
        "Manage an account",
        others,
        format_func=lambda r: f"{r.display_name} ({r.username}) · {r.role} · {r.status}",
        key="admin-account",
    )
    c1, c2, c3 = st.columns(3)
    name = escape_markdown(who.display_name)
    try:
        if c1.button("Reset password", key="admin-reset", help="A temporary password, shown once; every sign-in ends"):
            secret = admin.reset_password(me.id, who.id)
            st.session_state[_ADMIN_MESSAGE] = (
                f"Temporary password for {name}, shown only this once: give it to them privately. "
                "Every sign-in of the account has ended; they choose a new password when they next sign in.",
                secret,
            )
            st.rerun()
        if who.active and c2.button("Deactivate", key="admin-deactivate", help="Cannot sign in; data stays"):
            admin.deactivate(me.id, who.id)
            st.session_state[_ADMIN_MESSAGE] = (
                f"{name} is deactivated: signed out everywhere and cannot sign in. Their results stay.",
                "",
            )
            st.rerun()
        if not who.active and c2.button("Reactivate", key="admin-reactivate"):
            admin.reactivate(me.id, who.id)
            st.session_state[_ADMIN_MESSAGE] = (f"{name} can sign in again.", "")
            st.rerun()
        if who.role == "trainee" and c3.button("Make instructor", key="admin-promote"):
            admin.promote(me.id, who.id)
            st.session_state[_ADMIN_MESSAGE] = (f"{name} is now an instructor.", "")
            st.rerun()
        if who.role == "instructor" and c3.button("Make trainee", key="admin-demote"):
            admin.demote(me.id, who.id)
            st.session_state[_ADMIN_MESSAGE] = (f"{name} is now a trainee.", "")
            st.rerun()
    except UserError as exc:
        st.error(str(exc))
