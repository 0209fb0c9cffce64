"""Graders: the score a trainee gets for each kind of answer (rules in docs/AUTHORING.md)."""

from __future__ import annotations

import math

import pytest
from pydantic import TypeAdapter

from mesolearn.content import Course
from mesolearn.content.models import Question
from mesolearn.quiz import grading
from mesolearn.quiz.grading import answer_text, correct_response, grade, random_guess_score, response_text

BASE = dict(
    prompt="Prompt?", explanation="Because.", references=["R1"], objective="obj", section="sec", difficulty="easy"
)
_question = TypeAdapter(Question)


def make(qtype: str, **fields) -> Question:
    return _question.validate_python({"id": f"q-{qtype.replace('_', '-')}", "type": qtype, **BASE, **fields})


def options(*texts: str) -> list[dict]:
    return [{"id": chr(ord("a") + i), "text": t} for i, t in enumerate(texts)]


SINGLE = make("single_choice", options=options("Pistor", "Lebel", "Dalloz"), answer="a")
MULTI2 = make("multiple_response", options=options("One", "Two", "Three", "Four"), answers=["a", "b"])
MULTI3 = make("multiple_response", options=options("One", "Two", "Three", "Four", "Five"), answers=["a", "b", "c"])
TRUE = make("true_false", answer=True)
FALSE = make("true_false", answer=False)
NUMERIC = make("numeric", answer=4, tolerance=0.5, unit="mm")
EXACT = make("numeric", answer=2, tolerance=0, unit="mL")
NEGATIVE = make("numeric", answer=-2.5, tolerance=0.1, unit="°C")
DECIMAL = make("numeric", answer=0.3, tolerance=0.1, unit="mL")
MATCHING = make(
    "matching",
    pairs=[
        {"left": "Epidermis", "right": "outer"},
        {"left": "Dermis", "right": "middle"},
        {"left": "Hypodermis", "right": "deep"},
    ],
)
ORDERING = make("ordering", items=["Wash hands", "Disinfect skin", "Inject", "Apply dressing"])
ALL = [SINGLE, MULTI2, MULTI3, TRUE, FALSE, NUMERIC, EXACT, NEGATIVE, DECIMAL, MATCHING, ORDERING]


# ------------------------------------------------------------------ single choice
@pytest.mark.parametrize(
    "response, score", [("a", 1.0), ("b", 0.0), ("c", 0.0), (None, 0.0), ("zz", 0.0), (["a"], 0.0), (0, 0.0)]
)
def test_single_choice(response, score) -> None:
    assert grade(SINGLE, response) == score


# ------------------------------------------------------------------ multiple response (Moodle's rule)
@pytest.mark.parametrize(
    "response, score",
    [
        (["a", "b"], 1.0),  # both right
        (["b", "a"], 1.0),  # order does not matter
        (["a"], 0.5),  # one of two right: +1/2
        (["a", "c"], 0.0),  # +1/2 -1/2
        (["a", "b", "c"], 0.5),  # +1 -1/2
        (["c"], 0.0),  # -1/2, floored at 0
        (["c", "d"], 0.0),  # -1, floored at 0
        (["a", "b", "c", "d"], 0.0),  # all options chosen: +1 -1
        ([], 0.0),  # none chosen
        (None, 0.0),
        (["a", "a"], 0.5),  # a repeated option counts once
        (["a", "a", "b", "b"], 1.0),
        (["a", "b", "zz"], 1.0),  # unknown ids are ignored, not counted as wrong
        (["zz", "yy"], 0.0),
    ],
)
def test_multiple_response_two_correct(response, score) -> None:
    assert grade(MULTI2, response) == pytest.approx(score)


@pytest.mark.parametrize(
    "response, score",
    [
        (["a", "b", "c"], 1.0),
        (["a"], 1 / 3),
        (["a", "b"], 2 / 3),
        (["a", "b", "d"], 1 / 3),
        (["a", "d", "e"], 0.0),  # 1/3 - 2/3 < 0 -> 0
        (["a", "b", "c", "d"], 2 / 3),
        (["a", "b", "c", "d", "e"], 1 / 3),  # all options chosen: 3/3 - 2/3
    ],
)
def test_multiple_response_three_correct(response, score) -> None:
    assert grade(MULTI3, response) == pytest.approx(score)


# ------------------------------------------------------------------ true / false
@pytest.mark.parametrize(
    "response, true_score, false_score",
    [
        (True, 1.0, 0.0),
        (False, 0.0, 1.0),
        (None, 0.0, 0.0),
        ("true", 0.0, 0.0),
        ("True", 0.0, 0.0),
        ("false", 0.0, 0.0),
        (1, 0.0, 0.0),
        (0, 0.0, 0.0),
        ([True], 0.0, 0.0),
    ],
)
def test_true_false_only_a_real_bool_counts(response, true_score, false_score) -> None:
    assert grade(TRUE, response) == true_score
    assert grade(FALSE, response) == false_score


