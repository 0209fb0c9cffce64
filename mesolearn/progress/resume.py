"""The "Continue where you left off" step: the one next step the home page offers a trainee.

The rule, first that applies:

1. an open attempt (not submitted, its time not run out): resume it, the most recently started first;
2. else the lesson section read last (:meth:`Progress.last_read`): open that lesson at that section;
3. else the first assigned module not yet passed (assignments come earliest due first): open its lesson;
4. else the course's first module: start reading it.

Nothing here reads the database: the page passes what the services return.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from mesolearn.content.models import Lesson
from mesolearn.progress.tracker import LessonReading


class OpenAttempt(Protocol):
    id: int
    quiz_id: str
    started_at: datetime
    submitted_at: datetime | None
    deadline: datetime | None


class AssignedWork(Protocol):
    quiz_id: str
    kind: str
    status: str


@dataclass(frozen=True)
class NextStep:
    kind: Literal["attempt", "section", "assigned", "first"]
    label: str  # what the link says
    page: Literal["quiz", "lesson"]  # the page registry name it opens
    params: dict[str, str] = field(default_factory=dict)  # its query parameters
    detail: str = ""  # a line under the link (which lesson, how far through it)


def next_step(
    attempts: Iterable[OpenAttempt],
    quiz_titles: Mapping[str, str],
    last_read: LessonReading | None,
    assignments: Sequence[AssignedWork],
    lessons: Mapping[str, Lesson],
    now: datetime,
) -> NextStep | None:
    """The step to offer (None: a course without lessons)."""
    running = [a for a in attempts if a.submitted_at is None and (a.deadline is None or a.deadline > now)]
    if running:
        a = max(running, key=lambda x: (x.started_at, x.id))
        title = quiz_titles.get(a.quiz_id, "your quiz")
        return NextStep("attempt", f"Resume your attempt: {title}", "quiz", {"attempt": str(a.id)})
    lesson = lessons.get(last_read.module_id) if last_read is not None else None
    section = lesson.section(last_read.last_section) if lesson and last_read and last_read.last_section else None
    if lesson is not None and section is not None and last_read is not None:
        return NextStep(
            "section",
            f"Continue reading: {section.heading}",
            "lesson",
            {"module": last_read.module_id, "section": section.id},
            detail=f"{lesson.title} · {last_read.label}",
        )
    for work in assignments:
        if work.kind == "module" and work.status != "passed" and work.quiz_id in lessons:
            return NextStep(
                "assigned",
                f"Start your assigned module: {lessons[work.quiz_id].title}",
                "lesson",
                {"module": work.quiz_id},
            )
    if lessons:
        first = min(lessons, key=lambda m: lessons[m].order)
        return NextStep("first", f"Start with the first module: {lessons[first].title}", "lesson", {"module": first})
    return None
