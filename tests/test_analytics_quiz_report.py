"""Item statistics from stored attempts: the glue between the database and mesolearn.analytics."""

from __future__ import annotations

import json
import math
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from mesolearn.accounts import Accounts
from mesolearn.analytics.quiz_report import ItemStatsError, quiz_item_analysis
from mesolearn.content import load_course
from mesolearn.quiz import grading
from mesolearn.quiz.attempts import Attempts
from mesolearn.quiz.grading import correct_response
from mesolearn.storage import Database
from mesolearn.storage.models import Answer
from tests.factories import save_whole

ROOT = Path(__file__).resolve().parents[1]
SEED = 4  # history draw with single choice, multiple response, numeric, matching, ordering
N_USERS = 5


class TickingClock:
    """Moves one second per call, so attempts get distinct start times (unlike tests.conftest.Clock)."""

    def __init__(self):
        self.now = datetime(2030, 1, 1, 8, 0)

    def __call__(self):
        self.now += timedelta(seconds=1)  # every call later: attempts have distinct start times
        return self.now


@pytest.fixture(scope="module")
def course():
    return load_course(ROOT)


def rule(i: int, position: int, q):
    """User i's response: single choice -> the (i mod n)-th option; others right on alternate cells."""
    if q.type == "single_choice":
        return q.options[i % len(q.options)].id
    return correct_response(q) if (i + position) % 2 == 0 else None


@pytest.fixture(scope="module")
def template(tmp_path_factory, course):
    """Built once: N_USERS trainees, one graded history attempt each (same draw, responses by ``rule``)."""
    path = tmp_path_factory.mktemp("item-stats") / "template.db"
    db = Database(f"sqlite:///{path}")
    clock = TickingClock()
    accounts = Accounts(db, clock)
    attempts = Attempts(db, course, clock)
    users = [accounts.create_user(f"user{i}", f"User {i}", "password1", "trainee").id for i in range(N_USERS)]
    given: dict[str, list] = {}  # question id -> responses of first attempts
    for i, uid in enumerate(users):
        attempt_id = attempts.start(uid, "history", seed=SEED)
        for pos, item in enumerate(attempts.load(attempt_id, uid).items):
            response = rule(i, pos, item.question)
            save_whole(attempts, attempt_id, uid, item.question.id, response)
            given.setdefault(item.question.id, []).append(response)
        attempts.submit(attempt_id, uid)
    db.dispose()  # checkpoints the WAL into the file
    return dict(path=path, users=users, given=given, clock_now=clock.now)


@pytest.fixture
def scenario(tmp_path, course, template):
    """A private copy of the template database for each test."""
    shutil.copyfile(template["path"], tmp_path / "t.db")
    wal = Path(f"{template['path']}-wal")
    if wal.exists():
        shutil.copyfile(wal, tmp_path / "t.db-wal")
    db = Database(f"sqlite:///{tmp_path}/t.db")
    clock = TickingClock()
    clock.now = template["clock_now"]
    yield dict(db=db, attempts=Attempts(db, course, clock), users=template["users"], given=template["given"])
    db.dispose()


def rows_by_id(report):
    return {r.question_id: r for r in report.questions}


def test_facility_is_the_fraction_of_correct_answers(scenario, course):
    report = quiz_item_analysis(scenario["db"], course, "history")
    assert report.kind == "module" and report.quiz.n_attempts == N_USERS and report.quiz.k == 10
    assert report.attempts_found == N_USERS and report.attempts_excluded == 0
    pool = course.modules["history"].quiz.questions
    assert [r.question_id for r in report.questions] == [q.id for q in pool]  # item = pool index
    rows = rows_by_id(report)
    for qid, responses in scenario["given"].items():
        q = course.question(qid)
        expected = sum(grading.grade(q, r) for r in responses) / len(responses)
        assert rows[qid].n == N_USERS
        assert rows[qid].facility == pytest.approx(expected)
        assert rows[qid].random_guess == pytest.approx(grading.random_guess_score(q))
    unseen = [r for r in report.questions if r.question_id not in scenario["given"]]
    assert unseen and all(r.n == 0 and r.facility is None and r.flags == [] for r in unseen)
    # quiz mean is the mean of attempt scores in percent
    totals = [
        sum(grading.grade(course.question(qid), resp[i]) for qid, resp in scenario["given"].items())
        for i in range(N_USERS)
    ]
    assert report.quiz.mean == pytest.approx(100 * sum(totals) / (10 * N_USERS))
    assert report.attempt_totals == pytest.approx([100 * t / 10 for t in totals])
    json.dumps(report.to_dict(), allow_nan=False)  # serialisable, no NaN


