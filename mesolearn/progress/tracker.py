"""Module status: not started, in progress, not passed, passed (one rule, ``module_status``); best/last scores;
lesson progress.

Lesson progress rules:

* A section counts as read once the trainee has opened it (``visit``; ``lesson_visits``, one row per section,
  kept however often it is opened). Only the lesson's current sections count: "3 of 7 sections read" never
  counts a section the lesson no longer has, so it cannot exceed the total.
* Every opened section also becomes the trainee's position in that lesson (``lesson_progress``, one row per
  trainee and module). A position only moves forward in time: a slow request from another tab cannot put an
  older one back. "Continue where you left off" is the most recent position; a position at a section the lesson
  no longer has falls back to the lesson's read section opened first most recently.
* Two tabs opening the same section at once: the database's unique constraints keep one row each; the loser of
  the race is not an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError

from mesolearn.content.models import Lesson
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import Attempt, LessonPosition, LessonVisit

Status = Literal["not started", "in progress", "not passed", "passed"]
STATUSES: tuple[Status, ...] = ("not started", "in progress", "not passed", "passed")


def module_status(passed: bool, has_open: bool, has_submitted: bool, started: bool = False) -> Status:
    """The one status rule: a pass counts first, then an open attempt, then a submitted one that did not pass."""
    if passed:
        return "passed"
    if has_open:
        return "in progress"
    if has_submitted:
        return "not passed"
    return "in progress" if started else "not started"


@dataclass(frozen=True)
class ModuleProgress:
    status: Status
    best_score: float | None
    last_score: float | None
    attempts: int
    sections_read: int
    last_activity: datetime | None


@dataclass(frozen=True)
class LessonReading:
    """How far a trainee is through one lesson."""

    module_id: str
    read: frozenset[str]  # ids of the lesson's sections opened at least once
    total: int  # the lesson's sections
    last_section: str | None  # the section opened last (None: never opened)
    last_read_at: datetime | None

    @property
    def count(self) -> int:
        return len(self.read)

    @property
    def label(self) -> str:
        return f"{self.count} of {self.total} sections read"


class Progress:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow):
        self.db, self.clock = db, clock

    def visit(self, user_id: int, module_id: str, section_id: str) -> None:
        """Record that a section was opened: read (once), and the trainee's position in the lesson."""
        now = self.clock()
        with self.db.session() as s:
            exists = s.scalar(
                select(LessonVisit.id).where(
                    LessonVisit.user_id == user_id,
                    LessonVisit.module_id == module_id,
                    LessonVisit.section_id == section_id,
                )
            )
        if not exists:
            try:
                with self.db.session() as s:
                    s.add(LessonVisit(user_id=user_id, module_id=module_id, section_id=section_id, visited_at=now))
            except IntegrityError:  # another tab recorded the same section at the same moment
                pass
        self._move_to(user_id, module_id, section_id, now)

    def _move_to(self, user_id: int, module_id: str, section_id: str, now: datetime) -> None:
        """The position in a lesson becomes ``section_id``, unless a later one is already stored."""
        move = (
            update(LessonPosition)
            .where(
                LessonPosition.user_id == user_id,
                LessonPosition.module_id == module_id,
                LessonPosition.read_at <= now,
            )
            .values(section_id=section_id, read_at=now)
        )
        for _ in range(3):
            with self.db.session() as s:
                if cast(CursorResult[Any], s.execute(move)).rowcount:
                    return
                if s.scalar(
                    select(LessonPosition.id).where(
                        LessonPosition.user_id == user_id, LessonPosition.module_id == module_id
                    )
                ):
                    return  # a later position is stored: keep it
            try:
                with self.db.session() as s:
                    s.add(LessonPosition(user_id=user_id, module_id=module_id, section_id=section_id, read_at=now))
                return
            except IntegrityError:  # another request made the row meanwhile: move it instead
                continue

    def lessons(self, user_id: int, lessons: Mapping[str, Lesson]) -> dict[str, LessonReading]:
        """Per module id of ``lessons``: the sections read and the last one opened (only the lesson's own)."""
        with self.db.session() as s:
            visits = list(
                s.execute(
                    select(LessonVisit.module_id, LessonVisit.section_id, LessonVisit.visited_at).where(
                        LessonVisit.user_id == user_id
                    )
                )
            )
            places = list(
                s.execute(
                    select(LessonPosition.module_id, LessonPosition.section_id, LessonPosition.read_at).where(
                        LessonPosition.user_id == user_id
                    )
                )
            )
        ids = {m: {sec.id for sec in lesson.sections} for m, lesson in lessons.items()}
        read: dict[str, set[str]] = {m: set() for m in lessons}
        last: dict[str, tuple[str, datetime]] = {}
        for module_id, section_id, at in visits:
            if module_id in ids and section_id in ids[module_id]:
                read[module_id].add(section_id)
                if module_id not in last or at > last[module_id][1]:
                    last[module_id] = (section_id, at)  # a fallback: the section first opened most recently
        for module_id, section_id, at in places:
            if module_id in ids and section_id in ids[module_id]:
                last[module_id] = (section_id, at)
        return {
            m: LessonReading(
                module_id=m,
                read=frozenset(read[m]),
                total=len(ids[m]),
                last_section=last[m][0] if m in last else None,
                last_read_at=last[m][1] if m in last else None,
            )
            for m in lessons
        }

    def last_read(self, user_id: int, lessons: Mapping[str, Lesson]) -> LessonReading | None:
        """The lesson the trainee read most recently (with the section to continue at), or None."""
        opened = [r for r in self.lessons(user_id, lessons).values() if r.last_read_at is not None]
        return max(opened, key=lambda r: cast(datetime, r.last_read_at), default=None)

    def for_user(self, user_id: int, module_ids: list[str]) -> dict[str, ModuleProgress]:
        with self.db.session() as s:
            visits = list(s.scalars(select(LessonVisit).where(LessonVisit.user_id == user_id)))
            attempts = list(
                s.scalars(
                    select(Attempt)
                    .where(Attempt.user_id == user_id, Attempt.mode == "graded")
                    .order_by(Attempt.started_at)
                )
            )
        out: dict[str, ModuleProgress] = {}
        for m in module_ids:
            v = [x for x in visits if x.module_id == m]
            a = [x for x in attempts if x.quiz_id == m]
            done = [x for x in a if x.submitted_at is not None]
            scores = [x.score for x in done if x.score is not None]
            passed = any(x.passed for x in done)
            times = [x.visited_at for x in v] + [x.submitted_at or x.started_at for x in a]
            status: Status = module_status(passed, any(x.submitted_at is None for x in a), bool(done), bool(v))
            out[m] = ModuleProgress(
                status,
                max(scores) if scores else None,
                scores[-1] if scores else None,
                len(done),
                len(v),
                max(times) if times else None,
            )
        return out
