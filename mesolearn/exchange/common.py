"""The import and export pipeline shared by GIFT (:mod:`.gift`) and Moodle XML (:mod:`.moodle_xml`).

Each format is a codec over this: it reads its file into :class:`ImportedQuestion` items whose
``body`` the question types build (their ``gift_decode``/``xml_decode`` hooks), and
:func:`build_quiz_dict` then does the rest the same way for both formats:

- ids from the slugified title (``<module>-imported-qNN`` when none is usable), made unique with a
  warning; per-answer feedback appended to the explanation; a placeholder explanation when none;
- the objective, section, references and difficulty from the arguments, or from the question's
  metadata (the ``// mesolearn:`` comment or the XML tags) when ``use_metadata``; each type puts
  its own metadata back (``apply_meta``), and a type the metadata names but the file's syntax
  cannot tell apart (a real matching question with ``Position N`` left sides) is restored (``adopt``);
- keys in the order authors write them (shared fields around the type's own, from the models);
- each question validated on its own (an invalid one is skipped with a warning), then the quiz.

Numbers and weights are written as Moodle writes them (:func:`format_number`, :func:`format_percent`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from mesolearn.content.models import Lesson, Question, QuestionBase, Quiz
from mesolearn.errors import UserError
from mesolearn.questions.matching import ORDERING_LABEL
from mesolearn.questions.multiple_response import weights as mr_weights
from mesolearn.questions.registry import TYPES, type_of

__all__ = [
    "ExchangeError",
    "ImportedQuestion",
    "ORDERING_LABEL",
    "REFERENCES_HEADING",
    "build_quiz_dict",
    "check_arguments",
    "finish_import",
    "format_number",
    "format_percent",
    "full_credit_numeric",
    "html_to_text",
    "metadata_of",
    "mr_weights",
    "option_letters",
    "references_block",
    "slugify",
    "text_from_format",
]

REFERENCES_HEADING = "**References**"
DEFAULT_QUESTIONS_PER_ATTEMPT = 10
MISSING_EXPLANATION = "No explanation was given in the imported file: please write one, citing the lesson's sources."

_QUESTION = TypeAdapter(Question)


class ExchangeError(UserError, ValueError):
    """A file that cannot be read; ``line`` is 1-based (None when not tied to a line)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line else message)
        self.message = message
        self.line = line


def key_order(type_name: str) -> list[str]:
    """Keys of a question as authors write them: id, type, prompt, the type's own fields, the shared rest."""
    shared = list(QuestionBase.model_fields)
    own = [f for f in type_of(type_name).model.model_fields if f not in shared and f != "type"]
    return ["id", "type", "prompt", *own, *(f for f in shared if f not in ("id", "prompt"))]


def slugify(text: str, max_length: int = 80) -> str:
    """Lowercase ``[a-z0-9-]`` id from a title; '' when nothing usable is left."""
    import unicodedata

    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def format_number(x: float) -> str:
    """A number as Moodle reads it: ``1952``, ``45.5``, ``1e-07`` (never ``1952.0``)."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def format_percent(p: float) -> str:
    """A Moodle weight in percent, 5 decimals at most as Moodle writes them: 50, -50, 33.33333."""
    r = round(p, 5)
    if r == 0:
        return "0"
    if float(r).is_integer():
        return str(int(r))
    return f"{r:.5f}".rstrip("0")


# Moodle's list of allowed grades (question_bank::fraction_options); import matches within 1e-5.
MOODLE_GRADES = (
    1.0,
    0.9,
    0.8333333,
    0.8,
    0.75,
    0.7,
    0.6666667,
    0.6,
    0.5,
    0.4,
    0.3333333,
    0.3,
    0.25,
    0.2,
    0.1666667,
    0.1428571,
    0.125,
    0.1111111,
    0.1,
    0.05,
    0.0,
)


def on_moodle_grade_list(percent: float) -> bool:
    return any(abs(abs(percent) / 100 - g) < 1e-5 for g in MOODLE_GRADES)


class _HtmlToText(HTMLParser):
    _BLOCK = {"p", "div", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropped: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag in self._BLOCK:
            self.out.append("\n\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "img":
            alt = dict(attrs).get("alt") or ""
            self.out.append(f"[image: {alt}]" if alt else "[image]")
            self.dropped.add("img")
        elif tag not in ("span", "font", "u", "sub", "sup", "a", "td", "th", "tbody", "thead", "code"):
            self.dropped.add(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCK:
            self.out.append("\n\n")
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag in ("td", "th"):
            self.out.append(" ")

    def handle_data(self, data: str) -> None:
        self.out.append(re.sub(r"\s+", " ", data))


HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?>")


def html_to_text(html: str) -> str:
    """Moodle HTML text to the Markdown-ish plain text MesoLearn shows (it never renders raw HTML)."""
    parser = _HtmlToText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def references_block(q: Any, lesson: Lesson | None) -> str:
    """'**References**' and a Markdown list of the question's references, or '' without a lesson."""
    if lesson is None:
        return ""
    lines = []
    for ref_id in q.references:
        ref = lesson.reference(ref_id)
        lines.append(f"- [{ref_id}] {ref.citation} {ref.url}" if ref else f"- [{ref_id}]")
    return f"\n\n{REFERENCES_HEADING}\n\n" + "\n".join(lines)