def test_option_counts(scenario, course):
    rows = rows_by_id(quiz_item_analysis(scenario["db"], course, "history"))
    kinds = {course.question(qid).type for qid in scenario["given"]}
    assert {"single_choice", "multiple_response"} <= kinds
    for qid in scenario["given"]:
        q = course.question(qid)
        row = rows[qid]
        if q.type == "single_choice":
            expected = {
                o.id: sum(1 for i in range(N_USERS) if i % len(q.options) == j) for j, o in enumerate(q.options)
            }
            assert {o.option_id: o.count for o in row.options} == expected
            assert [o.option_id for o in row.options] == [o.id for o in q.options]
            assert [o.correct for o in row.options] == [o.id == q.answer for o in q.options]
            assert all(o.fraction == pytest.approx(o.count / N_USERS) for o in row.options)
            assert row.no_answer == 0
        elif q.type == "multiple_response":
            n_right = sum(1 for r in scenario["given"][qid] if r)
            for o in row.options:
                assert o.count == (n_right if o.option_id in q.answers else 0)
            assert row.no_answer == N_USERS - n_right
        else:
            assert row.options is None and row.no_answer is None


def test_never_chosen_distractor_flag(scenario, course):
    report = quiz_item_analysis(scenario["db"], course, "history", min_presented_for_distractors=1)
    rows = rows_by_id(report)
    mr = next(qid for qid in scenario["given"] if course.question(qid).type == "multiple_response")
    flags = rows[mr].flags
    assert any(f.startswith("distractor never chosen") for f in flags)
    default = rows_by_id(quiz_item_analysis(scenario["db"], course, "history"))
    assert not any("distractor" in f for f in default[mr].flags)  # too few responses to say


def test_first_attempts_only_ignores_a_retake(scenario, course):
    db, attempts, uid = scenario["db"], scenario["attempts"], scenario["users"][1]
    attempt_id = attempts.start(uid, "history", seed=SEED)
    for item in attempts.load(attempt_id, uid).items:
        save_whole(attempts, attempt_id, uid, item.question.id, correct_response(item.question))
    attempts.submit(attempt_id, uid)

    first = quiz_item_analysis(db, course, "history")
    every = quiz_item_analysis(db, course, "history", first_attempts_only=False)
    assert first.quiz.n_attempts == N_USERS and every.quiz.n_attempts == N_USERS + 1
    assert first.attempts_found == every.attempts_found == N_USERS + 1
    f, e = rows_by_id(first), rows_by_id(every)
    changed = 0
    for qid, responses in scenario["given"].items():
        q = course.question(qid)
        scores = [grading.grade(q, r) for r in responses]
        assert f[qid].facility == pytest.approx(sum(scores) / N_USERS)
        assert e[qid].facility == pytest.approx((sum(scores) + 1.0) / (N_USERS + 1))
        changed += not math.isclose(f[qid].facility, e[qid].facility)
    assert changed >= 5
    assert every.quiz.mean > first.quiz.mean


def test_practice_and_open_attempts_are_ignored(scenario, course):
    db, attempts = scenario["db"], scenario["attempts"]
    uid = scenario["users"][0]
    attempts.start(uid, "history", mode="practice", seed=1)
    attempts.start(scenario["users"][2], "history", seed=9)  # open graded attempt
    report = quiz_item_analysis(db, course, "history", first_attempts_only=False)
    assert report.attempts_found == N_USERS and report.quiz.n_attempts == N_USERS


def test_attempt_with_a_removed_question_is_excluded(scenario, course):
    db = scenario["db"]
    with db.session() as s:
        answer = s.scalar(select(Answer).order_by(Answer.id).limit(1))
        answer.question_id = "question-removed-since"
    report = quiz_item_analysis(db, course, "history")
    assert report.attempts_found == N_USERS and report.attempts_excluded == 1
    assert report.quiz.n_attempts == N_USERS - 1


def test_empty_and_unknown_quiz(scenario, course):
    report = quiz_item_analysis(scenario["db"], course, "methods")
    assert report.quiz.n_attempts == 0 and report.quiz.mean is None
    assert all(r.n == 0 and r.facility is None for r in report.questions)
    json.dumps(report.to_dict(), allow_nan=False)
    with pytest.raises(ItemStatsError):
        quiz_item_analysis(scenario["db"], course, "no-such-quiz")


def test_exam_uses_the_union_pool(scenario, course):
    db, attempts = scenario["db"], scenario["attempts"]
    for i, uid in enumerate(scenario["users"][:3]):
        attempt_id = attempts.start(uid, "certification", seed=21 + i)
        for pos, item in enumerate(attempts.load(attempt_id, uid).items):
            save_whole(attempts, attempt_id, uid, item.question.id, rule(i, pos, item.question))
        attempts.submit(attempt_id, uid)
    report = quiz_item_analysis(db, course, "certification")
    exam = course.exams["certification"]
    pool = [q.id for b in exam.blueprint for q in course.modules[b.module].quiz.questions]
    assert report.kind == "exam" and [r.question_id for r in report.questions] == pool
    assert report.quiz.n_attempts == 3 and report.quiz.k == exam.questions
    assert sum(r.n for r in report.questions) == 3 * exam.questions
    assert {r.module_id for r in report.questions if r.n} <= {b.module for b in exam.blueprint}
