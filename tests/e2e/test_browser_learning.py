"""Learning pages in a real browser: what a keyboard user does is kept (UX review B8)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from mesolearn.learning.readiness import exam_date
from mesolearn.storage import Database
from tests.e2e.streamlit_page import see, settle, sign_in
from tests.factories import PASSWORD, instructor_and_trainee

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def trainee(server):
    _, db_url = server
    db = Database(db_url)
    yield db, instructor_and_trainee(db, "kim", "Kim Keyboard")
    db.dispose()


def test_an_exam_date_typed_and_confirmed_with_enter_is_saved(server, trainee, page):
    base, _ = server
    db, user_id = trainee
    sign_in(page, base, "kim", PASSWORD)
    page.goto(base + "/certification")
    settle(page)
    day = date.today() + timedelta(days=45)
    field = page.get_by_role("textbox", name="Date of your certification exam (YYYY-MM-DD)")
    field.fill(day.isoformat())
    field.press("Enter")
    settle(page)
    see(page, f"Exam date saved: {day:%d %B %Y}")
    assert exam_date(db, user_id) == day
    page.reload()
    settle(page)
    expect(page.get_by_role("textbox", name="Date of your certification exam (YYYY-MM-DD)")).to_have_value(
        day.isoformat()
    )


def test_pages_fetch_nothing_from_other_servers(server, trainee, page):
    """Offline or behind a firewall the app works the same: every request goes to our own server (B15)."""
    base, _ = server
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    sign_in(page, base, "kim", PASSWORD)
    for path in ("/", "/lesson?module=history", "/quiz", "/progress", "/certification"):
        page.goto(base + path)
        settle(page)
    outside = sorted({u for u in requested if not u.startswith(base) and not u.startswith(("data:", "blob:"))})
    assert outside == []


def test_lesson_figures_carry_their_alt_text(server, trainee, page):
    """A screen reader reads the figure's description, not an empty alt (B16)."""
    from pathlib import Path

    from mesolearn.content import load_course

    base, _ = server
    course = load_course(Path(__file__).resolve().parents[2])
    module, section = next((m.id, s) for m in course.modules.values() for s in m.lesson.sections if s.figure)
    sign_in(page, base, "kim", PASSWORD)
    page.goto(f"{base}/lesson?module={module}&section={section.id}")
    settle(page)
    image = page.locator("main img").first
    expect(image).to_be_visible()
    assert image.get_attribute("alt") == section.figure.alt.strip()
