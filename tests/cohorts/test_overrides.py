"""mesolearn/cohorts/overrides.py and mesolearn/quiz/overrides.py: accommodations, honoured by Attempts."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from mesolearn.cohorts import CohortError
from mesolearn.quiz.attempts import AttemptError, Attempts
from tests.cohorts.conftest import T0
from tests.factories import take


# ---------------------------------------------------------------- overrides
def test_override_is_stored_validated_and_removable(cohorts, alice):
    o = cohorts.set_override(alice.id, "certification", extra_minutes=30, extra_attempts=2)
    assert (o.extra_minutes, o.extra_attempts) == (30, 2)
    cohorts.set_override(alice.id, "certification", extra_minutes=45, extra_attempts=0)
    assert [(x.quiz_id, x.extra_minutes, x.extra_attempts) for x in cohorts.overrides(alice.id)] == [
        ("certification", 45, 0)
    ]
    for bad in (-1, 1.5, "10", True, 10**6):
        with pytest.raises(CohortError):
            cohorts.set_override(alice.id, "certification", extra_minutes=bad)
    with pytest.raises(CohortError, match="no quiz or exam"):
        cohorts.set_override(alice.id, "nope", extra_minutes=5)
    assert cohorts.set_override(alice.id, "certification", 0, 0) is None
    assert cohorts.overrides() == []


def test_override_extra_minutes_gives_a_later_deadline(cohorts, alice, bob, course, db, clock):
    attempts = Attempts(db, course, clock)
    limit = course.exams["certification"].time_limit_minutes
    cohorts.set_override(alice.id, "certification", extra_minutes=30)
    a = attempts.load(attempts.start(alice.id, "certification", seed=5), alice.id)
    b = attempts.load(attempts.start(bob.id, "certification", seed=5), bob.id)
    assert b.deadline == T0 + timedelta(minutes=limit)
    assert a.deadline == T0 + timedelta(minutes=limit + 30)


def test_override_extra_attempts_are_honoured(cohorts, alice, course, db, clock):
    module = course.modules["history"]
    limited = dataclasses.replace(module, quiz=module.quiz.model_copy(update={"max_attempts": 1}))
    strict_course = dataclasses.replace(course, modules={**course.modules, "history": limited})
    attempts = Attempts(db, strict_course, clock)
    take(attempts, alice.id, "history", right=False)
    with pytest.raises(AttemptError, match="all 1 attempts"):
        attempts.start(alice.id, "history")
    cohorts.set_override(alice.id, "history", extra_attempts=1)
    assert attempts.attempts_allowed(alice.id, "history") == 2
    take(attempts, alice.id, "history", right=False, seed=2)
    with pytest.raises(AttemptError, match="all 2 attempts"):
        attempts.start(alice.id, "history")
