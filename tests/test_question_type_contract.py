"""The contract every registered question type keeps (mesolearn/questions/): each hook implemented,
a sample that validates, draws and renders, a key that grades 1 and nothing that grades 0, display
positions that round-trip, answers the widgets cannot have sent refused with a message, and Moodle
GIFT/XML export followed by import giving back the same question. A new type that forgets a hook,
its renderer, or loses a field on the way to Moodle and back fails here.

Also: nothing outside the questions package and its renderers switches on a type's name.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import math
import random
from pathlib import Path

import pytest
from pydantic import TypeAdapter
from streamlit.testing.v1 import AppTest

from mesolearn.content.models import QUESTION_TYPES, Question, QuestionBase, Quiz
from mesolearn.exchange import gift_to_quiz_dict, moodle_xml_to_quiz_dict, quiz_to_gift, quiz_to_moodle_xml
from mesolearn.questions.base import QuestionType, QuestionView, ResponseError
from mesolearn.questions.registry import TYPES, type_of
from mesolearn.quiz import drawing, grading
from mesolearn.ui import keys
from mesolearn.ui.inputs import RENDERERS, Renderer

REPO = Path(__file__).resolve().parents[1]
ALL = list(TYPES.values())
SEEDS = range(12)
CRAFTED = [
    None,
    "NOT AN OPTION",
    "",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "9" * 500,
    99,
    -1,
    2**70,
    1.5,
    math.nan,
    math.inf,
    True,
    [],
    [99],
    [None, "x"],
    ["a", ["b"]],
    {"a": 1},
    (0, 1),
    object(),
]
SHARED = dict(objective="sample", section="sample", references=["R1"], difficulty="easy")


def ids(t: QuestionType) -> str:
    return t.name


def layouts(t: QuestionType):
    q = t.sample()
    return q, [t.make_layout(q, random.Random(seed)) for seed in SEEDS]


# ------------------------------------------------------------------ the registry and the hooks
def test_the_union_and_the_type_list_come_from_the_registry() -> None:
    assert tuple(TYPES) == QUESTION_TYPES and len(TYPES) >= 6
    adapter = TypeAdapter(Question)
    for t in ALL:
        q = adapter.validate_python(t.sample().model_dump())
        assert type(q) is t.model and type_of(q) is t


@pytest.mark.parametrize("t", ALL, ids=ids)
def test_every_hook_is_implemented(t: QuestionType) -> None:
    assert not inspect.isabstract(type(t)), f"{t.name} leaves hooks unimplemented: {type(t).__abstractmethods__}"
    assert issubclass(t.model, QuestionBase) and t.name in TYPES
    abstract = {name for name, member in vars(QuestionType).items() if getattr(member, "__isabstractmethod__", False)}
    for name in abstract:
        assert getattr(type(t), name) is not getattr(QuestionType, name), (t.name, name)
    assert t.xml_types, f"{t.name}: no Moodle XML question type to read"


@pytest.mark.parametrize("t", ALL, ids=ids)
def test_the_sample_validates_and_is_a_full_question(t: QuestionType) -> None:
    q = t.sample()
    assert q.type == t.name
    assert t.model.model_validate(q.model_dump()) == q


# ------------------------------------------------------------------ drawing and the view
@pytest.mark.parametrize("t", ALL, ids=ids)
def test_layouts_are_json_and_views_carry_no_key(t: QuestionType) -> None:
    q, lays = layouts(t)
    view_fields = {f.name for f in dataclasses.fields(QuestionView)}
    shown_key = set()
    for layout in lays:
        assert json.loads(json.dumps(layout)) == layout  # stored with the attempt
        v = drawing.view(q, layout)
        assert type(v) is QuestionView and {f.name for f in dataclasses.fields(v)} == view_fields
        assert (v.id, v.type, v.prompt) == (q.id, q.type, t.prompt_for(q, layout))
        assert q.explanation not in json.dumps(dataclasses.asdict(v))
        shown_key.add(json.dumps(drawing.to_shown(q, layout, t.correct_for(q, layout))))
        if not layout:  # nothing shuffled: nothing but the prompt (and a unit) may be shown
            assert v.choices == v.lefts == v.items == []
    if any(lays):  # where answers are shown in display positions, the key's positions change per draw
        assert len(shown_key) > 1


# ------------------------------------------------------------------ grading
@pytest.mark.parametrize("t", ALL, ids=ids)
def test_the_key_grades_1_and_nothing_grades_0(t: QuestionType) -> None:
    q = t.sample()
    right, wrong = grading.correct_response(q), t.wrong_response(q)
    assert grading.grade(q, right) == 1.0 and grading.is_answered(q, right)
    assert grading.grade(q, wrong) == 0.0 and grading.is_answered(q, wrong)
    assert grading.grade(q, None) == 0.0 and not grading.is_answered(q, None)
    assert grading.response_text(q, None) == "(no answer)"
    assert grading.answer_text(q).strip()
    assert grading.response_text(q, right) not in ("(no answer)", "(unreadable answer)")
    assert 0.0 <= grading.random_guess_score(q) < 1.0
    for garbage in CRAFTED:
        assert 0.0 <= grading.grade(q, garbage) <= 1.0
        assert isinstance(grading.response_text(q, garbage), str)


# ------------------------------------------------------------------ display positions and widget values
@pytest.mark.parametrize("t", ALL, ids=ids)
def test_display_positions_round_trip_and_widget_values_are_normalised(t: QuestionType) -> None:
    q, lays = layouts(t)
    for layout in lays:
        assert drawing.to_shown(q, layout, None) is None and drawing.normalise(q, layout, None) is None
        for response in (t.correct_for(q, layout), t.wrong_for(q, layout)):
            shown = drawing.to_shown(q, layout, response)
            assert drawing.to_response(q, layout, shown) == response
            assert drawing.normalise(q, layout, shown) == response


@pytest.mark.parametrize("t", ALL, ids=ids)
def test_values_the_widgets_cannot_have_sent_are_refused_with_a_message(t: QuestionType) -> None:
    """Security review rows 6d/6e: a crafted value is a message for the trainee, never a traceback or a stored NaN."""
    q, lays = layouts(t)
    for raw in CRAFTED:
        try:
            response = drawing.normalise(q, lays[0], raw)
        except ResponseError as exc:
            assert str(exc).strip()
            continue
        # what is accepted is storable JSON (no NaN/Infinity) and gradable
        json.dumps(response, allow_nan=False)
        assert 0.0 <= grading.grade(q, response) <= 1.0


# ------------------------------------------------------------------ Moodle round trips
def _quiz(t: QuestionType) -> Quiz:
    return Quiz(module="sample", pass_mark=70, questions_per_attempt=1, questions=[t.sample()])


@pytest.mark.parametrize("t", ALL, ids=ids)
def test_gift_export_then_import_gives_the_same_question(t: QuestionType) -> None:
    quiz = _quiz(t)
    data, warnings = gift_to_quiz_dict(quiz_to_gift(quiz), "sample", **SHARED)
    assert warnings == []
    assert Quiz.model_validate(data).questions == quiz.questions


@pytest.mark.parametrize("t", ALL, ids=ids)
def test_gift_without_metadata_loses_only_what_the_type_declares(t: QuestionType) -> None:
    quiz = _quiz(t)
    data, warnings = gift_to_quiz_dict(quiz_to_gift(quiz, metadata=False), "sample", **SHARED)
    assert warnings == []
    (back,) = Quiz.model_validate(data).questions
    lost = set(t.plain_gift_loses)
    assert back.model_dump(exclude=lost) == quiz.questions[0].model_dump(exclude=lost)


@pytest.mark.parametrize("ordering_as", ["ordering", "matching"])
@pytest.mark.parametrize("t", ALL, ids=ids)
def test_moodle_xml_export_then_import_gives_the_same_question(t: QuestionType, ordering_as: str) -> None:
    quiz = _quiz(t)
    data, warnings = moodle_xml_to_quiz_dict(quiz_to_moodle_xml(quiz, ordering_as=ordering_as), "sample", **SHARED)
    assert warnings == []
    assert Quiz.model_validate(data).questions == quiz.questions


# ------------------------------------------------------------------ the renderer, in AppTest
def test_every_type_has_a_renderer_and_every_renderer_a_type() -> None:
    assert set(RENDERERS) == set(TYPES)
    for name, renderer in RENDERERS.items():
        assert isinstance(renderer, Renderer) and renderer.qtype is TYPES[name] and renderer.hint.strip()
        assert renderer.browser_steps(TYPES[name].sample())


def _page(t: QuestionType) -> AppTest:
    at = AppTest.from_file(str(REPO / "tests" / "apptest_question.py"), default_timeout=30)
    at.query_params["type"] = t.name
    return at.run()


def _drawn(t: QuestionType):
    q = t.sample()
    return q, t.make_layout(q, random.Random(7))  # as the page draws it


def _set(at: AppTest, t: QuestionType, response) -> None:
    """Set the widgets as the renderer says; a step-at-a-time type (a case) in rounds with a run between them."""
    q, layout = _drawn(t)
    key = keys.answer_key(1, q.id)
    rounds = RENDERERS[t.name].answer_rounds(q, layout, key, response)
    assert rounds and all(rounds)
    if not t.stepwise:
        assert rounds == [
            RENDERERS[t.name].widget_values(drawing.view(q, layout), key, drawing.to_shown(q, layout, response))
        ]
    for i, steps in enumerate(rounds):
        if i:
            at.run()
            assert not at.exception and not at.error
        for kind, widget_key, value in steps:
            getattr(at, kind)(key=widget_key).set_value(value)


@pytest.mark.parametrize("t", ALL, ids=ids)
def test_the_renderer_shows_the_question_and_reports_the_answer(t: QuestionType) -> None:
    at = _page(t)
    assert not at.exception
    assert RENDERERS[t.name].hint in [c.value for c in at.caption]
    q, layout = _drawn(t)
    for n, response in enumerate((t.wrong_for(q, layout), t.correct_for(q, layout))):
        if n and t.stepwise:
            at = _page(t)  # a case's decisions are final: the second answer is given to a fresh question
        _set(at, t, response)
        at.run()
        assert not at.exception and not at.error
        assert at.session_state["saved"] == response
    at.run()  # shown again from the saved answer: nothing changes, nothing breaks
    assert not at.exception and at.session_state["saved"] == t.correct_for(q, layout)
    assert grading.grade(q, at.session_state["saved"]) == 1.0


# ------------------------------------------------------------------ no type switches elsewhere
ALLOWED = (REPO / "mesolearn" / "questions", REPO / "mesolearn" / "ui" / "inputs")


def _type_literals(node: ast.AST) -> list[str]:
    found = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and sub.value in TYPES:
            found.append(sub.value)
    return found


def test_no_code_outside_the_question_types_switches_on_a_type_name() -> None:
    offenders = []
    for path in sorted((REPO / "mesolearn").rglob("*.py")):
        if any(path.is_relative_to(root) for root in ALLOWED):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                hits = _type_literals(node)
            elif isinstance(node, ast.Dict):
                hits = [k.value for k in node.keys if isinstance(k, ast.Constant) and k.value in TYPES]
            elif isinstance(node, ast.match_case):
                hits = _type_literals(node.pattern)
            else:
                continue
            if hits:
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: {hits}")
    assert offenders == []
