"""Branching clinical case: a patient seen over time, one decision per stage; the choice decides the next stage.

Content: ``stages`` (each ``id, title, text, question`` and 2 to
5 ``choices``), optional ``start`` (default: the first stage). A choice has ``id, text, score`` (0..1), ``feedback``,
``next`` (a stage id; none ends the case), optional ``critical`` and ``references``.

Validation (each error names the field, e.g. ``stages[1].choices[0].next``): stage ids unique, choice ids unique in
their stage, ``start`` and every ``next`` name a stage; no cycles; every stage reachable from the start; a path holds
at most :data:`MAX_DECISIONS` decisions; every stage has a choice scoring 1; the best path (highest total) is the only
path with that total, and every path through a critical choice totals less than it; the case is ``critical`` exactly
when one of its choices is. (That choice references are among the lesson's is checked by the loader, through
:meth:`CaseType.more_references`.)

Scoring: the score of a path is the sum of its choices' scores divided by the best path's total. A path that did not
end (the attempt was submitted mid-case) is scored by the decisions made. A graded attempt fails under the critical
rules when the path holds a critical choice, or when a critical case was left unfinished (as a blank critical item
fails).

Taking it: the response is the list of choice ids walked from the start (canonical); the raw widget value is the
list of display positions (one per stage walked) the page builds from the saved path plus the decision just
confirmed. ``view_for`` shows the stages walked (with the decision made, no feedback or score) and the current stage;
nothing of a later stage. ``accepts`` refuses any change but the saved path plus one decision of the current stage,
so a decision is final. The layout (``{stage id: choice ids in display order}``) is drawn per attempt and stored.

Moodle cannot branch. GIFT: the case is written as an essay item (``{}``) whose text is the opening and the first
stage, with ``// case:`` comments holding the definition (MesoLearn reads it back; Moodle ignores it). XML: an
``essay`` question whose text is the opening and the first stage, the best path with each decision's feedback in the
grader information, and the definition in a ``<mesolearn_case>`` element Moodle ignores. In Moodle the later stages,
the branching and the automatic scoring are lost; the export comment and the exporter's warning say so.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StrictBool, StringConstraints, model_validator

from mesolearn.content.models import QuestionBase, RefId, Slug, Strict, Text, _duplicates
from mesolearn.questions.base import (
    NOT_MINE,
    ChoiceOption,
    Layout,
    QuestionType,
    QuestionView,
    ResponseError,
    StageView,
    display_index,
    make_view,
)

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

MAX_DECISIONS = 6
MAX_PATHS = 20_000  # 5 choices, 6 decisions: at most 5**6 paths, so never reached by valid content
EPS = 1e-9
GIFT_PREFIX = "case:"
XML_ELEMENT = "mesolearn_case"
LOST = (
    "Moodle cannot branch: this case is exported as an essay item (its opening; Moodle XML adds the first stage and "
    "gives the grader the best path); the later stages, the branching and the automatic scoring are lost in Moodle"
)


class Choice(Strict):
    id: Slug
    text: Text
    score: float = Field(ge=0, le=1)
    feedback: Text
    next: Slug | None = None
    critical: StrictBool = False
    references: list[RefId] | None = None


class Stage(Strict):
    id: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    text: Text
    question: Text
    choices: list[Choice] = Field(min_length=2, max_length=5)

    @model_validator(mode="after")
    def _choices(self) -> Stage:
        seen: set[str] = set()
        for k, c in enumerate(self.choices):
            if c.id in seen:
                raise ValueError(f"choices[{k}].id: choice id '{c.id}' is used twice in this stage")
            seen.add(c.id)
        if dup := _duplicates([c.text for c in self.choices]):
            raise ValueError(f"choices have the same text twice: {', '.join(dup)}")
        if not any(c.score >= 1 - EPS for c in self.choices):
            raise ValueError("choices: none scores 1; every stage needs a sound decision (score 1)")
        return self

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


Step = tuple[Stage, Choice]


class Case(QuestionBase):
    type: Literal["case"]
    start: Slug | None = None
    stages: list[Stage] = Field(min_length=1)

    @model_validator(mode="after")
    def _graph(self) -> Case:
        index: dict[str, int] = {}
        for j, s in enumerate(self.stages):
            if s.id in index:
                raise ValueError(f"stages[{j}].id: stage id '{s.id}' is used twice in this case")
            index[s.id] = j
        if self.start is not None and self.start not in index:
            raise ValueError(f"start: no stage of this case has the id '{self.start}'")
        for j, s in enumerate(self.stages):
            for k, c in enumerate(s.choices):
                if c.next is not None and c.next not in index:
                    raise ValueError(f"stages[{j}].choices[{k}].next: no stage of this case has the id '{c.next}'")
        first = self.first_stage
        # cycles: depth-first search from every stage; a choice leading back to a stage on the way is the loop
        state: dict[str, int] = {}  # 1 on the way, 2 done

        def visit(sid: str) -> None:
            state[sid] = 1
            j = index[sid]
            for k, c in enumerate(self.stages[j].choices):
                if c.next is None:
                    continue
                if state.get(c.next) == 1:
                    raise ValueError(
                        f"stages[{j}].choices[{k}].next: '{c.next}' leads back to an earlier stage: the case loops "
                        f"(every path must end)"
                    )
                if c.next not in state:
                    visit(c.next)
            state[sid] = 2

        visit(first.id)
        for s in self.stages:
            if s.id not in state:
                visit(s.id)
        reached = self._reachable()
        for j, s in enumerate(self.stages):
            if s.id not in reached:
                raise ValueError(f"stages[{j}].id: stage '{s.id}' cannot be reached from the start stage '{first.id}'")
        paths = self.paths()
        for path in paths:
            if len(path) > MAX_DECISIONS:
                walk = " > ".join(f"{s.id}:{c.id}" for s, c in path)
                raise ValueError(f"stages: the path {walk} asks {len(path)} decisions; at most {MAX_DECISIONS}")
        totals = sorted(((total(p), p) for p in paths), key=lambda tp: -tp[0])
        best_total, best = totals[0]
        for t, p in totals[1:]:
            if abs(t - best_total) < EPS:
                raise ValueError(
                    f"stages: two paths share the best total {best_total:g} ({describe(best)} and {describe(p)}); "
                    f"the best path must be the only one with the highest total"
                )
        for t, p in totals:
            if any(c.critical for _, c in p) and t >= best_total - EPS:
                raise ValueError(
                    f"stages: the path {describe(p)} holds a critical choice but totals as much as the best"
                )
        has_critical = any(c.critical for s in self.stages for c in s.choices)
        if self.critical != has_critical:
            raise ValueError(
                "critical: must be true when a choice is critical"
                if has_critical
                else "critical: a case is critical only when one of its choices is critical"
            )
        return self

    # ------------------------------------------------------------ the graph
    @property
    def first_stage(self) -> Stage:
        return self.stage(self.start) if self.start is not None else self.stages[0]  # type: ignore[return-value]

    def stage(self, stage_id: str | None) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def _reachable(self) -> set[str]:
        seen: set[str] = set()
        todo = [self.first_stage.id]
        while todo:
            sid = todo.pop()
            if sid in seen:
                continue
            seen.add(sid)
            stage = self.stage(sid)
            if stage is not None:
                todo.extend(c.next for c in stage.choices if c.next is not None)
        return seen

    def paths(self) -> list[list[Step]]:
        """Every path from the start to an end, in content order (the graph is acyclic once validated)."""
        out: list[list[Step]] = []

        def walk(stage: Stage, so_far: list[Step]) -> None:
            if len(out) >= MAX_PATHS or len(so_far) > MAX_DECISIONS:
                out.append(so_far)  # too long: reported by the validator
                return
            for c in stage.choices:
                path = so_far + [(stage, c)]
                nxt = self.stage(c.next) if c.next else None
                if nxt is None:
                    out.append(path)
                else:
                    walk(nxt, path)

        walk(self.first_stage, [])
        return out

    def best_path(self) -> list[Step]:
        return max(self.paths(), key=total)

    def best_total(self) -> float:
        return total(self.best_path())

    def references_used(self) -> set[str]:
        return set(self.references) | {r for s in self.stages for c in s.choices for r in (c.references or [])}


def total(path: list[Step]) -> float:
    return sum(c.score for _, c in path)


def describe(path: list[Step]) -> str:
    return " > ".join(f"{s.id}:{c.id}" for s, c in path)


@dataclass
class Walk:
    """A response followed through the case: the steps taken and the stage waiting (None when the path ended)."""

    steps: list[Step]
    current: Stage | None

    @property
    def ended(self) -> bool:
        return self.current is None


def walk(q: Case, response: Any) -> Walk:
    """Follow a canonical response (choice ids from the start); ValueError if it is not a path of this case."""
    if response is None:
        return Walk([], q.first_stage)
    if not isinstance(response, list) or not all(isinstance(c, str) for c in response):
        raise ValueError("a case response is a list of choice ids")
    steps: list[Step] = []
    stage: Stage | None = q.first_stage
    for choice_id in response:
        if stage is None:
            raise ValueError("the path goes on after the case ended")
        choice = stage.choice(choice_id)
        if choice is None:
            raise ValueError(f"'{choice_id}' is not a choice of stage '{stage.id}'")
        steps.append((stage, choice))
        stage = q.stage(choice.next) if choice.next else None
    return Walk(steps, stage)


def _order(q: Case, layout: Layout, stage: Stage) -> list[str]:
    """The stage's choice ids in display order; ValueError if the stored layout no longer fits the question."""
    ids = layout.get(stage.id) if isinstance(layout, dict) else None
    if not isinstance(ids, list) or sorted(ids) != sorted(c.id for c in stage.choices):
        raise ValueError("the stored layout does not fit this case")
    return ids


