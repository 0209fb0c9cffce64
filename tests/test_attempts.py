"""Attempts: the server-side rules of taking a quiz or an exam, on a real (SQLite) database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import event

from mesolearn.content import Course, load_course
from mesolearn.questions.registry import type_of
from mesolearn.quiz.attempts import AttemptError, Attempts
from mesolearn.quiz.grading import correct_response
from mesolearn.storage import Database
from mesolearn.storage.models import Override
from tests.conftest import make_user
from tests.factories import answer_all, save_whole, wrong_response

# ------------------------------------------------------------------ helpers


@pytest.fixture
def alice(db: Database) -> int:
    return make_user(db, "alice")


@pytest.fixture
def bob(db: Database) -> int:
    return make_user(db, "bob")


correct = correct_response


def small_course(root: Path, max_attempts: int = 2) -> Course:
    """Two modules with 5 single-choice questions each, all drawn every time; question 5 is critical.

    ``safety``: pass mark 70, 10 minutes, 2 graded attempts (``max_attempts``), a wrong critical answer fails.
    ``lenient``: the same, but critical_fails is false.
    """
    for folder in ("lessons", "quizzes", "exams"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "course.yaml").write_text("title: Small course\nnotice: Education, not medical advice.\n")
    for order, module in enumerate(("safety", "lenient"), start=1):
        lesson = {
            "module": module,
            "title": f"Module {module}",
            "order": order,
            "summary": "Summary.",
            "estimated_minutes": 5,
            "objectives": [{"id": f"{module}-basics", "text": "Know the basics."}],
            "sections": [{"id": "intro", "heading": "Intro", "body": "Text [R1]."}],
            "key_points": ["A point."],
            "references": [{"id": "R1", "citation": "A source.", "url": "https://example.org/r1"}],
        }
        questions = [
            {
                "id": f"{module}-q{i}",
                "type": "single_choice",
                "prompt": f"Question {i}?",
                "options": [
                    {"id": "a", "text": "Right"},
                    {"id": "b", "text": "Wrong"},
                    {"id": "c", "text": "Also wrong"},
                ],
                "answer": "a",
                "explanation": "Because [R1].",
                "references": ["R1"],
                "objective": f"{module}-basics",
                "section": "intro",
                "difficulty": "easy",
                "critical": i == 5,
            }
            for i in range(1, 6)
        ]
        quiz = {
            "module": module,
            "pass_mark": 70,
            "questions_per_attempt": 5,
            "time_limit_minutes": 10,
            "max_attempts": max_attempts,
            "critical_fails": module == "safety",
            "questions": questions,
        }
        (root / f"lessons/0{order}-{module}.yaml").write_text(yaml.safe_dump(lesson, sort_keys=False))
        (root / f"quizzes/0{order}-{module}.yaml").write_text(yaml.safe_dump(quiz, sort_keys=False))
    course = load_course(root)
    assert course.errors == [], course.errors
    return course


@pytest.fixture
def small(tmp_path: Path) -> Course:
    return small_course(tmp_path / "small-course")


def paper(state) -> list:
    return [(item.question.id, item.layout) for item in state.items]


# ------------------------------------------------------------------ starting and resuming
def test_start_then_reload_shows_the_same_paper(db, course, clock, alice) -> None:
    attempts = Attempts(db, course, clock=clock)
    attempt_id = attempts.start(alice, "history")
    first = attempts.load(attempt_id, alice)
    assert len(first.items) == course.modules["history"].quiz.questions_per_attempt
    assert len({item.question.id for item in first.items}) == len(first.items)
    assert not first.submitted and first.deadline is None  # the history quiz is untimed

    clock.advance(minutes=3)
    again = Attempts(db, course, clock=clock).load(attempt_id, alice)
    assert paper(again) == paper(first)
    assert [item.view for item in again.items] == [item.view for item in first.items]
    # starting again resumes the open attempt instead of drawing a new paper
    assert attempts.start(alice, "history") == attempt_id


def test_answers_are_saved_at_once_and_survive_a_restart(db, course, clock, alice) -> None:
    attempts = Attempts(db, course, clock=clock)
    attempt_id = attempts.start(alice, "risks")
    items = attempts.load(attempt_id, alice).items
    given = {item.question.id: type_of(item.question).correct_for(item.question, item.layout) for item in items[:4]}
    for qid, response in given.items():
        assert save_whole(attempts, attempt_id, alice, qid, response) is None  # graded: no feedback yet

    # the server restarts (new engine, new service objects) or the trainee closes the tab
    restarted_db = Database(db.url)
    try:
        reopened = Attempts(restarted_db, course, clock=clock)
        assert reopened.open_attempt_id(alice, "risks") == attempt_id
        state = reopened.load(attempt_id, alice)
        assert {item.question.id: item.response for item in state.items if item.response is not None} == given
        assert sum(item.answered for item in state.items) == 4
        result = reopened.submit(attempt_id, alice)
    finally:
        restarted_db.dispose()
    assert result.score == pytest.approx(round(100 * 4 / len(items), 1))


def test_changing_an_answer_keeps_the_last_one(db, course, clock, alice) -> None:
    attempts = Attempts(db, course, clock=clock)
    attempt_id = attempts.start(alice, "history")
    q = attempts.load(attempt_id, alice).items[0].question
    attempts.save_answer(attempt_id, alice, q.id, wrong_response(q))
    attempts.save_answer(attempt_id, alice, q.id, correct(q))
    assert attempts.load(attempt_id, alice).items[0].response == correct(q)


def test_flag_for_review_is_saved(db, course, clock, alice) -> None:
    attempts = Attempts(db, course, clock=clock)
    attempt_id = attempts.start(alice, "history")
    qid = attempts.load(attempt_id, alice).items[2].question.id
    attempts.set_flag(attempt_id, alice, qid, True)
    state = Attempts(db, course, clock=clock).load(attempt_id, alice)
    assert [item.flagged for item in state.items] == [i == 2 for i in range(len(state.items))]


# ------------------------------------------------------------------ submitting
def test_submit_grades_and_sets_score_and_pass(db, course, clock, alice) -> None:
    attempts = Attempts(db, course, clock=clock)
    attempt_id = attempts.start(alice, "technique")
    answer_all(attempts, attempt_id, alice)
    clock.advance(minutes=5)
    state = attempts.submit(attempt_id, alice)
    assert state.submitted and not state.auto_submitted
    assert state.submitted_at == clock()
    assert state.score == 100.0 and state.passed is True
    assert state.critical_failed == []
    assert all(item.score == 1.0 for item in state.items)


def test_submit_with_nothing_answered_fails(db, course, clock, alice) -> None:
    attempts = Attempts(db, course, clock=clock)
    attempt_id = attempts.start(alice, "technique")
    state = attempts.submit(attempt_id, alice)
    assert state.score == 0.0 and state.passed is False
    assert all(item.score == 0.0 for item in state.items)


def test_pass_mark_is_inclusive(db, small, clock, alice) -> None:
    # lenient module: 5 questions, pass mark 70 -> 4 right (80 %) passes, 3 right (60 %) does not
    attempts = Attempts(db, small, clock=clock)
    first = attempts.start(alice, "lenient")
    for i, item in enumerate(attempts.load(first, alice).items):
        attempts.save_answer(first, alice, item.question.id, "a" if i < 3 else "b")
    assert attempts.submit(first, alice).score == 60.0
    assert attempts.load(first, alice).passed is False
    second = attempts.start(alice, "lenient")
    for i, item in enumerate(attempts.load(second, alice).items):
        attempts.save_answer(second, alice, item.question.id, "a" if i < 4 else "b")
    state = attempts.submit(second, alice)
    assert state.score == 80.0 and state.passed is True


def test_second_submit_changes_nothing_and_shows_the_recorded_result(db, course, clock, alice) -> None:
    done: list[int] = []
    attempts = Attempts(db, course, clock=clock, on_submit=done.append)
    attempt_id = attempts.start(alice, "history")
    answer_all(attempts, attempt_id, alice)
    first = attempts.submit(attempt_id, alice)
    clock.advance(seconds=30)
    again = attempts.submit(attempt_id, alice)  # a double click: the result, not an error, and no second grading
    assert (again.score, again.passed, again.submitted_at) == (first.score, first.passed, first.submitted_at)
    assert done == [attempt_id]
    after = attempts.load(attempt_id, alice)
    assert (after.score, after.passed, after.submitted_at) == (first.score, first.passed, first.submitted_at)


def test_answering_after_submission_is_refused(db, course, clock, alice) -> None:
    attempts = Attempts(db, course, clock=clock)
    attempt_id = attempts.start(alice, "history")
    q = attempts.load(attempt_id, alice).items[0].question
    attempts.save_answer(attempt_id, alice, q.id, wrong_response(q))
    attempts.submit(attempt_id, alice)
    with pytest.raises(AttemptError, match="already been submitted"):
        attempts.save_answer(attempt_id, alice, q.id, correct(q))
    state = attempts.load(attempt_id, alice)
    assert state.items[0].response == wrong_response(q) and state.items[0].score == 0.0


def test_answer_to_a_question_not_in_the_attempt_is_refused(db, course, clock, alice) -> None:
    attempts = Attempts(db, course, clock=clock)
    attempt_id = attempts.start(alice, "history")
    drawn = {item.question.id for item in attempts.load(attempt_id, alice).items}
    other = next(q for q in course.modules["history"].quiz.questions if q.id not in drawn)
    with pytest.raises(AttemptError):
        attempts.save_answer(attempt_id, alice, other.id, correct(other))


def test_unknown_quiz_is_refused(db, course, clock, alice) -> None:
    with pytest.raises(AttemptError, match="no quiz"):
        Attempts(db, course, clock=clock).start(alice, "no-such-module")


# ------------------------------------------------------------------ time limit
def test_answer_after_the_deadline_is_refused_and_attempt_auto_submitted(db, small, clock, alice) -> None:
    attempts = Attempts(db, small, clock=clock)
    started = clock()
    attempt_id = attempts.start(alice, "safety")
    state = attempts.load(attempt_id, alice)
    assert state.deadline == started + timedelta(minutes=10)
    q1, q2, q3 = (item.question for item in state.items[:3])

    clock.advance(minutes=2)
    attempts.save_answer(attempt_id, alice, q1.id, "a")
    clock.advance(minutes=7, seconds=59)  # one second before the deadline
    attempts.save_answer(attempt_id, alice, q2.id, "a")
    clock.advance(minutes=1)  # well past the deadline
    with pytest.raises(AttemptError, match="Time is up"):
        attempts.save_answer(attempt_id, alice, q3.id, "a")

    state = attempts.load(attempt_id, alice)
    assert state.submitted and state.auto_submitted
    assert state.submitted_at <= state.deadline + timedelta(seconds=2)
    assert {i.question.id: i.response for i in state.items} == {
        q1.id: "a",
        q2.id: "a",
        **{i.question.id: None for i in state.items[2:]},
    }
    assert state.score == 40.0 and state.passed is False
    assert attempts.submit(attempt_id, alice).submitted_at == state.submitted_at  # already closed: unchanged


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements the database receives inside the block, as verb and first table ("UPDATE answers")."""
    seen: list[str] = []

    def record(_conn, _cursor, statement: str, *_args) -> None:
        while (flat := re.sub(r"\([^()]*\)", "", statement)) != statement:  # sub-selects and lists left out
            statement = flat
        words = statement.split()
        table = next((words[i + 1] for i, w in enumerate(words[:-1]) if w in ("FROM", "INTO", "UPDATE")), "")
        seen.append(f"{words[0]} {table}")

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_graded_answer_is_saved_by_one_statement_that_enforces_the_deadline(database_url, small, clock) -> None:
    """A click on an answer costs the database one UPDATE, whose own condition refuses it after the deadline (plus
    the 2 s grace); only a refused answer reads the attempt, to say why and submit it. SQLite and PostgreSQL."""
    db = Database(database_url)
    try:
        alice = make_user(db, "alice")
        attempts = Attempts(db, small, clock=clock)
        attempt_id = attempts.start(alice, "safety")
        q1, q2, q3 = (item.question for item in attempts.load(attempt_id, alice).items[:3])

        with statements(db) as seen:
            assert attempts.save_answer(attempt_id, alice, q1.id, "b") is None
        assert seen == ["UPDATE answers"]
        clock.advance(minutes=10, seconds=1)  # past the deadline, within the grace
        with statements(db) as seen:
            attempts.save_answer(attempt_id, alice, q2.id, "a")
        assert seen == ["UPDATE answers"]
        clock.advance(seconds=2)  # past the grace
        with pytest.raises(AttemptError, match="Time is up"):
            attempts.save_answer(attempt_id, alice, q1.id, "a")
        with pytest.raises(AttemptError, match="already been submitted"):
            attempts.save_answer(attempt_id, alice, q3.id, "a")

        state = attempts.load(attempt_id, alice)
        assert state.submitted and state.auto_submitted
        saved = {i.question.id: i.response for i in state.items}
        assert (saved[q1.id], saved[q2.id], saved[q3.id]) == ("b", "a", None)  # the refused answers changed nothing
    finally:
        db.dispose()


