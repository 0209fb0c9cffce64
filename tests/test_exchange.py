"""Question exchange with Moodle (mesolearn.exchange): GIFT and Moodle XML, both directions.

Round trips run on every quiz of the real course, and are compared semantically: ids, types,
prompts, option texts, correct answers, partial-credit semantics, numeric answer and tolerance,
matching pairs, ordering items and explanation text.
"""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from mesolearn.content import load_course
from mesolearn.content.models import QuestionBase, Quiz
from mesolearn.exchange import (
    GiftError,
    MoodleXmlError,
    gift_to_quiz_dict,
    moodle_xml_to_quiz_dict,
    quiz_to_gift,
    quiz_to_moodle_xml,
)
from mesolearn.exchange.cli import main as exchange_main
from mesolearn.questions import (
    calculated,
    case,
    matching,
    multiple_response,
    numeric,
    ordering,
    single_choice,
    true_false,
)
from mesolearn.questions.registry import TYPES, type_of
from mesolearn.quiz.grading import grade_multiple_response

REPO = Path(__file__).resolve().parent.parent
COURSE = load_course(REPO)
MODULES = sorted(mid for mid, m in COURSE.modules.items() if m.quiz is not None)
DEFAULTS = dict(objective="imported-objective", section="imported-section", references=["REF1"])


SHARED = set(QuestionBase.model_fields) - {"id", "type", "prompt", "explanation"}


def semantic(q) -> dict:
    """What a question means to a trainee and to the grader, independent of metadata: its own fields (options,
    answers, tolerances, pairs, items, formula...) with id, type, prompt and explanation, less what its type says
    Moodle has no place for (``meta``: carried only in the metadata comment)."""
    out = q.model_dump(exclude=SHARED)
    for key in type_of(q).meta(q):
        out.pop(key, None)
    return out


def moodle_score(fractions: list[float], chosen: set[int]) -> float:
    """Moodle's multiple-answer grading: the chosen answers' fractions added up, clamped to [0, 1]."""
    return max(0.0, min(1.0, sum(fractions[i] for i in chosen) / 100))


def test_the_course_has_every_question_type():
    """The round trips below exercise every registered type only if the course uses each of them."""
    types = {q.type for mid in MODULES for q in COURSE.modules[mid].quiz.questions}
    assert types == set(TYPES)


# ====================================================================== GIFT round trips
@pytest.mark.parametrize("module_id", MODULES)
def test_gift_round_trip_without_metadata_keeps_every_question(module_id):
    quiz = COURSE.modules[module_id].quiz
    text = quiz_to_gift(quiz, metadata=False)
    data, warnings = gift_to_quiz_dict(text, module_id, **DEFAULTS)
    assert warnings == []
    back = Quiz.model_validate(data)
    assert [semantic(q) for q in back.questions] == [semantic(q) for q in quiz.questions]
    # fields GIFT cannot carry come from the arguments
    assert {(q.objective, q.section, tuple(q.references), q.difficulty) for q in back.questions} == {
        ("imported-objective", "imported-section", ("REF1",), "medium")
    }
    assert back.questions_per_attempt == min(10, len(quiz.questions))


@pytest.mark.parametrize("module_id", MODULES)
def test_gift_round_trip_with_metadata_and_lesson_is_lossless(module_id):
    module = COURSE.modules[module_id]
    text = quiz_to_gift(module.quiz, module.lesson)
    assert "**References**" in text  # the lesson's citations are listed for Moodle trainees
    data, warnings = gift_to_quiz_dict(text, module_id, **DEFAULTS)
    assert warnings == []
    assert Quiz.model_validate(data).questions == module.quiz.questions


@pytest.mark.parametrize("module_id", MODULES)
def test_gift_export_is_what_moodle_expects(module_id):
    quiz = COURSE.modules[module_id].quiz
    text = quiz_to_gift(quiz)
    blocks = [b for b in text.split("\n\n") if b.strip()]
    questions = [b for b in blocks if "::" in b and not b.lstrip().startswith("$CATEGORY")]
    assert len(questions) == len(quiz.questions)
    for q, block in zip(quiz.questions, questions, strict=False):
        lines = [line for line in block.splitlines() if not line.startswith("//")]
        assert lines[0].startswith(f"::{q.id}::[markdown]")
        assert lines[-2].startswith("\t####") and lines[-1] == "}"
        assert all(line.strip() for line in block.splitlines())  # no blank line inside a question
    assert text.count("$CATEGORY: $course$/MesoLearn/") == 1


