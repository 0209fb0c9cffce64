"""Who is signed in. The server decides, on every rerun, from a token it issued.

The token lives in ``st.session_state`` and in a cookie (so a reload keeps you signed in); the
database keeps only its hash and expiry. Every page calls ``require`` before it renders anything.

Rules of this module:

* **The cookie.** Streamlit 1.67 answers every page over its websocket, so a script run cannot add a
  ``Set-Cookie`` header. Under ``streamlit run serve.py`` (``st.App`` with custom routes) the cookie is set
  and cleared by the server (:mod:`mesolearn.ui.session_routes`): ``HttpOnly``, ``SameSite=Strict``, and
  ``Secure`` over https; a page only ever holds a single-use 60-second grant. Under plain ``streamlit run
  app.py`` the cookie is written by page JavaScript (``document.cookie``) and is readable by page scripts.
  Either way the token is **bound to the browser's user agent** (the stored hash covers both), a session ends
  after the idle timeout (default 30 minutes, sliding) and at the latest after its lifetime (14 days), and a
  password change or "sign out everywhere" ends every sign-in of the account.
* **The client address** used for throttling is the websocket peer (``st.context.ip_address``; loopback
  counts as "local"). ``X-Forwarded-For`` is trusted only when ``MESOLEARN_TRUSTED_PROXIES`` says how many
  proxies in front of the app append to it (e.g. ``1`` behind one nginx): the address that many hops from the
  right is used. Otherwise a client could choose its own address by sending the header.
* **Every run checks the sign-in**, full runs in :func:`current_account` (one indexed SELECT) and the answer
  callbacks of fragment reruns in :func:`still_signed_in`, so a sign-out in another tab counts at once.
* **Database trouble never shows a traceback**: :func:`database_guard` turns SQLAlchemy and storage errors
  into a short message and logs the details.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from mesolearn.accounts import AccountError
from mesolearn.accounts.limits import MAX_PASSWORD
from mesolearn.accounts.service import SESSION_DAYS, Account
from mesolearn.app import StorageError
from mesolearn.settings import current
from mesolearn.ui.services import Services, services
from mesolearn.ui.text import escape_markdown

COOKIE = "mesolearn_session"  # the same name as mesolearn.ui.session_routes.COOKIE
log = logging.getLogger("mesolearn")


def _cookie_script(value: str, max_age: int) -> str:
    # value is our own url-safe token or empty: json.dumps makes it a safe JS string literal
    return (
        "<script>document.cookie = "
        + json.dumps(f"{COOKIE}={value}")
        + f" + '; path=/; max-age={max_age}; SameSite=Strict'"
        " + (location.protocol === 'https:' ? '; Secure' : '');</script>"
    )


def _browser_cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser context (e.g. in tests)
        return None
    return value if isinstance(value, str) and value else None


def _header(name: str) -> str:
    try:
        value = st.context.headers.get(name)
    except Exception:  # no browser context (e.g. in tests)
        return ""
    return value if isinstance(value, str) else ""


def browser_binding() -> str:
    """What a sign-in token is bound to: the browser's user agent (empty without a browser)."""
    return _header("User-Agent")[:512]


def client_address() -> str | None:
    """The client's address for throttling, or None (loopback or unknown): see the module rules."""
    hops = current().trusted_proxies
    if hops > 0:
        forwarded = [part.strip() for part in _header("X-Forwarded-For").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops][:64]
    try:
        address = st.context.ip_address
    except Exception:
        return None
    return address[:64] if isinstance(address, str) and address else None


def current_account(svc: Services) -> Account | None:
    state = st.session_state
    if "token" not in state:
        state["token"] = _browser_cookie()
    account = svc.accounts.account_for_token(state.get("token"), browser_binding())
    if account is None and state.get("token"):
        state["token"] = None
    return account


def still_signed_in() -> bool:
    """For a widget callback of a fragment rerun, which runs neither ``app.py`` nor the page's :func:`require`: True
    unless this session's sign-in has ended since its last full run (signed out in another tab, password changed,
    account ended). Then the session forgets its token, as :func:`current_account` does, and the caller must save
    nothing and rerun the whole app (which shows the sign-in form). Sessions that never signed in through
    ``app.py`` (test pages of one widget) have no token key and pass.
    """
    state = st.session_state
    if "token" not in state:
        return True
    token = state.get("token")
    if token and services().accounts.account_for_token(token, browser_binding()) is not None:
        return True
    state["token"] = None
    return False


def server_cookie() -> bool:
    """True under ``streamlit run serve.py``: the cookie is set by the server (HttpOnly), not by page scripts."""
    return current().server_cookie