def test_expired_attempt_is_submitted_when_the_trainee_comes_back_later(db, small, clock, alice) -> None:
    attempts = Attempts(db, small, clock=clock)
    attempt_id = attempts.start(alice, "lenient")
    items = attempts.load(attempt_id, alice).items
    for item in items[:4]:
        attempts.save_answer(attempt_id, alice, item.question.id, "a")

    clock.advance(hours=3)  # the tab was closed; the trainee returns
    later = Attempts(db, small, clock=clock)
    assert later.open_attempt_id(alice, "lenient") is None
    state = later.load(attempt_id, alice)
    assert state.submitted and state.auto_submitted
    assert state.submitted_at <= state.deadline + timedelta(seconds=2)
    assert state.score == 80.0 and state.passed is True
    # starting again draws a new attempt, it does not reopen the expired one
    new_id = later.start(alice, "lenient")
    assert new_id != attempt_id
    assert not later.load(new_id, alice).submitted


def test_load_after_deadline_also_auto_submits_on_start(db, small, clock, alice) -> None:
    attempts = Attempts(db, small, clock=clock)
    attempt_id = attempts.start(alice, "safety")
    clock.advance(minutes=11)
    new_id = attempts.start(alice, "safety")  # the expired one is closed first
    assert new_id != attempt_id
    old = attempts.load(attempt_id, alice)
    assert old.auto_submitted and old.score == 0.0


