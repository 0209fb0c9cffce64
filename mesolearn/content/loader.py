"""Load a whole course directory, validate every file and the links between files.

One broken file never hides the rest: it is reported (file, line, field) and left out, and every
valid module keeps working. Nothing here raises for bad content.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from mesolearn.content.errors import ContentIssue
from mesolearn.content.models import QUESTION_TYPES, CourseInfo, Exam, Lesson, Question, Quiz
from mesolearn.content.safe_yaml import YamlProblem, line_for, load_yaml
from mesolearn.questions.registry import type_of

M = TypeVar("M", bound=BaseModel)
MIN_QUESTIONS_PER_OBJECTIVE = 3
CITATION = re.compile(r"\[((?:[A-Z][A-Za-z0-9_.-]*)(?:\s*[;,]\s*[A-Z][A-Za-z0-9_.-]*)*)\](?!\()")
DEFAULT_INFO = CourseInfo(title="Course", notice="This course is education, not medical advice.")


@dataclass
class Module:
    """A lesson and its quiz. ``quiz`` is None when the quiz file is missing or broken."""

    lesson: Lesson
    lesson_file: str
    quiz: Quiz | None = None
    quiz_file: str | None = None

    @property
    def id(self) -> str:
        return self.lesson.module

    @property
    def title(self) -> str:
        return self.lesson.title


@dataclass
class Course:
    root: Path
    info: CourseInfo = DEFAULT_INFO
    modules: dict[str, Module] = field(default_factory=dict)
    exams: dict[str, Exam] = field(default_factory=dict)
    issues: list[ContentIssue] = field(default_factory=list)
    questions: dict[str, tuple[str, Question]] = field(default_factory=dict)

    @property
    def errors(self) -> list[ContentIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[ContentIssue]:
        return [i for i in self.issues if i.severity == "warning"]

    def issues_for(self, file: str) -> list[ContentIssue]:
        return [i for i in self.issues if i.file == file]

    def question(self, question_id: str) -> Question | None:
        hit = self.questions.get(question_id)
        return hit[1] if hit else None

    def module_of(self, question_id: str) -> Module | None:
        hit = self.questions.get(question_id)
        return self.modules.get(hit[0]) if hit else None

    def figure_path(self, file: str) -> Path:
        return self.root / "lessons" / file


def _loc_to_field(loc: Iterable[Any], lines: dict) -> str:
    parts: list[str] = []
    path: tuple = ()
    loc = list(loc)
    for i, part in enumerate(loc):
        candidate = path + (part,)
        if part in QUESTION_TYPES and candidate not in lines:
            continue  # pydantic's discriminator tag, not a field of the file
        if candidate in lines or i == len(loc) - 1 and not isinstance(part, int):
            if isinstance(part, int):
                parts.append(f"[{part}]")
            else:
                parts.append(("." if parts else "") + str(part))
            path = candidate
    return "".join(parts)


_FIELD_PATH = re.compile(r"^([a-z_]+(?:\[\d+\])*(?:\.[a-z_]+(?:\[\d+\])*)*): (.+)$", re.DOTALL)


def _named_field(message: str) -> tuple[tuple, str] | None:
    """A model check that names a nested field first (``stages[1].choices[0].next: message``): its location and
    the rest of the message, so the error points at that field's line."""
    m = _FIELD_PATH.match(message)
    if m is None:
        return None
    loc: list = []
    for part in m.group(1).split("."):
        name, *indices = part.replace("]", "").split("[")
        loc.append(name)
        loc.extend(int(i) for i in indices)
    return tuple(loc), m.group(2)


