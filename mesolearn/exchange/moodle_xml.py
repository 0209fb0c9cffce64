"""Moodle XML: export a MesoLearn quiz for Moodle's question bank, and import Moodle XML files.

Format as documented at https://docs.moodle.org/en/Moodle_XML_format and as Moodle's own
``question/format/xml/format.php`` reads and writes it: ``<quiz>`` holding ``<question type="...">``
elements, each with ``<name><text>``, ``<questiontext format="markdown"><text>``,
``<generalfeedback>``, ``<defaultgrade>``, ``<penalty>``, ``<hidden>``, ``<idnumber>``, then the
type's own elements. Types written:

- ``multichoice`` with ``<single>true</single>`` (single choice: the answer at fraction 100, the
  others 0) or ``<single>false</single>`` (multiple response: +100/k on each of the k correct
  answers, -100/k on each wrong one, which is MesoLearn's rule; see :mod:`.gift`);
  ``<shuffleanswers>true</shuffleanswers>``, ``<answernumbering>abc</answernumbering>``;
- ``truefalse``: answers ``true`` and ``false``, the right one at fraction 100;
- ``numerical``: one answer at fraction 100 with ``<tolerance>`` (absolute, as in MesoLearn); a
  unit is written in ``<units>`` with multiplier 1 and unit grading off (``unitgradingtype`` 0,
  ``showunits`` 0: Moodle's "units are optional"), so only the number is graded, as in MesoLearn;
- ``matching``: ``<subquestion><text>left</text><answer><text>right</text></answer></subquestion>``;
- ``ordering`` (qtype_ordering, a plugin that is standard from Moodle 4.4): the items in the correct
  order as ``<answer fraction="1..n">``, ``<selecttype>ALL</selecttype>``, and
  ``<gradingtype>ABSOLUTE_POSITION</gradingtype>``, Moodle's name for MesoLearn's rule (items in
  their correct position / n). ``ordering_as="matching"`` writes a matching question
  (``Position N`` -> item) instead, for Moodle sites without the plugin; the importer reads both.

MesoLearn's own fields travel as question tags (``objective:...``, ``section:...``,
``reference:...``, ``difficulty:...``, ``critical``, ``scenario``, ``enemy_group:...``) and the id as
``<idnumber>``.

XML is built and parsed with :mod:`xml.etree.ElementTree` (never by pasting text together). On
import, a document with a DTD or entity declaration is refused outright (no entity-expansion bombs
or external entities), and so is one over 20 MB.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from mesolearn.content.models import Lesson, Quiz
from mesolearn.exchange.gift import (ORDERING_LABEL, ImportedQuestion, _check_arguments, build_quiz_dict,
                                     format_number, format_percent, mr_weights, option_letters,
                                     full_credit_numeric, matching_body, ordering_from_pairs, references_block, text_from_format)

__all__ = ["MoodleXmlError", "quiz_to_moodle_xml", "moodle_xml_to_quiz_dict"]

MAX_INPUT_CHARS = 20_000_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
REFS_TAG = "mesolearn:references-listed"
_MOODLE_TYPES = {"single_choice": "multichoice", "multiple_response": "multichoice", "true_false": "truefalse",
                 "numeric": "numerical", "matching": "matching", "ordering": "ordering"}
_FORMATS = {"markdown": "markdown", "html": "html", "moodle_auto_format": "moodle", "plain_text": "plain",
            "wiki_like": "plain"}


class MoodleXmlError(ValueError):
    """A Moodle XML file that cannot be read; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line else message)
        self.message = message
        self.line = line