def test_untimed_quiz_never_expires(db, course, clock, alice) -> None:
    attempts = Attempts(db, course, clock=clock)
    attempt_id = attempts.start(alice, "history")
    clock.advance(days=30)
    q = attempts.load(attempt_id, alice).items[0].question
    save_whole(attempts, attempt_id, alice, q.id, correct(q))
    assert not attempts.load(attempt_id, alice).submitted


def test_certification_exam_is_timed_and_has_60_questions(db, course, clock, alice) -> None:
    attempts = Attempts(db, course, clock=clock)
    attempt_id = attempts.start(alice, "certification")
    state = attempts.load(attempt_id, alice)
    assert state.spec.kind == "exam"
    assert len(state.items) == 60 and len({i.question.id for i in state.items}) == 60
    assert state.deadline == clock() + timedelta(minutes=90)
    answer_all(attempts, attempt_id, alice)
    clock.advance(minutes=80)
    result = attempts.submit(attempt_id, alice)
    assert result.score == 100.0 and result.passed is True


# ------------------------------------------------------------------ attempt limits and overrides
def test_max_attempts_is_enforced(db, small, clock, alice, bob) -> None:
    attempts = Attempts(db, small, clock=clock)
    assert attempts.attempts_allowed(alice, "safety") == 2
    for _ in range(2):
        attempts.submit(attempts.start(alice, "safety"), alice)
    with pytest.raises(AttemptError, match="all 2 attempts"):
        attempts.start(alice, "safety")
    assert attempts.graded_attempts_used(alice, "safety") == 2
    # the limit is per trainee and per quiz, and practice is not limited
    assert attempts.start(bob, "safety")
    assert attempts.start(alice, "lenient")
    assert attempts.start(alice, "safety", mode="practice")


