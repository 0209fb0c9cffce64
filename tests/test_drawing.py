"""Drawing questions and layouts, what the page may see, and display <-> canonical answers."""

from __future__ import annotations

import dataclasses
import math
import random
from collections import Counter
from pathlib import Path

import pytest

from mesolearn.content import Course, load_course
from mesolearn.questions import matching as matching_type
from mesolearn.questions import ordering as ordering_type
from mesolearn.questions import single_choice as single_choice_type
from mesolearn.questions.base import StageView
from mesolearn.questions.registry import type_of
from mesolearn.quiz import drawing
from mesolearn.quiz.drawing import allocate, draw, draw_blueprint, make_layout, to_response, to_shown, view
from mesolearn.quiz.grading import grade
from tests.conftest import REPO_ROOT as REPO

SEEDS = range(12)


def all_questions(course: Course) -> list:
    return [q for _, q in course.questions.values()]


def layouts(q, seeds=SEEDS):
    return [make_layout(q, random.Random(seed)) for seed in seeds]


# ------------------------------------------------------------------ draws
def test_same_seed_same_draw_and_layouts(course: Course) -> None:
    pool = course.modules["risks"].quiz.questions
    first = draw(pool, 10, seed=12345)
    again = draw(pool, 10, seed=12345)
    assert first == again  # same ids, same order, same layouts
    assert [d.layout for d in first] == [d.layout for d in again]


def test_different_seeds_give_different_draws(course: Course) -> None:
    pool = course.modules["risks"].quiz.questions
    draws = {tuple(d.question_id for d in draw(pool, 10, seed)) for seed in range(10)}
    assert len(draws) == 10


def test_draw_gives_n_distinct_questions_from_the_pool(course: Course) -> None:
    for module in course.modules.values():
        pool = module.quiz.questions
        ids = {q.id for q in pool}
        for seed in range(5):
            drawn = draw(pool, module.quiz.questions_per_attempt, seed)
            got = [d.question_id for d in drawn]
            assert len(got) == module.quiz.questions_per_attempt
            assert len(set(got)) == len(got)
            assert set(got) <= ids


def test_draw_never_more_than_the_pool(course: Course) -> None:
    pool = course.modules["history"].quiz.questions
    drawn = draw(pool, len(pool) + 5, seed=1)
    ids = [d.question_id for d in drawn]
    groups = {q.enemy_group for q in pool if q.enemy_group}
    # every question but the enemies of the one drawn from each group (one fact, one question)
    assert len(ids) == len(set(ids)) == sum(1 for q in pool if not q.enemy_group) + len(groups)


# ------------------------------------------------------------------ layouts
def shown_texts(v: drawing.QuestionView) -> list[str]:
    return sorted(str(x) for x in (*v.choices, *v.lefts, *v.items))


def test_layouts_only_reorder_what_is_shown(course: Course) -> None:
    """A layout is a shuffle: every draw of a question shows the same texts in some order, and a question with
    options shows each of its options once, as written. (Each type's own layout is tested with its module.)"""
    for q in all_questions(course):
        views = [view(q, layout) for layout in layouts(q, range(5))]
        assert len({tuple(shown_texts(v)) for v in views}) == 1, q.id
        options = type_of(q).choice_options(q)
        if drawing.stepwise(q):  # a case shows one stage's choices at a time: tests/test_case.py
            continue
        for v in views if options is not None else []:
            assert sorted(v.choices) == sorted(o.text for o in options), q.id


def test_ordering_layout_is_never_the_correct_order(course: Course) -> None:
    ordering = [q for q in all_questions(course) if type_of(q) is ordering_type.TYPE]
    assert ordering
    for q in ordering:
        for layout in layouts(q, range(100)):
            assert layout["items"] != list(range(len(q.items))), q.id
            assert view(q, layout).items != list(q.items), q.id


def test_options_are_really_shuffled(course: Course) -> None:
    q = next(q for q in all_questions(course) if len(type_of(q).choice_options(q) or []) >= 3)
    assert len({tuple(layout["options"]) for layout in layouts(q, range(30))}) > 1


# ------------------------------------------------------------------ views hold no answer
VIEW_FIELDS = {"id", "type", "prompt", "choices", "lefts", "items", "unit", "critical", "stages"}
STAGE_VIEW_FIELDS = {"id", "title", "text", "question", "chosen"}  # a case's stage: no score, feedback or next


def test_question_view_has_no_field_that_could_carry_the_answer() -> None:
    assert {f.name for f in dataclasses.fields(drawing.QuestionView)} == VIEW_FIELDS
    assert {f.name for f in dataclasses.fields(StageView)} == STAGE_VIEW_FIELDS


