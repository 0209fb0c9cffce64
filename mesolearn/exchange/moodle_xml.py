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

Each type writes its own elements and reads them back (``xml_encode``/``xml_decode`` on the type,
given an :class:`XmlQuestion`); the types whose ``xml_types`` list a ``<question type>`` are asked in
their decode order. MesoLearn's own fields travel as question tags (``objective:...``, ``section:...``,
``reference:...``, ``difficulty:...``, ``critical``, ``scenario``, ``enemy_group:...``) and the id as
``<idnumber>``.

XML is built and parsed with :mod:`xml.etree.ElementTree` (never by pasting text together). On
import, a document with a DTD or entity declaration is refused outright (no entity-expansion bombs
or external entities), and so is one over 20 MB.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from mesolearn.content.models import Lesson, Quiz
from mesolearn.exchange.common import (
    ExchangeError,
    ImportedQuestion,
    check_arguments,
    finish_import,
    reference_list,
    references_block,
    text_from_format,
)
from mesolearn.questions.base import NOT_MINE
from mesolearn.questions.registry import decoders, type_of

__all__ = ["MoodleXmlError", "quiz_to_moodle_xml", "moodle_xml_to_quiz_dict"]

MAX_INPUT_CHARS = 20_000_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
REFS_TAG = "mesolearn:references-listed"
ORDERING_AS = ("ordering", "matching")  # how ordering questions are written: qtype_ordering, or Position N -> item
_FORMATS = {
    "markdown": "markdown",
    "html": "html",
    "moodle_auto_format": "moodle",
    "plain_text": "plain",
    "wiki_like": "plain",
}


class MoodleXmlError(ExchangeError):
    """A Moodle XML file that cannot be read; ``line`` is 1-based when known."""


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


@dataclass
class XmlQuestion:
    """One ``<question>`` element, handed to each type's ``xml_encode`` (writing helpers) and
    ``xml_decode`` (the texts already read, and reading helpers)."""

    qe: ET.Element
    ordering_as: str = "ordering"
    qtype: str = ""
    prompt: str = ""
    label: str = ""
    item: ImportedQuestion | None = None
    warnings: list[str] = field(default_factory=list)

    # ---- writing
    sub = staticmethod(_sub)
    text_el = staticmethod(_text_el)
    answer = staticmethod(_answer)
    combined_feedback = staticmethod(_combined_feedback)

    def choice_header(self, qe: ET.Element, single: bool) -> None:
        _sub(qe, "single", "true" if single else "false")
        _sub(qe, "shuffleanswers", "true")
        _sub(qe, "answernumbering", "abc")
        _sub(qe, "showstandardinstruction", "0")
        _combined_feedback(qe, shownumcorrect=not single)

    def pairs(self, qe: ET.Element, pairs: list[tuple[str, str]], shuffle: bool) -> None:
        _sub(qe, "shuffleanswers", "true" if shuffle else "false")
        _combined_feedback(qe, shownumcorrect=True)
        for left, right in pairs:
            ans = _sub(_text_el(qe, "subquestion", left), "answer")
            _sub(ans, "text", right)

    # ---- reading
    @property
    def question_format(self) -> str:
        qt = self.qe.find("questiontext")
        return qt.get("format", "html") if qt is not None else "html"

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.label}: {message}")

    def feedback(self, answer: str, text: str) -> None:
        assert self.item is not None
        self.item.feedback.append((answer, text))

    text = staticmethod(lambda el, path="text": _text(el, path))
    fraction = staticmethod(lambda el: _fraction(el))
    number = staticmethod(lambda raw: _number(raw))

    def text_of(self, el: ET.Element | None, default_format: str = "html") -> str:
        """The ``<text>`` of ``el`` as MesoLearn text, by its ``format`` (HTML converted, with a warning)."""
        return text_from_format(_text(el), _fmt(el, default_format), self.label, self.warnings)

    def answers(self) -> list[tuple[str, float, ET.Element]]:
        """(text, fraction in percent, element) of each ``<answer>``, its feedback recorded."""
        out = []
        for a in self.qe.findall("answer"):
            text = self.text_of(a, self.question_format)
            fb_el = a.find("feedback")
            fb = self.text_of(fb_el) if fb_el is not None else ""
            frac = _fraction(a)
            if frac is None:
                raise MoodleXmlError(f"{self.label}: fraction {a.get('fraction')!r} is not a number")
            out.append((text, frac, a))
            if fb:
                self.feedback(text, fb)
        return out


