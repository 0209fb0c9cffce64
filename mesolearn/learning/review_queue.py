"""The spaced-review page's policy: which cards are due, how many a session holds, which card comes next.

Pure functions over the cards (:class:`~mesolearn.learning.spaced.ReviewItem`) and a review session's items; the
app layer (``mesolearn.app.areas.Review``) reads the database and the page only shows the result.

Rules:

* **Due now** means due within :data:`LEARN_AHEAD` (five minutes) from now, as Anki's learn-ahead (Anki uses twenty):
  a card answered wrongly comes back after FSRS's 1-minute step and counts as due now, while a card just reviewed
  right moves to the 10-minute step and reads "scheduled later" (UX review B6). Cards of questions the loaded course
  does not have are left out. Due and later cards are listed soonest first (ties: the order the cards came in).
* **Reviewed today** counts the cards the trainee rated on today's UTC day (a quiz answer that created or rescheduled
  a card is not a review). At most
  :data:`~mesolearn.learning.spaced.DAILY_REVIEW_LIMIT` (100) cards a day: once reached, no session starts and the
  rest waits for tomorrow.
* **A session** holds the due cards, most overdue first, at most
  :data:`~mesolearn.learning.spaced.DEFAULT_SESSION_SIZE` (20) and at most what is left of the day's limit.
* **In a session**, a card is *done* once its answer is checked (scored) and the card was rated after the session
  began (a later rating in another tab counts; a rating before the session does not). The next card is the first
  not done in the session's order; when none is left, the session is finished (the page submits it).
* **Rating choices**: Again, Hard, Good, Easy, each with how long until the card comes back if chosen
  (:func:`~mesolearn.learning.spaced.next_intervals`); a question without a card shows the names alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mesolearn.learning.spaced import (
    DAILY_REVIEW_LIMIT,
    DEFAULT_SESSION_SIZE,
    ReviewItem,
    format_interval,
    next_intervals,
    to_naive,
)
from mesolearn.quiz.attempts import AttemptState, Item

LEARN_AHEAD = timedelta(minutes=5)
RATING_LABELS = (("again", "Again"), ("hard", "Hard"), ("good", "Good"), ("easy", "Easy"))


def reviewed_on_day(cards: Iterable[ReviewItem], now: datetime) -> int:
    """How many of the cards the trainee rated on ``now``'s UTC day (what counts against the daily limit)."""
    day = to_naive(now).date()
    return sum(1 for c in cards if c.rated_at is not None and c.rated_at.date() == day)


@dataclass(frozen=True)
class ReviewQueue:
    """A trainee's cards as the review page shows them, at one moment."""

    due: list[ReviewItem]  # due now (within the learn-ahead), soonest first
    upcoming: list[ReviewItem]  # due later, soonest first
    done_today: int  # cards reviewed today
    daily_limit: int = DAILY_REVIEW_LIMIT
    session_limit: int = DEFAULT_SESSION_SIZE

    @property
    def left_today(self) -> int:
        return max(0, self.daily_limit - self.done_today)

    @property
    def limit_reached(self) -> bool:
        """Cards are due but the day's limit is used up: the rest waits for tomorrow."""
        return bool(self.due) and not self.left_today

    @property
    def session_size(self) -> int:
        """How many cards a session started now holds (0: none can start)."""
        return min(len(self.due), self.session_limit, self.left_today)

    @property
    def session_questions(self) -> list[str]:
        """The question ids of the session to start now, most overdue first."""
        return [c.question_id for c in self.due[: self.session_size]]

    @property
    def next_due(self) -> datetime | None:
        """When the next card scheduled later comes back (None: none is)."""
        return self.upcoming[0].due if self.upcoming else None


def review_queue(
    cards: Iterable[ReviewItem],
    now: datetime,
    known: Callable[[str], bool] = lambda _question_id: True,
    *,
    daily_limit: int = DAILY_REVIEW_LIMIT,
    session_limit: int = DEFAULT_SESSION_SIZE,
) -> ReviewQueue:
    """Sort the cards into due now and later (see the rules above); ``known`` says whether the course has a
    question (cards of others are left out, but still count as reviewed today)."""
    everything = list(cards)
    shown = [c for c in everything if known(c.question_id)]
    horizon = to_naive(now) + LEARN_AHEAD
    due = sorted((c for c in shown if c.due <= horizon), key=lambda c: c.due)
    upcoming = sorted((c for c in shown if c.due > horizon), key=lambda c: c.due)
    return ReviewQueue(due, upcoming, reviewed_on_day(everything, now), daily_limit, session_limit)


def rated_in_session(card: ReviewItem | None, session_started: datetime) -> bool:
    """Whether the card was rated after the session began."""
    return card is not None and card.rated_at is not None and card.rated_at > to_naive(session_started)


@dataclass(frozen=True)
class SessionProgress:
    """Where a review session stands: the cards left, in order, and the one to show."""

    todo: list[Item]  # not done yet, in the session's order
    total: int

    @property
    def done(self) -> int:
        return self.total - len(self.todo)

    @property
    def finished(self) -> bool:
        return not self.todo

    @property
    def current(self) -> Item | None:
        """The next card to show (None: the session is finished)."""
        return self.todo[0] if self.todo else None

    @property
    def number(self) -> int:
        """The current card's number, 1-based ("Card 3 of 10"); the total once finished."""
        return min(self.total, self.done + 1)

    @property
    def fraction(self) -> float:
        return self.done / max(1, self.total)


def session_progress(
    items: Sequence[Item], cards: Mapping[str, ReviewItem], session_started: datetime
) -> SessionProgress:
    """The session's progress: an item is done once it is checked and its card rated in this session."""
    todo = [
        it
        for it in items
        if not (it.score is not None and rated_in_session(cards.get(it.question.id), session_started))
    ]
    return SessionProgress(todo, len(items))


@dataclass(frozen=True)
class ReviewSession:
    """An open review session as its page shows it: the attempt, how far it is, and the trainee's cards."""

    attempt: AttemptState
    progress: SessionProgress
    cards: dict[str, ReviewItem]  # question id -> card

    def card(self, question_id: str) -> ReviewItem | None:
        return self.cards.get(question_id)


def review_session(attempt: AttemptState, cards: Iterable[ReviewItem]) -> ReviewSession:
    by_id = {c.question_id: c for c in cards}
    return ReviewSession(attempt, session_progress(attempt.items, by_id, attempt.started_at), by_id)


@dataclass(frozen=True)
class RatingChoice:
    name: str  # "again" | "hard" | "good" | "easy" (what ``rate_card`` takes)
    label: str  # "Good · 3 d": the name and, for a card, how long until it comes back
    interval: timedelta | None


def rating_choices(card: ReviewItem | None, now: datetime) -> list[RatingChoice]:
    """The four self-ratings with the interval each would give the card now (none for a question without a card)."""
    intervals = next_intervals(card.card, now) if card is not None else {}
    return [
        RatingChoice(
            name, f"{label} · {format_interval(intervals[name])}" if name in intervals else label, intervals.get(name)
        )
        for name, label in RATING_LABELS
    ]