# ====================================================================== Moodle XML
def _questions(xml_text: str) -> list[ET.Element]:
    return [q for q in ET.fromstring(xml_text).findall("question") if q.get("type") != "category"]


@pytest.mark.parametrize("module_id", MODULES)
def test_moodle_xml_export_is_well_formed_and_complete(module_id):
    quiz = COURSE.modules[module_id].quiz
    xml_text = quiz_to_moodle_xml(quiz)
    assert xml_text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    elements = _questions(xml_text)
    assert len(elements) == len(quiz.questions)
    for q, el in zip(quiz.questions, elements, strict=False):
        assert el.get("type") == type_of(q).xml_types[0], q.id
        assert el.findtext("name/text") == q.id and el.findtext("idnumber") == q.id
        assert el.find("questiontext").get("format") == "markdown"
        text = el.findtext("questiontext/text")
        # a case's essay text is its opening, then its first stage
        assert text == q.prompt or (q.type == "case" and text.startswith(q.prompt + "\n\n" + q.first_stage.title))
        assert el.findtext("generalfeedback/text") == q.explanation
        options = type_of(q).choice_options(q)
        if el.get("type") == "multichoice" and options is not None:  # Moodle's choice format, whatever the type
            fractions = [float(a.get("fraction")) for a in el.findall("answer")]
            assert el.findtext("shuffleanswers") == "true"
            assert sum(f for f in fractions if f > 0) == pytest.approx(100, abs=1e-3)
            assert [a.findtext("text") for a in el.findall("answer")] == [o.text for o in options]
            assert [f > 0 for f in fractions] == [o.correct for o in options]


def _exported(type_module) -> list[tuple]:
    """(question, its <question> element) for every course question of one type, exported as Moodle XML."""
    out = []
    for module_id in MODULES:
        quiz = COURSE.modules[module_id].quiz
        for q, el in zip(quiz.questions, _questions(quiz_to_moodle_xml(quiz)), strict=True):
            if type_of(q) is type_module.TYPE:
                out.append((q, el))
    assert out, f"the course has no {type_module.TYPE.name} question"
    return out


def test_moodle_xml_single_flag_tells_single_from_multiple_response():
    for type_module, single in ((single_choice, "true"), (multiple_response, "false")):
        assert {el.findtext("single") for _, el in _exported(type_module)} == {single}


def test_moodle_xml_true_false_has_the_two_answers():
    for q, el in _exported(true_false):
        right = "true" if q.answer else "false"
        assert {a.findtext("text"): float(a.get("fraction")) for a in el.findall("answer")} == {
            right: 100.0,
            ("false" if q.answer else "true"): 0.0,
        }


def test_moodle_xml_numeric_has_answer_tolerance_and_unit():
    for q, el in _exported(numeric):
        (answer,) = el.findall("answer")
        assert float(answer.findtext("text")) == q.answer
        assert answer.find("tolerance") is not None and float(answer.findtext("tolerance")) == q.tolerance
        if q.unit:
            assert el.findtext("units/unit/unit_name") == q.unit


def test_moodle_xml_matching_has_the_pairs_in_order():
    for q, el in _exported(matching):
        assert [(s.findtext("text"), s.findtext("answer/text")) for s in el.findall("subquestion")] == [
            (p.left, p.right) for p in q.pairs
        ]


def test_moodle_xml_calculated_uses_moodle_formula_syntax_and_one_dataset_per_variable():
    for q, el in _exported(calculated):  # {name} for a variable, pi(), one dataset per variable
        (answer,) = el.findall("answer")
        formula = answer.findtext("text")
        assert all("{" + name + "}" in formula for name in q.variables) and "pi" not in formula.replace("pi()", "")
        names = [d.findtext("name/text") for d in el.findall("dataset_definitions/dataset_definition")]
        assert names == list(q.variables)


def test_moodle_xml_ordering_is_graded_by_absolute_position():
    for q, el in _exported(ordering):
        assert el.findtext("gradingtype") == "ABSOLUTE_POSITION" and el.findtext("selecttype") == "ALL"
        assert [a.findtext("text") for a in el.findall("answer")] == list(q.items)