# ====================================================================== export
def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (ElementTree would write them and break the file)."""
    return _CONTROL.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = _clean(text)
    return el


def _text_el(parent: ET.Element, tag: str, text: str, fmt: str | None = "markdown") -> ET.Element:
    el = _sub(parent, tag, **({"format": fmt} if fmt else {}))
    _sub(el, "text", text)
    return el


def _answer(parent: ET.Element, fraction: str, text: str, fmt: str = "markdown") -> ET.Element:
    ans = _sub(parent, "answer", fraction=fraction, format=fmt)
    _sub(ans, "text", text)
    return ans


def _combined_feedback(qe: ET.Element, shownumcorrect: bool = False) -> None:
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text_el(qe, tag, "")
    if shownumcorrect:
        _sub(qe, "shownumcorrect")


def _question_xml(root: ET.Element, q: Any, lesson: Lesson | None, ordering_as: str) -> None:
    qtype = _MOODLE_TYPES[q.type]
    if q.type == "ordering" and ordering_as == "matching":
        qtype = "matching"
    qe = _sub(root, "question", type=qtype)
    name = _sub(qe, "name")
    _sub(name, "text", q.id)
    _text_el(qe, "questiontext", q.prompt)
    _text_el(qe, "generalfeedback", q.explanation + references_block(q, lesson))
    _sub(qe, "defaultgrade", "1")
    _sub(qe, "penalty", "1" if q.type == "true_false" else "0.3333333")
    _sub(qe, "hidden", "0")
    _sub(qe, "idnumber", q.id)

    if q.type in ("single_choice", "multiple_response"):
        single = q.type == "single_choice"
        _sub(qe, "single", "true" if single else "false")
        _sub(qe, "shuffleanswers", "true")
        _sub(qe, "answernumbering", "abc")
        _sub(qe, "showstandardinstruction", "0")
        _combined_feedback(qe, shownumcorrect=not single)
        if single:
            for o in q.options:
                _answer(qe, "100" if o.id == q.answer else "0", o.text)
        else:
            right, wrong = mr_weights(len(q.answers))
            for o in q.options:
                _answer(qe, format_percent(right if o.id in q.answers else wrong), o.text)
    elif q.type == "true_false":
        _answer(qe, "100" if q.answer else "0", "true", "moodle_auto_format")
        _answer(qe, "0" if q.answer else "100", "false", "moodle_auto_format")
    elif q.type == "numeric":
        ans = _answer(qe, "100", format_number(q.answer), "moodle_auto_format")
        _sub(ans, "tolerance", format_number(q.tolerance))
        if q.unit:
            units = _sub(qe, "units")
            unit = _sub(units, "unit")
            _sub(unit, "multiplier", "1")
            _sub(unit, "unit_name", q.unit)
        _sub(qe, "unitgradingtype", "0")
        _sub(qe, "unitpenalty", "0.1000000")
        _sub(qe, "showunits", "0" if q.unit else "3")
        _sub(qe, "unitsleft", "0")
    elif q.type == "matching" or (q.type == "ordering" and ordering_as == "matching"):
        pairs = ([(p.left, p.right) for p in q.pairs] if q.type == "matching"
                 else [(ORDERING_LABEL.format(n=i + 1), item) for i, item in enumerate(q.items)])
        # Moodle shuffles the stems when shuffleanswers is on (the choices always): keep Position 1..n in order
        _sub(qe, "shuffleanswers", "true" if q.type == "matching" else "false")
        _combined_feedback(qe, shownumcorrect=True)
        for left, right in pairs:
            sq = _text_el(qe, "subquestion", left)
            ans = _sub(sq, "answer")
            _sub(ans, "text", right)
    elif q.type == "ordering":
        _sub(qe, "layouttype", "VERTICAL")
        _sub(qe, "selecttype", "ALL")
        _sub(qe, "selectcount", str(len(q.items)))
        _sub(qe, "gradingtype", "ABSOLUTE_POSITION")
        _sub(qe, "showgrading", "SHOW")
        _sub(qe, "numberingstyle", "none")
        _combined_feedback(qe, shownumcorrect=True)
        for i, item in enumerate(q.items, start=1):
            _answer(qe, str(i), item)

    tags = _sub(qe, "tags")
    values = [f"objective:{q.objective}", f"section:{q.section}", f"difficulty:{q.difficulty}"]
    values += [f"reference:{r}" for r in q.references]
    values += [flag for flag in ("critical", "scenario") if getattr(q, flag)]
    if q.enemy_group:
        values.append(f"enemy_group:{q.enemy_group}")
    if lesson is not None:
        values.append(REFS_TAG)  # the explanation ends with the references block; the importer strips it
    for value in values:
        tag = _sub(tags, "tag")
        _sub(tag, "text", value)


def quiz_to_moodle_xml(quiz: Quiz, lesson: Lesson | None = None, *, category: bool | str = True,
                       ordering_as: str = "ordering") -> str:
    """The quiz as a Moodle XML document (a UTF-8 string starting with the XML declaration).

    ``lesson`` lists each question's cited references after its explanation. ``category``: True
    adds a category question ``$course$/MesoLearn/<module>``, a string that path, False none.
    ``ordering_as``: "ordering" (qtype_ordering) or "matching" (Position N -> item).
    """
    if ordering_as not in ("ordering", "matching"):
        raise ValueError("ordering_as must be 'ordering' or 'matching'")
    root = ET.Element("quiz")
    note = f" MesoLearn quiz '{quiz.module}': {len(quiz.questions)} questions; text is Markdown "
    root.append(ET.Comment(note.replace("--", "- -")))
    if category:
        path = category if isinstance(category, str) else f"$course$/MesoLearn/{quiz.module}"
        cat = _sub(root, "question", type="category")
        _text_el(cat, "category", path, fmt=None)
        _text_el(cat, "info", f"MesoLearn quiz {quiz.module}" + (f": {lesson.title}" if lesson else ""), fmt="markdown")
    for q in quiz.questions:
        _question_xml(root, q, lesson, ordering_as)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ====================================================================== import
def _parse(xml_text: str) -> ET.Element:
    if len(xml_text) > MAX_INPUT_CHARS:
        raise MoodleXmlError(f"the file is too large ({len(xml_text):,} characters; the limit is {MAX_INPUT_CHARS:,})")
    upper = xml_text.upper()
    for marker in ("<!DOCTYPE", "<!ENTITY"):
        at = upper.find(marker)
        if at >= 0:
            raise MoodleXmlError(f"{marker[2:]} declarations are not accepted (they can hide entity-expansion "
                                 f"attacks); Moodle's own exports never contain them", xml_text.count("\n", 0, at) + 1)
    try:
        root = ET.fromstring(xml_text.lstrip("\ufeff"))
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        msg = re.sub(r":? line \d+, column \d+$", "", str(exc))
        raise MoodleXmlError(f"not well-formed XML ({msg})", line) from None
    if root.tag != "quiz":
        raise MoodleXmlError(f"the root element is <{root.tag}>, not <quiz>: not a Moodle XML question file")
    return root


def _text(el: ET.Element | None, path: str = "text") -> str:
    if el is None:
        return ""
    node = el.find(path) if path else el
    return (node.text or "").strip() if node is not None else ""


def _fmt(el: ET.Element | None, default: str = "html") -> str:
    if el is None:
        return _FORMATS.get(default, "html")
    return _FORMATS.get(el.get("format", default).strip(), "html")


def _number(raw: str) -> float | None:
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _fraction(el: ET.Element) -> float | None:
    return _number(el.get("fraction", "0"))


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else x


def _meta_from_tags(qe: ET.Element) -> dict:
    meta: dict[str, Any] = {}
    refs: list[str] = []
    for tag in qe.findall("tags/tag"):
        value = _text(tag)
        key, _, rest = value.partition(":")
        if key in ("objective", "section", "difficulty", "enemy_group") and rest:
            meta[key] = rest
        elif key == "reference" and rest:
            refs.append(rest)
        elif value in ("critical", "scenario"):
            meta[value] = True
        elif value == REFS_TAG:
            meta["refs_appended"] = True
    if refs:
        meta["references"] = refs
    if meta:
        meta.setdefault("critical", False)
        meta.setdefault("scenario", False)
    return meta


def _read_question(qe: ET.Element, n: int, ordinal: int, warnings: list[str]) -> ImportedQuestion | None:
    qtype = qe.get("type", "")
    title = _text(qe.find("idnumber"), "") or _text(qe.find("name"))
    label = f"question {n} '{title}'" if title else f"question {n}"
    where = f"question {n}"
    qt = qe.find("questiontext")
    fmt = _fmt(qt)
    prompt = text_from_format(_text(qt), fmt, label, warnings)
    gf = qe.find("generalfeedback")
    explanation = text_from_format(_text(gf), _fmt(gf, qt.get("format", "html") if qt is not None else "html"),
                                   label, warnings)
    item = ImportedQuestion(where=where, title=title, ordinal=ordinal, body={}, explanation=explanation,
                            meta=_meta_from_tags(qe))
    if not prompt:
        warnings.append(f"{label}: the question has no text; skipped")
        return None

    def answers() -> list[tuple[str, float, ET.Element]]:
        out = []
        for a in qe.findall("answer"):
            text = text_from_format(_text(a), _fmt(a, qt.get("format", "html") if qt is not None else "html"),
                                    label, warnings)
            fb_el = a.find("feedback")
            fb = text_from_format(_text(fb_el), _fmt(fb_el), label, warnings) if fb_el is not None else ""
            frac = _fraction(a)
            if frac is None:
                raise MoodleXmlError(f"{label}: fraction {a.get('fraction')!r} is not a number")
            out.append((text, frac, a))
            if fb:
                item.feedback.append((text, fb))
        return out

    if qtype == "multichoice":
        single = _text(qe.find("single"), "").lower() not in ("false", "0", "")  # Moodle's trans_single
        if qe.find("single") is None:
            single = True
        opts = answers()
        if len(opts) < 2:
            warnings.append(f"{label}: fewer than two answers; skipped")
            return None
        ids = option_letters(len(opts))
        options = [{"id": i, "text": t} for i, (t, _, _) in zip(ids, opts)]
        if single:
            full = [i for i, (_, f, _) in zip(ids, opts) if abs(f - 100) < 1e-6]
            if len(full) != 1:
                warnings.append(f"{label}: {len(full)} answers are fully correct; a MesoLearn single-choice question "
                                f"has exactly one; skipped")
                return None
            if any(abs(f) > 1e-6 and abs(f - 100) > 1e-6 for _, f, _ in opts):
                warnings.append(f"{label}: partial credit or penalty on some answers was dropped (MesoLearn single "
                                f"choice scores 1 for the right answer, 0 otherwise)")
            item.body = {"type": "single_choice", "prompt": prompt, "options": options, "answer": full[0]}
        else:
            right = [i for i, (_, f, _) in zip(ids, opts) if f > 1e-6]
            if not right:
                warnings.append(f"{label}: no answer has a positive fraction; skipped")
                return None
            want_r, want_w = mr_weights(len(right))
            if any(abs(f - (want_r if f > 1e-6 else want_w)) > 1e-3 for _, f, _ in opts):
                warnings.append(f"{label}: fractions differ from MesoLearn's rule (+{format_percent(want_r)} for each "
                                f"of the {len(right)} correct answers, {format_percent(want_w)} for each wrong one); "
                                f"the question is scored by MesoLearn's rule")
            item.body = {"type": "multiple_response", "prompt": prompt, "options": options, "answers": right}
    elif qtype == "truefalse":
        value = None
        for a in qe.findall("answer"):
            text = _text(a).lower()
            if text in ("true", "false") and (_fraction(a) or 0) >= 100 - 1e-6:
                value = text == "true"
            fb = _text(a.find("feedback")) if a.find("feedback") is not None else ""
            if fb:
                item.feedback.append((text.capitalize(), text_from_format(fb, _fmt(a.find("feedback")), label, warnings)))
        if value is None:
            warnings.append(f"{label}: neither 'true' nor 'false' has fraction 100; skipped")
            return None
        item.body = {"type": "true_false", "prompt": prompt, "answer": value}
    elif qtype == "numerical":
        nums = []
        for a in qe.findall("answer"):
            raw = _text(a)
            frac = _fraction(a)
            if raw == "*" or frac is None:
                continue
            value, tol = _number(raw), _number(_text(a, "tolerance") or "0")
            if value is None or tol is None:
                warnings.append(f"{label}: answer {raw!r} or its tolerance is not a number; ignored")
                continue
            nums.append((frac, value, abs(tol)))
            fb_el = a.find("feedback")
            if fb_el is not None and (fb := _text(fb_el)):
                item.feedback.append((raw, text_from_format(fb, _fmt(fb_el), label, warnings)))
        chosen = full_credit_numeric(nums, 100.0, label, warnings)
        if chosen is None:
            return None
        unit = ""
        for u in qe.findall("units/unit"):
            if _number(_text(u, "multiplier") or "1") == 1:
                unit = _text(u, "unit_name")
                break
        _, value, tol = chosen
        item.body = {"type": "numeric", "prompt": prompt, "answer": _plain(value), "tolerance": _plain(tol),
                     "unit": unit}
    elif qtype in ("matching", "match"):
        raw_pairs = [(text_from_format(_text(sq), _fmt(sq, qt.get("format", "html") if qt is not None else "html"),
                                       label, warnings), _text(sq.find("answer")))
                     for sq in qe.findall("subquestion")]
        item.body = matching_body(prompt, raw_pairs, label, warnings)
    elif qtype == "ordering":
        grading = _text(qe.find("gradingtype"), "").upper()
        if grading not in ("ABSOLUTE_POSITION", "ABSOLUTE", "ABS", "1"):
            warnings.append(f"{label}: Moodle grading type '{grading or 'default'}' becomes MesoLearn's rule "
                            f"(items in their correct position / n)")
        select = _text(qe.find("selecttype"), "").upper()
        if select not in ("ALL", "EXACT", "0", ""):
            warnings.append(f"{label}: Moodle shows a subset of the items ({select}); MesoLearn shows them all")
        items = [text_from_format(_text(a), _fmt(a, qt.get("format", "html") if qt is not None else "html"),
                                  label, warnings) for a in qe.findall("answer")]
        item.body = {"type": "ordering", "prompt": prompt, "items": items}
    else:
        kind = {"shortanswer": "short-answer", "essay": "essay", "description": "description", "cloze": "cloze",
                "multianswer": "cloze"}.get(qtype, f"'{qtype}'" if qtype else "untyped")
        warnings.append(f"{label}: {kind} questions are not supported; skipped")
        return None
    return item


def moodle_xml_to_quiz_dict(xml_text: str, module: str, objective: str, section: str,
                            references: list[str] | str, pass_mark: float = 70,
                            questions_per_attempt: int | None = None, *, difficulty: str = "medium",
                            use_metadata: bool = True) -> tuple[dict, list[str]]:
    """Parse Moodle XML into a dict that ``Quiz.model_validate`` accepts, and a list of warnings.

    Same arguments and rules as :func:`mesolearn.exchange.gift.gift_to_quiz_dict`; MesoLearn fields
    come back from the question tags written by :func:`quiz_to_moodle_xml` when ``use_metadata``.
    Ids come from ``<idnumber>``, else ``<name>``. Raises :class:`MoodleXmlError` for a file that is
    not safe, well-formed Moodle XML.
    """
    _check_arguments(module, objective, section, [references] if isinstance(references, str) else list(references or []),
                     difficulty)
    root = _parse(xml_text)
    warnings: list[str] = []
    items: list[ImportedQuestion] = []
    ordinal = 0
    for n, qe in enumerate(root.findall("question"), start=1):
        if qe.get("type") == "category":
            continue
        ordinal += 1
        item = _read_question(qe, n, ordinal, warnings)
        if item is not None:
            items.append(item)
    quiz = build_quiz_dict(items, module=module, objective=objective, section=section, references=references,
                           difficulty=difficulty, pass_mark=pass_mark, questions_per_attempt=questions_per_attempt,
                           use_metadata=use_metadata, warnings=warnings, error_cls=MoodleXmlError)
    return quiz, list(dict.fromkeys(warnings))
