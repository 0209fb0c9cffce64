"""Typed models of every content file. Unknown fields are errors: they are nearly always typos."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
RefId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]


# How a quiz or an exam shows its questions: all on one page (the default for module quizzes), or one question per
# page with Previous / Next and the navigator (long exams: each click costs one question's page, not sixty).
QuizLayout = Literal["all_on_one_page", "one_per_page"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _duplicates(values: list[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({v for v in values if v in seen or seen.add(v)})  # type: ignore[func-returns-value]


# ---------------------------------------------------------------- lessons
class Objective(Strict):
    id: Slug
    text: Text


class Figure(Strict):
    file: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_./-]+\.(svg|png|jpg|jpeg)$")]
    alt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20)]
    caption: str = ""


class Section(Strict):
    id: Slug
    heading: Text
    body: Text
    figure: Figure | None = None


class Reference(Strict):
    id: RefId
    citation: Text
    url: Url


class Lesson(Strict):
    module: Slug
    title: Text
    order: int = Field(ge=0)
    summary: Text
    estimated_minutes: int = Field(gt=0, le=600)
    objectives: list[Objective] = Field(min_length=1)
    sections: list[Section] = Field(min_length=1)
    key_points: list[Text] = Field(min_length=1)
    references: list[Reference] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Lesson:
        for name, ids in (
            ("objectives", [o.id for o in self.objectives]),
            ("sections", [s.id for s in self.sections]),
            ("references", [r.id for r in self.references]),
        ):
            if dup := _duplicates(ids):
                raise ValueError(f"duplicate {name} id(s): {', '.join(dup)}")
        return self

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def reference(self, ref_id: str) -> Reference | None:
        return next((r for r in self.references if r.id == ref_id), None)

    def objective(self, objective_id: str) -> Objective | None:
        return next((o for o in self.objectives if o.id == objective_id), None)

    @property
    def word_count(self) -> int:
        return sum(len(s.body.split()) for s in self.sections)


# ---------------------------------------------------------------- questions
class QuestionBase(Strict):
    """The fields every question has, whatever its type. Each type (a module of
    :mod:`mesolearn.questions`) subclasses this with its ``type`` Literal and its own fields."""

    id: Slug
    prompt: Text
    explanation: Text
    references: list[RefId] = Field(min_length=1)
    objective: Slug
    section: Slug
    difficulty: Literal["easy", "medium", "hard"]
    critical: StrictBool = False
    scenario: StrictBool = False
    enemy_group: Slug | None = None  # questions sharing a group test one fact: never two in one attempt or exam


# The union of the registered types and their names are derived from the registry (one list, not two).
# Imported here, after QuestionBase, because the type modules build on it.
from mesolearn.questions.registry import QUESTION_TYPES as QUESTION_TYPES  # noqa: E402
from mesolearn.questions.registry import Question as Question  # noqa: E402


class ReviewPolicy(Strict):
    """What a trainee sees after submitting a graded attempt."""

    show_score: StrictBool = True
    show_correct_answers: StrictBool = True
    show_explanations: StrictBool = True


class Quiz(Strict):
    module: Slug
    pass_mark: float = Field(ge=0, le=100)
    questions_per_attempt: int = Field(ge=1)
    time_limit_minutes: int | None = Field(default=None, gt=0)
    max_attempts: int | None = Field(default=None, gt=0)
    critical_fails: StrictBool = True  # a wrong safety-critical answer fails a graded attempt
    review: ReviewPolicy = ReviewPolicy()
    layout: QuizLayout = "all_on_one_page"
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _pool_big_enough(self) -> Quiz:
        if dup := _duplicates([q.id for q in self.questions]):
            raise ValueError(f"duplicate question id(s): {', '.join(dup)}")
        if len(self.questions) < self.questions_per_attempt:
            raise ValueError(
                f"questions_per_attempt is {self.questions_per_attempt} but "
                f"the pool has only {len(self.questions)} questions"
            )
        return self


# ---------------------------------------------------------------- exams and course
class BlueprintEntry(Strict):
    module: Slug
    weight: float = Field(gt=0)


class Exam(Strict):
    id: Slug
    title: Text
    description: str = ""
    questions: int = Field(ge=1)
    time_limit_minutes: int | None = Field(default=None, gt=0)
    pass_mark: float = Field(ge=0, le=100)
    critical_fails: StrictBool = True
    max_attempts: int | None = Field(default=None, gt=0)
    review: ReviewPolicy = ReviewPolicy()
    layout: QuizLayout = "all_on_one_page"
    blueprint: list[BlueprintEntry] = Field(min_length=1)
    # every draw holds exactly this many branching cases (questions answered a step at a time), spread over the
    # blueprint's modules that have them, each counted in its module's share; the rest are one-step questions
    cases: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _unique_modules(self) -> Exam:
        if dup := _duplicates([b.module for b in self.blueprint]):
            raise ValueError(f"blueprint lists module(s) twice: {', '.join(dup)}")
        return self


class CourseInfo(Strict):
    title: Text
    description: str = ""
    notice: Text