def test_an_open_attempt_counts_towards_the_limit(db, small, clock, alice) -> None:
    attempts = Attempts(db, small, clock=clock)
    attempts.submit(attempts.start(alice, "safety"), alice)
    open_id = attempts.start(alice, "safety")
    assert attempts.start(alice, "safety") == open_id  # resuming is always allowed
    attempts.submit(open_id, alice)
    with pytest.raises(AttemptError):
        attempts.start(alice, "safety")


def test_override_adds_minutes_and_attempts(db, small, clock, alice) -> None:
    with db.session() as s:
        s.add(Override(user_id=alice, quiz_id="safety", extra_minutes=15, extra_attempts=1))
    attempts = Attempts(db, small, clock=clock)
    assert attempts.attempts_allowed(alice, "safety") == 3

    started = clock()
    attempt_id = attempts.start(alice, "safety")
    state = attempts.load(attempt_id, alice)
    assert state.deadline == started + timedelta(minutes=25)
    clock.advance(minutes=20)  # past the normal 10 minutes, within 25
    attempts.save_answer(attempt_id, alice, state.items[0].question.id, "a")
    assert not attempts.load(attempt_id, alice).submitted
    attempts.submit(attempt_id, alice)

    attempts.submit(attempts.start(alice, "safety"), alice)  # attempt 2
    attempts.submit(attempts.start(alice, "safety"), alice)  # attempt 3: the extra one
    with pytest.raises(AttemptError, match="all 3 attempts"):
        attempts.start(alice, "safety")


