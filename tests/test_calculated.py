"""Calculated questions: the safe formula evaluator, validation over every combination of the declared grids
(through the real loader, reported as file:line), the seeded per-attempt draw stored with the attempt, grading
within tolerance against the drawn numbers, and a view that never carries the answer."""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest
from pydantic import ValidationError

from mesolearn.content import load_course
from mesolearn.questions import calculated
from mesolearn.questions.base import ResponseError
from mesolearn.questions.formula import FormulaError, compile_formula
from mesolearn.quiz import drawing
from mesolearn.quiz.attempts import Attempts
from mesolearn.quiz.grading import grade, response_text
from tests.conftest import make_user

REPO = Path(__file__).resolve().parents[1]
T = calculated.TYPE
DEPTH = "technique-calc-depth-from-angle"


def _q(**changes):
    body = {**T.sample().model_dump(exclude_none=True), **changes}
    return calculated.Calculated.model_validate(body)


# ------------------------------------------------------------------ the evaluator
@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("__import__('os').system('true')", "not allowed"),
        ("a.__class__", "attribute access"),
        ("().__class__.__bases__[0]", "not allowed"),
        ("a[0]", "subscripts"),
        ("open('x')", "calling open is not allowed"),
        ("b + 1", "'b' is not a declared variable"),
        ("[a for a in (1, 2)]", "not allowed"),
        ("lambda: 1", "not allowed"),
        ("'text'", "only numbers"),
        ("sin(x=1)", "positional"),
        ("a if a else 1", "not allowed"),
        ("a < 2", "not allowed"),
    ],
)
def test_the_evaluator_refuses_what_is_not_arithmetic(formula: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        compile_formula(formula, ["a"]).evaluate({"a": 1})


def test_a_huge_power_is_refused_at_once_not_computed() -> None:
    with pytest.raises(FormulaError, match="too large"):
        compile_formula("2**10**10", []).evaluate({})
    with pytest.raises(FormulaError):
        compile_formula("(10**100)**100", []).evaluate({})


@pytest.mark.parametrize(
    ("formula", "values", "expected"),
    [
        ("length_mm * sin(angle_deg * pi / 180)", {"length_mm": 4, "angle_deg": 30}, 2.0),
        ("length_mm * sin(angle_deg * pi / 180)", {"length_mm": 13, "angle_deg": 90}, 13.0),
        ("prp / base", {"prp": 1000, "base": 200}, 5.0),
        (
            "-a ** 2 + sqrt(16) + max(a, 7) - min(1, 2, 3) + abs(-1) + round(2.567, 1)",
            {"a": 3},
            -9 + 4 + 7 - 1 + 1 + 2.6,
        ),
        ("log(e) + exp(0) + cos(0) + tan(0) + asin(1) * 2 / pi + acos(1) + atan(0)", {}, 4.0),
        ("log(8, 2)", {}, 3.0),
    ],
)
def test_the_evaluator_computes(formula: str, values: dict, expected: float) -> None:
    assert compile_formula(formula, values).evaluate(values) == pytest.approx(expected)


@pytest.mark.parametrize(("formula", "message"), [("1 / (a - 1)", "division by zero"), ("sqrt(a - 2)", "domain")])
def test_evaluation_errors_are_formula_errors(formula: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        compile_formula(formula, ["a"]).evaluate({"a": 1})


# ------------------------------------------------------------------ validation of the model
def test_validation_names_the_combination_that_fails() -> None:
    with pytest.raises(ValidationError, match=r"division by zero") as info:
        _q(formula="length_mm / (angle_deg - 45)", bounds=None)
    assert "angle_deg = 45" in str(info.value)
    with pytest.raises(ValidationError, match=r"outside the bounds") as info:
        _q(bounds={"min": 0, "max": 5})
    assert "length_mm = " in str(info.value)


def test_placeholders_and_variables_must_match() -> None:
    with pytest.raises(ValidationError, match="no such variable"):
        _q(prompt="{length_mm} mm at {angle_deg} and {depth}?")
    with pytest.raises(ValidationError, match="never appear in the prompt"):
        _q(prompt="A {length_mm} mm needle: how deep?")


def test_other_content_mistakes_are_refused() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        _q(tolerance_percent=5)
    with pytest.raises(ValidationError, match="more than 10000 combinations"):
        _q(
            variables={"length_mm": {"min": 0, "max": 1000, "step": 1}, "angle_deg": {"min": 1, "max": 90, "step": 1}},
            bounds=None,
        )
    with pytest.raises(ValidationError, match="not a declared variable"):
        _q(formula="length_mm * sin(angle_deg) * depth")
    with pytest.raises(ValidationError, match="outside the tolerance"):
        _q(decimals=0)  # a key rounded to whole mm is not within 0.1 mm
    with pytest.raises(ValidationError, match="extra"):
        _q(answer=3)


def _course_copy(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO / "course.yaml", root / "course.yaml")
    for sub in ("lessons", "quizzes", "exams"):
        shutil.copytree(REPO / sub, root / sub)
    return root


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'formula: "length_mm * sin(angle_deg * pi / 180)"',
            'formula: "length_mm / (angle_deg - 15)"',
            "angle_deg = 15",
        ),
        ("bounds: {min: 0, max: 13}", "bounds: {min: 0, max: 6}", "outside the bounds"),
        ('formula: "length_mm * sin(angle_deg * pi / 180)"', 'formula: "length_mm.real"', "attribute access"),
    ],
)
def test_a_broken_calculated_item_is_reported_at_file_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    root = _course_copy(tmp_path)
    path = root / "quizzes" / "02-technique.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    course = load_course(root)
    (issue,) = [i for i in course.errors if i.file == "quizzes/02-technique.yaml"]
    assert message in issue.message
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines, start=1) if DEPTH in line)
    assert issue.line is not None and issue.line >= start  # the broken item, not the top of the file
    assert str(issue).startswith(f"quizzes/02-technique.yaml:{issue.line}:")
    assert course.modules["technique"].quiz is None and "history" in course.modules


