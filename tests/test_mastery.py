"""Mastery levels per objective: the pure rule, and gathering a trainee's answers from the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mesolearn.learning.custom import start_custom_practice
from mesolearn.learning.mastery import (
    LEVELS,
    MasteryEvent,
    compute_mastery,
    mastery_for_user,
    module_mastery,
    objective_mastery,
)
from mesolearn.quiz.attempts import Attempts
from mesolearn.quiz.grading import correct_response
from tests.conftest import (
    Clock,  # noqa: E402
    make_user,
)
from tests.factories import attempt_row, save_whole

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 3, 3, 9, 0)


# ---------------------------------------------------------------- helpers (local to this file)


def ev(kind: str, day: float, source="graded", objective="o1", question="q1"):
    return MasteryEvent(
        objective, question, 1.0 if kind == "R" else (0.5 if kind == "P" else 0.0), T0 + timedelta(days=day), source
    )


def level(seq: str, sources: str | None = None, days: list[float] | None = None) -> str:
    """'RRW' -> level; sources: 'g'/'r' per event; days: per event (default 0, 0.01, ...)."""
    sources = sources or "g" * len(seq)
    days = days if days is not None else [i * 0.01 for i in range(len(seq))]
    events = [ev(k, d, "review" if s == "r" else "graded") for k, s, d in zip(seq, sources, days, strict=False)]
    return objective_mastery("o1", events).level


# ---------------------------------------------------------------- the pure rule
def test_levels_are_ordered_like_khan_academy():
    assert LEVELS == ("not attempted", "attempted", "familiar", "proficient", "mastered")


def test_no_answer_is_not_attempted():
    assert objective_mastery("o1", []).level == "not attempted"
    assert compute_mastery([], ["o1", "o2"])["o2"].level == "not attempted"


@pytest.mark.parametrize(
    "seq, expected",
    [
        ("W", "attempted"),
        ("R", "familiar"),
        ("RR", "familiar"),  # proficient needs 3 right in a row
        ("RRR", "proficient"),
        ("WRRR", "proficient"),
        ("RWRR", "familiar"),  # the wrong answer broke the streak
        ("RWRRR", "proficient"),
        ("RRRRRRRR", "proficient"),  # without a spaced review, never mastered
        ("RRRW", "familiar"),  # a wrong answer drops one level
        ("RRRWW", "attempted"),
        ("WWWW", "attempted"),  # never below attempted
        ("RRRP", "familiar"),  # partial credit is not correct: drops a level
        ("P", "attempted"),
    ],
)
def test_sequences(seq, expected):
    assert level(seq) == expected


def test_mastered_needs_a_correct_spaced_review_a_day_after_the_first_correct_answer():
    assert level("RRRR", "gggr", [0, 0, 0, 2]) == "mastered"
    assert level("RRRR", "gggr", [0, 0, 0, 0.5]) == "proficient"  # review too soon
    assert level("RRRR", "gggg", [0, 0, 0, 2]) == "proficient"  # not a review
    assert level("RRRR", "gggr", [0, 0, 0, 1]) == "mastered"  # exactly one day is enough
    # the spacing counts from the first correct answer, not the first answer
    assert level("WRRRR", "ggggr", [0, 5, 5, 5, 5.5]) == "proficient"
    # one level per answer: a review that completes proficiency does not also master
    assert level("RRR", "ggr", [0, 0, 3]) == "proficient"
    assert level("RRRR", "ggrr", [0, 0, 3, 3]) == "mastered"


def test_wrong_answers_drop_mastered_one_level_at_a_time():
    assert level("RRRRW", "ggggg", [0, 0, 0, 0, 0]) == "familiar"
    assert level("RRRRW", "gggrg", [0, 0, 0, 2, 3]) == "proficient"
    assert level("RRRRWW", "gggrgg", [0, 0, 0, 2, 3, 3]) == "familiar"
    # back from proficient to mastered with one more correct spaced review
    assert level("RRRRWR", "gggrgr", [0, 0, 0, 2, 3, 4]) == "mastered"


def test_events_are_sorted_by_time_and_counted():
    events = [ev("R", 2), ev("W", 0), ev("R", 1), ev("R", 3)]
    m = objective_mastery("o1", events)
    assert m.level == "proficient"
    assert (m.answers, m.correct, m.streak) == (4, 3, 3)
    assert m.first_correct_at == T0 + timedelta(days=1)
    assert m.last_answered_at == T0 + timedelta(days=3)


def test_plain_tuples_and_several_objectives():
    events = [("a", "q1", 1.0, T0, "graded"), ("b", "q2", 0.0, T0, "graded"), ("a", "q3", 1.0, T0, "graded")]
    out = compute_mastery(events, ["a", "b", "c"])
    assert (out["a"].level, out["b"].level, out["c"].level) == ("familiar", "attempted", "not attempted")
    assert (out["a"].points, out["b"].points, out["c"].points) == (50, 0, 0)


def test_module_summary(course):
    module = next(iter(course.modules.values()))
    objs = [o.id for o in module.lesson.objectives]
    levels = compute_mastery(
        [MasteryEvent(objs[0], "q", 1.0, T0 + timedelta(minutes=i), "graded") for i in range(3)], objs
    )
    summary = module_mastery(course, levels)[module.id]
    assert summary.counts["proficient"] == 1
    assert summary.counts["not attempted"] == len(objs) - 1
    assert summary.objectives == len(objs)
    assert summary.percent == pytest.approx(80 / len(objs), abs=0.1)


# ---------------------------------------------------------------- gathering from the database
def _questions_of(course, objective_id):
    return [qid for qid, (_, q) in course.questions.items() if q.objective == objective_id]


def test_service_reads_graded_and_review_answers(db, course):
    user = make_user(db)
    objective = next(iter(course.modules.values())).lesson.objectives[0].id
    q1, q2, q3 = _questions_of(course, objective)[:3]
    module_id = course.questions[q1][0]
    attempt_row(db, user, module_id, {q1: 1.0, q2: 1.0, q3: 1.0}, when=T0)
    levels = mastery_for_user(db, course, user)
    assert levels[objective].level == "proficient"
    assert len(levels) == sum(len(m.lesson.objectives) for m in course.modules.values())
    assert all(m.level == "not attempted" for k, m in levels.items() if k != objective)

    # a review session two days later, through the real attempts engine
    clock = Clock(T0 + timedelta(days=2))
    attempts = Attempts(db, course, clock)
    attempt_id = start_custom_practice(db, course, user, [q1], "review", clock, seed=3)
    q = course.question(q1)
    assert save_whole(attempts, attempt_id, user, q1, correct_response(q)) == 1.0
    attempts.submit(attempt_id, user)
    assert mastery_for_user(db, course, user)[objective].level == "mastered"


def test_practice_counts_only_when_asked_and_unsubmitted_graded_never(db, course):
    user = make_user(db)
    objective = next(iter(course.modules.values())).lesson.objectives[1].id
    qs = _questions_of(course, objective)[:3]
    module_id = course.questions[qs[0]][0]
    attempt_row(db, user, module_id, dict.fromkeys(qs, 1.0), when=T0, mode="practice")
    attempt_row(db, user, module_id, dict.fromkeys(qs, 1.0), when=T0, mode="graded", submitted=False)
    assert mastery_for_user(db, course, user)[objective].level == "not attempted"
    assert mastery_for_user(db, course, user, include_practice=True)[objective].level == "proficient"


def test_unanswered_question_of_a_submitted_graded_attempt_counts_as_wrong(db, course):
    user = make_user(db)
    clock = Clock(T0)
    attempts = Attempts(db, course, clock)
    module_id = next(iter(course.modules))
    attempt_id = attempts.start(user, module_id, "graded", seed=11)
    clock.advance(minutes=5)
    state = attempts.submit(attempt_id, user)  # nothing answered
    objectives = {i.question.objective for i in state.items}
    levels = mastery_for_user(db, course, user)
    assert all(levels[o].level == "attempted" for o in objectives)
    assert all(levels[o].correct == 0 for o in objectives)