def _go(path: str, **params: str) -> None:
    """Send the browser to one of our routes; it comes back to the page it is on (``next``)."""
    query = "&".join(f"{k}={v}" for k, v in params.items())  # url-safe tokens only
    target = json.dumps(f"{path}?{query}{'&' if query else ''}next=")
    st.html(
        f"<script>window.location.replace({target} + encodeURIComponent(location.pathname + location.search));"
        "</script>",
        unsafe_allow_javascript=True,
    )


def sync_cookie() -> None:
    """Keep the browser cookie equal to the session's token (set after sign-in, cleared after sign-out).

    With the server-set cookie, a pending hand-over (sign-in, password change, sign-out) sends the browser
    through ``/api/session`` or ``/api/signout`` instead.
    """
    if server_cookie():
        handover = st.session_state.pop("cookie-handover", None)
        if handover == "signout":
            _go("/api/signout")
        elif handover:
            _go("/api/session", grant=handover)
        return
    token = st.session_state.get("token")
    cookie = _browser_cookie()
    if token and cookie != token:
        st.html(_cookie_script(token, SESSION_DAYS * 86400), unsafe_allow_javascript=True)
    elif not token and cookie:
        st.html(_cookie_script("", 0), unsafe_allow_javascript=True)


def _hand_over(svc: Services, account: Account) -> None:
    if server_cookie():
        st.session_state["cookie-handover"] = svc.accounts.start_grant(account)


def sign_in(svc: Services, account: Account) -> None:
    st.session_state["token"] = svc.accounts.start_session(account, browser_binding())
    _hand_over(svc, account)


def sign_out(svc: Services, everywhere: bool = False) -> None:
    account = svc.accounts.account_for_token(st.session_state.get("token"), browser_binding())
    if everywhere and account is not None:
        svc.accounts.end_all_sessions(account.id)
    svc.accounts.end_session(st.session_state.get("token"), browser_binding())
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state["token"] = None
    if server_cookie():
        st.session_state["cookie-handover"] = "signout"


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


def account_box(svc: Services, account: Account | None) -> None:
    """The sidebar: who is signed in, sign out (here or everywhere), change password."""
    sync_cookie()
    if account is None:
        return
    with database_guard():
        _account_box(svc, account)


def _account_box(svc: Services, account: Account) -> None:
    st.markdown(f"**{escape_markdown(account.display_name)}**  \n{account.role}")
    if st.button("Sign out", key="signout"):
        sign_out(svc)
        st.rerun()
    with st.expander("Other devices"):
        st.caption("Forgot to sign out on a shared computer? This ends every sign-in of your account.")
        if st.button("Sign out everywhere", key="signout-all"):
            sign_out(svc, everywhere=True)
            st.rerun()
    with st.expander("Change password"), st.form("change-password", clear_on_submit=True):
        old = st.text_input("Current password", type="password", max_chars=MAX_PASSWORD)
        new = st.text_input("New password", type="password", help="At least 8 characters", max_chars=MAX_PASSWORD)
        if st.form_submit_button("Change password"):
            try:
                st.session_state["token"] = svc.accounts.change_password(
                    account, old, new, browser_binding(), client_address()
                )
                st.success("Password changed.")
                st.caption("Every other sign-in of your account (other devices, other browsers) has ended.")
                _hand_over(svc, account)
                sync_cookie()
            except AccountError as exc:
                st.error(str(exc))


DATABASE_MESSAGE = (
    "The database cannot be reached or is damaged, so this page cannot be shown and nothing you "
    "do now would be saved. Please try again in a few minutes; if it persists, tell your "
    "instructor or the site's administrator."
)


def show_database_error(exc: BaseException) -> bool:
    """Show a database problem as a short message (details to the log). False for any other exception.

    Also ``st.App``'s ``on_script_error`` hook in serve.py, which covers widget callbacks (answers are saved
    in callbacks, before the page body and its guard run).
    """
    if not isinstance(exc, (SQLAlchemyError, StorageError)):
        return False
    log.error("database error while running a page: %s", exc, exc_info=exc)
    st.error(str(exc) if isinstance(exc, StorageError) else DATABASE_MESSAGE, icon=":material/error:")
    return True


def run_page(page: st.Page) -> None:
    """Run the page chosen by ``st.navigation``; a database error shows a short message instead of a traceback.

    A plain try/except (not :func:`database_guard`): wrapping ``page.run()`` in a generator-based context
    manager delayed the timed exam's countdown fragment by seconds in the browser tests.
    """
    try:
        page.run()
    except (SQLAlchemyError, StorageError) as exc:
        show_database_error(exc)


@contextmanager
def database_guard() -> Iterator[None]:
    """Database errors become a short message (and a log entry with the details), never a traceback."""
    try:
        yield
    except (SQLAlchemyError, StorageError) as exc:
        show_database_error(exc)
        st.stop()