# ------------------------------------------------------------------ the draw, the view, grading
def test_the_draw_is_seeded_and_varies_between_seeds() -> None:
    q = T.sample()
    first = [T.make_layout(q, random.Random(seed)) for seed in range(20)]
    again = [T.make_layout(q, random.Random(seed)) for seed in range(20)]
    assert first == again
    assert len({json.dumps(layout) for layout in first}) > 5
    grids = [v.grid() for v in q.variables.values()]
    assert all(v in g for layout in first for v, g in zip(layout["values"], grids, strict=True))


def test_the_view_shows_the_drawn_numbers_and_not_the_answer() -> None:
    q = T.sample()
    for seed in range(30):
        layout = T.make_layout(q, random.Random(seed))
        view = drawing.view(q, layout)
        length, angle = layout["values"]
        assert f"A {length} mm needle" in view.prompt and f"at {angle} degrees" in view.prompt
        assert "{" not in view.prompt and view.unit == "mm"
        shown = json.dumps(asdict(view))
        key = T.correct_for(q, layout)["value"]
        assert f"{key:.2f}" not in shown and q.formula not in shown and "sin" not in shown


def test_grading_is_within_tolerance_of_the_value_for_the_drawn_numbers() -> None:
    q = T.sample()
    layout = {"values": [4, 30]}  # 4 mm at 30 degrees: 2 mm deep
    assert grade(q, drawing.normalise(q, layout, "2")) == 1.0
    assert grade(q, drawing.normalise(q, layout, "2,09")) == 1.0  # decimal comma, within 0.1
    assert grade(q, drawing.normalise(q, layout, "1.91")) == 1.0
    assert grade(q, drawing.normalise(q, layout, "2.2")) == 0.0
    assert grade(q, drawing.normalise(q, layout, "1.8")) == 0.0
    # the same number is wrong for other numbers drawn
    assert grade(q, drawing.normalise(q, {"values": [4, 90]}, "2")) == 0.0
    assert grade(q, drawing.normalise(q, {"values": [4, 90]}, "4")) == 1.0
    # the review says what the trainee had and what was right for those numbers
    text = response_text(q, drawing.normalise(q, layout, "2.2"))
    assert "2.2 mm" in text and "length_mm = 4" in text and "2.00 mm" in text


def test_percent_tolerance() -> None:
    q = _q(tolerance=None, tolerance_percent=5, decimals=3)
    layout = {"values": [10, 90]}  # 10 mm deep
    assert grade(q, drawing.normalise(q, layout, "10.45")) == 1.0
    assert grade(q, drawing.normalise(q, layout, "10.6")) == 0.0