def test_override_is_for_one_trainee_only(db, small, clock, alice, bob) -> None:
    with db.session() as s:
        s.add(Override(user_id=alice, quiz_id="safety", extra_minutes=15, extra_attempts=1))
    attempts = Attempts(db, small, clock=clock)
    assert attempts.attempts_allowed(bob, "safety") == 2
    started = clock()
    state = attempts.load(attempts.start(bob, "safety"), bob)
    assert state.deadline == started + timedelta(minutes=10)


# ------------------------------------------------------------------ safety-critical questions
def test_wrong_critical_answer_fails_even_with_a_passing_score(db, small, clock, alice) -> None:
    attempts = Attempts(db, small, clock=clock)
    attempt_id = attempts.start(alice, "safety")
    for item in attempts.load(attempt_id, alice).items:
        attempts.save_answer(attempt_id, alice, item.question.id, "b" if item.question.critical else "a")
    state = attempts.submit(attempt_id, alice)
    assert state.score == 80.0  # above the pass mark of 70
    assert state.passed is False
    assert state.critical_failed == ["safety-q5"]


def test_unanswered_critical_question_also_fails(db, small, clock, alice) -> None:
    attempts = Attempts(db, small, clock=clock)
    attempt_id = attempts.start(alice, "safety")
    for item in attempts.load(attempt_id, alice).items:
        if not item.question.critical:
            attempts.save_answer(attempt_id, alice, item.question.id, "a")
    state = attempts.submit(attempt_id, alice)
    assert state.passed is False and state.critical_failed == ["safety-q5"]


