"""Cohorts: invite codes, joining, CSV enrolment, assignments and due dates, overrides honoured by Attempts."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mesolearn.accounts import Accounts
from mesolearn.cohorts import CohortError, Cohorts
from mesolearn.cohorts.cohorts import INVITE_ALPHABET, INVITE_LENGTH, format_invite
from mesolearn.content import load_course
from mesolearn.quiz.attempts import AttemptError, Attempts
from tests.conftest import Clock
from tests.factories import take

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2030, 3, 1, 9, 0, 0)


@pytest.fixture(scope="module")
def course():
    c = load_course(ROOT)
    assert not c.errors
    return c


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def accounts(db, clock):
    return Accounts(db, clock)


@pytest.fixture
def cohorts(db, accounts, clock, course):
    return Cohorts(db, accounts, clock, course=course)


@pytest.fixture
def instructor(accounts):
    return accounts.create_user("teacher", "Dr Teacher", "teacher-pass", "instructor", "teacher@example.org")


@pytest.fixture
def alice(accounts):
    return accounts.create_user("alice", "Alice Martin", "alice-pass", "trainee", "alice@example.org")


@pytest.fixture
def bob(accounts):
    return accounts.create_user("bob", "Bob Durand", "bob-pass1", "trainee", "bob@example.org")


# ---------------------------------------------------------------- invite codes
def test_invite_codes_are_random_readable_and_unique(cohorts, instructor):
    codes = [cohorts.create_cohort(f"Cohort {i}", instructor.id).invite_code for i in range(60)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert len(code) == INVITE_LENGTH and set(code) <= set(INVITE_ALPHABET)
    assert not set("0O1IL") & set(INVITE_ALPHABET)  # no look-alike characters
    assert len(INVITE_ALPHABET) ** INVITE_LENGTH > 2**48  # not guessable by trying
    # no visible structure: all positions use many different characters
    for pos in range(INVITE_LENGTH):
        assert len({c[pos] for c in codes}) > 10


def test_cohort_names_are_unique_and_required(cohorts, instructor):
    cohorts.create_cohort("Spring 2030", instructor.id)
    with pytest.raises(CohortError, match="already exists"):
        cohorts.create_cohort("  spring   2030 ", instructor.id)
    with pytest.raises(CohortError, match="name"):
        cohorts.create_cohort("   ", instructor.id)


def test_only_instructors_create_cohorts(cohorts, alice):
    with pytest.raises(CohortError, match="instructor"):
        cohorts.create_cohort("Mine", alice.id)


def test_join_normalises_code_and_is_idempotent(cohorts, instructor, alice):
    c = cohorts.create_cohort("Spring", instructor.id)
    typed = "  " + format_invite(c.invite_code).lower().replace("-", " - ") + " "
    joined = cohorts.join_with_code(alice.id, typed)
    assert joined.id == c.id and joined.members == 1
    again = cohorts.join_with_code(alice.id, c.invite_code)
    assert again.id == c.id and again.members == 1
    assert [m.username for m in cohorts.members(c.id)] == ["alice"]
    assert [x.name for x in cohorts.cohorts_of(alice.id)] == ["Spring"]


def test_join_with_wrong_code_is_a_clear_error(cohorts, instructor, alice):
    c = cohorts.create_cohort("Spring", instructor.id)
    wrong = ("A" if c.invite_code[0] != "A" else "B") + c.invite_code[1:]
    with pytest.raises(CohortError, match="does not match any cohort"):
        cohorts.join_with_code(alice.id, wrong)
    with pytest.raises(CohortError, match="invite code"):
        cohorts.join_with_code(alice.id, "   ")
    with pytest.raises(CohortError, match="does not match"):
        cohorts.join_with_code(alice.id, "x' OR 1=1 --")
    assert cohorts.members(c.id) == []


def test_rotate_invite_invalidates_old_code(cohorts, instructor, alice, bob):
    c = cohorts.create_cohort("Spring", instructor.id)
    cohorts.join_with_code(alice.id, c.invite_code)
    new = cohorts.rotate_invite(c.id)
    assert new != c.invite_code
    with pytest.raises(CohortError):
        cohorts.join_with_code(bob.id, c.invite_code)
    cohorts.join_with_code(bob.id, new)
    assert {m.username for m in cohorts.members(c.id)} == {"alice", "bob"}  # members stay


def test_add_remove_members_and_listing(cohorts, instructor, alice, bob):
    a = cohorts.create_cohort("A group", instructor.id)
    b = cohorts.create_cohort("B group", instructor.id)
    assert cohorts.add_member(a.id, alice.id) is True
    assert cohorts.add_member(a.id, alice.id) is False
    cohorts.add_member(a.id, bob.id)
    cohorts.add_member(b.id, bob.id)
    assert [(c.name, c.members) for c in cohorts.list_cohorts()] == [("A group", 2), ("B group", 1)]
    assert [c.name for c in cohorts.cohorts_of(bob.id)] == ["A group", "B group"]
    assert cohorts.remove_member(a.id, bob.id) is True
    assert cohorts.remove_member(a.id, bob.id) is False
    assert [m.username for m in cohorts.members(a.id)] == ["alice"]
    with pytest.raises(CohortError, match="not a trainee"):
        cohorts.add_member(a.id, instructor.id)
    with pytest.raises(CohortError, match="does not exist"):
        cohorts.add_member(9999, alice.id)


# ---------------------------------------------------------------- CSV import
def test_csv_import_creates_accounts_with_one_time_passwords(cohorts, accounts, instructor):
    c = cohorts.create_cohort("Imported", instructor.id)
    text = (
        "name,email\nChloé Petit,Chloe.Petit@Example.org\nDavid Roux,david@example.org\n\nOther David,david@other.org\n"
    )
    result = cohorts.import_csv(c.id, text)
    assert result.errors == [] and result.added == []
    assert [(a.line, a.username, a.display_name, a.email) for a in result.created] == [
        (2, "chloe.petit", "Chloé Petit", "chloe.petit@example.org"),
        (3, "david", "David Roux", "david@example.org"),
        (5, "david2", "Other David", "david@other.org"),  # de-duplicated username
    ]
    passwords = [a.password for a in result.created]
    assert len(set(passwords)) == 3 and all(len(p) >= 12 for p in passwords)
    for a in result.created:  # the one-time password works, and the account is a trainee in the cohort
        assert accounts.authenticate(a.username, a.password).role == "trainee"
    assert {m.username for m in cohorts.members(c.id)} == {"chloe.petit", "david", "david2"}


def test_csv_import_existing_accounts_duplicates_and_bad_rows(cohorts, instructor, alice):
    c = cohorts.create_cohort("Mixed", instructor.id)
    cohorts.add_member(c.id, alice.id)
    text = (
        "Email;Full name;Username\n"  # header in another order, semicolons, username column
        "ALICE@example.org;Alice M.;\n"  # existing trainee (email match is case-insensitive)
        "eve@example.org;Eve Adams;eve-a\n"  # new, chosen username
        "not-an-email;Bad Email;\n"
        "frank@example.org;   ;\n"  # empty name
        "eve@example.org;Eve Again;\n"  # duplicate within the file
        "teacher@example.org;Teacher;\n"  # an instructor's email
        "gina@example.org;Gina;alice\n"  # username taken
        ";;\n"
    )  # blank row: ignored
    result = cohorts.import_csv(c.id, text)
    assert [(a.line, a.username, a.already_member) for a in result.added] == [(2, "alice", True)]
    assert [(a.line, a.username) for a in result.created] == [(3, "eve-a")]
    errors = {e.line: e.message for e in result.errors}
    assert sorted(errors) == [4, 5, 6, 7, 8]
    assert "not a valid email" in errors[4]
    assert "name is empty" in errors[5]
    assert "already appears on line 3" in errors[6]
    assert "instructor" in errors[7]
    assert "already taken" in errors[8]
    assert str(result.errors[0]).startswith("line 4:")
    assert {m.username for m in cohorts.members(c.id)} == {"alice", "eve-a"}
    # importing the same file again creates nothing new
    again = cohorts.import_csv(c.id, text)
    assert again.created == [] and {a.username for a in again.added} == {"alice", "eve-a"}


def test_csv_import_without_header_and_garbage_never_raises(cohorts, instructor):
    c = cohorts.create_cohort("No header", instructor.id)
    result = cohorts.import_csv(c.id, '\ufeffHana Ito,hana@example.org\n"Quoted, Name",q@example.org\n')
    assert [a.display_name for a in result.created] == ["Hana Ito", "Quoted, Name"]
    for junk in ("", "\n\n", "name,username\nx,y\n", '"unterminated,\x00\n', "a" * 50):
        r = cohorts.import_csv(c.id, junk)
        assert r.created == [] and r.errors, junk
    with pytest.raises(CohortError):
        cohorts.import_csv(12345, "x,y@example.org")


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


def test_delete_and_rename_cohort(cohorts, instructor, alice):
    c = cohorts.create_cohort("Old name", instructor.id)
    cohorts.add_member(c.id, alice.id)
    cohorts.assign("history", T0, cohort_id=c.id, instructor_id=instructor.id)
    assert cohorts.rename_cohort(c.id, "New name").name == "New name"
    cohorts.delete_cohort(c.id)
    assert cohorts.list_cohorts() == [] and cohorts.assignments_for(alice.id) == []
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", format_invite(cohorts.create_cohort("X", None).invite_code))