def _question_xml(root: ET.Element, q: Any, lesson: Lesson | None, ordering_as: str) -> None:
    qe = _sub(root, "question")
    name = _sub(qe, "name")
    _sub(name, "text", q.id)
    _text_el(qe, "questiontext", q.prompt)
    _text_el(qe, "generalfeedback", q.explanation + references_block(q, lesson))
    _sub(qe, "defaultgrade", "1")
    _sub(qe, "penalty", type_of(q).xml_penalty(q))
    _sub(qe, "hidden", "0")
    _sub(qe, "idnumber", q.id)
    qe.set("type", type_of(q).xml_encode(q, qe, XmlQuestion(qe, ordering_as)))

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


def quiz_to_moodle_xml(
    quiz: Quiz, lesson: Lesson | None = None, *, category: bool | str = True, ordering_as: str = "ordering"
) -> str:
    """The quiz as a Moodle XML document (a UTF-8 string starting with the XML declaration).

    ``lesson`` lists each question's cited references after its explanation. ``category``: True
    adds a category question ``$course$/MesoLearn/<module>``, a string that path, False none.
    ``ordering_as``: "ordering" (qtype_ordering) or "matching" (Position N -> item).
    """
    if ordering_as not in ORDERING_AS:
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
            raise MoodleXmlError(
                f"{marker[2:]} declarations are not accepted (they can hide entity-expansion "
                f"attacks); Moodle's own exports never contain them",
                xml_text.count("\n", 0, at) + 1,
            )
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
    qt = qe.find("questiontext")
    fmt = _fmt(qt)
    prompt = text_from_format(_text(qt), fmt, label, warnings)
    gf = qe.find("generalfeedback")
    explanation = text_from_format(
        _text(gf), _fmt(gf, qt.get("format", "html") if qt is not None else "html"), label, warnings
    )
    item = ImportedQuestion(
        where=f"question {n}", title=title, ordinal=ordinal, body={}, explanation=explanation, meta=_meta_from_tags(qe)
    )
    if not prompt:
        warnings.append(f"{label}: the question has no text; skipped")
        return None
    x = XmlQuestion(qe, qtype=qtype, prompt=prompt, label=label, item=item, warnings=warnings)
    for t in decoders():
        if qtype not in t.xml_types:
            continue
        body = t.xml_decode(x)
        if body is NOT_MINE:
            continue
        if body is None:
            return None
        item.body = body
        return item
    kind = {
        "shortanswer": "short-answer",
        "essay": "essay",
        "description": "description",
        "cloze": "cloze",
        "multianswer": "cloze",
    }.get(qtype, f"'{qtype}'" if qtype else "untyped")
    warnings.append(f"{label}: {kind} questions are not supported; skipped")
    return None


def moodle_xml_to_quiz_dict(
    xml_text: str,
    module: str,
    objective: str,
    section: str,
    references: list[str] | str,
    pass_mark: float = 70,
    questions_per_attempt: int | None = None,
    *,
    difficulty: str = "medium",
    use_metadata: bool = True,
) -> tuple[dict, list[str]]:
    """Parse Moodle XML into a dict that ``Quiz.model_validate`` accepts, and a list of warnings.

    Same arguments and rules as :func:`mesolearn.exchange.gift.gift_to_quiz_dict`; MesoLearn fields
    come back from the question tags written by :func:`quiz_to_moodle_xml` when ``use_metadata``.
    Ids come from ``<idnumber>``, else ``<name>``. Raises :class:`MoodleXmlError` for a file that is
    not safe, well-formed Moodle XML.
    """
    check_arguments(module, objective, section, reference_list(references), difficulty)
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
    return finish_import(
        items,
        warnings,
        MoodleXmlError,
        module=module,
        objective=objective,
        section=section,
        references=references,
        difficulty=difficulty,
        pass_mark=pass_mark,
        questions_per_attempt=questions_per_attempt,
        use_metadata=use_metadata,
    )