def _stage_view(stage: Stage, chosen: str | None = None) -> StageView:
    return StageView(stage.id, stage.title, stage.text, stage.question, chosen)


class CaseType(QuestionType[Case, list]):
    model = Case
    order = 70
    decode_priority = 1  # its GIFT and XML forms carry a definition comment/element: claimed before anything else
    xml_types = ("essay",)
    stepwise = True

    @property
    def may_be_critical(self) -> bool:
        return True  # critical choices: the case's own rule (critical_failed), not "any score below 1"

    def example(self) -> dict:
        return {
            "type": "case",
            "prompt": "Ms A, 45, asks for mesotherapy on her cheeks for dull skin.",
            "critical": True,
            "stages": [
                {
                    "id": "consult",
                    "title": "Consultation",
                    "text": "She takes a daily anticoagulant for a heart rhythm problem.",
                    "question": "What do you do next?",
                    "choices": [
                        {
                            "id": "ask",
                            "text": "Ask her doctor about the anticoagulant before planning",
                            "score": 1,
                            "feedback": "Right: bleeding risk comes first.",
                            "next": "plan",
                        },
                        {
                            "id": "treat",
                            "text": "Treat today as booked",
                            "score": 0,
                            "feedback": "Unsafe: the anticoagulant raises the bleeding risk.",
                            "next": "bruise",
                            "critical": True,
                        },
                    ],
                },
                {
                    "id": "plan",
                    "title": "Planning",
                    "text": "Her doctor advises against stopping the anticoagulant.",
                    "question": "How do you proceed?",
                    "choices": [
                        {"id": "defer", "text": "Offer a non-injection option", "score": 1, "feedback": "Sound."},
                        {"id": "inject", "text": "Inject anyway", "score": 0, "feedback": "Bleeding risk ignored."},
                    ],
                },
                {
                    "id": "bruise",
                    "title": "Day 2",
                    "text": "She phones: a large bruise has appeared.",
                    "question": "What do you advise?",
                    "choices": [
                        {"id": "see", "text": "See her today and assess it", "score": 1, "feedback": "Right."},
                        {"id": "wait", "text": "Tell her it will pass", "score": 0, "feedback": "Not assessed."},
                    ],
                },
            ],
        }

    # ------------------------------------------------------------ drawing and the page
    def make_layout(self, q: Case, rng: random.Random) -> Layout:
        layout: Layout = {}
        for s in q.stages:
            ids = [c.id for c in s.choices]
            rng.shuffle(ids)
            layout[s.id] = ids
        return layout

    def view(self, q: Case, layout: Layout) -> QuestionView:
        return self.view_for(q, layout, None)

    def view_for(self, q: Case, layout: Layout, response: Any) -> QuestionView:
        try:
            w = walk(q, response)
        except ValueError:
            w = walk(q, None)  # a stored path that no longer fits: start again (it grades 0 meanwhile)
        stages = [_stage_view(s, c.text) for s, c in w.steps]
        choices: list[str] = []
        if w.current is not None:
            stage = w.current
            stages.append(_stage_view(stage))
            choices = [stage.choice(i).text for i in _order(q, layout, stage)]  # type: ignore[union-attr]
        base = make_view(q, choices=choices)
        return QuestionView(base.id, base.type, base.prompt, base.choices, [], [], "", base.critical, stages)

    def to_response(self, q: Case, layout: Layout, shown: Any) -> list:
        if not isinstance(shown, (list, tuple)) or not shown:
            raise ValueError("a case answer is a list of display positions")
        path: list[str] = []
        stage: Stage | None = q.first_stage
        for pos in shown:
            if stage is None:
                raise ValueError("the path goes on after the case ended")
            order = _order(q, layout, stage)
            choice = stage.choice(order[display_index(pos, len(order))])
            assert choice is not None
            path.append(choice.id)
            stage = q.stage(choice.next) if choice.next else None
        return path

    def to_shown(self, q: Case, layout: Layout, response: Any) -> list[int]:
        w = walk(q, response)
        return [_order(q, layout, s).index(c.id) for s, c in w.steps]

    def normalise(self, q: Case, layout: Layout, raw: Any) -> list | None:
        if raw is None:
            return None
        if not isinstance(raw, (list, tuple)) or not raw or len(raw) > MAX_DECISIONS:
            raise ResponseError("That is not a decision of this case; choose again.")
        try:
            return self.to_response(q, layout, list(raw))
        except ResponseError:
            raise
        except ValueError:
            raise ResponseError("This case has changed since it was drawn; reload the page.") from None

    def accepts(self, q: Case, old: Any, new: Any) -> str | None:
        try:
            before = walk(q, old)
        except ValueError:
            before = walk(q, None)  # a saved path that no longer fits the case: the trainee starts again
            old = None
        if before.ended:
            return "This case is complete: its decisions are final."
        prefix = list(old or [])
        if not isinstance(new, list) or new[: len(prefix)] != prefix or len(new) != len(prefix) + 1:
            return "A decision made in this case is final: you can only decide at the current stage."
        assert before.current is not None
        if before.current.choice(new[-1]) is None:
            return "That is not one of the choices of the current stage; choose again."
        return None

    # ------------------------------------------------------------ grading
    def grade(self, q: Case, response: Any) -> float:
        if response is None:
            return 0.0
        w = walk(q, response)
        return min(1.0, total(w.steps) / q.best_total())

    def correct_response(self, q: Case) -> list:
        return [c.id for _, c in q.best_path()]

    def wrong_response(self, q: Case) -> list:
        return [c.id for _, c in min(q.paths(), key=total)]

    def critical_failed(self, q: Case, response: Any, score: float) -> bool:
        try:
            w = walk(q, response)
        except ValueError:
            return q.critical
        return any(c.critical for _, c in w.steps) or (q.critical and not w.ended)

    def is_answered(self, q: Case, response: Any) -> bool:
        try:
            return bool(response) and walk(q, response).ended
        except ValueError:
            return False

    def incomplete(self, q: Case, response: Any) -> str | None:
        try:
            w = walk(q, response)
        except ValueError:
            return "This case has changed since it was started; start it again from the first stage."
        if w.ended:
            return None
        return f"Stage {len(w.steps) + 1} of the case is waiting for your decision."

    def random_guess_score(self, q: Case) -> float:
        def expected(stage: Stage, depth: int) -> float:
            if depth > MAX_DECISIONS:
                return 0.0
            values = []
            for c in stage.choices:
                nxt = q.stage(c.next) if c.next else None
                values.append(c.score + (expected(nxt, depth + 1) if nxt else 0.0))
            return sum(values) / len(values)

        return expected(q.first_stage, 1) / q.best_total()

    def _path_text(self, steps: list[Step]) -> str:
        return "; ".join(f"{s.title}: {c.text}" for s, c in steps)

    def answer_text(self, q: Case) -> str:
        return "the best path: " + self._path_text(q.best_path())

    def response_text(self, q: Case, response: Any) -> str:
        w = walk(q, response)
        text = self._path_text(w.steps)
        return text if w.ended else text + " (the case was not finished)"

    # ------------------------------------------------------------ item analysis: per stage
    def choice_options(self, q: Case) -> list[ChoiceOption]:
        """Every choice of every stage, as ``stage/choice`` (the frequencies are per stage); "correct" is the best
        path's choice at that stage, else a choice scoring 1."""
        best = {s.id: c.id for s, c in q.best_path()}
        return [
            ChoiceOption(f"{s.id}/{c.id}", f"{s.title}: {c.text}", best.get(s.id, "") == c.id or c.score >= 1 - EPS)
            for s in q.stages
            for c in s.choices
        ]

    options_need_question = True

    def chosen_options(self, response: Any) -> list[str]:
        """A path cannot be read without its case (choice ids are unique per stage only): see :meth:`chosen_in`."""
        return []

    def chosen_in(self, q: Case, response: Any) -> list[str]:
        """The ``stage/choice`` ids of a stored path: per stage, the choice taken there."""
        try:
            return [f"{s.id}/{c.id}" for s, c in walk(q, response).steps]
        except ValueError:
            return []

    # ------------------------------------------------------------ item-writing checks
    def stem_text(self, q: Case) -> str:
        return q.prompt + "\n" + "\n".join(s.text for s in q.stages)

    def distractors(self, q: Case) -> list[tuple[tuple, str]]:
        out: list[tuple[tuple, str]] = []
        for j, s in enumerate(q.stages):
            for k, c in enumerate(s.choices):
                if c.score < 1 - EPS:
                    out.append((("stages", j, "choices", k), c.text))
        return out

    def more_references(self, q: Case) -> list[tuple[tuple, list[str]]]:
        """(place in the question's YAML, reference ids) of the choices that name their own references."""
        return [
            (("stages", j, "choices", k, "references"), list(c.references))
            for j, s in enumerate(q.stages)
            for k, c in enumerate(s.choices)
            if c.references
        ]

    # ------------------------------------------------------------ Moodle (no branching there)
    def export_warning(self, q: Case) -> str | None:
        return f"{q.id}: {LOST}"

    def _definition(self, q: Case) -> dict:
        return q.model_dump(include={"start", "stages"}, exclude_none=True)

    def _first_stage_text(self, definition: dict) -> str:
        stages = definition.get("stages") or [{}]
        start = definition.get("start") or stages[0].get("id")
        s = next((st for st in stages if st.get("id") == start), stages[0])
        letters = "\n".join(f"{chr(65 + i)}. {c.get('text', '')}" for i, c in enumerate(s.get("choices", [])))
        return f"{s.get('title', '')}\n\n{s.get('text', '')}\n\n{s.get('question', '')}\n\n{letters}".strip()

    def _grader_text(self, q: Case) -> str:
        return "Best path:\n" + "\n".join(f"- {s.title}: {c.text} ({c.feedback})" for s, c in q.best_path())

    def gift_preamble(self, q: Case) -> list[str]:
        return [
            f"// {LOST}; MesoLearn reads the case back from the next comment",
            "// " + GIFT_PREFIX + " " + json.dumps(self._definition(q), ensure_ascii=False),
        ]

    def gift_encode(self, q: Case, head: str) -> list[str]:
        return [head + "{"]

    def gift_decode(self, a: Any) -> dict | None:
        return NOT_MINE

    def gift_decode_essay(self, a: Any) -> dict | None:
        for lineno, comment in a.src.comments:
            if comment.startswith(GIFT_PREFIX):
                return self._from_json(a, comment[len(GIFT_PREFIX) :], f"line {lineno}: the '// {GIFT_PREFIX}' comment")
        return NOT_MINE

    def _from_json(self, ctx: Any, text: str, where: str) -> dict | None:
        try:
            definition = json.loads(text)
        except json.JSONDecodeError as exc:
            ctx.warn(f"{where} is not valid JSON ({exc.msg}); skipped")
            return None
        if not isinstance(definition, dict):
            ctx.warn(f"{where} is not a JSON object; skipped")
            return None
        stages = definition.get("stages")
        critical = isinstance(stages, list) and any(
            isinstance(c, dict) and c.get("critical") is True
            for s in stages
            if isinstance(s, dict) and isinstance(s.get("choices"), list)
            for c in s["choices"]
        )
        return {**definition, "type": self.name, "prompt": ctx.prompt, "critical": critical}

    def xml_encode(self, q: Case, qe: ET.Element, x: Any) -> str:
        qt = qe.find("questiontext/text")
        if qt is not None:
            qt.text = (qt.text or "") + "\n\n" + self._first_stage_text(self._definition(q))
        x.sub(qe, "responseformat", "editor")
        x.sub(qe, "responserequired", "1")
        x.sub(qe, "responsefieldlines", "10")
        x.sub(x.sub(qe, "graderinfo", format="markdown"), "text", self._grader_text(q))
        x.sub(qe, XML_ELEMENT, json.dumps(self._definition(q), ensure_ascii=False))
        return "essay"

    def xml_decode(self, x: Any) -> dict | None:
        el = x.qe.find(XML_ELEMENT)
        if el is None:
            return NOT_MINE
        body = self._from_json(x, el.text or "", f"the <{XML_ELEMENT}> element")
        if body is not None:  # the question text is the opening followed by the first stage the export added
            suffix = self._first_stage_text(body)
            if isinstance(body.get("prompt"), str) and body["prompt"].endswith(suffix):
                body["prompt"] = body["prompt"][: -len(suffix)].rstrip()
        return body


TYPE = CaseType()