def test_moodle_xml_case_is_an_essay_with_the_best_path_for_the_grader_and_the_whole_case_for_mesolearn():
    for q, el in _exported(case):  # Moodle cannot branch
        assert el.get("type") == "essay" and el.findall("answer") == []
        assert el.findtext("graderinfo/text").startswith("Best path:")
        assert json.loads(el.findtext("mesolearn_case"))["stages"] == q.model_dump(exclude_none=True)["stages"]


@pytest.mark.parametrize("module_id", MODULES)
@pytest.mark.parametrize("ordering_as", ["ordering", "matching"])
def test_moodle_xml_round_trip(module_id, ordering_as):
    module = COURSE.modules[module_id]
    xml_text = quiz_to_moodle_xml(module.quiz, module.lesson, ordering_as=ordering_as)
    data, warnings = moodle_xml_to_quiz_dict(xml_text, module_id, **DEFAULTS)
    assert warnings == []
    assert Quiz.model_validate(data).questions == module.quiz.questions  # tags carry the metadata
    plain, warnings = moodle_xml_to_quiz_dict(
        quiz_to_moodle_xml(module.quiz), module_id, **DEFAULTS, use_metadata=False
    )
    assert warnings == []
    assert [semantic(q) for q in Quiz.model_validate(plain).questions] == [semantic(q) for q in module.quiz.questions]


def test_ordering_can_be_exported_as_matching_for_old_moodle():
    quiz = next(
        COURSE.modules[m].quiz
        for m in MODULES
        if any(type_of(q) is ordering.TYPE for q in COURSE.modules[m].quiz.questions)
    )
    q = next(q for q in quiz.questions if type_of(q) is ordering.TYPE)
    el = next(e for e in _questions(quiz_to_moodle_xml(quiz, ordering_as="matching")) if e.findtext("idnumber") == q.id)
    assert el.get("type") == "matching" and el.findtext("shuffleanswers") == "false"
    assert [(s.findtext("text"), s.findtext("answer/text")) for s in el.findall("subquestion")] == [
        (f"Position {i}", item) for i, item in enumerate(q.items, start=1)
    ]


# ====================================================================== special characters
def _tricky_quiz() -> Quiz:
    nasty = "a ~ b = c # d { e } f : g \\ h \\n i -> j // k %50% µ é ± [x]"
    common = dict(
        explanation=f"Because {nasty}\n\nSecond paragraph ####, //x [KT13].",
        references=["KT13"],
        objective="obj",
        section="sec",
        difficulty="hard",
    )
    return Quiz.model_validate(
        {
            "module": "tricky",
            "pass_mark": 70,
            "questions_per_attempt": 1,
            "questions": [
                {
                    "id": "t-q1",
                    "type": "single_choice",
                    "prompt": f"Prompt {nasty}?\nSecond line",
                    **common,
                    "options": [
                        {"id": "a", "text": f"right {nasty}"},
                        {"id": "b", "text": "%12% starts like a weight"},
                        {"id": "c", "text": "[html] starts like a format"},
                        {"id": "d", "text": "ends with \\"},
                    ],
                    "answer": "a",
                },
                {
                    "id": "t-q2",
                    "type": "multiple_response",
                    "prompt": "Which? {#1:2}",
                    **common,
                    "options": [
                        {"id": "a", "text": "µg/mL"},
                        {"id": "b", "text": "x = y"},
                        {"id": "c", "text": "~tilde"},
                        {"id": "d", "text": "#hash"},
                        {"id": "e", "text": "±5 °C"},
                    ],
                    "answers": ["a", "c"],
                },
                {"id": "t-q3", "type": "true_false", "prompt": "T or F: 1 {T} = 2", **common, "answer": False},
                {
                    "id": "t-q4",
                    "type": "numeric",
                    "prompt": "How much? (in µL: ~3)",
                    **common,
                    "answer": -0.25,
                    "tolerance": 0.05,
                    "unit": "µL",
                },
                {
                    "id": "t-q5",
                    "type": "matching",
                    "prompt": "Match: é ↔ e",
                    **common,
                    "pairs": [
                        {"left": "a -> b", "right": "x -> y"},
                        {"left": "= left", "right": "~ right #"},
                        {"left": "c:d", "right": "{braces}"},
                    ],
                },
                {
                    "id": "t-q6",
                    "type": "ordering",
                    "prompt": "Order these.",
                    **common,
                    "items": ["first: {1}", "second = #2", "third \\ ~3"],
                },
            ],
        }
    )


