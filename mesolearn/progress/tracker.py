"""Module status: not started, in progress, not passed, passed (one rule, ``module_status``); best/last scores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select

from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import Attempt, LessonVisit

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


class Progress:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow):
        self.db, self.clock = db, clock

    def visit(self, user_id: int, module_id: str, section_id: str) -> None:
        """Record that a section was opened (idempotent)."""
        with self.db.session() as s:
            exists = s.scalar(
                select(LessonVisit.id).where(
                    LessonVisit.user_id == user_id,
                    LessonVisit.module_id == module_id,
                    LessonVisit.section_id == section_id,
                )
            )
            if exists:
                return
            s.add(LessonVisit(user_id=user_id, module_id=module_id, section_id=section_id, visited_at=self.clock()))

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
