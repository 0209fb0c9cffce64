"""Simultaneous requests (double clicks, two tabs, two replicas) settled by the database, not by luck.

Real threads released together by a barrier, against a real SQLite file and a real PostgreSQL server
(marker ``postgres``; each test makes and drops its own database). What a user would notice:

* two "Start" clicks at once on a quiz with ``max_attempts: 1`` give one attempt, and both clicks land in it;
* two submits of one attempt: both see the same result, and the follow-up work (review cards, certificate) runs
  once;
* concurrent certificate requests for one exam attempt issue one certificate, the same code for everyone;
* an answer racing the submission is either graded or refused, never stored ungraded after the grading.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mesolearn.certificates import Certificates
from mesolearn.content import Course
from mesolearn.quiz import grading
from mesolearn.quiz.attempts import AttemptError, Attempts
from mesolearn.storage import Database
from mesolearn.storage.models import Answer, Attempt, Certificate
from tests.conftest import make_user
from tests.test_attempts import small_course

USERS = 15  # two simultaneous requests each: 30 threads


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def one_try(tmp_path: Path) -> Course:
    """The small course with ``max_attempts: 1``."""
    return small_course(tmp_path / "course", max_attempts=1)


def together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job in its own thread, all released at the same instant; results (or exceptions) in order."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # collected: the test decides which refusals are fine
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def graded_counts(db: Database, quiz_id: str) -> Counter:
    with db.session() as s:
        return Counter(s.scalars(select(Attempt.user_id).where(Attempt.quiz_id == quiz_id, Attempt.mode == "graded")))


def test_two_start_clicks_at_once_give_one_attempt_and_both_land_in_it(database, one_try) -> None:
    attempts = Attempts(database, one_try)
    users = [make_user(database, f"Trainee {i}", f"t{i}") for i in range(USERS)]
    results = together([lambda u=u: attempts.start(u, "safety") for u in users for _ in range(2)])

    assert not [r for r in results if isinstance(r, Exception)], results
    for i, user in enumerate(users):
        assert results[2 * i] == results[2 * i + 1]  # the second click resumes the first's attempt
        assert attempts.load(results[2 * i], user).user_id == user
    assert graded_counts(database, "safety") == Counter(dict.fromkeys(users, 1))  # max_attempts: 1 holds


def test_starts_racing_after_the_only_attempt_are_all_refused(database, one_try) -> None:
    attempts = Attempts(database, one_try)
    users = [make_user(database, f"Trainee {i}", f"t{i}") for i in range(USERS)]
    for user in users:
        attempts.submit(attempts.start(user, "safety"), user)
    results = together([lambda u=u: attempts.start(u, "safety") for u in users for _ in range(2)])

    assert all(isinstance(r, AttemptError) and "used all 1 attempts" in str(r) for r in results), results
    assert graded_counts(database, "safety") == Counter(dict.fromkeys(users, 1))


def test_two_submits_at_once_are_graded_once_and_follow_up_runs_once(database, one_try) -> None:
    follow_ups: list[int] = []
    lock = threading.Lock()

    def after(attempt_id: int) -> None:
        with lock:
            follow_ups.append(attempt_id)

    attempts = Attempts(database, one_try, on_submit=after)
    users = [make_user(database, f"Trainee {i}", f"t{i}") for i in range(USERS)]
    opened = {}
    for user in users:
        attempt_id = attempts.start(user, "safety")
        for n, item in enumerate(attempts.load(attempt_id, user).items):
            attempts.save_answer(attempt_id, user, item.question.id, "a" if n % 2 == 0 else "b")
        opened[user] = attempt_id
    results = together([lambda u=u: attempts.submit(opened[u], u) for u in users for _ in range(2)])

    assert not [r for r in results if isinstance(r, Exception)], results
    for i in range(len(users)):
        a, b = results[2 * i], results[2 * i + 1]
        assert a.submitted and (a.score, a.passed, a.submitted_at) == (b.score, b.passed, b.submitted_at)
        assert a.score == 60.0
    assert Counter(follow_ups) == Counter(dict.fromkeys(opened.values(), 1))


def test_concurrent_certificate_requests_issue_one_certificate(database, course) -> None:
    certificates = Certificates(database, course)
    users = [make_user(database, f"Trainee {i}", f"t{i}") for i in range(10)]
    when = datetime(2026, 11, 30, 12, 0)
    with database.session() as s:
        for user in users:
            for module in (m for m in course.modules.values() if m.quiz is not None):
                s.add(
                    Attempt(
                        user_id=user,
                        quiz_id=module.id,
                        kind="module",
                        mode="graded",
                        seed=1,
                        layout=[],
                        started_at=when,
                        submitted_at=when,
                        score=100.0,
                        passed=True,
                    )
                )
            s.add(
                Attempt(
                    user_id=user,
                    quiz_id="certification",
                    kind="exam",
                    mode="graded",
                    seed=1,
                    layout=[],
                    started_at=when,
                    submitted_at=when,
                    score=90.0,
                    passed=True,
                )
            )
    results = together([lambda u=u: certificates.issue(u) for u in users for _ in range(3)])

    assert not [r for r in results if isinstance(r, Exception)], results
    for i in range(len(users)):
        assert len({r.code for r in results[3 * i : 3 * i + 3]}) == 1  # everyone is shown the same certificate
    with database.session() as s:
        per_attempt = Counter(s.scalars(select(Certificate.attempt_id)))
    assert sorted(per_attempt.values()) == [1] * len(users)


def test_an_answer_racing_the_submission_is_graded_or_refused(database, one_try) -> None:
    attempts = Attempts(database, one_try)
    users = [make_user(database, f"Trainee {i}", f"t{i}") for i in range(10)]
    opened = {u: attempts.start(u, "safety") for u in users}
    questions = {u: [it.question.id for it in attempts.load(opened[u], u).items] for u in users}
    jobs: list[Callable[[], Any]] = []
    for u in users:
        jobs.append(lambda u=u: attempts.submit(opened[u], u))
        jobs += [lambda u=u, q=q: attempts.save_answer(opened[u], u, q, "a") for q in questions[u][:2]]
    results = together(jobs)

    assert all(r is None or isinstance(r, AttemptError) or getattr(r, "submitted", False) for r in results), results
    with database.session() as s:
        rows = s.execute(
            select(Answer.question_id, Answer.response, Answer.score).where(Answer.attempt_id.in_(opened.values()))
        ).all()
    for question_id, response, score in rows:  # what is stored is what was graded
        assert score == grading.grade(one_try.question(question_id), response), (question_id, response, score)
