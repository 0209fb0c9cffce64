"""The spaced-review page's policy (mesolearn.learning.review_queue): due now with the learn-ahead, the daily and
session limits, which card comes next in a session and when it is done, the rating buttons' intervals; and the app
layer's Review area that reads them from the database."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from fsrs import Card, Rating

from mesolearn.app import Services, open_database, utcnow
from mesolearn.learning.review_queue import (
    LEARN_AHEAD,
    rated_in_session,
    rating_choices,
    review_queue,
    reviewed_on_day,
    session_progress,
)
from mesolearn.learning.spaced import SCHEDULER, ReviewItem, to_aware
from mesolearn.quiz import drawing
from mesolearn.quiz.attempts import Item
from tests.factories import instructor_and_trainee, take

NOW = datetime(2027, 1, 11, 15, 0)


def card(question_id: str, due: datetime, last_review: datetime | None = None, rated: bool = True) -> ReviewItem:
    """A card due at ``due``, last reviewed at ``last_review`` (None: never), with an FSRS card behind it; that review
    was the trainee's own rating unless ``rated`` is False (a quiz answer rescheduled the card)."""
    fsrs_card = Card(card_id=1, due=to_aware(due))
    if last_review is not None:
        fsrs_card, _ = SCHEDULER.review_card(fsrs_card, Rating.Again, to_aware(last_review))
    rated_at = last_review if rated else None
    return ReviewItem(
        question_id, due, "learning", None, None, last_review, NOW - timedelta(days=3), fsrs_card, rated_at
    )


def test_a_card_due_within_the_learn_ahead_counts_as_due_now_and_later_ones_wait():
    assert timedelta(minutes=5) == LEARN_AHEAD
    cards = [
        card("later", NOW + timedelta(minutes=10)),
        card("soon", NOW + timedelta(minutes=4)),
        card("overdue", NOW - timedelta(days=2)),
        card("tomorrow", NOW + timedelta(days=1)),
    ]
    queue = review_queue(cards, NOW)
    assert [c.question_id for c in queue.due] == ["overdue", "soon"]
    assert [c.question_id for c in queue.upcoming] == ["later", "tomorrow"]
    assert queue.next_due == NOW + timedelta(minutes=10)
    assert queue.session_questions == ["overdue", "soon"]


def test_cards_of_questions_the_course_lacks_are_not_offered():
    cards = [card("kept", NOW - timedelta(hours=1)), card("gone", NOW - timedelta(hours=2))]
    queue = review_queue(cards, NOW, known=lambda qid: qid != "gone")
    assert [c.question_id for c in queue.due] == ["kept"] and queue.upcoming == [] and queue.next_due is None


def test_reviewed_today_counts_only_ratings_on_todays_utc_day():
    cards = [
        card("a", NOW + timedelta(days=1), last_review=NOW.replace(hour=0, minute=1)),
        card("b", NOW + timedelta(days=1), last_review=NOW - timedelta(days=1)),
        card("c", NOW + timedelta(days=1)),
        card("quiz", NOW + timedelta(days=1), last_review=NOW - timedelta(hours=1), rated=False),
    ]
    assert reviewed_on_day(cards, NOW) == 1
    assert review_queue(cards, NOW).done_today == 1


def test_a_session_holds_twenty_cards_and_no_more_than_the_day_has_left():
    due = [card(f"q{i:02}", NOW - timedelta(minutes=60 - i)) for i in range(30)]
    queue = review_queue(due, NOW)
    assert queue.session_size == 20 and queue.session_questions == [f"q{i:02}" for i in range(20)]
    reviewed = [card(f"r{i}", NOW + timedelta(days=2), last_review=NOW - timedelta(hours=1)) for i in range(95)]
    nearly = review_queue(due + reviewed, NOW)
    assert nearly.done_today == 95 and nearly.left_today == 5 and nearly.session_size == 5
    assert not nearly.limit_reached


def test_once_a_hundred_cards_are_reviewed_today_the_rest_waits_for_tomorrow():
    reviewed = [card(f"r{i}", NOW + timedelta(days=2), last_review=NOW - timedelta(hours=1)) for i in range(100)]
    queue = review_queue([card("due", NOW - timedelta(hours=1)), *reviewed], NOW)
    assert queue.limit_reached and queue.session_size == 0 and queue.session_questions == []
    assert not review_queue(reviewed, NOW).limit_reached  # nothing is due: no limit to reach


