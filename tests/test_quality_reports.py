"""Trainees' question reports: creation rules, listing, resolution."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mesolearn.accounts import Accounts
from mesolearn.content import load_course
from mesolearn.quality import ReportError, create_report, list_reports, resolve
from mesolearn.quality import reports as reports_module

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2030, 5, 1, 10, 0)


@pytest.fixture
def trainee(db):
    return Accounts(db).create_user("tina", "Tina Trainee", "password1", "trainee")


def test_create_strips_and_lists_open_reports_newest_first(db, trainee):
    a = create_report(db, trainee.id, "history-q01", "  The answer looks wrong.  ", now=T0)
    b = create_report(db, trainee.id, "history-q02", "Typo in option b", now=T0 + timedelta(minutes=5))
    assert a.message == "The answer looks wrong." and a.created_at == T0 and not a.resolved
    assert (a.username, a.display_name) == ("tina", "Tina Trainee")
    assert [r.id for r in list_reports(db)] == [b.id, a.id]
    assert list_reports(db, resolved=True) == []


def test_message_length_rules(db, trainee):
    for bad in ("", "   \n\t ", "x" * 2001):
        with pytest.raises(ReportError):
            create_report(db, trainee.id, "history-q01", bad, now=T0)
    assert create_report(db, trainee.id, "history-q01", "x", now=T0).message == "x"
    assert len(create_report(db, trainee.id, "history-q01", " " + "y" * 2000 + " ", now=T0).message) == 2000
    with pytest.raises(ReportError, match="question"):
        create_report(db, trainee.id, "", "message", now=T0)
    with pytest.raises(ReportError, match="account"):
        create_report(db, 999, "history-q01", "message", now=T0)


def test_question_checked_against_course_when_given(db, trainee):
    course = load_course(ROOT)
    qid = next(iter(course.questions))
    assert create_report(db, trainee.id, qid, "Unclear", now=T0, course=course).question_id == qid
    with pytest.raises(ReportError, match="does not exist"):
        create_report(db, trainee.id, "not-a-question", "Unclear", now=T0, course=course)


def test_resend_of_same_open_report_is_not_duplicated(db, trainee):
    a = create_report(db, trainee.id, "history-q01", "Wrong answer key", now=T0)
    b = create_report(db, trainee.id, "history-q01", "Wrong answer key ", now=T0 + timedelta(seconds=1))
    assert a.id == b.id and len(list_reports(db)) == 1
    resolve(db, a.id, now=T0 + timedelta(hours=1))
    c = create_report(db, trainee.id, "history-q01", "Wrong answer key", now=T0 + timedelta(hours=2))
    assert c.id != a.id  # a new report after resolution


def test_resolve_moves_report_and_keeps_first_time(db, trainee):
    a = create_report(db, trainee.id, "history-q01", "Wrong", now=T0)
    b = create_report(db, trainee.id, "history-q03", "Also wrong", now=T0)
    done = resolve(db, a.id, now=T0 + timedelta(days=1))
    assert done.resolved and done.resolved_at == T0 + timedelta(days=1)
    assert resolve(db, a.id, now=T0 + timedelta(days=2)).resolved_at == T0 + timedelta(days=1)
    assert [r.id for r in list_reports(db)] == [b.id]
    assert [r.id for r in list_reports(db, resolved=True)] == [a.id]
    assert {r.id for r in list_reports(db, resolved=None)} == {a.id, b.id}
    with pytest.raises(ReportError):
        resolve(db, 12345, now=T0)


def test_flood_guard(db, trainee, monkeypatch):
    monkeypatch.setattr(reports_module, "MAX_OPEN_PER_USER", 3)
    for i in range(3):
        create_report(db, trainee.id, f"history-q0{i}", "Problem", now=T0)
    with pytest.raises(ReportError, match="waiting"):
        create_report(db, trainee.id, "history-q09", "Problem", now=T0)