# ------------------------------------------------------------------ numeric
@pytest.mark.parametrize(
    "response, score",
    [
        (4.0, 1.0),
        (4, 1.0),
        (4.2, 1.0),
        (3.8, 1.0),
        (4.5, 1.0),
        (3.5, 1.0),  # exactly at the tolerance counts
        (4.51, 0.0),
        (3.49, 0.0),
        (5, 0.0),
        (-4, 0.0),
        (None, 0.0),
        (math.nan, 0.0),
        (math.inf, 0.0),
        (-math.inf, 0.0),
        (True, 0.0),
        (False, 0.0),
        ("4", 0.0),
        ([4], 0.0),
    ],
)
def test_numeric_with_tolerance(response, score) -> None:
    assert grade(NUMERIC, response) == score


def test_numeric_tolerance_zero_needs_the_exact_value() -> None:
    assert grade(EXACT, 2) == 1.0
    assert grade(EXACT, 2.0) == 1.0
    assert grade(EXACT, 2.01) == 0.0
    assert grade(EXACT, 1.99) == 0.0


def test_numeric_negative_answer() -> None:
    assert grade(NEGATIVE, -2.5) == 1.0
    assert grade(NEGATIVE, -2.45) == 1.0
    assert grade(NEGATIVE, -2.6) == 1.0  # at the tolerance
    assert grade(NEGATIVE, -2.7) == 0.0
    assert grade(NEGATIVE, 2.5) == 0.0  # the sign matters


def test_numeric_boundary_is_not_lost_to_float_rounding() -> None:
    # 0.4 - 0.3 is 0.10000000000000003 in floating point; a trainee typing 0.4 is within ±0.1
    assert grade(DECIMAL, 0.4) == 1.0
    assert grade(DECIMAL, 0.2) == 1.0
    assert grade(DECIMAL, 0.41) == 0.0


# ------------------------------------------------------------------ matching
@pytest.mark.parametrize(
    "response, score",
    [
        ([0, 1, 2], 1.0),
        ([0, 2, 1], 1 / 3),
        ([1, 2, 0], 0.0),
        ([0, None, None], 1 / 3),  # unanswered pairs earn nothing
        ([None, None, None], 0.0),
        ([0, 1], 2 / 3),  # short list: the missing pair earns nothing
        ([], 0.0),
        (None, 0.0),
        ("012", 0.0),
    ],
)
def test_matching(response, score) -> None:
    assert grade(MATCHING, response) == pytest.approx(score)


# ------------------------------------------------------------------ ordering
@pytest.mark.parametrize(
    "response, score",
    [
        ([0, 1, 2, 3], 1.0),
        ([1, 0, 2, 3], 0.5),  # two items in their correct positions
        ([3, 2, 1, 0], 0.0),
        ([0, 2, 3, 1], 0.25),
        ([0, None, None, None], 0.25),  # positions not filled in earn nothing
        ([0, 1], 0.5),  # too short: the missing positions earn nothing
        ([], 0.0),
        (None, 0.0),
        ("0123", 0.0),
    ],
)
def test_ordering(response, score) -> None:
    assert grade(ORDERING, response) == pytest.approx(score)


def test_ordering_too_long_never_scores_more_than_one() -> None:
    assert grade(ORDERING, [0, 1, 2, 3, 4, 5]) == 1.0
    assert grade(ORDERING, [1, 0, 2, 3, 3]) == 0.5


# ------------------------------------------------------------------ robustness
GARBAGE = [
    None,
    "",
    "a",
    "true",
    0,
    1,
    -1,
    3.5,
    math.nan,
    math.inf,
    True,
    False,
    [],
    [None],
    [[]],
    [{}],
    ["a", ["b"]],
    [0, "x", None, 99, -5],
    {"a": 1},
    {},
    (1, 2),
    object(),
    b"\x00",
    [math.nan],
]


@pytest.mark.parametrize("q", ALL, ids=lambda q: q.id)
def test_grade_never_raises_and_stays_in_range(q) -> None:
    for response in GARBAGE:
        score = grade(q, response)
        assert isinstance(score, float)
        assert 0.0 <= score <= 1.0, (q.id, response, score)


def test_every_real_question_scores_1_for_its_key_and_0_for_nothing(course: Course) -> None:
    for _, q in course.questions.values():
        assert grade(q, correct_response(q)) == 1.0, q.id
        assert grade(q, None) == 0.0, q.id
        assert not grading.is_answered(q, None)
        assert grading.is_answered(q, correct_response(q))


def test_is_answered() -> None:
    assert not grading.is_answered(MULTI2, [])
    assert grading.is_answered(MULTI2, ["c"])
    assert not grading.is_answered(MATCHING, [None, None, None])
    assert grading.is_answered(MATCHING, [None, 2, None])
    assert grading.is_answered(TRUE, False)  # "False" is an answer
    assert grading.is_answered(EXACT, 0.0)  # so is zero


