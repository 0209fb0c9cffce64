"""A branching case in headless Chromium against a real `streamlit run` server serving the fixture course
(tests/fixtures/case_course): the trainee walks down the unsafe branch, reloads the page in the middle and resumes
at the same stage (the first decision final), finishes, and after submitting sees the path taken beside the best
path. Nothing of a stage not reached is in the page before the decision that leads to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mesolearn.accounts import Accounts
from mesolearn.content import load_course
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from mesolearn.ui.inputs.case import confirm_key, stage_key
from mesolearn.ui.keys import answer_key
from tests.e2e.streamlit_page import (
    answer_correctly,
    by_key,
    click_button,
    click_text,
    question_box,
    see,
    settle,
    sign_in,
)
from tests.factories import PASSWORD, instructor_and_trainee
from tests.live.server import LiveServer

pytestmark = pytest.mark.browser
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "case_course"
CASE = "cases-anticoagulant"


@pytest.fixture(scope="module")
def case_server():
    env = {"MESOLEARN_CONTENT_DIR": str(FIXTURE)}
    options = {"server.headless": "true", "server.fileWatcherType": "none"}
    with LiveServer("app.py", options=options, env=env) as srv:
        yield srv.url, srv.database_url


def _register(page: Page, base: str, db_url: str) -> int:
    """The instructor and a trainee (made through the core: the sign-up pages have their own browser test), the
    trainee signed in; returns the trainee's id."""
    db = Database(db_url)
    try:
        trainee = instructor_and_trainee(db, "tom", "Tom Trainee")
    finally:
        db.dispose()
    sign_in(page, base, "tom", PASSWORD)
    return trainee


def _trainee(page: Page, base: str, db_url: str, username: str) -> int:
    """One more trainee (the instructor first when the server has no account yet), signed in; returns their id."""
    db = Database(db_url)
    try:
        accounts = Accounts(db)
        if not accounts.has_users():
            accounts.create_first_instructor("ada", "Ada Instructor", PASSWORD)
        user_id = accounts.create_user(username, username.title(), PASSWORD, "trainee").id
    finally:
        db.dispose()
    sign_in(page, base, username, PASSWORD)
    return user_id


def _decide(page: Page, box, key: str, stage: int, choice: str) -> None:
    """Pick ``choice`` in the stage's radio and confirm it, both found by their keys."""
    click_text(page, by_key(box, stage_key(key, stage)), choice)
    settle(page)
    by_key(box, confirm_key(key, stage)).get_by_role("button").click()
    settle(page)


def test_a_case_is_walked_down_a_branch_resumed_after_a_reload_and_reviewed(case_server, page: Page) -> None:
    base, db_url = case_server
    course = load_course(FIXTURE)
    case = course.question(CASE)
    assert _register(page, base, db_url) == 2
    page.goto(base + "/quiz?module=cases")
    settle(page)
    click_button(page, "Start the quiz")
    attempts = Attempts(Database(db_url), course)
    attempt_id = attempts.open_attempt_id(2, "cases")
    state = attempts.load(attempt_id, 2)
    total = len(state.items)
    item = next(i for i in state.items if i.question.id == CASE)
    box = question_box(page, item.position + 1, total)
    key = answer_key(attempt_id, CASE)

    expect(box).to_contain_text("Stage 1 · Consultation")
    later = [case.stage(s).text.strip() for s in ("plan", "bruise", "followup")]
    html = page.content()
    assert not any(text in html for text in later)  # nothing of a later stage reached the browser

    _decide(page, box, key, 1, "Treat as booked")
    expect(box).to_contain_text("Stage 2 · Day 2")
    html = page.content()
    assert case.stage("plan").text.strip() not in html and case.stage("followup").text.strip() not in html
    assert "Unsafe; the tablet was never checked" not in html  # no feedback while the attempt is open

    page.reload()  # mid-case: the saved path brings the trainee back to the same stage
    settle(page)
    box = question_box(page, item.position + 1, total)
    expect(box).to_contain_text("Your decision: Treat as booked")
    expect(box).to_contain_text("Stage 2 · Day 2")
    expect(box.get_by_text("Ask what the tablet is and whether it thins the blood", exact=True)).to_have_count(0)
    assert attempts.load(attempt_id, 2).items[item.position].response == ["treat"]

    _decide(page, box, key, 2, "See him today and assess the bruise")
    expect(box).to_contain_text("Stage 3 · One week later")
    _decide(page, box, key, 3, "Photos, notes and the plan agreed with his doctor")
    expect(box).to_contain_text("Case complete")
    for other in state.items:
        if other.question.id != CASE:
            answer_correctly(page, question_box(page, other.position + 1, total), other)
    see(page, f"{total} of {total} answered")
    click_button(page, "Submit all and finish")
    see(page, "Your path")
    see(page, "Best path")
    see(page, "Day 2: See him today and assess the bruise (score 1 of 1)")
    see(page, "Planning: Offer a plan without needles and review in a week (score 1 of 1)")
    see(page, "Unsafe; the tablet was never checked")
    see(page, "A safety-critical question was answered wrongly")
    assert attempts.load(attempt_id, 2).items[item.position].response == ["treat", "see", "document"]

    # practice: the shared driver walks the best path (click the choice, confirm, at every stage)
    page.goto(base + "/quiz?module=cases")
    settle(page)
    click_button(page, "Practise (does not count)")
    practice = attempts.open_attempt_id(2, "cases", "practice")
    p_item = next(i for i in attempts.load(practice, 2).items if i.question.id == CASE)
    box = question_box(page, p_item.position + 1, total)
    answer_correctly(page, box, p_item)
    expect(box).to_contain_text("Case complete")
    expect(box).to_contain_text("Best path")
    expect(page.get_by_text("Correct", exact=True).first).to_be_visible()
    assert attempts.load(practice, 2).items[p_item.position].score == 1.0


def test_a_decision_confirmed_right_after_the_pick_counts(case_server, page: Page) -> None:
    """A trainee on a busy server picks a choice and clicks "Confirm decision" at once, before the rerun of the pick
    has come back. The click must count (it carries the pick), not land on a button still disabled from the run
    before; and a confirm with nothing picked says what to do."""
    base, db_url = case_server
    course = load_course(FIXTURE)
    user_id = _trainee(page, base, db_url, "quick")
    page.goto(base + "/quiz?module=cases")
    settle(page)
    click_button(page, "Practise (does not count)")
    attempts = Attempts(Database(db_url), course)
    attempt_id = attempts.open_attempt_id(user_id, "cases", "practice")
    state = attempts.load(attempt_id, user_id)
    item = next(i for i in state.items if i.question.id == CASE)
    box = question_box(page, item.position + 1, len(state.items))
    key = answer_key(attempt_id, CASE)

    confirm = by_key(box, confirm_key(key, 1)).get_by_role("button")
    confirm.click()
    settle(page)
    expect(box).to_contain_text("Pick a decision first")
    expect(box).to_contain_text("Stage 1 · Consultation")

    pick = by_key(box, stage_key(key, 1)).get_by_text("Treat as booked", exact=True)
    # the pick and the confirm in one go, as a quick hand on a slow server: nothing of the pick's rerun is back yet
    pick.evaluate("(label, button) => { label.click(); button.click(); }", confirm.element_handle())
    settle(page)
    expect(box).to_contain_text("Stage 2 · Day 2")
    expect(box).to_contain_text("Your decision: Treat as booked")
    assert attempts.load(attempt_id, user_id).items[item.position].response == ["treat"]
