"""The quiz page built for exams, in AppTest (issue 13 §2): one question per page with Previous / Next and the
navigator, the summary of the attempt, and the confirmation before submitting unanswered or incomplete answers.
The browser tests (tests/e2e/test_browser_exam_layout.py) check the same in Chromium at 1280 and 390 px."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesolearn.content import load_course
from mesolearn.questions.registry import type_of
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from mesolearn.ui import keys
from tests.app_driver import answer, fill_account_form, new_app, open_page, texts

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def db_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/app.db"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", url)
    monkeypatch.delenv("MESOLEARN_CONTENT_DIR", raising=False)
    return url


def _signed_in(db_url):
    """The first instructor, signed in (user 1), and the attempts service on the same database."""
    at = fill_account_form(new_app(), "Ada Instructor", "ada", "correct horse battery")
    return at, Attempts(Database(db_url), load_course(REPO))


def _question_headings(at) -> list[str]:
    return [m.value for m in at.markdown if "**Question " in str(m.value)]


def _click(at, label: str):
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_the_exam_draws_one_question_per_page_and_moves_by_next_and_the_navigator(db_url):
    at, attempts = _signed_in(db_url)
    attempt_id = attempts.start(1, "certification")
    state = attempts.load(attempt_id, 1)
    at = open_page(at, "quiz", attempt=str(attempt_id))
    assert not at.exception
    assert len(_question_headings(at)) == 1 and "Question 1 of 60" in _question_headings(at)[0]

    at = _click(at, "Next question")
    assert "Question 2 of 60" in _question_headings(at)[0] and len(_question_headings(at)) == 1
    assert at.query_params["q"] == "2"  # in the URL: a reload stays on it

    # answering marks the question in the navigator (a pill per question, with the state's shape)
    second = state.items[1]
    answer(
        at,
        attempt_id,
        second.question,
        second.layout,
        type_of(second.question).correct_for(second.question, second.layout),
    )
    at.run()
    (navigator,) = at.sidebar.button_group
    assert navigator.options[:3] == ["1 ○", "2 ✓", "3 ○"] and len(navigator.options) == 60

    navigator.set_value(40).run()
    assert "Question 41 of 60" in _question_headings(at)[0]
    assert at.query_params["q"] == "41"

    # the summary: every question's state, a way back to each, then submit with a confirmation
    at = _click(at, "Summary and submit")
    assert _question_headings(at) == []
    page = texts(at)
    assert "Summary of attempt" in page and page.count("Not answered") == 59 and "Answered" in page
    at = _click(at, "Submit all and finish")
    assert "59 questions have no answer" in texts(at)
    assert not attempts.load(attempt_id, 1).submitted
    at = _click(at, "Question 2")
    assert "Question 2 of 60" in _question_headings(at)[0]


def test_a_half_filled_matching_answer_needs_a_yes_before_submitting(db_url):
    """UX review B10: a graded matching question answered in part is not submitted without being pointed out."""
    at, attempts = _signed_in(db_url)
    course = load_course(REPO)
    module = next(m for m in course.modules.values() if m.quiz and any(q.type == "matching" for q in m.quiz.questions))
    seed = next(
        s
        for s in range(500)
        if any(
            type_of(q).name == "matching"
            for q in (course.question(d.question_id) for d in attempts._draw(attempts.spec(module.id), s))
        )
    )
    attempt_id = attempts.start(1, module.id, seed=seed)
    state = attempts.load(attempt_id, 1)
    at = open_page(at, "quiz", attempt=str(attempt_id))
    assert len(_question_headings(at)) == len(state.items)  # a module quiz: all on one page
    for item in state.items:
        q = item.question
        if q.type == "matching":
            at.selectbox(key=keys.part_key(keys.answer_key(attempt_id, q.id), 0)).set_value(0)
            half = item
        else:
            answer(at, attempt_id, q, item.layout, type_of(q).correct_for(q, item.layout))
    at.run()
    assert f"| [Question {half.position + 1}](#question-{half.position + 1}) | Incomplete |" in texts(at)
    at = _click(at, "Submit all and finish")
    assert "1 question has an incomplete answer" in texts(at) and "Submit anyway?" in texts(at)
    assert not attempts.load(attempt_id, 1).submitted
    at = _click(at, "Yes, submit now")
    assert attempts.load(attempt_id, 1).submitted