def test_special_characters_survive_gift():
    quiz = _tricky_quiz()
    text = quiz_to_gift(quiz)
    for escaped in ("\\~", "\\=", "\\#", "\\{", "\\}", "\\:", "\\\\", "\\n", "µ", "é", "±"):
        assert escaped in text
    for use_metadata in (True, False):
        data, warnings = gift_to_quiz_dict(text, "tricky", "obj", "sec", ["KT13"], use_metadata=use_metadata)
        assert warnings == []
        back = Quiz.model_validate(data)
        assert [semantic(q) for q in back.questions] == [semantic(q) for q in quiz.questions]
    assert back.questions[3].unit == ""  # GIFT has no units: only the metadata comment carries them


def test_special_characters_survive_moodle_xml():
    quiz = _tricky_quiz()
    xml_text = quiz_to_moodle_xml(quiz)
    ET.fromstring(xml_text)
    data, warnings = moodle_xml_to_quiz_dict(xml_text, "tricky", "obj", "sec", ["KT13"])
    assert warnings == []
    assert Quiz.model_validate(data).questions == quiz.questions


def test_a_matching_question_that_looks_like_an_exported_ordering_stays_matching_with_metadata():
    quiz = Quiz.model_validate(
        {
            "module": "m",
            "pass_mark": 70,
            "questions_per_attempt": 1,
            "questions": [
                {
                    "id": "m-q1",
                    "type": "matching",
                    "prompt": "Match the positions.",
                    "explanation": "E",
                    "references": ["R"],
                    "objective": "o",
                    "section": "s",
                    "difficulty": "easy",
                    "pairs": [{"left": f"Position {i}", "right": f"item {i}"} for i in (1, 2, 3)],
                }
            ],
        }
    )
    data, _ = gift_to_quiz_dict(quiz_to_gift(quiz), "m", "o", "s", ["R"])
    assert Quiz.model_validate(data).questions == quiz.questions
    data, _ = gift_to_quiz_dict(quiz_to_gift(quiz), "m", "o", "s", ["R"], use_metadata=False)
    assert data["questions"][0]["type"] == "ordering"  # without metadata the documented convention wins


def test_xml_markup_in_text_is_escaped_not_injected():
    quiz = Quiz.model_validate(
        {
            "module": "m",
            "pass_mark": 70,
            "questions_per_attempt": 1,
            "questions": [
                {
                    "id": "m-q1",
                    "type": "true_false",
                    "prompt": '</text></questiontext><question type="essay"> & <b>',
                    "answer": True,
                    "explanation": "]]> <!-- x --> &amp;",
                    "references": ["R"],
                    "objective": "o",
                    "section": "s",
                    "difficulty": "easy",
                }
            ],
        }
    )
    xml_text = quiz_to_moodle_xml(quiz)
    (el,) = _questions(xml_text)
    assert el.findtext("questiontext/text") == quiz.questions[0].prompt
    assert el.findtext("generalfeedback/text") == quiz.questions[0].explanation


# ====================================================================== partial credit
def _mr(n_options: int, correct: list[str]) -> Quiz:
    ids = [chr(ord("a") + i) for i in range(n_options)]
    return Quiz.model_validate(
        {
            "module": "m",
            "pass_mark": 70,
            "questions_per_attempt": 1,
            "questions": [
                {
                    "id": "m-q1",
                    "type": "multiple_response",
                    "prompt": "Which are right?",
                    "options": [{"id": i, "text": f"option {i}"} for i in ids],
                    "answers": correct,
                    "explanation": "E",
                    "references": ["R"],
                    "objective": "o",
                    "section": "s",
                    "difficulty": "easy",
                }
            ],
        }
    )


def test_multiple_response_2_of_5_gets_moodle_weights_plus_and_minus_half():
    """MesoLearn (AUTHORING.md): with k correct options, each correct option chosen adds 1/k and each
    wrong option chosen takes away 1/k, floor 0. In Moodle's multiple-answer question that is a weight
    of +100/k % on every correct answer and -100/k % on every wrong one (Moodle adds the weights of
    the chosen answers and clamps to 0..100 %). 2 correct of 5: +50 % +50 % -50 % -50 % -50 %."""
    quiz = _mr(5, ["a", "c"])
    gift = quiz_to_gift(quiz)
    assert [line.strip() for line in gift.splitlines() if line.strip().startswith("~")] == [
        "~%50%option a",
        "~%-50%option b",
        "~%50%option c",
        "~%-50%option d",
        "~%-50%option e",
    ]
    assert "=" not in gift.split("::m-q1::")[1].split("####")[0]  # no '=': Moodle makes it multiple-answer
    (el,) = _questions(quiz_to_moodle_xml(quiz))
    assert el.findtext("single") == "false"
    assert [a.get("fraction") for a in el.findall("answer")] == ["50", "-50", "50", "-50", "-50"]