def _items(course, scores: list[float | None]) -> list[Item]:
    """Items of a review session holding the first history questions, checked with these scores (None: not yet)."""
    questions = course.modules["history"].quiz.questions[: len(scores)]
    pairs = zip(questions, scores, strict=True)
    return [Item(i, q, drawing.make_layout(q, random.Random(1)), None, score) for i, (q, score) in enumerate(pairs)]


def test_in_a_session_a_card_is_done_once_checked_and_rated_after_the_session_began(course):
    started = NOW - timedelta(minutes=30)
    checked_rated, checked_rated_before, unchecked = _items(course, [1.0, 0.0, None])
    cards = {
        checked_rated.question.id: card(checked_rated.question.id, NOW + timedelta(days=1), NOW - timedelta(minutes=1)),
        checked_rated_before.question.id: card(checked_rated_before.question.id, NOW, NOW - timedelta(days=1)),
    }
    progress = session_progress([checked_rated, checked_rated_before, unchecked], cards, started)
    assert [it.question.id for it in progress.todo] == [checked_rated_before.question.id, unchecked.question.id]
    assert progress.current is checked_rated_before and progress.number == 2 and progress.total == 3
    assert progress.done == 1 and not progress.finished
    assert not rated_in_session(None, started)


def test_a_session_is_finished_when_every_card_is_checked_and_rated(course):
    started = NOW - timedelta(minutes=30)
    items = _items(course, [1.0, 0.5])
    cards = {it.question.id: card(it.question.id, NOW + timedelta(days=1), NOW - timedelta(minutes=5)) for it in items}
    progress = session_progress(items, cards, started)
    assert progress.finished and progress.current is None and progress.number == 2 and progress.fraction == 1.0


def test_each_rating_button_says_when_the_card_comes_back():
    choices = rating_choices(card("q", NOW, last_review=NOW - timedelta(minutes=2)), NOW)
    assert [c.name for c in choices] == ["again", "hard", "good", "easy"]
    assert all(c.interval is not None and c.label.startswith(c.label.split(" · ")[0] + " · ") for c in choices)
    again, *_, easy = choices
    assert again.interval < easy.interval
    assert [c.label for c in rating_choices(None, NOW)] == ["Again", "Hard", "Good", "Easy"]


def test_the_review_area_offers_a_wrong_answer_and_walks_its_session_to_the_end(tmp_path, course):
    db = open_database(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        svc = Services(course, db)
        trainee = instructor_and_trainee(db, "tom", "Tom Trainee")
        take(svc.attempts, trainee, "history", False, rest="wrong")
        now = utcnow() + timedelta(minutes=2)
        queue = svc.review.queue(trainee, now)
        # the wrong answers made cards (FSRS's first review, "Again"), but the trainee has reviewed none of them yet:
        # nothing counts against the day's limit (it counted them all, and an exam's mistakes ate into the limit)
        assert queue.due and queue.done_today == 0 and queue.session_size == len(queue.due)
        assert svc.review.reviewed_today(trainee, now) == 0
        attempt_id = svc.review.start(trainee, queue.session_questions[:1])
        session = svc.review.session(trainee, attempt_id)
        (item,) = session.attempt.items
        assert session.progress.current is not None and session.progress.current.question.id == item.question.id
        assert session.card(item.question.id) is not None
        svc.attempts.save_answer(attempt_id, trainee, item.question.id, None)
        assert not svc.review.session(trainee, attempt_id).progress.finished  # checked, not rated yet
        svc.review.rate(trainee, item.question.id, "good", now, once_since=session.attempt.started_at)
        assert svc.review.session(trainee, attempt_id).progress.finished
        assert svc.review.reviewed_today(trainee, now) == 1 and svc.review.queue(trainee, now).done_today == 1
        assert svc.review.reviewed_today(trainee, now + timedelta(days=1)) == 0  # a new UTC day starts from zero
    finally:
        db.dispose()