def test_the_numbers_graded_are_the_stored_draw_not_what_a_response_claims() -> None:
    q = T.sample()
    layout = {"values": [4, 30]}
    assert drawing.normalise(q, layout, "2")["vars"] == {"length_mm": 4, "angle_deg": 30}
    # a response whose numbers are not on the grids (crafted) scores 0 whatever its value
    assert grade(q, {"value": 0.5, "vars": {"length_mm": 0.5, "angle_deg": 90}}) == 0.0
    assert grade(q, {"value": 2, "vars": {"length_mm": 4}}) == 0.0


@pytest.mark.parametrize("raw", ["nan", "inf", "1e309", "9" * 500, "two", "1.2.3"])
def test_numeric_input_rules_apply(raw: str) -> None:
    with pytest.raises(ResponseError):
        drawing.normalise(T.sample(), {"values": [4, 30]}, raw)


# ------------------------------------------------------------------ a real attempt
def test_a_reload_of_an_attempt_shows_the_same_numbers(db, clock, tmp_path: Path) -> None:
    course = load_course(REPO)
    user = make_user(db, "calc")
    attempts = Attempts(db, course, clock=clock)
    seen = None
    for seed in range(40):  # a paper holding the calculated item
        attempt_id = attempts.start(user, "technique", seed=seed)
        state = attempts.load(attempt_id, user)
        seen = next((item for item in state.items if item.question.id == DEPTH), None)
        if seen is not None:
            break
        attempts.submit(attempt_id, user)
    assert seen is not None
    again = Attempts(db, course, clock=clock).load(attempt_id, user)
    item = next(item for item in again.items if item.question.id == DEPTH)
    assert item.layout == seen.layout and item.view.prompt == seen.view.prompt
    assert "{" not in item.view.prompt
    score = attempts.save_answer(attempt_id, user, DEPTH, T.correct_for(item.question, item.layout))
    assert score is None or score == 1.0
    after = attempts.load(attempt_id, user)
    saved = next(it for it in after.items if it.question.id == DEPTH)
    assert grade(saved.question, saved.response) == 1.0 and saved.view.prompt == seen.view.prompt


# ------------------------------------------------------------------ the page
def _seed_with_the_item(tmp_path: Path) -> int:
    """A seed whose technique paper holds the calculated item (found on a throwaway database)."""
    from mesolearn.storage import Database

    db = Database(f"sqlite:///{tmp_path / 'seeds.db'}")
    course = load_course(REPO)
    attempts = Attempts(db, course)
    try:
        for seed in range(60):
            user = make_user(db, f"s{seed}")
            attempt_id = attempts.start(user, "technique", seed=seed)
            if any(item.question.id == DEPTH for item in attempts.load(attempt_id, user).items):
                return seed
    finally:
        db.dispose()
    raise AssertionError("no seed draws the calculated item")


def test_the_quiz_page_shows_the_drawn_numbers_not_the_placeholders(tmp_path: Path, monkeypatch) -> None:
    from mesolearn.storage import Database
    from tests.app_driver import fill_account_form, new_app, open_page, sign_out, texts

    url = f"sqlite:///{tmp_path}/app.db"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", url)
    monkeypatch.delenv("MESOLEARN_CONTENT_DIR", raising=False)
    seed = _seed_with_the_item(tmp_path)
    at = fill_account_form(new_app(), "Ada Instructor", "ada", "correct horse battery")
    at = fill_account_form(open_page(sign_out(at), "register"), "Tom Trainee", "tom", "trainee pass 1")
    attempts = Attempts(Database(url), load_course(REPO))
    attempt_id = attempts.start(2, "technique", seed=seed)
    item = next(i for i in attempts.load(attempt_id, 2).items if i.question.id == DEPTH)
    at = open_page(at, "quiz", module="technique")
    labels = [b.label for b in at.button]
    next(b for b in at.button if b.label == "Resume your attempt").click()
    at.run()  # starting resumes the open attempt
    assert attempts.open_attempt_id(2, "technique") == attempt_id, labels
    page = texts(at)
    length, angle = item.layout["values"]
    assert f"A needle with {length} mm inserted in the skin is held at {angle}° to the skin surface." in page
    assert "{length_mm}" not in page and "{angle_deg}" not in page