def test_three_correct_options_use_moodle_grade_33_33333():
    gift = quiz_to_gift(_mr(4, ["a", "b", "c"]))
    assert gift.count("~%33.33333%") == 3 and gift.count("~%-33.33333%") == 1
    data, warnings = gift_to_quiz_dict(gift, "m", "o", "s", ["R"], use_metadata=False)
    assert warnings == [] and data["questions"][0]["answers"] == ["a", "b", "c"]


def test_moodle_weights_score_exactly_like_mesolearn_for_every_course_question():
    questions = [q for m in MODULES for q in COURSE.modules[m].quiz.questions if type_of(q) is multiple_response.TYPE]
    questions.append(_mr(5, ["a", "c"]).questions[0])
    assert len(questions) > 1
    for q in questions:
        (el,) = _questions(
            quiz_to_moodle_xml(
                Quiz.model_validate(
                    {"module": "m", "pass_mark": 70, "questions_per_attempt": 1, "questions": [q.model_dump()]}
                )
            )
        )
        fractions = [float(a.get("fraction")) for a in el.findall("answer")]
        ids = [o.id for o in q.options]
        for r in range(len(ids) + 1):
            for chosen in itertools.combinations(range(len(ids)), r):
                expected = grade_multiple_response(q, [ids[i] for i in chosen])
                assert moodle_score(fractions, set(chosen)) == pytest.approx(expected, abs=1e-6), (q.id, chosen)


def test_gift_weights_that_differ_from_the_rule_import_with_a_warning():
    text = "::w::Pick{\n~%50%A\n~%50%B\n~%0%C\n####because\n}"
    data, warnings = gift_to_quiz_dict(text, "m", "o", "s", ["R"])
    assert data["questions"][0]["answers"] == ["a", "b"]
    assert len(warnings) == 1 and "line 1" in warnings[0] and "'w'" in warnings[0] and "-50" in warnings[0]


# ====================================================================== GIFT as written by people
MOODLE_DOC_EXAMPLES = """\
// examples in the style of docs.moodle.org/en/GIFT_format
$CATEGORY: $course$/Grant

::Q1:: Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}

::Q2:: Grant was buried in a tomb in New York City.{T}

::Q3 numeric:: When was Ulysses S. Grant born?{#1822:5}

::Q4 range:: What is a number from 1 to 5? {#1..5}

::Q5:: Match the following countries with their corresponding capitals. {
   =Canada -> Ottawa
   =Italy  -> Rome
   =Japan  -> Tokyo
   =India  -> New Delhi
   ####It's good to know the capitals
}

::Q6 multiple:: What two people are entombed in Grant's tomb? {
   ~%-100%No one
   ~%50%Grant
   ~%50%Grant's wife
   ~%-100%Grant's father
}

::Q7::[markdown]What's between **orange** and green in the spectrum?
{ =yellow # right; good! ~red # wrong, it's yellow ~blue # wrong, it's yellow }

::Q8:: 1 + 2 \\= 3 is {TRUE#No, it is true.#Yes.}
"""


