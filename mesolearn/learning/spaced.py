"""Spaced review of missed questions with FSRS (the ``fsrs`` package, v6).

Rules:

* A question becomes a review card (one per trainee and question, table ``review_cards``) when the
  trainee answers it not fully correctly (score < 1) in any submitted attempt, or flags it.
* Every later answer to a question that has a card is a review of that card. The rating is
  ``Again`` for a score of 0 (or no answer), ``Hard`` for partial credit, ``Good`` for a correct
  answer; a flagged answer is rated at most ``Hard`` (the trainee was unsure).
* Reviews are applied in time order, at the time the answer was saved. An answer at or before the
  card's last review is skipped, which makes :func:`sync_from_attempt` (and replays) idempotent.
* The scheduler uses FSRS-6 default parameters (90% desired retention, learning steps 1 min and
  10 min, relearning step 10 min) without fuzzing, so schedules are reproducible.

Time: the database stores naive UTC; fsrs needs timezone-aware UTC. :func:`to_aware` and
:func:`to_naive` convert at the boundary; every function here accepts either kind.

Flow for the pages: after any attempt is submitted call :func:`sync_from_attempt`; show
:func:`due_cards`; start a review session with :func:`start_review_session` (a practice attempt with
quiz id ``"review"``, run with the usual ``Attempts.load/save_answer/submit``), then sync it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from fsrs import Card, Rating, Scheduler, State
from fsrs.card import CardDict
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mesolearn.content.loader import Course
from mesolearn.learning.custom import start_custom_practice
from mesolearn.learning.mastery import REVIEW_QUIZ_ID, is_correct, records_of_attempt
from mesolearn.quiz.attempts import AttemptError, Attempts
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import Attempt, ReviewCard

SCHEDULER = Scheduler(enable_fuzzing=False)
DEFAULT_SESSION_SIZE = 20


# ---------------------------------------------------------------- time and ratings
def to_aware(dt: datetime) -> datetime:
    """Naive datetimes are UTC (the database convention)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def to_naive(dt: datetime) -> datetime:
    return dt if dt.tzinfo is None else dt.astimezone(UTC).replace(tzinfo=None)


def rating_for(score: float | None, flagged: bool = False) -> Rating:
    """0 or no answer -> Again; partial credit -> Hard; correct -> Good (Hard if flagged as unsure)."""
    if score is None or score <= 0:
        return Rating.Again
    if not is_correct(score) or flagged:
        return Rating.Hard
    return Rating.Good


def _card_id(user_id: int, question_id: str) -> int:
    """A stable id for the fsrs card (fsrs would otherwise use the wall clock)."""
    return int.from_bytes(hashlib.sha256(f"{user_id}:{question_id}".encode()).digest()[:6], "big")


# ---------------------------------------------------------------- views
@dataclass(frozen=True)
class ReviewItem:
    """A review card as the pages see it. Datetimes are naive UTC."""

    question_id: str
    due: datetime
    state: str  # "learning" | "review" | "relearning"
    stability: float | None  # days
    difficulty: float | None  # 1..10
    last_review: datetime | None  # FSRS's last review: a rating, or a quiz answer that rescheduled the card
    created_at: datetime
    card: Card = field(repr=False, compare=False)
    rated_at: datetime | None = None  # the trainee's last own rating on the review page (None: never rated)

    def recall(self, on: datetime | date) -> float:
        return predicted_recall(self.card, on)


def _load_card(stored: dict) -> Card:
    """A card from the JSON column (what ``Card.to_dict()`` wrote, so it has ``CardDict``'s keys)."""
    return Card.from_dict(cast(CardDict, stored))


def _stored(card: Card) -> dict:
    """A card as the JSON column holds it."""
    return dict(card.to_dict())


def _item(row: ReviewCard) -> ReviewItem:
    card = _load_card(row.card)
    return ReviewItem(
        row.question_id,
        row.due,
        State(card.state).name.lower(),
        card.stability,
        card.difficulty,
        to_naive(card.last_review) if card.last_review else None,
        row.created_at,
        card,
        row.rated_at,
    )


@dataclass(frozen=True)
class SyncResult:
    created: list[str] = field(default_factory=list)  # question ids that got a new card
    updated: list[str] = field(default_factory=list)  # question ids whose card was rescheduled

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