# ------------------------------------------------------------------ expected score of a blind guess
def test_random_guess_score() -> None:
    assert random_guess_score(SINGLE) == pytest.approx(1 / 3)
    assert random_guess_score(TRUE) == 0.5
    assert random_guess_score(NUMERIC) == 0.0
    assert random_guess_score(MATCHING) == pytest.approx(1 / 3)
    assert random_guess_score(ORDERING) == pytest.approx(1 / 4)
    # 4 options, answers a, b: average of Moodle scores over the 15 non-empty subsets
    # {a},{b}: .5 each; {a,b}: 1; {a,b,c},{a,b,d}: .5 each; all other subsets: 0  -> 3/15
    assert random_guess_score(MULTI2) == pytest.approx(3 / 15)


def test_random_guess_score_of_every_real_question_is_a_probability(course: Course) -> None:
    for _, q in course.questions.values():
        assert 0.0 <= random_guess_score(q) < 1.0, q.id


# ------------------------------------------------------------------ texts shown in the review
def test_answer_text_is_readable() -> None:
    assert answer_text(SINGLE) == "Pistor"
    assert answer_text(MULTI2) == "One; Two"
    assert answer_text(TRUE) == "True"
    assert answer_text(FALSE) == "False"
    assert answer_text(NUMERIC) == "4 (± 0.5) mm"
    assert answer_text(EXACT) == "2 mL"
    assert answer_text(NEGATIVE) == "-2.5 (± 0.1) °C"
    assert answer_text(MATCHING) == "Epidermis → outer; Dermis → middle; Hypodermis → deep"
    assert answer_text(ORDERING) == "Wash hands → Disinfect skin → Inject → Apply dressing"


def test_response_text_is_readable() -> None:
    assert response_text(SINGLE, "b") == "Lebel"
    assert response_text(MULTI2, ["a", "c"]) == "One; Three"
    assert response_text(TRUE, False) == "False"
    assert response_text(NUMERIC, 4.25) == "4.25 mm"
    assert response_text(MATCHING, [1, None, 2]) == "Epidermis → middle; Dermis → ?; Hypodermis → deep"
    assert response_text(ORDERING, [1, 0, 2, 3]) == "Disinfect skin → Wash hands → Inject → Apply dressing"
    assert response_text(ORDERING, [1, None, None, None]) == "Disinfect skin → ? → ? → ?"


@pytest.mark.parametrize("q", ALL, ids=lambda q: q.id)
def test_response_text_without_an_answer(q) -> None:
    assert response_text(q, None) == "(no answer)"


def test_response_text_never_raises_on_garbage() -> None:
    assert response_text(MATCHING, [7, 8, 9]) == "(unreadable answer)"
    assert response_text(ORDERING, [9, 9, 9, 9]) == "(unreadable answer)"
    assert response_text(NUMERIC, "four") == "(unreadable answer)"
    for q in ALL:
        for response in GARBAGE:
            response_text(q, response)  # must not raise
    assert response_text(MULTI2, ["a", ["b"]]) == "(unreadable answer)"


def test_answer_text_of_every_real_question(course: Course) -> None:
    for _, q in course.questions.values():
        text = answer_text(q)
        assert text.strip(), q.id
        assert response_text(q, correct_response(q)) != "(unreadable answer)", q.id


def test_plain_text_drops_markdown_for_dropdowns() -> None:
    from mesolearn.content.text import plain_text

    assert plain_text("*M. chelonae* from a **procaine** vial") == "M. chelonae from a procaine vial"
    assert plain_text("see [KT13](https://example.org)") == "see KT13"
    assert plain_text("snake_case_name stays") == "snake_case_name stays"


def test_correct_response_earns_full_marks_on_every_question_of_the_course(course) -> None:
    from mesolearn.quiz.grading import correct_response

    for _module, q in course.questions.values():
        assert grade(q, correct_response(q)) == 1.0, q.id


def test_dollar_signs_in_course_text_are_not_latex() -> None:
    from mesolearn.content.text import course_markdown

    assert course_markdown("US$200 to $600 per session") == r"US\$200 to \$600 per session"


def test_half_filled_matching_and_an_item_used_twice_in_ordering_are_not_whole_answers():
    """UX review B10: the trainee is told, and a practice answer cannot be checked until it is whole."""
    from mesolearn.questions.registry import TYPES
    from mesolearn.quiz.grading import incomplete

    matching, ordering = TYPES["matching"].sample(), TYPES["ordering"].sample()
    n = len(matching.pairs)
    assert incomplete(matching, [0] + [None] * (n - 1)) == f"1 of {n} items are matched."
    assert incomplete(matching, list(range(n))) is None
    assert incomplete(ordering, [0, 0] + list(range(2, len(ordering.items)))).startswith("The same item")
    assert incomplete(ordering, [None] * len(ordering.items)) == f"0 of {len(ordering.items)} positions are filled."
    assert incomplete(ordering, list(range(len(ordering.items)))) is None
    for name in ("single_choice", "multiple_response", "true_false", "numeric"):
        q = TYPES[name].sample()
        assert incomplete(q, TYPES[name].correct_response(q)) is None and incomplete(q, None) is None
