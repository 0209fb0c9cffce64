"""mesolearn/cohorts/assignments.py: assignments, due dates, merged per trainee, status and overdue."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mesolearn.cohorts import CohortError, Cohorts
from mesolearn.quiz.attempts import Attempts
from tests.cohorts.conftest import T0
from tests.factories import take


# ---------------------------------------------------------------- assignments
def test_assign_validates_quiz_and_target(cohorts, instructor, alice, course):
    c = cohorts.create_cohort("Spring", instructor.id)
    with pytest.raises(CohortError, match="exactly one"):
        cohorts.assign("history", None, instructor_id=instructor.id)
    with pytest.raises(CohortError, match="exactly one"):
        cohorts.assign("history", None, cohort_id=c.id, user_id=alice.id, instructor_id=instructor.id)
    with pytest.raises(CohortError, match="no quiz or exam"):
        cohorts.assign("no-such-module", None, cohort_id=c.id, instructor_id=instructor.id)
    plain = Cohorts(cohorts.db, cohorts.accounts, cohorts.clock)  # no course at construction: pass one in
    with pytest.raises(CohortError, match="No course"):
        plain.assign("history", None, cohort_id=c.id, instructor_id=instructor.id)
    a = plain.assign("certification", T0, cohort_id=c.id, instructor_id=instructor.id, course=course)
    assert a.quiz_id == "certification" and a.cohort_id == c.id
    # again: the due date is updated, not duplicated
    b = plain.assign(
        "certification", T0 + timedelta(days=1), cohort_id=c.id, instructor_id=instructor.id, course=course
    )
    assert b.id == a.id and len(cohorts.assignments(cohort_id=c.id)) == 1
    aware = cohorts.assign(
        "history",
        datetime(2030, 3, 2, 12, tzinfo=timezone(timedelta(hours=2))),
        user_id=alice.id,
        instructor_id=instructor.id,
    )
    assert aware.due_at == datetime(2030, 3, 2, 10)  # stored as naive UTC


def test_assignments_direct_and_via_cohort_earliest_due_wins(cohorts, instructor, alice, bob, course):
    spring = cohorts.create_cohort("Spring", instructor.id)
    evening = cohorts.create_cohort("Evening", instructor.id)
    cohorts.add_member(spring.id, alice.id)
    cohorts.add_member(evening.id, alice.id)
    cohorts.add_member(spring.id, bob.id)
    d1, d2, d3 = T0 + timedelta(days=7), T0 + timedelta(days=3), T0 + timedelta(days=10)
    cohorts.assign("history", d1, cohort_id=spring.id, instructor_id=instructor.id)
    cohorts.assign("history", d2, cohort_id=evening.id, instructor_id=instructor.id)
    cohorts.assign("history", d3, user_id=alice.id, instructor_id=instructor.id)
    cohorts.assign("certification", None, user_id=alice.id, instructor_id=instructor.id)

    mine = cohorts.assignments_for(alice.id)
    assert [a.quiz_id for a in mine] == ["history", "certification"]  # dated first
    hist = mine[0]
    assert hist.due_at == d2 and hist.direct and set(hist.cohorts) == {"Spring", "Evening"}
    assert len(hist.assignment_ids) == 3 and hist.status == "not started" and not hist.overdue
    assert hist.title == course.modules["history"].title and hist.kind == "module"
    assert mine[1].due_at is None and mine[1].kind == "exam"
    bobs = cohorts.assignments_for(bob.id)
    assert [(a.quiz_id, a.due_at, a.direct) for a in bobs] == [("history", d1, False)]
    # leaving a cohort removes what came through it
    cohorts.remove_member(evening.id, alice.id)
    assert cohorts.assignments_for(alice.id)[0].due_at == d1
    # unassigning
    for a_id in cohorts.assignments_for(bob.id)[0].assignment_ids:
        assert cohorts.unassign(a_id)
    assert cohorts.assignments_for(bob.id) == []


def test_status_and_overdue_follow_the_clock(cohorts, instructor, alice, bob, course, db, clock):
    c = cohorts.create_cohort("Spring", instructor.id)
    cohorts.add_member(c.id, alice.id)
    cohorts.add_member(c.id, bob.id)
    cohorts.assign("history", T0 + timedelta(days=2), cohort_id=c.id, instructor_id=instructor.id)
    attempts = Attempts(db, course, clock)

    def status(user):
        (a,) = cohorts.assignments_for(user.id)
        return a.status, a.overdue

    assert status(alice) == ("not started", False)
    take(attempts, alice.id, "history", right=False)
    assert status(alice) == ("not passed", False)  # submitted and failed: not "in progress"
    attempts.start(bob.id, "history", seed=3)  # open, not submitted
    assert status(bob) == ("in progress", False)

    clock.advance(days=3)  # past the due date
    assert status(alice) == ("not passed", True)
    assert status(bob) == ("in progress", True)
    state = take(attempts, alice.id, "history", right=True)
    assert state.passed
    assert status(alice) == ("passed", False)  # passed late: no longer overdue
    (a,) = cohorts.assignments_for(alice.id)
    assert a.attempts == 2 and a.best_score == 100.0
    assert cohorts.assignments_for(bob.id, now=T0)[0].overdue is False  # explicit "now"
