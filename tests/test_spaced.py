"""Spaced review with FSRS: which answers make cards, the rating mapping, scheduling, idempotent sync."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Rating
from sqlalchemy import func, select

from mesolearn.learning.mastery import mastery_for_user
from mesolearn.learning.spaced import (
    cards,
    due_cards,
    predicted_recall,
    rating_for,
    record_review,
    start_review_session,
    sync_from_attempt,
    sync_user,
)
from mesolearn.quiz import grading
from mesolearn.quiz.attempts import AttemptError, Attempts
from mesolearn.quiz.grading import correct_response
from mesolearn.storage.models import ReviewCard
from tests.conftest import (
    Clock,  # noqa: E402
    make_user,
)
from tests.factories import save_whole, take, wrong_response

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 3, 3, 9, 0)


# ---------------------------------------------------------------- helpers (local to this file)


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def attempts(db, course, clock):
    return Attempts(db, course, clock)


def card_of(db, user, qid):
    return next((c for c in cards(db, user) if c.question_id == qid), None)


# ---------------------------------------------------------------- tests
def test_response_helpers_really_score_1_and_0(course):
    for _, q in course.questions.values():
        assert grading.grade(q, correct_response(q)) == 1.0
        assert grading.grade(q, wrong_response(q)) == 0.0


def test_rating_mapping():
    assert rating_for(0.0) == Rating.Again
    assert rating_for(None) == Rating.Again
    assert rating_for(0.5) == Rating.Hard
    assert rating_for(1.0) == Rating.Good
    assert rating_for(1.0, flagged=True) == Rating.Hard
    assert rating_for(0.0, flagged=True) == Rating.Again


def test_wrong_answers_in_a_submitted_attempt_become_cards_due_soon(db, course, attempts, clock):
    user = make_user(db)
    state = take(attempts, user, "history", 7, rest="wrong", seed=7, clock=clock, step_seconds=20)
    wrong = [i.question.id for i in state.items if i.score < 1]
    right = [i.question.id for i in state.items if i.score == 1]
    assert len(wrong) == 3
    result = sync_from_attempt(db, course, state.id, clock)
    assert sorted(result.created) == sorted(wrong) and result.updated == []
    items = {c.question_id: c for c in cards(db, user)}
    assert set(items) == set(wrong) and not set(items) & set(right)
    for c in items.values():
        assert c.state == "learning"
        assert c.due - c.last_review <= timedelta(minutes=1)  # Again: due again within minutes
        assert c.due.tzinfo is None and c.last_review.tzinfo is None
    # all due after a short break, none right at the start
    assert len(due_cards(db, user, T0)) == 0
    assert len(due_cards(db, user, clock() + timedelta(minutes=2))) == 3
    assert len(due_cards(db, user, clock() + timedelta(minutes=2), limit=2)) == 2


def test_unsubmitted_attempt_makes_no_cards(db, course, attempts, clock):
    user = make_user(db)
    attempt_id = attempts.start(user, "history", "graded", seed=1)
    q = attempts.load(attempt_id, user).items[0].question
    save_whole(attempts, attempt_id, user, q.id, wrong_response(q))
    assert not sync_from_attempt(db, course, attempt_id, clock).changed
    assert cards(db, user) == []


def test_sync_is_idempotent(db, course, attempts, clock):
    user = make_user(db)
    state = take(attempts, user, "risks", 5, mode="practice", rest="wrong", seed=7, clock=clock, step_seconds=20)
    first = sync_from_attempt(db, course, state.id, clock)
    assert len(first.created) == 5
    before = {c.question_id: (c.card.to_dict(), c.due) for c in cards(db, user)}
    clock.advance(days=3)
    again = sync_from_attempt(db, course, state.id, clock)
    assert not again.changed
    assert {c.question_id: (c.card.to_dict(), c.due) for c in cards(db, user)} == before
    assert not sync_user(db, course, user, clock).changed
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ReviewCard)) == 5


def test_flagged_question_becomes_a_card_even_when_right(db, course, attempts, clock):
    user = make_user(db)
    state = take(attempts, user, "technique", 10, flag=4, rest="wrong", seed=7, clock=clock, step_seconds=20)
    flagged = state.items[4].question.id
    assert all(i.score == 1 for i in state.items)
    result = sync_from_attempt(db, course, state.id, clock)
    assert result.created == [flagged]
    c = card_of(db, user, flagged)
    assert c is not None and c.state == "learning"  # rated Hard: still learning, due within minutes
    assert c.due - c.last_review < timedelta(minutes=10)


def test_wrong_is_due_soon_and_right_is_due_later(db):
    user = make_user(db)
    t = T0
    again = record_review(db, user, "history-q01", 0.0, t)
    assert again.due - t <= timedelta(minutes=1)
    # correct reviews push the card further and further out
    gaps = []
    item = again
    for _ in range(4):
        t = item.due + timedelta(hours=1)
        item = record_review(db, user, "history-q01", 1.0, t)
        gaps.append(item.due - t)
    assert gaps == sorted(gaps) and gaps[-1] > timedelta(days=1)
    assert item.state == "review"
    # a lapse brings it back within minutes
    t = item.due + timedelta(days=1)
    lapse = record_review(db, user, "history-q01", 0.0, t)
    assert lapse.state == "relearning" and lapse.due - t <= timedelta(minutes=10)


def test_partial_credit_rates_hard_between_again_and_good(db):
    user = make_user(db)
    dues = {}
    for qid, score in (("history-q01", 0.0), ("history-q02", 0.5)):
        dues[score] = record_review(db, user, qid, score, T0).due
    assert dues[0.0] < dues[0.5]
    # a correct first answer to a question without a card makes no card
    assert record_review(db, user, "history-q03", 1.0, T0) is None
    assert len(cards(db, user)) == 2


def test_record_review_is_idempotent_per_timestamp_and_accepts_aware_datetimes(db):
    user = make_user(db)
    first = record_review(db, user, "history-q01", 0.0, T0.replace(tzinfo=UTC))
    same = record_review(db, user, "history-q01", 1.0, T0)  # same moment: ignored
    assert same.card.to_dict() == first.card.to_dict()
    assert first.due.tzinfo is None


def test_predicted_recall_decreases_with_time(db):
    user = make_user(db)
    record_review(db, user, "history-q01", 0.0, T0)
    item = record_review(db, user, "history-q01", 1.0, T0 + timedelta(minutes=5))
    values = [predicted_recall(item.card, T0 + timedelta(days=d)) for d in (0, 2, 7, 30, 365)]
    assert values[0] == pytest.approx(1.0)  # FSRS counts whole days since the last review
    assert all(a > b for a, b in zip(values, values[1:], strict=False))
    assert 0 < values[-1] < 0.5
    # dates, aware datetimes, rows and dicts are accepted
    assert predicted_recall(item, date(2025, 3, 10)) == pytest.approx(values[2])
    assert predicted_recall(item.card.to_dict(), (T0 + timedelta(days=30)).replace(tzinfo=UTC)) == pytest.approx(
        values[3]
    )
    assert item.recall(T0 + timedelta(days=2)) == pytest.approx(values[1])


def test_review_session_runs_through_attempts_and_updates_cards(db, course, attempts, clock):
    user = make_user(db)
    state = take(attempts, user, "history", 6, rest="wrong", seed=7, clock=clock, step_seconds=20)
    sync_from_attempt(db, course, state.id, clock)
    with pytest.raises(AttemptError):
        attempts.start(user, "review", "practice")  # review sessions are not drawn from a pool
    clock.advance(hours=1)
    due = [c.question_id for c in due_cards(db, user, clock())]
    assert len(due) == 4
    session = start_review_session(attempts, user, seed=5)
    assert start_review_session(attempts, user) == session  # resumed while open
    loaded = attempts.load(session, user)
    assert loaded.mode == "practice" and loaded.spec.kind == "practice" and loaded.spec.id == "review"
    assert [i.question.id for i in loaded.items] == due
    before = {c.question_id: c.due for c in cards(db, user)}
    for item in loaded.items:
        clock.advance(seconds=30)
        assert save_whole(attempts, session, user, item.question.id, correct_response(item.question)) == 1.0
    clock.advance(seconds=30)
    done = attempts.submit(session, user)
    assert done.score == 100.0
    result = sync_from_attempt(db, course, session, clock)
    assert sorted(result.updated) == sorted(due) and result.created == []
    after = {c.question_id: c.due for c in cards(db, user)}
    assert all(after[q] > before[q] for q in due)
    assert due_cards(db, user, clock()) == []
    # graded attempts are untouched by review sessions
    assert attempts.graded_attempts_used(user, "history") == 1
    assert all(a.mode == "graded" for a in attempts.history(user))
    assert mastery_for_user(db, course, user)  # review answers are readable by mastery


def test_review_session_with_nothing_due_is_refused(db, course, attempts):
    user = make_user(db)
    with pytest.raises(AttemptError):
        start_review_session(attempts, user)


# ---------------------------------------------------------------- self-rating, one card at a time
def test_next_intervals_grow_from_again_to_easy_and_read_as_people_write_them(db):
    from mesolearn.learning.spaced import format_interval, next_intervals

    user = make_user(db)
    card = record_review(db, user, "history-q01", 0.0, T0)  # a wrong answer makes a new card
    intervals = next_intervals(card, T0 + timedelta(minutes=1))
    assert intervals["again"] < intervals["hard"] < intervals["good"] < intervals["easy"]
    assert format_interval(intervals["again"]) == "1 min"
    assert [format_interval(timedelta(minutes=m)) for m in (0.2, 10, 300, 3 * 1440, 62 * 1440, 800 * 1440)] == [
        "1 min",
        "10 min",
        "5 h",
        "3 d",
        "2 mo",
        "2.2 y",
    ]


def test_rating_a_card_reschedules_it_once_per_session(db):
    from mesolearn.learning.review_queue import reviewed_on_day
    from mesolearn.learning.spaced import cards, rate_card

    user = make_user(db)
    record_review(db, user, "history-q01", 0.0, T0)
    session_start = T0 + timedelta(minutes=5)
    good = rate_card(db, user, "history-q01", "good", session_start + timedelta(minutes=1), once_since=session_start)
    assert good.due == session_start + timedelta(minutes=11)  # the 10-minute learning step
    again = rate_card(db, user, "history-q01", "again", session_start + timedelta(minutes=2), once_since=session_start)
    assert again.due == good.due  # a second tab cannot push it twice
    assert reviewed_on_day(cards(db, user), session_start) == 1
    with pytest.raises(ValueError):
        rate_card(db, user, "history-q01", "perfect", session_start)