def strip_references_block(explanation: str) -> str:
    cut = explanation.rfind(f"\n\n{REFERENCES_HEADING}\n\n")
    return explanation[:cut].rstrip() if cut > 0 else explanation


def metadata_of(q: Any, *, refs_appended: bool = False) -> dict:
    """MesoLearn fields Moodle has no place for (the shared ones, then the type's own)."""
    meta: dict[str, Any] = {
        "type": q.type,
        "objective": q.objective,
        "section": q.section,
        "references": list(q.references),
        "difficulty": q.difficulty,
        "critical": q.critical,
        "scenario": q.scenario,
    }
    if q.enemy_group:
        meta["enemy_group"] = q.enemy_group
    meta.update(type_of(q).meta(q))
    if refs_appended:
        meta["refs_appended"] = True
    return meta


# ---------------------------------------------------------------- building the quiz dict on import
@dataclass
class ImportedQuestion:
    """One question read from a file, before ids and MesoLearn metadata are filled in."""

    where: str  # "line 12" / "question 3", for warnings
    title: str
    ordinal: int  # 1-based position among the file's questions
    body: dict  # type, prompt and the type's own fields
    explanation: str = ""
    feedback: list[tuple[str, str]] = field(default_factory=list)  # (answer, per-answer feedback)
    meta: dict = field(default_factory=dict)


def label_of(item: ImportedQuestion) -> str:
    return f"{item.where}: question '{item.title}'" if item.title else f"{item.where}: question {item.ordinal}"