def test_gift_written_by_hand_in_moodle_doc_style():
    data, warnings = gift_to_quiz_dict(MOODLE_DOC_EXAMPLES, "grant", "grant-facts", "tomb", ["DOC"])
    q = {x["id"]: x for x in data["questions"]}
    assert list(q) == ["q1", "q2", "q3-numeric", "q4-range", "q5", "q6-multiple", "q7", "q8"]
    assert (
        q["q1"]["type"] == "single_choice"
        and q["q1"]["answer"] == "c"
        and q["q1"]["prompt"] == "Who's buried in Grant's tomb?"
    )
    assert q["q2"] == {**q["q2"], "type": "true_false", "answer": True}
    assert (q["q3-numeric"]["answer"], q["q3-numeric"]["tolerance"]) == (1822, 5)
    assert (q["q4-range"]["answer"], q["q4-range"]["tolerance"]) == (3, 2)
    assert q["q5"]["type"] == "matching" and q["q5"]["pairs"][3] == {"left": "India", "right": "New Delhi"}
    assert q["q5"]["explanation"] == "It's good to know the capitals"
    assert q["q6-multiple"]["type"] == "multiple_response" and q["q6-multiple"]["answers"] == ["b", "c"]
    assert q["q7"]["prompt"] == "What's between **orange** and green in the spectrum?"
    assert "yellow: right; good!" in q["q7"]["explanation"]  # per-answer feedback kept in the explanation
    assert q["q8"]["prompt"] == "1 + 2 = 3 is" and q["q8"]["answer"] is True
    assert "False: No, it is true." in q["q8"]["explanation"]
    assert all(
        x["objective"] == "grant-facts" and x["references"] == ["DOC"] and x["difficulty"] == "medium"
        for x in data["questions"]
    )
    # Q6 weights are Moodle's but not MesoLearn's (-100 on wrong options): imported, with a warning
    assert any("Q6 multiple" in w and "MesoLearn's rule" in w for w in warnings)
    assert any("Q1" in w and "placeholder explanation" in w for w in warnings)
    Quiz.model_validate(data)


MOODLE_GIFT_EXPORT = """\
// question: 0  name: Switch category to $course$/top/Default for Mesotherapy
$CATEGORY: $course$/top/Default for Mesotherapy


// question: 12  name: Needle
::Needle::[html]<p>Which needle is <b>usual</b> for nappage?</p>{
\t~40 mm#<p>Far too long.</p>
\t=4 mm
\t~%-50%13 mm
\t####<p>Short needles \\= superficial.</p>
}


// question: 13  name: Year
::Year::When did Pistor publish? (year){#
\t=%100%1958:0#
\t~#Check the history lesson.
\t####Pistor 1958.
}


// question: 14  name: Superficial
::Superficial::Nappage is superficial.{TRUE##Right, it is.####Yes.}
"""


def test_gift_as_moodle_exports_it_imports():
    data, warnings = gift_to_quiz_dict(MOODLE_GIFT_EXPORT, "m", "o", "s", ["R"])
    needle, year, tf = data["questions"]
    assert needle["prompt"] == "Which needle is **usual** for nappage?" and needle["answer"] == "b"
    assert [o["text"] for o in needle["options"]] == ["40 mm", "4 mm", "13 mm"]
    assert (
        needle["explanation"].startswith("Short needles = superficial.")
        and "40 mm: Far too long." in needle["explanation"]
    )
    assert (year["answer"], year["tolerance"]) == (1958, 0)
    assert "any other answer: Check the history lesson." in year["explanation"]
    assert tf["answer"] is True and tf["explanation"].startswith("Yes.") and "True: Right, it is." in tf["explanation"]
    assert len([w for w in warnings if "HTML" in w]) == 1  # one warning per question, not one per answer
    assert any("'Needle'" in w and "penalty" in w for w in warnings)


def test_unsupported_gift_questions_are_skipped_with_warnings():
    text = (
        "::Essay one:: Write about mesotherapy.{}\n\n"
        "::Short:: Who is buried in Grant's tomb?{=no one =nobody}\n\n"
        "::Missing:: Grant is {~buried =entombed ~living} in Grant's tomb.\n\n"
        "::Info:: Just a description, no answers.\n\n"
        "::Kept:: Is this kept?{TRUE####Yes.}\n"
    )
    data, warnings = gift_to_quiz_dict(text, "m", "o", "s", ["R"])
    assert [q["id"] for q in data["questions"]] == ["kept"]
    assert len(warnings) == 4
    assert "line 1" in warnings[0] and "'Essay one'" in warnings[0] and "essay" in warnings[0]
    assert "line 3" in warnings[1] and "short-answer" in warnings[1]
    assert "line 5" in warnings[2] and "missing-word" in warnings[2]
    assert "line 7" in warnings[3] and "description" in warnings[3]


