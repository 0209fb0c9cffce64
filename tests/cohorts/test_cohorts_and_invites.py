"""mesolearn/cohorts/cohorts.py: cohorts, invite codes, joining, membership, renaming and deleting."""

from __future__ import annotations

import re

import pytest

from mesolearn.cohorts import CohortError
from mesolearn.cohorts.cohorts import INVITE_ALPHABET, INVITE_LENGTH, format_invite
from tests.cohorts.conftest import T0


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


def test_delete_and_rename_cohort(cohorts, instructor, alice):
    c = cohorts.create_cohort("Old name", instructor.id)
    cohorts.add_member(c.id, alice.id)
    cohorts.assign("history", T0, cohort_id=c.id, instructor_id=instructor.id)
    assert cohorts.rename_cohort(c.id, "New name").name == "New name"
    cohorts.delete_cohort(c.id)
    assert cohorts.list_cohorts() == [] and cohorts.assignments_for(alice.id) == []
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", format_invite(cohorts.create_cohort("X", None).invite_code))