class _FileReader:
    def __init__(self, root: Path, issues: list[ContentIssue]):
        self.root = root
        self.issues = issues
        self.lines: dict[str, dict] = {}

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def error(self, file: str, loc: tuple, message: str, severity: Literal["error", "warning"] = "error") -> None:
        lines = self.lines.get(file, {})
        self.issues.append(
            ContentIssue(file, line_for(lines, loc) if lines else None, _loc_to_field(loc, lines), message, severity)
        )

    def read(self, path: Path, model: type[M]) -> M | None:
        file = self.rel(path)
        try:
            data, lines = load_yaml(path)
        except YamlProblem as exc:
            self.issues.append(ContentIssue(file, exc.line, "", exc.message))
            return None
        self.lines[file] = lines
        if not isinstance(data, dict):
            self.issues.append(ContentIssue(file, 1, "", f"expected a mapping of fields, found {type(data).__name__}"))
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                msg = err["msg"].removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    msg = "unknown field (a typo?)"
                elif err["type"] == "missing":
                    msg = "required field is missing"
                loc = tuple(err["loc"])
                if err["type"] in ("union_tag_invalid", "union_tag_not_found"):  # the question's `type`
                    loc = loc + ("type",)
                    if err["type"] == "union_tag_not_found":
                        msg = "required field is missing"
                first = msg.split(" ", 1)[0]
                loc = tuple(p for p in loc if p not in QUESTION_TYPES)
                if loc + (first,) in lines:  # a model check about one field: point at that field
                    loc = loc + (first,)
                elif (named := _named_field(msg)) and loc + named[0] in lines:  # "stages[1].choices[0].next: ..."
                    loc, msg = loc + named[0], named[1]
                self.error(file, loc, msg)
            return None


def _citations(text: str) -> set[str]:
    found: set[str] = set()
    for group in CITATION.findall(text):
        found.update(p.strip() for p in re.split(r"[;,]", group) if p.strip())
    return found


def _check_lesson(lesson: Lesson, file: str, reader: _FileReader, course_root: Path) -> bool:
    before = len(reader.issues)
    ref_ids = {r.id for r in lesson.references}
    for i, section in enumerate(lesson.sections):
        for ref in sorted(_citations(section.body) - ref_ids):
            reader.error(file, ("sections", i, "body"), f"cites [{ref}], which is not in references")
        if section.figure and not (course_root / "lessons" / section.figure.file).is_file():
            reader.error(
                file, ("sections", i, "figure", "file"), f"figure file lessons/{section.figure.file} does not exist"
            )
    return len(reader.issues) == before


def _check_quiz(quiz: Quiz, file: str, lesson: Lesson, reader: _FileReader, seen_questions: dict[str, str]) -> bool:
    before = len(reader.issues)
    objectives = {o.id for o in lesson.objectives}
    sections = {s.id for s in lesson.sections}
    refs = {r.id: r for r in lesson.references}
    for i, q in enumerate(quiz.questions):
        if q.id in seen_questions:
            reader.error(
                file, ("questions", i, "id"), f"question id '{q.id}' is already used in {seen_questions[q.id]}"
            )
        if q.objective not in objectives:
            reader.error(
                file, ("questions", i, "objective"), f"objective '{q.objective}' is not in {lesson.module}'s lesson"
            )
        if q.section not in sections:
            reader.error(file, ("questions", i, "section"), f"section '{q.section}' is not in {lesson.module}'s lesson")
        for ref in q.references:
            if ref not in refs:
                reader.error(
                    file, ("questions", i, "references"), f"reference '{ref}' is not in {lesson.module}'s lesson"
                )
        for where, extra in type_of(q).more_references(q):  # e.g. a case's choices may name their own references
            for ref in extra:
                if ref not in refs:
                    reader.error(
                        file, ("questions", i, *where), f"reference '{ref}' is not in {lesson.module}'s lesson"
                    )
        for ref in sorted(_citations(q.explanation) - set(refs)):
            reader.error(
                file, ("questions", i, "explanation"), f"cites [{ref}], which is not in the lesson's references"
            )
    ok = len(reader.issues) == before
    for q in quiz.questions:
        seen_questions.setdefault(q.id, file)
    counts = Counter(q.objective for q in quiz.questions)
    for objective in lesson.objectives:
        if counts[objective.id] < MIN_QUESTIONS_PER_OBJECTIVE:  # an error for validate, yet the quiz still works
            reader.error(
                file,
                ("questions",),
                f"objective '{objective.id}' is tested by {counts[objective.id]} question(s); "
                f"at least {MIN_QUESTIONS_PER_OBJECTIVE} are required",
            )
    return ok