def apply_meta(item: ImportedQuestion, q: dict, warnings: list[str]) -> None:
    meta = item.meta
    for key in ("objective", "section"):
        if isinstance(meta.get(key), str) and meta[key]:
            q[key] = meta[key]
    refs = meta.get("references")
    if isinstance(refs, list) and refs and all(isinstance(r, str) and r for r in refs):
        q["references"] = list(refs)
    if meta.get("difficulty") in ("easy", "medium", "hard"):
        q["difficulty"] = meta["difficulty"]
    for key in ("critical", "scenario"):
        if isinstance(meta.get(key), bool):
            q[key] = meta[key]
    if isinstance(meta.get("enemy_group"), str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*", meta["enemy_group"]):
        q["enemy_group"] = meta["enemy_group"]
    type_of(q["type"]).apply_meta(q, meta)
    if meta.get("refs_appended"):
        q["explanation"] = strip_references_block(q["explanation"])
    wanted = TYPES.get(meta.get("type"))  # type: ignore[arg-type]
    if wanted is not None and wanted.name != q["type"] and (adopted := wanted.adopt(q)) is not None:
        q.clear()
        q.update(adopted)


def short_validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    return "; ".join(parts)


def option_letters(n: int) -> list[str]:
    """a, b, ... z, then o27, o28...: MesoLearn option ids (at most 8 characters)."""
    return [chr(ord("a") + i) if i < 26 else f"o{i + 1}" for i in range(n)]


def build_quiz_dict(
    items: Iterable[ImportedQuestion],
    *,
    module: str,
    objective: str,
    section: str,
    references: list[str] | str,
    difficulty: str,
    pass_mark: float,
    questions_per_attempt: int | None,
    use_metadata: bool,
    warnings: list[str],
    error_cls: type[ValueError],
) -> dict:
    """Fill ids and MesoLearn fields, validate every question on its own, and assemble the quiz."""
    refs = [references] if isinstance(references, str) else list(references or [])
    check_arguments(module, objective, section, refs, difficulty)
    questions: list[dict] = []
    used: set[str] = set()
    for item in items:
        base = slugify(item.title) if item.title else ""
        if not base or not re.match(r"[a-z0-9]", base):
            base = f"{module}-imported-q{item.ordinal:02d}"
        qid, n = base, 2
        while qid in used:
            qid = f"{base[:76]}-{n}"
            n += 1
        if qid != base:
            warnings.append(f"{label_of(item)}: id '{base}' is already used; this question gets '{qid}'")
        explanation = (item.explanation or "").strip()
        if item.feedback:
            lines = [f"- {answer}: {fb}" if answer else f"- {fb}" for answer, fb in item.feedback]
            explanation = (
                (explanation + "\n\n" if explanation else "") + "Feedback on the answers:\n\n" + "\n".join(lines)
            )
            warnings.append(f"{label_of(item)}: per-answer feedback was appended to the explanation")
        if not explanation:
            explanation = MISSING_EXPLANATION
            warnings.append(f"{label_of(item)}: no general feedback; a placeholder explanation was written")
        q: dict[str, Any] = {
            "id": qid,
            **item.body,
            "explanation": explanation,
            "references": list(refs),
            "objective": objective,
            "section": section,
            "difficulty": difficulty,
            "critical": item.body.get("critical") is True,  # a case is critical when one of its choices is
            "scenario": False,
        }
        if use_metadata and item.meta:
            apply_meta(item, q, warnings)
        q = {k: q[k] for k in key_order(q["type"]) if k in q}
        try:
            _QUESTION.validate_python(q)
        except ValidationError as exc:
            warnings.append(
                f"{label_of(item)}: skipped, it is not a valid MesoLearn question ({short_validation_message(exc)})"
            )
            continue
        used.add(qid)
        questions.append(q)
    if not questions:
        raise error_cls("no question in the file could be imported")
    qpa = (
        questions_per_attempt
        if questions_per_attempt is not None
        else min(DEFAULT_QUESTIONS_PER_ATTEMPT, len(questions))
    )
    if qpa > len(questions):
        warnings.append(
            f"questions_per_attempt {qpa} is more than the {len(questions)} imported questions; set to {len(questions)}"
        )
        qpa = len(questions)
    quiz = {"module": module, "pass_mark": pass_mark, "questions_per_attempt": qpa, "questions": questions}
    try:
        Quiz.model_validate(quiz)
    except ValidationError as exc:  # e.g. a pass mark over 100
        raise error_cls(f"the imported quiz is not valid: {short_validation_message(exc)}") from None
    return quiz


def check_arguments(module: str, objective: str, section: str, refs: list[str], difficulty: str) -> None:
    """The defaults given to an import; :class:`ExchangeError` (a message for the user) when one is not usable."""
    slug = re.compile(r"^[a-z0-9][a-z0-9-]*$")
    for name, value in (("module", module), ("objective", objective), ("section", section)):
        if not isinstance(value, str) or not slug.match(value):
            raise ExchangeError(f"{name} must be an id of lowercase letters, digits and '-', not {value!r}")
    if not refs or not all(isinstance(r, str) and re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", r) for r in refs):
        raise ExchangeError(f"references must be one or more reference ids such as KT13, not {refs!r}")
    if difficulty not in ("easy", "medium", "hard"):
        raise ExchangeError(f"difficulty must be easy, medium or hard, not {difficulty!r}")


def full_credit_numeric(
    answers: list[tuple[float, Any, Any]], full_mark: float, label: str, warnings: list[str]
) -> tuple[float, Any, Any] | None:
    """MesoLearn keeps one numeric answer: the first that earns full credit (``full_mark``: 1 in GIFT,
    100 in Moodle XML). Alternatives and partial-credit ranges are dropped with a warning."""
    full = [a for a in answers if abs(a[0] - full_mark) < 1e-6 * full_mark]
    if not full:
        warnings.append(f"{label}: no numeric answer earns full credit; skipped")
        return None
    if len(answers) > 1:
        warnings.append(
            f"{label}: only the first fully correct answer is kept; {len(answers) - 1} other numeric "
            f"answer(s) (alternative or partial-credit ranges) were dropped"
        )
    return full[0]


def text_from_format(text: str, fmt: str, item_label: str, warnings: list[str]) -> str:
    """Turn text in a Moodle format into MesoLearn Markdown (HTML is converted, with a warning)."""
    if fmt == "html" or (fmt == "moodle" and HTML_TAG.search(text)):
        warnings.append(f"{item_label}: HTML formatting was converted to plain text")
        return html_to_text(text)
    return text


def finish_import(
    items: list[ImportedQuestion],
    warnings: list[str],
    error_cls: type[ValueError],
    *,
    module: str,
    objective: str,
    section: str,
    references: list[str] | str,
    difficulty: str,
    pass_mark: float,
    questions_per_attempt: int | None,
    use_metadata: bool,
) -> tuple[dict, list[str]]:
    """The quiz dict from the items a codec read, and its warnings (each once, in order)."""
    quiz = build_quiz_dict(
        items,
        module=module,
        objective=objective,
        section=section,
        references=references,
        difficulty=difficulty,
        pass_mark=pass_mark,
        questions_per_attempt=questions_per_attempt,
        use_metadata=use_metadata,
        warnings=warnings,
        error_cls=error_cls,
    )
    return quiz, list(dict.fromkeys(warnings))


def reference_list(references: list[str] | str) -> list[str]:
    return [references] if isinstance(references, str) else list(references or [])


# ---------------------------------------------------------------- writing a quiz file
class _SafeBlockDumper(yaml.SafeDumper):
    """yaml.safe_dump's dumper (plain data only), writing multi-line text as '|' blocks as authors do."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None  # PyYAML falls back to quotes where a block cannot hold the text
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_SafeBlockDumper.add_representer(str, _str_representer)


def dump_quiz_yaml(quiz: dict) -> str:
    """The quiz dict as YAML: safe_dump's dumper, keys in order, unicode kept, text in '|' blocks. The one writer of
    imported quiz files: the command line (``import-gift``, ``import-xml``) and the exchange page both use it."""
    return yaml.dump(quiz, Dumper=_SafeBlockDumper, sort_keys=False, allow_unicode=True, width=100)