def test_right_critical_answer_passes(db, small, clock, alice) -> None:
    attempts = Attempts(db, small, clock=clock)
    attempt_id = attempts.start(alice, "safety")
    items = attempts.load(attempt_id, alice).items
    wrong_one = next(item for item in items if not item.question.critical)
    for item in items:
        attempts.save_answer(attempt_id, alice, item.question.id, "b" if item is wrong_one else "a")
    state = attempts.submit(attempt_id, alice)
    assert state.score == 80.0 and state.passed is True and state.critical_failed == []


def test_critical_rule_can_be_turned_off(db, small, clock, alice) -> None:
    attempts = Attempts(db, small, clock=clock)
    attempt_id = attempts.start(alice, "lenient")
    for item in attempts.load(attempt_id, alice).items:
        attempts.save_answer(attempt_id, alice, item.question.id, "b" if item.question.critical else "a")
    state = attempts.submit(attempt_id, alice)
    assert state.score == 80.0 and state.passed is True
    assert state.critical_failed == ["lenient-q5"]  # still recorded for the review


# ------------------------------------------------------------------ practice mode
def test_practice_gives_the_score_at_once_and_only_once(db, course, clock, alice) -> None:
    attempts = Attempts(db, course, clock=clock)
    attempt_id = attempts.start(alice, "history", mode="practice")
    items = attempts.load(attempt_id, alice).items
    q1, q2 = items[0].question, items[1].question
    assert attempts.save_answer(attempt_id, alice, q1.id, correct(q1)) == 1.0
    assert attempts.save_answer(attempt_id, alice, q2.id, wrong_response(q2)) == 0.0
    with pytest.raises(AttemptError, match="already checked"):
        attempts.save_answer(attempt_id, alice, q2.id, correct(q2))
    state = attempts.load(attempt_id, alice)
    assert (state.items[1].response, state.items[1].score) == (wrong_response(q2), 0.0)
    assert state.mode == "practice"
    # practice does not use up graded attempts
    assert attempts.graded_attempts_used(alice, "history") == 0


def test_practice_is_untimed_and_separate_from_graded(db, small, clock, alice) -> None:
    attempts = Attempts(db, small, clock=clock)
    practice = attempts.start(alice, "safety", mode="practice")
    graded = attempts.start(alice, "safety")
    assert practice != graded
    assert attempts.load(practice, alice).deadline is None
    clock.advance(hours=1)
    q = attempts.load(practice, alice).items[0].question
    assert attempts.save_answer(practice, alice, q.id, "a") == 1.0


# ------------------------------------------------------------------ other people's attempts
def test_someone_elses_attempt_cannot_be_loaded_or_answered(db, course, clock, alice, bob) -> None:
    attempts = Attempts(db, course, clock=clock)
    attempt_id = attempts.start(alice, "history")
    q = attempts.load(attempt_id, alice).items[0].question
    with pytest.raises(AttemptError, match="does not exist"):
        attempts.load(attempt_id, bob)
    with pytest.raises(AttemptError, match="does not exist"):
        attempts.save_answer(attempt_id, bob, q.id, correct(q))
    with pytest.raises(AttemptError, match="does not exist"):
        attempts.submit(attempt_id, bob)
    with pytest.raises(AttemptError, match="does not exist"):
        attempts.set_flag(attempt_id, bob, q.id, True)
    state = attempts.load(attempt_id, alice)
    assert not state.submitted
    assert state.items[0].response is None and not state.items[0].flagged
    # bob's own start draws his own attempt
    assert attempts.start(bob, "history") != attempt_id


def test_missing_attempt_is_refused(db, course, clock, alice) -> None:
    with pytest.raises(AttemptError, match="does not exist"):
        Attempts(db, course, clock=clock).load(9999, alice)


