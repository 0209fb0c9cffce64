"""HTTP routes that set and clear the sign-in cookie from the server, so it can be HttpOnly.

Streamlit answers every page over a websocket, so a script run cannot send ``Set-Cookie``. Streamlit 1.67's
``st.App(script, routes=[...])`` (ASGI mode, started with ``streamlit run serve.py``) accepts extra starlette
routes next to its own; these two use it:

* ``GET /api/session?grant=G&next=/path`` trades a single-use grant (60 s, made by the page right after a
  sign-in or a password change) for a new session token bound to this browser's user agent, sets it as an
  ``HttpOnly; SameSite=Strict`` cookie (``Secure`` over https) and redirects to ``next`` (a local path only).
  The grant is in the page for a moment; the token never is, and page scripts cannot read the cookie.
* ``GET /api/signout?next=/path`` ends the cookie's session and clears the cookie.

``serve.py`` sets ``MESOLEARN_SERVER_COOKIE=1``; ``mesolearn.ui.auth`` then uses these routes instead of
writing the cookie with JavaScript (the fallback under plain ``streamlit run app.py``).
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mesolearn.accounts import Accounts
from mesolearn.app import open_accounts
from mesolearn.settings import current

COOKIE = "mesolearn_session"
ENV_FLAG = "MESOLEARN_SERVER_COOKIE"
_lock = threading.Lock()
_accounts: Accounts | None = None


def _get_accounts() -> Accounts:
    global _accounts
    with _lock:
        if _accounts is None:
            _accounts = open_accounts()
        return _accounts


def _local_path(value: str | None) -> str:
    """Only a path on this site: no scheme, no host, no '//' or backslash tricks."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _secure(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    trusted = current().trusted_proxies > 0
    return trusted and request.headers.get("x-forwarded-proto", "").lower() == "https"


async def session(request: Request) -> Response:
    accounts = _get_accounts()
    binding = request.headers.get("user-agent", "")[:512]
    token = await run_in_threadpool(accounts.redeem_grant, request.query_params.get("grant"), binding)
    response = RedirectResponse(_local_path(request.query_params.get("next")), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    if token:
        _idle, lifetime = await run_in_threadpool(accounts.session_limits)
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(lifetime.total_seconds()),
            path="/",
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
    return response


async def signout(request: Request) -> Response:
    accounts = _get_accounts()
    binding = request.headers.get("user-agent", "")[:512]
    await run_in_threadpool(accounts.end_session, request.cookies.get(COOKIE), binding)
    response = RedirectResponse(_local_path(request.query_params.get("next")), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response


ROUTES = [Route("/api/session", session, methods=["GET"]), Route("/api/signout", signout, methods=["GET"])]