def test_views_of_every_real_question_show_display_order_only(course: Course) -> None:
    for q in all_questions(course):
        for layout in layouts(q, range(3)):
            v = view(q, layout)
            assert not hasattr(v, "answer") and not hasattr(v, "answers") and not hasattr(v, "pairs")
            assert not hasattr(v, "explanation") and not hasattr(v, "options")
            assert (v.id, v.type, v.prompt) == (q.id, q.type, type_of(q).prompt_for(q, layout))
            shown = [str(x) for x in (*v.choices, *v.lefts, *v.items)]
            assert q.explanation not in shown
            options = type_of(q).choice_options(q)
            if options is not None and not drawing.stepwise(q):  # texts only (no option ids), each option once
                assert sorted(v.choices) == sorted(o.text for o in options)
            if getattr(q, "unit", None):
                assert v.unit == q.unit


def test_matching_choices_are_not_in_pair_order(course: Course) -> None:
    matching = [q for q in all_questions(course) if type_of(q) is matching_type.TYPE]
    assert matching
    for q in matching:
        in_pair_order = [p.right for p in q.pairs]
        views = [view(q, layout) for layout in layouts(q, range(20))]
        assert any(v.choices != in_pair_order for v in views), q.id


# ------------------------------------------------------------------ display positions <-> canonical responses
def canonical_responses(q, layout) -> list:
    """Canonical responses to the question as drawn: the key and a wrong answer, from the type's own hooks."""
    t = type_of(q)
    return [t.correct_for(q, layout), t.wrong_for(q, layout)]


def test_round_trip_for_every_real_question(course: Course) -> None:
    for q in all_questions(course):
        for layout in layouts(q, range(3)):
            assert to_shown(q, layout, None) is None and to_response(q, layout, None) is None
            for x in canonical_responses(q, layout):
                assert to_response(q, layout, to_shown(q, layout, x)) == x, (q.id, layout, x)


def test_partial_ordering_answer_can_be_saved_and_shown_again(course: Course) -> None:
    """The ordering widget saves after each position is chosen: the other positions are still None."""
    q = next(q for q in all_questions(course) if type_of(q) is ordering_type.TYPE)
    layout = make_layout(q, random.Random(7))
    n = len(q.items)
    response = to_response(q, layout, [0] + [None] * (n - 1))
    assert response == [layout["items"][0]] + [None] * (n - 1)
    assert to_shown(q, layout, response) == [0] + [None] * (n - 1)
    assert 0.0 <= grade(q, response) <= 1 / n


def test_choosing_what_is_shown_gives_the_right_answer(course: Course) -> None:
    """A trainee who sets the page (display positions) to the key scores 1, and to a wrong answer 0; with options,
    the positions chosen point at the texts of the right options."""
    for q in all_questions(course):
        t = type_of(q)
        for layout in layouts(q, range(3)):
            right = to_shown(q, layout, t.correct_for(q, layout))
            assert grade(q, to_response(q, layout, right)) == 1.0, (q.id, layout)
            assert grade(q, to_response(q, layout, to_shown(q, layout, t.wrong_for(q, layout)))) == 0.0, q.id
            options = t.choice_options(q)
            if options is not None and not drawing.stepwise(q):  # a case's best path skips its recovery stages
                keyed = {o.id for o in options if o.correct}
                assert set(t.chosen_options(to_response(q, layout, right))) == keyed, q.id


def test_a_wrong_display_choice_is_graded_wrong(course: Course) -> None:
    q = next(q for q in all_questions(course) if type_of(q) is single_choice_type.TYPE)
    for layout in layouts(q, range(5)):
        v = view(q, layout)
        wrong = next(i for i, text in enumerate(v.choices) if text != q.option_text(q.answer))
        assert grade(q, to_response(q, layout, wrong)) == 0.0


def test_to_shown_of_a_stale_response_is_none(course: Course) -> None:
    """An answer that no longer fits the question (content edited) is not put back into the widgets."""
    q = next(q for q in all_questions(course) if type_of(q) is single_choice_type.TYPE)
    layout = make_layout(q, random.Random(1))
    assert to_shown(q, layout, "no-such-option") is None


# ------------------------------------------------------------------ exam blueprint allocation
REAL_WEIGHTS = {
    "history": 8,
    "technique": 16,
    "methods": 14,
    "risks": 22,
    "ingredients": 12,
    "consultation": 18,
    "evidence": 10,
    "safety": 14,
}
# 60 questions, total weight 114: quotas 4.21, 8.42, 7.37, 11.58, 6.32, 9.47, 5.26, 7.37
# -> floors 4, 8, 7, 11, 6, 9, 5, 7 (57); the 3 left go to the largest remainders:
# risks .58, consultation .47, technique .42
REAL_COUNTS = {
    "history": 4,
    "technique": 9,
    "methods": 7,
    "risks": 12,
    "ingredients": 6,
    "consultation": 10,
    "evidence": 5,
    "safety": 7,
}


