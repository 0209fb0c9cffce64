"""AppTest tests of the learning flows (issue: practice/exam, review, readiness, certificates) and of
the instructor workspace (cohorts, assignments, gradebook, item analysis, content health)."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mesolearn.accounts import Accounts
from mesolearn.certificates import Certificates
from mesolearn.cohorts import Cohorts, create_report
from mesolearn.content import load_course
from mesolearn.questions.registry import type_of
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database, utcnow
from mesolearn.quiz.grading import correct_response
from tests.app_driver import fill_account_form, new_app, open_page, sign_in, sign_out, texts

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"




@pytest.fixture
def world(tmp_path, monkeypatch, course):
    """An app database with an instructor (id 1) and a trainee (id 2), plus direct service access."""
    url = f"sqlite:///{tmp_path}/app.db"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", url)
    monkeypatch.delenv("MESOLEARN_CONTENT_DIR", raising=False)
    db = Database(url)
    accounts = Accounts(db)
    instructor = accounts.create_first_instructor("ada", "Ada Instructor", PASSWORD)
    trainee = accounts.create_user("tom", "Tom Trainee", PASSWORD, "trainee")
    return {"db": db, "accounts": accounts, "instructor": instructor, "trainee": trainee,
            "attempts": Attempts(db, course), "course": course}


def take(world, user_id, quiz_id, right=True, clock=None):
    """A graded attempt answered fully (right or wrong), submitted through the same services as the app."""
    attempts = Attempts(world["db"], world["course"], clock=clock) if clock else world["attempts"]
    attempt_id = attempts.start(user_id, quiz_id)
    for item in attempts.load(attempt_id, user_id).items:
        q = item.question
        response = correct_response(q) if right else type_of(q).wrong_response(q)
        attempts.save_answer(attempt_id, user_id, q.id, response)
    attempts.submit(attempt_id, user_id)
    from mesolearn.learning import sync_from_attempt
    sync_from_attempt(world["db"], world["course"], attempt_id)
    return attempt_id


def as_user(username):
    return sign_in(new_app(), username, PASSWORD)


# ---------------------------------------------------------------- trainee learning flows
def test_dashboard_shows_progress_and_mastery(world):
    take(world, 2, "history", right=True)
    at = open_page(as_user("tom"), "progress")
    assert not at.exception
    page = texts(at)
    assert "Scores over time" in page and "Mastery by learning objective" in page
    table = at.dataframe[0].value
    row = table[table["module"] == world["course"].modules["history"].title].iloc[0]
    assert row["status"] == "passed" and row["best %"] == 100.0


def test_wrong_answers_become_review_cards_and_a_review_session(world):
    take(world, 2, "risks", right=False)
    at = open_page(as_user("tom"), "review")
    due = next(m for m in at.metric if m.label == "Cards due now")
    assert int(due.value) >= 5
    next(b for b in at.button if b.label.startswith("Review ")).click()
    at.run()
    assert not at.exception
    session = world["attempts"].open_attempt_id(2, "review", "practice")
    assert session is not None
    assert len(world["attempts"].load(session, 2).items) == min(20, int(due.value))


def test_build_your_own_quiz_from_wrong_answers(world):
    take(world, 2, "methods", right=False)
    at = open_page(as_user("tom"), "build-quiz")
    at.multiselect[2].set_value(["wrong"])
    at.number_input[0].set_value(5)
    next(b for b in at.button if b.label == "Start practice").click()
    at.run()
    assert not at.exception
    session = world["attempts"].open_attempt_id(2, "custom", "practice")
    state = world["attempts"].load(session, 2)
    assert len(state.items) == 5 and state.mode == "practice"


def test_readiness_says_when_there_is_not_enough_data_then_estimates(world):
    at = open_page(as_user("tom"), "certification")
    assert "Not enough" in texts(at)
    for module in ("history", "technique", "risks"):
        take(world, 2, module, right=True)
    at = open_page(as_user("tom"), "certification")
    labels = [m.label for m in at.metric]
    assert "Estimated chance of passing" in labels
    assert "with 80% probability" in texts(at)  # the uncertainty is stated, not just a number


def test_exam_time_limit_is_enforced_when_the_trainee_comes_back(world):
    started = utcnow() - timedelta(minutes=120)  # a 90-minute exam begun two hours ago
    clock = lambda: started  # noqa: E731
    attempts = Attempts(world["db"], world["course"], clock=clock)
    attempt_id = attempts.start(2, "certification")
    first = attempts.load(attempt_id, 2).items[0]
    attempts.save_answer(attempt_id, 2, first.question.id, correct_response(first.question))
    at = open_page(as_user("tom"), "quiz", attempt=str(attempt_id))
    page = texts(at)
    assert "Time ran out" in page and "Not passed" in page
    state = world["attempts"].load(attempt_id, 2)
    assert state.auto_submitted and state.items[0].response is not None


def test_certificate_is_issued_downloaded_and_verified_publicly(world):
    for module in world["course"].modules:
        take(world, 2, module, right=True)
    exam_attempt = take(world, 2, "certification", right=True)
    at = open_page(as_user("tom"), "certification")
    assert not at.exception
    cert = Certificates(world["db"], world["course"]).for_user(2)[0]
    assert cert.attempt_id == exam_attempt
    assert cert.code in texts(at)
    assert any(b.label == "Download the certificate (PDF)" for b in at.get("download_button"))
    public = new_app()  # not signed in
    public = open_page(public, "verify", code=cert.code.lower().replace("-", " "))
    assert "Valid certificate" in texts(public) and "Tom Trainee" in texts(public)
    public = open_page(public, "verify", code="MESO-AAAA-BBBB-CCCC-DDDD")
    assert "No certificate has this code" in texts(public)


# ---------------------------------------------------------------- instructor workspace
def test_cohort_invite_assignment_overdue_and_gradebook(world):
    at = open_page(as_user("ada"), "cohorts")
    at.text_input[0].input("Spring cohort")
    next(b for b in at.button if b.label == "Create cohort").click()
    at.run()
    cohort = Cohorts(world["db"], world["accounts"], course=world["course"]).list_cohorts()[0]
    assert cohort.invite_display in texts(at)
    # the trainee joins with the code from the home page
    tom = as_user("tom")
    code_box = next(t for t in tom.text_input if t.label == "Invite code")
    code_box.input(cohort.invite_display.lower())
    next(b for b in tom.button if b.label == "Join").click()
    tom.run()
    assert "You joined Spring cohort" in texts(tom)
    # an assignment with a due date in the past shows as overdue for the trainee and in the gradebook
    Cohorts(world["db"], world["accounts"], course=world["course"]).assign(
        "risks", utcnow() - timedelta(days=1), cohort_id=cohort.id, instructor_id=1)
    tom = open_page(as_user("tom"), "")
    assert "Overdue" in texts(tom)
    take(world, 2, "history", right=True)
    book = open_page(as_user("ada"), "gradebook")
    grid = book.dataframe[0].value
    assert "Tom Trainee" in list(grid.index)
    assert grid.loc["Tom Trainee", world["course"].modules["history"].title].startswith("passed · 100%")
    assert grid.loc["Tom Trainee", world["course"].modules["risks"].title].startswith("⚠️")
    assert any(b.label == "Download CSV" for b in book.get("download_button"))


def test_item_analysis_page_shows_statistics(world):
    accounts = world["accounts"]
    for i in range(4):
        user = accounts.create_user(f"trainee{i}", f"T {i}", PASSWORD, "trainee")
        take(world, user.id, "history", right=i % 2 == 0)
    at = open_page(as_user("ada"), "item-analysis")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Attempts analysed"] == "4"
    table = at.dataframe[0].value
    assert {"facility %", "discrimination", "flags"} <= set(table.columns)


def test_reported_problem_reaches_content_health_and_can_be_resolved(world):
    q = world["course"].modules["history"].quiz.questions[0]
    create_report(world["db"], 2, q.id, "Option b also looks right to me.", course=world["course"])
    at = open_page(as_user("ada"), "content-health")
    assert "Option b also looks right to me." in texts(at)
    next(b for b in at.button if b.label == "Mark resolved").click()
    at.run()
    assert "No open reports." in texts(at)


def test_trainee_cannot_reach_instructor_workspace(world):
    at = as_user("tom")
    paths = [i.get("url_pathname") for i in at._registered_pages.values()]
    for p in ("cohorts", "gradebook", "item-analysis", "content-health", "settings"):
        assert p not in paths


def test_about_page_states_education_not_medical_advice_without_sign_in(world):
    at = open_page(new_app(), "about")
    page = texts(at)
    assert "education, not medical advice" in page and "differs" in page and "country" in page


def test_instructor_can_download_a_quiz_as_gift_and_moodle_xml(world):
    at = open_page(as_user("ada"), "exchange")
    labels = [b.label for b in at.get("download_button")]
    assert "Download GIFT" in labels and "Download Moodle XML" in labels


def test_trainee_reports_a_problem_during_an_attempt(world):
    at = open_page(as_user("tom"), "quiz", module="history")
    next(b for b in at.button if b.label == "Start the quiz").click()
    at.run()
    attempt_id = world["attempts"].open_attempt_id(2, "history")
    item = world["attempts"].load(attempt_id, 2).items[0]
    key = f"a{attempt_id}-{item.question.id}-report"
    at.text_area(key=f"{key}-msg").input("The prompt has a typo.")
    at.button(key=f"{key}-send").click()
    at.run()
    from mesolearn.cohorts import list_reports
    assert [r.message for r in list_reports(world["db"])] == ["The prompt has a typo."]