# ---------------------------------------------------------------- writing
def _review(
    s: Session,
    user_id: int,
    question_id: str,
    score: float | None,
    reviewed_at: datetime,
    now: datetime,
    flagged: bool = False,
) -> tuple[ReviewCard | None, str]:
    """Apply one answer. Returns (row, "created" | "updated" | "skipped" | "none")."""
    reviewed_at = to_aware(reviewed_at)
    row = s.scalar(select(ReviewCard).where(ReviewCard.user_id == user_id, ReviewCard.question_id == question_id))
    rating = rating_for(score, flagged)
    if row is None:
        if is_correct(score) and not flagged:
            return None, "none"  # nothing to review
        card = Card(card_id=_card_id(user_id, question_id), due=reviewed_at)
        card, _ = SCHEDULER.review_card(card, rating, reviewed_at)
        row = ReviewCard(
            user_id=user_id,
            question_id=question_id,
            card=card.to_dict(),
            due=to_naive(card.due),
            created_at=to_naive(now),
            updated_at=to_naive(now),
        )
        s.add(row)
        s.flush()
        return row, "created"
    card = _load_card(row.card)
    if card.last_review is not None and reviewed_at <= card.last_review:
        return row, "skipped"  # already applied (or older than the last review)
    card, _ = SCHEDULER.review_card(card, rating, reviewed_at)
    row.card, row.due, row.updated_at = _stored(card), to_naive(card.due), to_naive(now)
    return row, "updated"


def record_review(
    db: Database, user_id: int, question_id: str, score: float | None, now: datetime, flagged: bool = False
) -> ReviewItem | None:
    """One answer to a question at ``now``: rate its card (creating it if the answer was not right).

    Returns the card, or None when there is none (a correct, unflagged answer to a question without
    a card). Idempotent per timestamp: an answer at or before the card's last review is ignored.
    Note that mastery reads answers from attempts, so reviews should be answered in a review
    session (see :func:`start_review_session`) and applied with :func:`sync_from_attempt`.
    """
    with db.session() as s:
        row, _ = _review(s, user_id, question_id, score, now, now, flagged)
        return _item(row) if row is not None else None


def sync_from_attempt(
    db: Database, course: Course, attempt_id: int, clock: Callable[[], datetime] = utcnow
) -> SyncResult:
    """Create or reschedule the cards of one submitted attempt (any mode). Safe to call repeatedly."""
    created: list[str] = []
    updated: list[str] = []
    now = clock()
    with db.session() as s:
        attempt = s.scalar(select(Attempt).where(Attempt.id == attempt_id).options(selectinload(Attempt.answers)))
        if attempt is None or attempt.submitted_at is None:
            return SyncResult()
        for r in records_of_attempt(attempt):
            if course.question(r.question_id) is None:
                continue
            _, what = _review(s, attempt.user_id, r.question_id, r.score, r.answered_at, now, r.flagged)
            if what == "created":
                created.append(r.question_id)
            elif what == "updated":
                updated.append(r.question_id)
        # a question flagged but never answered (practice) still becomes a card
        answered = {r.question_id for r in records_of_attempt(attempt)}
        for a in attempt.answers:
            if a.flagged and a.question_id not in answered and course.question(a.question_id) is not None:
                _, what = _review(s, attempt.user_id, a.question_id, None, attempt.submitted_at, now, True)
                if what == "created":
                    created.append(a.question_id)
    return SyncResult(created, updated)


def sync_user(db: Database, course: Course, user_id: int, clock: Callable[[], datetime] = utcnow) -> SyncResult:
    """Replay every submitted attempt of a trainee in order (e.g. after an upgrade). Idempotent."""
    with db.session() as s:
        ids = list(
            s.scalars(
                select(Attempt.id)
                .where(Attempt.user_id == user_id, Attempt.submitted_at.is_not(None))
                .order_by(Attempt.submitted_at, Attempt.id)
            )
        )
    created: list[str] = []
    updated: list[str] = []
    for attempt_id in ids:
        r = sync_from_attempt(db, course, attempt_id, clock)
        created += r.created
        updated += r.updated
    return SyncResult(created, updated)


# ---------------------------------------------------------------- reading
def cards(db: Database, user_id: int) -> list[ReviewItem]:
    """All of a trainee's cards, soonest due first."""
    with db.session() as s:
        rows = s.scalars(
            select(ReviewCard).where(ReviewCard.user_id == user_id).order_by(ReviewCard.due, ReviewCard.id)
        )
        return [_item(r) for r in rows]


def due_cards(db: Database, user_id: int, now: datetime, limit: int | None = None) -> list[ReviewItem]:
    """Cards due at ``now`` (due <= now), most overdue first."""
    with db.session() as s:
        q = (
            select(ReviewCard)
            .where(ReviewCard.user_id == user_id, ReviewCard.due <= to_naive(now))
            .order_by(ReviewCard.due, ReviewCard.id)
        )
        if limit is not None:
            q = q.limit(limit)
        return [_item(r) for r in s.scalars(q)]


def _as_card(card: Any) -> Card:
    if isinstance(card, Card):
        return card
    if isinstance(card, ReviewItem):
        return card.card
    if isinstance(card, ReviewCard):
        return _load_card(card.card)
    if isinstance(card, dict):
        return _load_card(card)
    raise TypeError(f"not a card: {type(card).__name__}")