# ------------------------------------------------------------------ history
def test_history_lists_graded_attempts_newest_first(db, course, clock, alice) -> None:
    attempts = Attempts(db, course, clock=clock)
    first = attempts.start(alice, "history")
    attempts.submit(first, alice)
    attempts.start(alice, "history", mode="practice")  # practice while no graded attempt is open
    clock.advance(minutes=1)
    second = attempts.start(alice, "history")
    assert [a.id for a in attempts.history(alice, "history")] == [second, first]
    assert len(attempts.history(alice, "history", mode=None)) == 3


def test_follow_up_work_runs_after_every_submission_including_the_deadline(db, course, clock, alice) -> None:
    done: list[int] = []
    attempts = Attempts(db, course, clock=clock, on_submit=done.append)
    manual = attempts.start(alice, "history", seed=1)
    attempts.submit(manual, alice)
    timed = attempts.start(alice, "certification", seed=2)
    clock.advance(minutes=91)
    attempts.load(timed, alice)  # the trainee comes back after the deadline
    assert done == [manual, timed]


def test_a_failing_follow_up_does_not_undo_the_submission(db, course, clock, alice) -> None:
    def broken(_attempt_id: int) -> None:
        raise RuntimeError("boom")

    attempts = Attempts(db, course, clock=clock, on_submit=broken)
    attempt_id = attempts.start(alice, "history", seed=3)
    assert attempts.submit(attempt_id, alice).submitted
    assert Attempts(db, course, clock=clock).load(attempt_id, alice).submitted


# ------------------------------------------------------------------ deadline sweep (the trainee never comes back)
def test_a_closed_tab_shows_submitted_at_its_deadline_in_gradebook_and_item_analysis(db, small, clock, alice) -> None:
    from mesolearn.analytics.quiz_report import quiz_item_analysis
    from mesolearn.cohorts import gradebook
    from mesolearn.storage.models import Attempt

    done: list[int] = []
    attempts = Attempts(db, small, clock=clock, on_submit=done.append)
    attempt_id = attempts.start(alice, "safety")
    for item in attempts.load(attempt_id, alice).items[:3]:
        attempts.save_answer(attempt_id, alice, item.question.id, "a")
    deadline = clock() + timedelta(minutes=10)
    clock.advance(hours=3)  # the tab was closed; nobody opens the attempt again

    row = next(
        r
        for r in gradebook(db, small, now=clock(), on_submit=done.append)
        if r.user_id == alice and r.quiz_id == "safety"
    )
    assert (row.attempts, row.best_score, row.last_activity) == (1, 60.0, deadline)
    with db.session() as s:
        stored = s.get(Attempt, attempt_id)
        assert (stored.submitted_at, stored.auto_submitted, stored.passed) == (deadline, True, False)
    assert done == [attempt_id]  # the follow-up work ran, once
    assert quiz_item_analysis(db, small, "safety", on_submit=done.append).quiz.n_attempts == 1
    gradebook(db, small, now=clock(), on_submit=done.append)  # idempotent
    assert done == [attempt_id]
    assert attempts.load(attempt_id, alice).score == 60.0  # what the trainee finds on return


def test_the_sweep_leaves_running_untimed_and_unknown_attempts_open(db, small, course, clock, alice, bob) -> None:
    from mesolearn.quiz.attempts import submit_overdue

    timed = Attempts(db, small, clock=clock).start(alice, "safety")
    untimed = Attempts(db, course, clock=clock).start(bob, "history")
    exam = Attempts(db, course, clock=clock).start(bob, "certification")  # not in the small course's content
    clock.advance(minutes=9)
    assert submit_overdue(db, small, now=clock()) == []  # still running
    clock.advance(days=30)
    assert submit_overdue(db, small, now=clock()) == [timed]  # no crash on quizzes it does not know
    assert not Attempts(db, course, clock=clock).load(untimed, bob).submitted
    assert submit_overdue(db, course, now=clock()) == [exam]
