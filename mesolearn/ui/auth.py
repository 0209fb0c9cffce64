"""Who is signed in. The server decides, on every rerun, from a token it issued.

The token lives in ``st.session_state`` and in a cookie (so a reload keeps you signed in); the
database keeps only its hash and expiry. Every page calls ``require`` before it renders anything.
"""
from __future__ import annotations

import json

import streamlit as st

from mesolearn.accounts.service import SESSION_DAYS, Account
from mesolearn.ui.services import Services

COOKIE = "mesolearn_session"


def _cookie_script(value: str, max_age: int) -> str:
    # value is our own url-safe token or empty: json.dumps makes it a safe JS string literal
    return ("<script>document.cookie = " + json.dumps(f"{COOKIE}={value}") +
            f" + '; path=/; max-age={max_age}; SameSite=Strict'"
            " + (location.protocol === 'https:' ? '; Secure' : '');</script>")


def _browser_cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser context (e.g. in tests)
        return None
    return value if isinstance(value, str) and value else None


def current_account(svc: Services) -> Account | None:
    state = st.session_state
    if "token" not in state:
        state["token"] = _browser_cookie()
    account = svc.accounts.account_for_token(state.get("token"))
    if account is None and state.get("token"):
        state["token"] = None
    return account


def sync_cookie() -> None:
    """Keep the browser cookie equal to the session's token (set after sign-in, cleared after sign-out)."""
    token = st.session_state.get("token")
    cookie = _browser_cookie()
    if token and cookie != token:
        st.html(_cookie_script(token, SESSION_DAYS * 86400), unsafe_allow_javascript=True)
    elif not token and cookie:
        st.html(_cookie_script("", 0), unsafe_allow_javascript=True)


def sign_in(svc: Services, account: Account) -> None:
    st.session_state["token"] = svc.accounts.start_session(account)


def sign_out(svc: Services) -> None:
    svc.accounts.end_session(st.session_state.get("token"))
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state["token"] = None


def require(svc: Services, *roles: str) -> Account:
    """Stop the page unless the signed-in account has one of ``roles`` (checked on the server)."""
    account = current_account(svc)
    if account is None:
        st.warning("Please sign in to see this page.")
        st.stop()
    if roles and account.role not in roles:
        st.error("This page is not available for your role.")
        st.stop()
    return account