def test_allocate_real_blueprint_by_largest_remainder() -> None:
    assert allocate(REAL_WEIGHTS, dict.fromkeys(REAL_WEIGHTS, 40), 60) == REAL_COUNTS


@pytest.mark.parametrize(
    "weights, pools, total, expected",
    [
        ({"a": 1, "b": 2, "c": 7}, {"a": 50, "b": 50, "c": 50}, 10, {"a": 1, "b": 2, "c": 7}),
        ({"a": 50, "b": 30, "c": 20}, {"a": 50, "b": 50, "c": 50}, 7, {"a": 4, "b": 2, "c": 1}),  # 3.5 2.1 1.4
        ({"a": 1, "b": 1}, {"a": 2, "b": 20}, 10, {"a": 2, "b": 8}),  # a's pool caps it
        (
            {"a": 2, "b": 1, "c": 1},
            {"a": 1, "b": 10, "c": 10},
            9,
            {"a": 1, "b": 4, "c": 4},
        ),  # the rest shared by weight
        ({"a": 1, "b": 1}, {"a": 2, "b": 3}, 10, {"a": 2, "b": 3}),  # every pool used up
        ({"a": 1, "b": 1}, {"a": 0, "b": 5}, 3, {"a": 0, "b": 3}),  # an empty pool
        ({"a": 1, "b": 1}, {"a": 5, "b": 5}, 0, {"a": 0, "b": 0}),
    ],
)
def test_allocate_cases(weights, pools, total, expected) -> None:
    assert allocate(weights, pools, total) == expected


def test_allocate_is_largest_remainder_when_no_pool_is_short() -> None:
    rng = random.Random(2024)
    for _ in range(300):
        modules = [f"m{i}" for i in range(rng.randint(1, 8))]
        weights = {m: rng.choice([rng.randint(1, 30), round(rng.uniform(0.1, 5), 2)]) for m in modules}
        total = rng.randint(1, 80)
        counts = allocate(weights, dict.fromkeys(modules, 1000), total)
        assert sum(counts.values()) == total
        w = sum(weights.values())
        quota = {m: total * weights[m] / w for m in modules}
        for m in modules:
            assert math.floor(quota[m] + 1e-9) <= counts[m] <= math.ceil(quota[m] - 1e-9), (weights, total, counts)
        # a module never gets rounded up while one with a larger remainder is rounded down
        up = [quota[m] % 1 for m in modules if counts[m] > quota[m] + 1e-9]
        down = [quota[m] % 1 for m in modules if counts[m] < quota[m] - 1e-9]
        if up and down:
            assert min(up) >= max(down) - 1e-9, (weights, total, counts)


def test_allocate_respects_pools_and_total() -> None:
    rng = random.Random(7)
    for _ in range(300):
        modules = [f"m{i}" for i in range(rng.randint(1, 6))]
        weights = {m: rng.randint(1, 20) for m in modules}
        pools = {m: rng.randint(0, 15) for m in modules}
        total = rng.randint(0, 70)
        counts = allocate(weights, pools, total)
        assert sum(counts.values()) == min(total, sum(pools.values()))
        assert all(0 <= counts[m] <= pools[m] for m in modules)


# ------------------------------------------------------------------ the certification exam
def exam_pools(course: Course):
    exam = course.exams["certification"]
    pools = {b.module: course.modules[b.module].quiz.questions for b in exam.blueprint}
    return exam, pools, {b.module: b.weight for b in exam.blueprint}


def test_certification_exam_draw(course: Course) -> None:
    exam, pools, weights = exam_pools(course)
    assert weights == REAL_WEIGHTS
    drawn = draw_blueprint(pools, weights, exam.questions, seed=99)
    ids = [d.question_id for d in drawn]
    assert len(ids) == 60 == exam.questions
    assert len(set(ids)) == 60
    per_module = Counter(course.module_of(qid).id for qid in ids)
    assert dict(per_module) == REAL_COUNTS
    # modules are mixed together, not one block after another
    modules_in_order = [course.module_of(qid).id for qid in ids]
    assert modules_in_order != sorted(modules_in_order, key=list(REAL_WEIGHTS).index)
    assert modules_in_order != sorted(modules_in_order)


