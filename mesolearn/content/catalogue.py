"""Quiz ids to kinds and titles: the one place that resolves them.

A quiz id is a module id (its quiz) or an exam id. Rules:
- The catalogue lists the quizzes that can be taken and assigned: every module *with a valid quiz*, in course order,
  then every exam.
- :func:`quiz_kind_title` gives ``("module", title)``, ``("exam", title)`` or, for an id that cannot be taken now,
  ``("", title)``: the module's title when the module is still in the course (its quiz is unavailable while its
  file is fixed), else the id itself, so old attempts and assignments still show something readable.
"""

from __future__ import annotations

from mesolearn.content.loader import Course


def quiz_catalogue(course: Course) -> list[tuple[str, str, str]]:
    """(quiz id, kind, title): modules with a quiz in course order, then exams."""
    out = [(m.id, "module", m.title) for m in course.modules.values() if m.quiz is not None]
    out += [(e.id, "exam", e.title) for e in course.exams.values()]
    return out


def quiz_kind_title(course: Course | None, quiz_id: str) -> tuple[str, str]:
    """(kind, title) of a quiz id; kind is "" when the quiz cannot be taken (see the module rules)."""
    if course is None:
        return "", quiz_id
    module = course.modules.get(quiz_id)
    if module is not None and module.quiz is not None:
        return "module", module.title
    exam = course.exams.get(quiz_id)
    if exam is not None:
        return "exam", exam.title
    return "", module.title if module is not None else quiz_id


def quiz_title(course: Course | None, quiz_id: str) -> str:
    return quiz_kind_title(course, quiz_id)[1]
