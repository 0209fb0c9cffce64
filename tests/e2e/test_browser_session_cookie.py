"""`streamlit run serve.py`: the sign-in cookie is set by the server, HttpOnly, and page scripts cannot read it.

Before: the cookie was written by page JavaScript (httpOnly false, the token readable through document.cookie).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mesolearn.accounts import Accounts
from mesolearn.content import load_course
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from tests.e2e.streamlit_page import answer_correctly, click_button, fill, question_box, see, settle
from tests.live.server import LiveServer

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def asgi_server() -> Iterator[tuple[str, str]]:
    """``streamlit run serve.py``: the app plus the routes that set the sign-in cookie from the server."""
    with LiveServer("serve.py", options={"server.headless": "true", "server.fileWatcherType": "none"}) as srv:
        db = Database(srv.database_url)
        accounts = Accounts(db)
        accounts.create_first_instructor("ada", "Ada Instructor", PASSWORD)
        accounts.create_user("tom", "Tom Trainee", PASSWORD, "trainee")
        db.dispose()
        yield srv.url, srv.database_url


def _session_cookie(page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == "mesolearn_session"), None)


def _new_cookie(page, old: str | None = None) -> dict | None:
    """Wait until the server has set a session cookie (other than ``old``) and the page has loaded again."""
    deadline = time.time() + 20
    while time.time() < deadline:
        cookie = _session_cookie(page)
        if cookie is not None and cookie["value"] != old:
            break
        page.wait_for_timeout(200)
    page.wait_for_load_state()
    page.wait_for_timeout(300)
    settle(page)
    return _session_cookie(page)


def test_the_sign_in_cookie_is_httponly_and_survives_a_reload(asgi_server, page) -> None:
    base, _ = asgi_server
    page.goto(base)
    settle(page)
    fill(page, "Username", "ada")
    fill(page, "Password", PASSWORD)
    click_button(page, "Sign in")
    cookie = _new_cookie(page)
    see(page, "Signed in as Ada Instructor (instructor)")
    assert cookie is not None and cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert "mesolearn_session" not in page.evaluate("document.cookie")
    assert cookie["value"] not in page.content()
    page.reload()
    settle(page)
    see(page, "Signed in as Ada Instructor (instructor)")  # the reload is signed in by the HttpOnly cookie

    # a password change ends that session and hands a new HttpOnly cookie to this browser
    first = cookie["value"]
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Change password", exact=True).first.click()
    fill(page, "Current password", PASSWORD, scope=sidebar)
    fill(page, "New password", "a new long password", scope=sidebar)
    sidebar.get_by_role("button", name="Change password", exact=True).click()
    second = _new_cookie(page, first)
    assert second is not None and second["value"] != first and second["httpOnly"] is True
    page.reload()
    settle(page)
    see(page, "Signed in as Ada Instructor (instructor)")

    page.get_by_role("button", name="Sign out", exact=True).click()
    settle(page)
    deadline = time.time() + 20
    while time.time() < deadline and _session_cookie(page) is not None:
        page.wait_for_timeout(200)
    assert _session_cookie(page) is None
    page.wait_for_load_state()
    settle(page)
    see(page, "Sign in")
    page.reload()
    settle(page)
    see(page, "Sign in")


def test_a_used_or_unknown_grant_sets_no_cookie(asgi_server, page) -> None:
    base, _ = asgi_server
    page.goto(base + "/api/session?grant=made-up&next=//evil.example/")
    settle(page)
    assert page.url.startswith(base + "/")
    assert _session_cookie(page) is None


def test_an_answer_after_the_database_file_was_deleted_is_refused_with_a_message(asgi_server, page) -> None:
    """Before: answers were acknowledged ("3 of 10 answered") into a deleted file, and lost at the restart.

    Runs last: it deletes this module's database.
    """
    base, db_url = asgi_server
    db = Database(db_url)
    tom = Accounts(db).authenticate("tom", PASSWORD)
    attempts = Attempts(db, load_course(REPO))
    attempt_id = attempts.start(tom.id, "history", seed=5)
    item = next(
        it for it in attempts.load(attempt_id, tom.id).items if it.question.type in ("single_choice", "true_false")
    )
    db.dispose()
    page.goto(base)
    settle(page)
    fill(page, "Username", "tom")
    fill(page, "Password", PASSWORD)
    click_button(page, "Sign in")
    _new_cookie(page)
    page.goto(f"{base}/quiz?attempt={attempt_id}")
    settle(page)
    expect(page.get_by_text("0 of 10 answered").first).to_be_visible(timeout=30_000)
    path = Path(db_url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    answer_correctly(page, question_box(page, item.position + 1, 10), item)
    expect(page.get_by_text("was deleted while the server was running").first).to_be_visible(timeout=30_000)
    assert page.get_by_text("1 of 10 answered").count() == 0
    assert page.get_by_text("Traceback").count() == 0