def load_course(root: Path | str) -> Course:
    """Read ``course.yaml``, ``lessons/``, ``quizzes/`` and ``exams/`` below ``root``."""
    root = Path(root).resolve()
    course = Course(root=root)
    reader = _FileReader(root, course.issues)

    info_path = root / "course.yaml"
    if info_path.is_file():
        course.info = reader.read(info_path, CourseInfo) or DEFAULT_INFO
    else:
        course.issues.append(
            ContentIssue("course.yaml", None, "", "missing: the default title and notice are used", "warning")
        )

    lessons: dict[str, tuple[Lesson, str]] = {}
    for path in sorted((root / "lessons").glob("*.yaml")):
        lesson = reader.read(path, Lesson)
        file = reader.rel(path)
        if lesson is None:
            continue
        if lesson.module in lessons:
            reader.error(
                file, ("module",), f"module '{lesson.module}' is already defined by {lessons[lesson.module][1]}"
            )
            continue
        if _check_lesson(lesson, file, reader, root):
            lessons[lesson.module] = (lesson, file)

    objective_owner: dict[str, str] = {}
    for module_id, (lesson, file) in lessons.items():
        for i, obj in enumerate(lesson.objectives):
            if obj.id in objective_owner:
                reader.error(
                    file,
                    ("objectives", i, "id"),
                    f"objective id '{obj.id}' is already used by module '{objective_owner[obj.id]}'",
                )
            objective_owner.setdefault(obj.id, module_id)

    for module_id, (lesson, file) in sorted(lessons.items(), key=lambda kv: (kv[1][0].order, kv[0])):
        course.modules[module_id] = Module(lesson=lesson, lesson_file=file)

    seen_questions: dict[str, str] = {}
    quiz_files: dict[str, str] = {}
    for path in sorted((root / "quizzes").glob("*.yaml")):
        quiz = reader.read(path, Quiz)
        file = reader.rel(path)
        if quiz is None:
            continue
        module = course.modules.get(quiz.module)
        if module is None:
            reader.error(file, ("module",), f"no valid lesson has module '{quiz.module}'")
            continue
        if quiz.module in quiz_files:
            reader.error(file, ("module",), f"module '{quiz.module}' already has a quiz in {quiz_files[quiz.module]}")
            continue
        quiz_files[quiz.module] = file
        if _check_quiz(quiz, file, module.lesson, reader, seen_questions):
            module.quiz, module.quiz_file = quiz, file
            for q in quiz.questions:
                course.questions[q.id] = (module.id, q)

    for module in course.modules.values():
        if module.quiz_file is None and module.id not in quiz_files:
            course.issues.append(
                ContentIssue(
                    module.lesson_file,
                    None,
                    "module",
                    f"module '{module.id}' has no valid quiz in quizzes/ (see any quiz file errors)",
                    "warning",
                )
            )

    for path in sorted((root / "exams").glob("*.yaml")):
        exam = reader.read(path, Exam)
        file = reader.rel(path)
        if exam is None:
            continue
        ok = True
        pool = 0
        for i, entry in enumerate(exam.blueprint):
            module = course.modules.get(entry.module)
            if module is None or module.quiz is None:
                reader.error(file, ("blueprint", i, "module"), f"module '{entry.module}' has no valid quiz")
                ok = False
            else:
                pool += len(module.quiz.questions)
        if ok and pool < exam.questions:
            reader.error(
                file, ("questions",), f"the blueprint's pools hold {pool} questions, fewer than {exam.questions}"
            )
            ok = False
        if ok and exam.cases:
            from mesolearn.quiz.drawing import allocate, case_capacity  # the draw's own rule (no import cycle)

            quizzes = {b.module: course.modules[b.module].quiz for b in exam.blueprint}
            pools = {m: quiz.questions for m, quiz in quizzes.items() if quiz is not None}  # all valid: ok above
            counts = allocate(
                {b.module: b.weight for b in exam.blueprint}, {m: len(p) for m, p in pools.items()}, exam.questions
            )
            room = case_capacity(pools, counts)
            if room < exam.cases:
                reader.error(
                    file,
                    ("cases",),
                    f"the exam asks for {exam.cases} branching cases but its modules' shares can hold only {room}",
                )
                ok = False
        if exam.id in course.exams:
            reader.error(file, ("id",), f"exam id '{exam.id}' is used twice")
            ok = False
        if ok:
            course.exams[exam.id] = exam

    course.issues.sort(key=lambda i: (i.file, i.line or 0, i.field))
    return course