def test_certification_exam_draw_is_reproducible(course: Course) -> None:
    exam, pools, weights = exam_pools(course)
    assert draw_blueprint(pools, weights, 60, seed=5) == draw_blueprint(pools, weights, 60, seed=5)
    assert draw_blueprint(pools, weights, 60, seed=5) != draw_blueprint(pools, weights, 60, seed=6)
    for seed in range(5):
        counts = Counter(course.module_of(d.question_id).id for d in draw_blueprint(pools, weights, 60, seed))
        assert dict(counts) == REAL_COUNTS


def test_every_certification_draw_holds_the_exams_branching_cases_spread_over_modules(course: Course) -> None:
    from mesolearn.quiz.drawing import stepwise

    exam, pools, weights = exam_pools(course)
    assert exam.cases >= 4
    modules_with_cases = {m for m, pool in pools.items() if any(stepwise(q) for q in pool)}
    seen_modules: set[str] = set()
    for seed in range(20):
        drawn = draw_blueprint(pools, weights, exam.questions, seed, cases=exam.cases)
        cases = [d.question_id for d in drawn if stepwise(course.question(d.question_id))]
        assert len(cases) == exam.cases  # exactly the exam's number, every time
        per_module = Counter(course.module_of(qid).id for qid in cases)
        assert max(per_module.values()) <= -(-exam.cases // len(modules_with_cases))  # spread, not piled up
        seen_modules |= set(per_module)
        assert dict(Counter(course.module_of(d.question_id).id for d in drawn)) == REAL_COUNTS  # shares kept
    assert seen_modules == modules_with_cases


def test_an_exam_asking_for_more_cases_than_its_shares_hold_is_a_validate_error(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "course"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".git", ".venv", "tests", "data", "*.db"))
    exam_file = root / "exams" / "certification.yaml"
    text = exam_file.read_text()
    exam_file.write_text(text.replace("cases: 4", "cases: 40"))
    issues = [i for i in load_course(root).issues if i.severity == "error"]
    assert [(i.file, i.field) for i in issues] == [("exams/certification.yaml", "cases")]
    assert issues[0].line == text.splitlines().index("cases: 4") + 1 and "40 branching cases" in issues[0].message


# ------------------------------------------------------------------ enemy groups (questions testing one fact)
def tf(qid: str, group: str | None = None):
    from mesolearn.questions.true_false import TrueFalse

    return TrueFalse.model_validate(
        {
            "id": qid,
            "type": "true_false",
            "prompt": f"Statement {qid}.",
            "answer": True,
            "explanation": "Because.",
            "references": ["R"],
            "objective": "o",
            "section": "s",
            "difficulty": "easy",
            "enemy_group": group,
        }
    )


def groups_of(course_or_pool, ids) -> list[str]:
    by_id = {q.id: q for q in course_or_pool}
    return [by_id[i].enemy_group for i in ids if by_id[i].enemy_group]


def test_a_quiz_draw_never_holds_two_questions_of_one_enemy_group() -> None:
    pool = [tf(f"q{i}", f"g{i % 4}" if i < 12 else None) for i in range(20)]  # 4 groups of 3, 8 ungrouped
    for seed in range(400):
        ids = [d.question_id for d in draw(pool, 10, seed)]
        assert len(ids) == 10 and len(set(ids)) == 10
        groups = groups_of(pool, ids)
        assert len(groups) == len(set(groups)), (seed, ids)
        assert draw(pool, 10, seed) == draw(pool, 10, seed)


def test_the_enemy_draw_is_uniform_among_the_valid_draws() -> None:
    """Pool a, b (one group), c, d; two per attempt: the 5 valid pairs come up equally often."""
    pool = [tf("a", "g"), tf("b", "g"), tf("c"), tf("d")]
    seen = Counter(frozenset(d.question_id for d in draw(pool, 2, seed)) for seed in range(5000))
    assert frozenset({"a", "b"}) not in seen
    assert len(seen) == 5
    assert all(900 <= n <= 1100 for n in seen.values()), seen


def test_content_that_cannot_be_drawn_gives_a_shorter_draw_rather_than_a_repeat() -> None:
    pool = [tf("a", "g"), tf("b", "g"), tf("c", "g")]
    for seed in range(20):
        assert len(draw(pool, 3, seed)) == 1