def test_import_gift_ids_are_stable_slugs():
    text = (
        "::Dosage Q1 (é)::A?{T####x}\n\n"
        "Untitled?{F####x}\n\n"
        "::dosage q1 é::Again?{T####x}\n\n"
        "::!!!::Symbols only?{T####x}\n"
    )
    data, warnings = gift_to_quiz_dict(text, "dose", "o", "s", ["R"])
    assert [q["id"] for q in data["questions"]] == [
        "dosage-q1-e",
        "dose-imported-q02",
        "dosage-q1-e-2",
        "dose-imported-q04",
    ]
    assert len(warnings) == 1 and "dosage-q1-e-2" in warnings[0]
    assert data["questions_per_attempt"] == 4


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("::a:: Fine {T}\n\n::b:: Broken {=x ~y\n~z\n", 3, "never closed"),
        ("::a:: Stray } brace {T}\n", 1, "without a matching"),
        ("// comment\n::a:: Two {T}\nblocks {F}\n", 3, "second answer block"),
        ("::a:: Nested {=x {~y}\n", 1, "inside the answers"),
        ("::no end title {T}\n", 1, "title"),
        ("\n\n::m:: Match {\n=a -> b\n=c d\n}\n", 5, "'->'"),
        ("::n:: Number {#twelve:1}\n", 1, "not a number"),
    ],
)
def test_malformed_gift_raises_gift_error_with_the_line(text, line, words):
    with pytest.raises(GiftError) as info:
        gift_to_quiz_dict(text, "m", "o", "s", ["R"])
    assert info.value.line == line
    assert words in info.value.message
    assert str(info.value).startswith(f"line {line}: ")


def test_gift_import_arguments_are_checked():
    with pytest.raises(ValueError, match="module"):
        gift_to_quiz_dict("::a:: Q {T}", "Not A Slug", "o", "s", ["R"])
    with pytest.raises(ValueError, match="references"):
        gift_to_quiz_dict("::a:: Q {T}", "m", "o", "s", [])
    with pytest.raises(GiftError, match="no question"):
        gift_to_quiz_dict("::e:: Essay {}", "m", "o", "s", ["R"])


def test_gift_html_question_text_becomes_plain_text_with_a_warning():
    text = "::h::[html]<p>Is <b>this</b> &amp; that</p><p>true?</p>{T####<i>Yes</i>}"
    data, warnings = gift_to_quiz_dict(text, "m", "o", "s", ["R"])
    assert data["questions"][0]["prompt"] == "Is **this** & that\n\ntrue?"
    assert data["questions"][0]["explanation"] == "*Yes*"
    assert warnings and "HTML" in warnings[0]


# ====================================================================== Moodle XML import safety and foreign files
def test_xml_with_doctype_or_entities_is_refused():
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n<quiz>&lol2;</quiz>'
    )
    with pytest.raises(MoodleXmlError) as info:
        moodle_xml_to_quiz_dict(bomb, "m", "o", "s", ["R"])
    assert "DOCTYPE" in info.value.message and info.value.line == 2
    with pytest.raises(MoodleXmlError, match="ENTITY"):
        moodle_xml_to_quiz_dict('<quiz><!entity x "y"></quiz>', "m", "o", "s", ["R"])


def test_malformed_xml_gives_a_line_not_a_traceback():
    with pytest.raises(MoodleXmlError) as info:
        moodle_xml_to_quiz_dict(
            '<?xml version="1.0"?>\n<quiz>\n<question type="truefalse">\n</quiz>\n', "m", "o", "s", ["R"]
        )
    assert info.value.line == 4 and "well-formed" in info.value.message
    with pytest.raises(MoodleXmlError, match="<quiz>"):
        moodle_xml_to_quiz_dict("<html/>", "m", "o", "s", ["R"])


MOODLE_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category><text>$course$/top/Default for Mesotherapy</text></category>
  </question>
  <question type="multichoice">
    <name><text>Needle length</text></name>
    <questiontext format="html"><text><![CDATA[<p>Which needle is <strong>usual</strong>?</p>]]></text></questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>4 mm &amp; 13 mm needles are used.</p>]]></text></generalfeedback>
    <defaultgrade>1.0000000</defaultgrade><penalty>0.3333333</penalty><hidden>0</hidden><idnumber></idnumber>
    <single>true</single><shuffleanswers>true</shuffleanswers><answernumbering>abc</answernumbering>
    <answer fraction="100" format="html"><text>4 mm</text><feedback format="html"><text></text></feedback></answer>
    <answer fraction="0" format="html"><text>40 mm</text><feedback format="html"><text>Far too long.</text></feedback></answer>
  </question>
  <question type="numerical">
    <name><text>Dose</text></name>
    <questiontext format="moodle_auto_format"><text>How many mL?</text></questiontext>
    <generalfeedback format="moodle_auto_format"><text>Two.</text></generalfeedback>
    <answer fraction="100"><text>2</text><tolerance>0.1</tolerance></answer>
    <units><unit><multiplier>1</multiplier><unit_name>mL</unit_name></unit></units>
  </question>
  <question type="shortanswer">
    <name><text>Free text</text></name>
    <questiontext format="html"><text>Name it.</text></questiontext>
    <answer fraction="100"><text>x</text></answer>
  </question>
  <question type="matching">
    <name><text>Pairs</text></name>
    <questiontext format="html"><text>Match.</text></questiontext>
    <generalfeedback format="html"><text>As taught.</text></generalfeedback>
    <subquestion format="html"><text>A</text><answer><text>1</text></answer></subquestion>
    <subquestion format="html"><text>B</text><answer><text>2</text></answer></subquestion>
    <subquestion format="html"><text></text><answer><text>3 (distractor)</text></answer></subquestion>
  </question>
