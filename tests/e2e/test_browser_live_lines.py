"""The lines an answer redraws stay right in a real browser: the "k of N answered" line, the navigator and the summary.

A click on an answer reruns only that question's fragment; the fragment rewrites those three lines only when what
they show changed or when its own question wrote them last (the browser drops what a fragment wrote in its last run
and did not write again). Rules checked, clicking back and forth between two questions, changing answers that
do not change any status: after every click the three lines are there and say how many questions are answered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from mesolearn.content import load_course
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from tests.e2e.streamlit_page import click_text, question_box, rendered, see, settle, sign_in
from tests.factories import PASSWORD, instructor_and_trainee

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]


def _lines_say(page, answered: int, total: int, answered_numbers: list[int]) -> None:
    see(page, f"{answered} of {total} answered")
    sidebar = page.locator('[data-testid="stSidebar"]')
    for n in answered_numbers:
        expect(sidebar.get_by_text(f"{n} ✓", exact=True).first).to_be_visible()
    expect(page.get_by_role("cell", name="Answered", exact=True)).to_have_count(answered)


def test_progress_navigator_and_summary_survive_answers_changed_back_and_forth(server, page):
    base, db_url = server
    db = Database(db_url)
    try:
        user_id = instructor_and_trainee(db, "lina", "Lina Lines")
        attempts = Attempts(db, load_course(REPO))
        attempt_id = attempts.start(user_id, "history")
        state = attempts.load(attempt_id, user_id)
    finally:
        db.dispose()
    radios = [it for it in state.items if it.question.type == "single_choice"][:2]
    assert len(radios) == 2, "the test needs two single-choice questions in the attempt"
    total = len(state.items)
    sign_in(page, base, "lina", PASSWORD)
    page.goto(f"{base}/quiz?attempt={attempt_id}")
    settle(page)
    _lines_say(page, 0, total, [])

    def choose(item, choice: int) -> None:
        box = question_box(page, item.position + 1, total)
        click_text(page, box, rendered(item.view.choices[choice]))
        settle(page)

    first, second = radios
    numbers = [first.position + 1, second.position + 1]
    choose(first, 0)
    _lines_say(page, 1, total, numbers[:1])
    choose(first, 1)  # the same question again: it wrote the lines last, so it writes them again
    _lines_say(page, 1, total, numbers[:1])
    choose(second, 0)
    _lines_say(page, 2, total, numbers)
    choose(first, 0)  # nothing changes and another question wrote the lines: they stay as they are
    _lines_say(page, 2, total, numbers)
    choose(first, 1)
    _lines_say(page, 2, total, numbers)
    choose(second, 1)  # the question that wrote them last
    _lines_say(page, 2, total, numbers)
    choose(second, 0)
    _lines_say(page, 2, total, numbers)
