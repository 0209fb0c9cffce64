"""Module progress as the catalogue shows it: status, best and last score."""

from __future__ import annotations

from datetime import datetime

import pytest

from mesolearn.progress import Progress
from mesolearn.quiz.attempts import Attempts
from mesolearn.quiz.grading import correct_response
from mesolearn.storage.models import User
from tests.factories import take


@pytest.fixture
def user_id(db) -> int:
    with db.session() as s:
        user = User(
            username="tina",
            display_name="Tina",
            password_hash="not-used",
            role="trainee",
            created_at=datetime(2025, 1, 1),
        )
        s.add(user)
        s.flush()
        return user.id


correct = correct_response


def test_not_started_then_in_progress_then_passed(db, course, clock, user_id) -> None:
    progress = Progress(db, clock=clock)
    attempts = Attempts(db, course, clock=clock)
    modules = list(course.modules)

    before = progress.for_user(user_id, modules)
    assert {p.status for p in before.values()} == {"not started"}
    assert before["history"].best_score is None and before["history"].last_score is None
    assert before["history"].attempts == 0 and before["history"].last_activity is None

    clock.advance(minutes=1)
    progress.visit(user_id, "history", "origins")
    after_visit = progress.for_user(user_id, modules)
    assert after_visit["history"].status == "in progress"
    assert after_visit["history"].sections_read == 1
    assert after_visit["history"].last_activity == clock()
    assert after_visit["technique"].status == "not started"  # other modules are untouched

    clock.advance(minutes=20)
    assert take(attempts, user_id, "history", 10, critical_first=True).score == 100.0
    passed = progress.for_user(user_id, modules)["history"]
    assert passed.status == "passed"
    assert passed.best_score == passed.last_score == 100.0
    assert passed.attempts == 1
    assert passed.last_activity == clock()


def test_a_submitted_attempt_that_failed_reads_not_passed_until_a_new_one_is_open(db, course, clock, user_id) -> None:
    progress = Progress(db, clock=clock)
    attempts = Attempts(db, course, clock=clock)
    score = take(attempts, user_id, "risks", 2, critical_first=True).score
    risks = progress.for_user(user_id, ["risks"])["risks"]
    assert risks.status == "not passed"  # not "in progress": nobody is mid-attempt (UX review B4)
    assert risks.best_score == risks.last_score == score == 20.0
    attempts.start(user_id, "risks")
    assert progress.for_user(user_id, ["risks"])["risks"].status == "in progress"


def test_an_open_attempt_alone_means_in_progress(db, course, clock, user_id) -> None:
    Attempts(db, course, clock=clock).start(user_id, "methods")
    methods = Progress(db, clock=clock).for_user(user_id, ["methods"])["methods"]
    assert methods.status == "in progress"
    assert methods.attempts == 0 and methods.best_score is None


def test_best_and_last_score(db, course, clock, user_id) -> None:
    progress = Progress(db, clock=clock)
    attempts = Attempts(db, course, clock=clock)
    for n_right in (3, 9, 5):
        clock.advance(minutes=30)
        take(attempts, user_id, "evidence", n_right, critical_first=True)
    evidence = progress.for_user(user_id, ["evidence"])["evidence"]
    assert evidence.best_score == 90.0
    assert evidence.last_score == 50.0
    assert evidence.attempts == 3
    assert evidence.status == "passed"  # a pass is kept after a worse attempt


def test_practice_attempts_do_not_count(db, course, clock, user_id) -> None:
    take(Attempts(db, course, clock=clock), user_id, "history", 0, mode="practice")
    history = Progress(db, clock=clock).for_user(user_id, ["history"])["history"]
    assert history.status == "not started"
    assert history.attempts == 0 and history.best_score is None


def test_visits_are_counted_once_per_section(db, clock, user_id) -> None:
    progress = Progress(db, clock=clock)
    first = clock()
    progress.visit(user_id, "history", "origins")
    clock.advance(minutes=5)
    progress.visit(user_id, "history", "origins")
    progress.visit(user_id, "history", "spread")
    history = progress.for_user(user_id, ["history"])["history"]
    assert history.sections_read == 2
    assert history.last_activity == clock() and clock() != first