</quiz>
"""


def test_moodle_xml_from_moodle_imports_with_warnings():
    data, warnings = moodle_xml_to_quiz_dict(MOODLE_EXPORT, "m", "o", "s", ["R"], pass_mark=80)
    quiz = Quiz.model_validate(data)
    assert quiz.pass_mark == 80 and [q.id for q in quiz.questions] == ["needle-length", "dose", "pairs"]
    mc, num, match = quiz.questions
    assert (
        mc.prompt == "Which needle is **usual**?"
        and mc.answer == "a"
        and [o.text for o in mc.options] == ["4 mm", "40 mm"]
    )
    assert mc.explanation.startswith("4 mm & 13 mm needles are used.") and "40 mm: Far too long." in mc.explanation
    assert (num.answer, num.tolerance, num.unit) == (2, 0.1, "mL")
    assert [(p.left, p.right) for p in match.pairs] == [("A", "1"), ("B", "2")]
    assert any("'Free text'" in w and "short-answer" in w for w in warnings)
    assert any("distractor" in w or "extra right-hand" in w for w in warnings)
    assert any("HTML" in w for w in warnings)


# ====================================================================== command line
def test_cli_export_and_import(tmp_path, capsys):
    quiz_file = REPO / "quizzes" / f"{COURSE.modules[MODULES[0]].quiz_file.split('/')[-1]}"
    module_id = MODULES[0]
    gift_file, xml_file, out = tmp_path / "q.gift", tmp_path / "q.xml", tmp_path / "quizzes" / "99-x.yaml"
    assert exchange_main(["export-gift", str(quiz_file), "-o", str(gift_file)]) == 0
    assert exchange_main(["export-xml", str(quiz_file), "-o", str(xml_file), "--ordering-as", "matching"]) == 0
    ET.fromstring(xml_file.read_text(encoding="utf-8"))
    args = ["--module", module_id, "--objective", "o", "--section", "s", "--reference", "R1", "--reference", "R2"]
    assert exchange_main(["import-gift", str(gift_file), *args, "--ignore-metadata", "-o", str(out)]) == 0
    loaded = Quiz.model_validate(yaml.safe_load(out.read_text(encoding="utf-8")))
    original = COURSE.modules[module_id].quiz
    assert [semantic(q) for q in loaded.questions] == [semantic(q) for q in original.questions]
    assert loaded.questions[0].references == ["R1", "R2"]
    assert exchange_main(["import-gift", str(gift_file), *args, "-o", str(out)]) == 1  # exists, no --force
    assert "--force" in capsys.readouterr().err
    assert exchange_main(["import-xml", str(xml_file), *args, "-o", str(out), "--force"]) == 0
    assert Quiz.model_validate(yaml.safe_load(out.read_text(encoding="utf-8"))).questions == original.questions


def test_cli_reports_errors_with_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.gift"
    bad.write_text("::ok:: Fine {T}\n\n::bad:: Broken {=x ~y\n", encoding="utf-8")
    args = ["--module", "m", "--objective", "o", "--section", "s", "--reference", "R"]
    assert exchange_main(["import-gift", str(bad), *args]) == 1
    assert f"{bad}:3:" in capsys.readouterr().err
    assert exchange_main(["import-gift", str(tmp_path / "missing.gift"), *args]) == 1
    assert "no such file" in capsys.readouterr().err
    assert exchange_main(["export-gift"]) == 2
    assert exchange_main(["export-xml", str(bad)]) == 1
