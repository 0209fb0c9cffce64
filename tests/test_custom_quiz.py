"""Build your own quiz: scope, filters, seeded selection; it runs as a practice attempt that does not count."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mesolearn.learning.custom import (
    CustomQuizError,
    build_custom_quiz,
    matching_questions,
    question_status,
    start_custom_practice,
)
from mesolearn.learning.mastery import mastery_for_user
from mesolearn.progress.tracker import Progress
from mesolearn.quiz.attempts import AttemptError, Attempts
from mesolearn.quiz.grading import correct_response
from mesolearn.storage.models import Attempt
from tests.conftest import (
    Clock,  # noqa: E402
    make_user,
)
from tests.factories import attempt_row, save_whole

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 3, 3, 9, 0)


# ---------------------------------------------------------------- helpers (local to this file)


@pytest.fixture
def clock():
    return Clock(T0)


def pool(course, module_id):
    return [q.id for q in course.modules[module_id].quiz.questions]


# ---------------------------------------------------------------- scope
def test_scope_by_module_objective_and_both(db, course):
    user = make_user(db)
    assert matching_questions(db, course, user) == list(course.questions)  # the whole course, in order
    assert matching_questions(db, course, user, modules=["risks"]) == pool(course, "risks")
    two = matching_questions(db, course, user, modules=["risks", "history"])
    assert set(two) == set(pool(course, "risks")) | set(pool(course, "history"))
    objective = course.modules["risks"].lesson.objectives[0].id
    by_objective = matching_questions(db, course, user, objectives=[objective])
    assert by_objective and all(course.question(q).objective == objective for q in by_objective)
    # both: questions in the chosen modules AND testing the chosen objectives
    assert matching_questions(db, course, user, modules=["risks"], objectives=[objective]) == by_objective
    assert matching_questions(db, course, user, modules=["history"], objectives=[objective]) == []


def test_unknown_choices_are_refused(db, course):
    user = make_user(db)
    with pytest.raises(CustomQuizError):
        matching_questions(db, course, user, modules=["no-such-module"])
    with pytest.raises(CustomQuizError):
        matching_questions(db, course, user, objectives=["no-such-objective"])
    with pytest.raises(ValueError):
        matching_questions(db, course, user, filters=["easy"])


# ---------------------------------------------------------------- filters
def test_filters_unseen_wrong_flagged(db, course):
    user = make_user(db)
    h = pool(course, "history")
    attempt_row(db, user, "history", {h[0]: 1.0, h[1]: 0.0, h[2]: 0.5, h[3]: 1.0}, when=T0, flagged=(h[3],))
    attempt_row(db, user, "history", {h[1]: 1.0, h[4]: 0.0}, when=T0 + timedelta(days=1), mode="practice")

    status = question_status(db, user)
    assert status[h[1]].answered == 2 and status[h[1]].last_score == 1.0 and not status[h[1]].wrong
    assert status[h[3]].flagged

    unseen = matching_questions(db, course, user, modules=["history"], filters=["unseen"])
    assert unseen == h[5:]
    # "wrong": the most recent answer was not fully correct (h1 was corrected later; partial counts as wrong)
    assert matching_questions(db, course, user, modules=["history"], filters=["wrong"]) == [h[2], h[4]]
    assert matching_questions(db, course, user, modules=["history"], filters=["flagged"]) == [h[3]]
    # several filters: any of them
    assert matching_questions(db, course, user, modules=["history"], filters=["wrong", "flagged"]) == [h[2], h[3], h[4]]
    # other trainees' answers do not matter
    other = make_user(db, "Other")
    assert matching_questions(db, course, other, modules=["history"], filters=["unseen"]) == h


# ---------------------------------------------------------------- building and running
def test_build_picks_count_questions_deterministically(db, course, clock):
    user = make_user(db)
    a = build_custom_quiz(db, course, user, modules=["risks", "consultation"], count=12, clock=clock, seed=42)
    b = build_custom_quiz(db, course, user, modules=["risks", "consultation"], count=12, clock=clock, seed=42)
    c = build_custom_quiz(db, course, user, modules=["risks", "consultation"], count=12, clock=clock, seed=43)
    attempts = Attempts(db, course, clock)
    sa, sb, sc = (attempts.load(x, user) for x in (a, b, c))
    ids = [i.question.id for i in sa.items]
    assert len(ids) == 12 and len(set(ids)) == 12
    allowed = set(pool(course, "risks")) | set(pool(course, "consultation"))
    assert set(ids) <= allowed
    assert ids == [i.question.id for i in sb.items] and [i.layout for i in sa.items] == [i.layout for i in sb.items]
    assert ids != [i.question.id for i in sc.items]


def test_build_takes_all_when_fewer_match_and_refuses_when_none(db, course, clock):
    user = make_user(db)
    objective = course.modules["history"].lesson.objectives[0].id
    n = len(matching_questions(db, course, user, objectives=[objective]))
    attempt_id = build_custom_quiz(db, course, user, objectives=[objective], count=50, clock=clock, seed=1)
    assert len(Attempts(db, course, clock).load(attempt_id, user).items) == n
    with pytest.raises(CustomQuizError):
        build_custom_quiz(db, course, user, modules=["history"], filters=["flagged"], count=5, clock=clock)
    with pytest.raises(CustomQuizError):
        build_custom_quiz(db, course, user, count=0, clock=clock)


def test_custom_practice_runs_and_does_not_count(db, course, clock):
    user = make_user(db)
    attempts = Attempts(db, course, clock)
    qs = pool(course, "history")[:3]
    qs3 = qs + [qs[0], "no-such-question"]  # duplicates and unknown ids are dropped
    attempt_id = start_custom_practice(db, course, user, qs3, "custom", clock, seed=9)
    state = attempts.load(attempt_id, user)
    assert [i.question.id for i in state.items] == qs
    assert state.mode == "practice" and state.deadline is None and state.spec.kind == "practice"
    assert state.spec.id == "custom"
    assert attempts.open_attempt_id(user, "custom", "practice") == attempt_id
    for item in state.items:
        clock.advance(seconds=10)
        assert save_whole(attempts, attempt_id, user, item.question.id, correct_response(item.question)) == 1.0
    done = attempts.submit(attempt_id, user)
    assert done.submitted and done.score == 100.0
    # nothing graded: no module progress, no graded attempt used, no mastery by default
    assert Progress(db, clock).for_user(user, ["history"])["history"].status == "not started"
    assert attempts.graded_attempts_used(user, "history") == 0
    assert attempts.history(user) == []
    objective = course.question(qs[0]).objective
    assert mastery_for_user(db, course, user)[objective].level == "not attempted"
    assert mastery_for_user(db, course, user, include_practice=True)[objective].level != "not attempted"


def test_start_custom_practice_validates(db, course, clock):
    user = make_user(db)
    with pytest.raises(CustomQuizError):
        start_custom_practice(db, course, user, ["nope"], "custom", clock)
    with pytest.raises(ValueError):
        start_custom_practice(db, course, user, pool(course, "history")[:2], "graded", clock)  # type: ignore[arg-type]


# ---------------------------------------------------------------- no key of an open graded attempt
def test_flagging_a_running_exam_then_build_a_quiz_reveals_no_key(db, course, clock):
    """The probe's leak in miniature: flag the open exam's questions, then practise "Flagged"."""
    user = make_user(db)
    attempts = Attempts(db, course, clock)
    exam = attempts.start(user, "certification", seed=3)
    questions = [item.question.id for item in attempts.load(exam, user).items]
    for q in questions:
        attempts.set_flag(exam, user, q, True)
    clock.advance(minutes=5)

    assert not any(s.flagged for s in question_status(db, user).values())  # open exam flags do not count yet
    with pytest.raises(CustomQuizError, match="timed Mesotherapy certification exam"):
        build_custom_quiz(db, course, user, filters=["flagged"], count=50, clock=clock)
    with pytest.raises(CustomQuizError, match="Practice is closed"):
        build_custom_quiz(db, course, user, modules=["risks"], count=5, clock=clock)  # exam conditions
    with pytest.raises(CustomQuizError, match="Practice is closed"):
        start_custom_practice(db, course, user, questions[:5], "review", clock)
    with pytest.raises(AttemptError, match="Practice is closed"):
        attempts.start(user, "history", mode="practice")
    with db.session() as s:  # nothing was created
        assert s.scalar(select(func.count(Attempt.id)).where(Attempt.mode == "practice")) == 0

    attempts.submit(exam, user)  # once it counts, flags work
    session = build_custom_quiz(db, course, user, filters=["flagged"], count=50, clock=clock, seed=1)
    assert {i.question.id for i in attempts.load(session, user).items} <= set(questions)


def test_an_open_module_quiz_closes_practice_of_its_questions_only(db, course, clock):
    user = make_user(db)
    attempts = Attempts(db, course, clock)
    graded = attempts.start(user, "history", seed=4)
    drawn = [item.question.id for item in attempts.load(graded, user).items]

    with pytest.raises(CustomQuizError, match="open graded attempt at History"):
        build_custom_quiz(db, course, user, modules=["history"], count=50, clock=clock)
    with pytest.raises(CustomQuizError, match="One of these questions is in your open graded attempt"):
        start_custom_practice(db, course, user, [drawn[0]], "review", clock)
    with pytest.raises(AttemptError, match="open graded attempt at History"):
        attempts.start(user, "history", mode="practice")  # the same pool
    with pytest.raises(AttemptError, match="open graded attempt at History"):
        attempts.start(user, "certification", mode="practice")  # the exam draws from it too
    other = build_custom_quiz(db, course, user, modules=["risks"], count=5, clock=clock, seed=2)
    assert attempts.load(other, user).items  # other questions stay open
    assert attempts.start(user, "risks", mode="practice")

    attempts.submit(graded, user)
    assert attempts.start(user, "history", mode="practice")


def test_practice_opened_before_the_exam_cannot_be_checked_or_finished_during_it(db, course, clock):
    user = make_user(db)
    attempts = Attempts(db, course, clock)
    practice = start_custom_practice(db, course, user, pool(course, "history"), "custom", clock, seed=5)
    exam = attempts.start(user, "certification", seed=6)
    q = attempts.load(practice, user).items[0].question
    with pytest.raises(AttemptError, match="Practice is closed"):
        save_whole(attempts, practice, user, q.id, correct_response(q))  # "Check answer" would show the key
    with pytest.raises(AttemptError, match="Practice is closed"):
        attempts.submit(practice, user)  # the results would show every key
    state = attempts.load(practice, user)
    assert not state.submitted and all(i.score is None for i in state.items)

    attempts.submit(exam, user)
    assert save_whole(attempts, practice, user, q.id, correct_response(q)) == 1.0