def test_an_exam_draw_never_holds_two_questions_of_one_group_across_modules() -> None:
    pools = {m: [tf(f"{m}{i}", f"fact{i}" if i < 6 else None) for i in range(15)] for m in ("x", "y", "z")}
    weights = {"x": 1, "y": 2, "z": 1}
    flat = [q for pool in pools.values() for q in pool]
    for seed in range(300):
        drawn = draw_blueprint(pools, weights, 24, seed)
        ids = [d.question_id for d in drawn]
        assert Counter(i[0] for i in ids) == {"x": 6, "y": 12, "z": 6}
        groups = groups_of(flat, ids)
        assert len(groups) == len(set(groups)), (seed, ids)
    assert draw_blueprint(pools, weights, 24, seed=3) == draw_blueprint(pools, weights, 24, seed=3)
    assert draw_blueprint(pools, weights, 24, seed=3) != draw_blueprint(pools, weights, 24, seed=4)


def test_the_certification_draw_never_repeats_a_fact(course: Course) -> None:
    exam, pools, weights = exam_pools(course)
    questions = all_questions(course)
    for seed in range(200):
        ids = [d.question_id for d in draw_blueprint(pools, weights, exam.questions, seed)]
        assert len(ids) == 60 and len(set(ids)) == 60
        groups = groups_of(questions, ids)
        assert len(groups) == len(set(groups)), (seed, sorted(groups))
        assert dict(Counter(course.module_of(qid).id for qid in ids)) == REAL_COUNTS


# ------------------------------------------------------------------ widget values -> responses (security review 6d, 6e)
NUMERIC = {
    "id": "dose-q",
    "type": "numeric",
    "prompt": "How many mL?",
    "explanation": "Because [R1].",
    "references": ["R1"],
    "objective": "o",
    "section": "s",
    "difficulty": "easy",
    "answer": 2.5,
    "tolerance": 0.1,
    "unit": "mL",
}
NOT_NUMBERS = [
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "1e309",
    "-1e400",
    "9" * 41,
    "1" + "0" * 60,
    "two",
    "1_000",
    "0x1A",
    "2.5.1",
    "--2",
]


def _numeric():
    from pydantic import TypeAdapter

    from mesolearn.content.models import Question

    return TypeAdapter(Question).validate_python(NUMERIC)


@pytest.mark.parametrize("typed", NOT_NUMBERS)
def test_a_typed_answer_that_is_not_a_plain_finite_number_is_refused_with_a_message(typed) -> None:
    q = _numeric()
    with pytest.raises(drawing.ResponseError) as refused:
        drawing.normalise(q, {}, typed)
    assert "number" in str(refused.value)


@pytest.mark.parametrize(
    "typed, value",
    [
        ("2.5", 2.5),
        ("2,5", 2.5),
        (" 2 . 5 ", 2.5),
        ("-0.25", -0.25),
        ("1e3", 1000.0),
        ("", None),
        ("   ", None),
        ("1" * 40, float("1" * 40)),
    ],
)
def test_typed_numbers_are_read_with_a_decimal_comma_or_point(typed, value) -> None:
    assert drawing.normalise(_numeric(), {}, typed) == value


def test_a_crafted_choice_value_is_refused_with_a_message_not_a_type_error(course: Course) -> None:
    for q in all_questions(course):
        layout = make_layout(q, random.Random(3))
        for raw in ("NOT AN OPTION", 99, -1, [99], ["x"], {"a": 1}):
            try:
                response = drawing.normalise(q, layout, raw)
            except drawing.ResponseError as exc:
                assert "choose again" in str(exc) or "number" in str(exc) or "True or False" in str(exc), (q.id, raw)
            else:  # only a numeric (or calculated) question may read a plain number
                value = response["value"] if isinstance(response, dict) else response
                assert isinstance(value, float) and math.isfinite(value), (q.id, raw, response)


def _one_numeric_question_page() -> None:
    """A page with one numeric question through the real widgets; what the input saves goes to ``saved``."""
    import streamlit as st
    from pydantic import TypeAdapter

    from mesolearn.content.models import Question
    from mesolearn.quiz.attempts import Item
    from mesolearn.ui.widgets import question_input

    q = TypeAdapter(Question).validate_python(st.session_state["question"])
    st.session_state.setdefault("saved", [])
    question_input(Item(0, q, {}, None), "num", st.session_state["saved"].append)


@pytest.mark.parametrize("typed", ["nan", "inf", "1e309", "-1e400"])
def test_the_numeric_input_never_stores_what_is_not_a_finite_number(typed) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_one_numeric_question_page, default_timeout=30)
    at.session_state["question"] = NUMERIC
    at.run()
    at.text_input(key="num").set_value(typed)
    at.run()
    assert not at.exception
    assert at.session_state["saved"] == []
    assert any("number" in e.value for e in at.error)
    at.text_input(key="num").set_value("2,5")
    at.run()
    assert at.session_state["saved"] == [2.5] and not at.error