def predicted_recall(card: Card | ReviewItem | ReviewCard | dict, on_date: datetime | date) -> float:
    """FSRS retrievability: the predicted probability of answering the card's question right at ``on_date``.

    A date means midnight UTC of that day; naive datetimes are UTC. A card never reviewed gives 0.
    FSRS counts whole elapsed days, so the value is constant within a day of the last review.
    """
    if not isinstance(on_date, datetime):
        on_date = datetime.combine(on_date, time(0, 0))
    return float(SCHEDULER.get_card_retrievability(_as_card(card), to_aware(on_date)))


# ---------------------------------------------------------------- sessions
def start_review_session(
    attempts: Attempts,
    user_id: int,
    question_ids: Iterable[str] | None = None,
    *,
    limit: int = DEFAULT_SESSION_SIZE,
    seed: int | None = None,
    resume: bool = True,
) -> int:
    """A practice attempt (quiz id ``"review"``) over due cards, or over ``question_ids`` if given.

    The db, course and clock of ``attempts`` are used.
    Without ``question_ids`` an open review session is resumed when ``resume`` is true, else the
    ``limit`` most overdue cards are used. Raises ``AttemptError`` when there is nothing to review.
    """
    if question_ids is None:
        if resume:
            open_id = attempts.open_attempt_id(user_id, REVIEW_QUIZ_ID, "practice")
            if open_id is not None:
                return open_id
        question_ids = [
            c.question_id
            for c in due_cards(attempts.db, user_id, attempts.clock())
            if attempts.course.question(c.question_id) is not None
        ][:limit]
    ids = list(question_ids)
    if not ids:
        raise AttemptError("Nothing is due for review right now.")
    return start_custom_practice(attempts.db, attempts.course, user_id, ids, REVIEW_QUIZ_ID, attempts.clock, seed)


# ---------------------------------------------------------------- self-rating (one card at a time, like Anki)
RATINGS: dict[str, Rating] = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
DAILY_REVIEW_LIMIT = 100  # cards a trainee reviews per UTC day at most (Anki's "maximum reviews/day")


def next_intervals(card: Card | ReviewItem | ReviewCard | dict, now: datetime) -> dict[str, timedelta]:
    """How long until the card comes back for each self-rating, shown on the rating buttons."""
    base = _as_card(card)
    at = to_aware(now)
    out: dict[str, timedelta] = {}
    for name, rating in RATINGS.items():
        reviewed, _ = SCHEDULER.review_card(Card.from_dict(base.to_dict()), rating, at)
        out[name] = reviewed.due - at
    return out


def format_interval(delta: timedelta) -> str:
    """A short, human interval: "1 min", "10 min", "5 h", "3 d", "2 mo", "1.2 y"."""
    minutes = delta.total_seconds() / 60
    if minutes < 60:
        return f"{max(1, round(minutes))} min"
    if minutes < 24 * 60:
        return f"{round(minutes / 60)} h"
    days = minutes / (24 * 60)
    if days < 31:
        return f"{round(days)} d"
    if days < 365:
        return f"{round(days / 30.4)} mo"
    return f"{days / 365:.1f} y"


def rate_card(
    db: Database, user_id: int, question_id: str, rating: str, now: datetime, once_since: datetime | None = None
) -> ReviewItem:
    """Apply the trainee's own rating of a card they have just seen answered (Again / Hard / Good / Easy).

    With ``once_since`` (the review session's start) a card already reviewed after that moment is left as it is, so a
    second tab or a repeated click cannot push it twice. The answer itself stays in its review session, so mastery
    still reads it; when that session is submitted, :func:`sync_from_attempt` skips the answer, which is older than
    this rating.
    """
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {', '.join(RATINGS)}")
    at = to_aware(now)
    with db.session() as s:
        row = s.scalar(
            select(ReviewCard)
            .where(ReviewCard.user_id == user_id, ReviewCard.question_id == question_id)
            .with_for_update()
        )
        if row is None:
            card = Card(card_id=_card_id(user_id, question_id), due=at)
            row = ReviewCard(
                user_id=user_id,
                question_id=question_id,
                card=card.to_dict(),
                due=to_naive(at),
                created_at=to_naive(now),
                updated_at=to_naive(now),
            )
            s.add(row)
        card = _load_card(row.card)
        if once_since is not None and row.rated_at is not None and row.rated_at > to_naive(once_since):
            return _item(row)
        card, _ = SCHEDULER.review_card(card, RATINGS[rating], at)
        row.card, row.due, row.updated_at = _stored(card), to_naive(card.due), to_naive(now)
        row.rated_at = to_naive(now)
        s.flush()
        return _item(row)
