"""mesolearn/cohorts/enrolment.py: trainees enrolled from CSV text."""

from __future__ import annotations

import pytest

from mesolearn.cohorts import CohortError


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
