"""GIFT (Moodle's plain-text question format): export a MesoLearn quiz, import a GIFT file.

The syntax follows Moodle's documentation (https://docs.moodle.org/en/GIFT_format) and, where the
page is vague, what Moodle's own importer (``question/format/gift/format.php``) actually does:

- questions are separated by blank lines; a line starting with ``//`` is a comment;
- ``::title::`` names a question, ``[markdown]`` sets the text format (MesoLearn text is Markdown);
- ``~ = # { } :`` are escaped with a backslash, a backslash itself as ``\\\\``, a newline as ``\\n``;
- ``{=right ~wrong}`` single choice; ``{~%50%right ~%-50%wrong ...}`` multiple answers (no ``=``);
  ``{TRUE}``/``{FALSE}`` (also ``T``/``F``); ``{#answer:tolerance}`` or ``{#min..max}`` numeric;
  ``{=left -> right ...}`` matching; ``#feedback`` after an answer; ``####general feedback`` last;
- ``$CATEGORY: path`` in a block of its own sets the Moodle question category.

Mapping (export)
----------------
- the question id is the ``::title::``; the prompt, options and explanation keep their Markdown
  (``[markdown]``); the explanation is the general feedback (``####``) with its ``[KT13]``-style
  reference ids left in the text. With ``lesson=...`` the cited references are listed after the
  explanation (``**References**``), so Moodle trainees can look them up.
- multiple response: MesoLearn's rule (with k correct options, +1/k for each correct option
  chosen, -1/k for each wrong option chosen, floor 0) is exactly Moodle's multiple-answer rule
  (sum of the chosen answers' weights, clamped to 0..100 %) with weight +100/k % on each correct
  option and -100/k % on each wrong one: 2 correct of 5 gives ``~%50%`` twice and ``~%-50%`` three
  times. 1/k is on Moodle's list of grades for k = 1..10 (33.33333 %, 16.66667 %, 14.28571 %...).
- ordering: GIFT has no ordering type (the qtype_ordering plugin's own ``{>...}`` GIFT syntax does
  not decode escapes and needs the plugin). **An ordering question is exported as a matching
  question** whose left sides are ``Position 1``, ``Position 2``... and whose right sides are the
  items, with a ``//`` comment saying so. Moodle scores a matching question as correct
  matches / n, which is exactly MesoLearn's ordering rule (items in their correct position / n).
  The importer turns a matching question whose left sides are exactly ``Position 1..n`` (n >= 3,
  in order) back into an ordering question.
- a numeric question's unit has no GIFT syntax: it travels in the metadata comment only.
- MesoLearn fields Moodle has no place for (objective, section, references, difficulty, critical,
  scenario, enemy_group, unit, option ids, the true type) are written in one comment line per question,
  ``// mesolearn: {json}``. Moodle ignores comments; our importer reads it back (unless
  ``use_metadata=False``), so an exported quiz round-trips losslessly.

Import
------
``gift_to_quiz_dict`` returns a dict that validates as a :class:`~mesolearn.content.models.Quiz`
and a list of warnings. Objective, section, references and difficulty come from the arguments
(or the metadata comment). Ids come from the slugified ``::title::`` (or
``<module>-imported-qNN``, NN being the question's position in the file). Essay, short answer,
missing word (text after the answers), description and other unsupported questions are skipped
with a warning naming the line and title; questions whose scoring MesoLearn can only approximate
(partial credit on a single-choice option, extra numeric answers, a multiple-answer question whose
weights differ from the 1/k rule) are imported with a warning. Per-answer feedback is appended to
the explanation. Syntax errors raise :class:`GiftError` with the line number.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Iterable

from pydantic import TypeAdapter, ValidationError

from mesolearn.content.models import Lesson, Question, Quiz

__all__ = ["GiftError", "quiz_to_gift", "gift_to_quiz_dict", "gift_escape", "slugify",
           "ORDERING_LABEL", "REFERENCES_HEADING"]

ORDERING_LABEL = "Position {n}"
REFERENCES_HEADING = "**References**"
META_PREFIX = "mesolearn:"
MAX_INPUT_CHARS = 5_000_000
DEFAULT_QUESTIONS_PER_ATTEMPT = 10
MISSING_EXPLANATION = "No explanation was given in the imported file: please write one, citing the lesson's sources."

_QUESTION = TypeAdapter(Question)


class GiftError(ValueError):
    """A GIFT file that cannot be read; ``line`` is 1-based (None when not tied to a line)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line else message)
        self.message = message
        self.line = line


# ====================================================================== shared helpers
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


def mr_weights(k: int) -> tuple[float, float]:
    """Moodle weights (percent) for a MesoLearn multiple response with k correct options."""
    return 100.0 / k, -100.0 / k


# Moodle's list of allowed grades (question_bank::fraction_options); import matches within 1e-5.
MOODLE_GRADES = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25,
                 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0)


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
    meta: dict[str, Any] = {"type": q.type, "objective": q.objective, "section": q.section,
                            "references": list(q.references), "difficulty": q.difficulty,
                            "critical": q.critical, "scenario": q.scenario}
    if q.type == "numeric":
        meta["unit"] = q.unit
    if q.enemy_group:
        meta["enemy_group"] = q.enemy_group
    if q.type in ("single_choice", "multiple_response"):
        meta["option_ids"] = [o.id for o in q.options]
    if refs_appended:
        meta["refs_appended"] = True
    return meta


# ---------------------------------------------------------------- building the quiz dict on import
@dataclass
class ImportedQuestion:
    """One question read from a file, before ids and MesoLearn metadata are filled in."""

    where: str                     # "line 12" / "question 3", for warnings
    title: str
    ordinal: int                   # 1-based position among the file's questions
    body: dict                     # type, prompt and the type's own fields
    explanation: str = ""
    feedback: list[tuple[str, str]] = field(default_factory=list)   # (answer, per-answer feedback)
    meta: dict = field(default_factory=dict)


def _label(item: ImportedQuestion) -> str:
    return f"{item.where}: question '{item.title}'" if item.title else f"{item.where}: question {item.ordinal}"


def _apply_meta(item: ImportedQuestion, q: dict, warnings: list[str]) -> None:
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
    if q["type"] == "numeric" and isinstance(meta.get("unit"), str):
        q["unit"] = meta["unit"]
    if isinstance(meta.get("enemy_group"), str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*", meta["enemy_group"]):
        q["enemy_group"] = meta["enemy_group"]
    ids = meta.get("option_ids")
    if "options" in q and isinstance(ids, list) and len(ids) == len(q["options"]) \
            and all(isinstance(i, str) and re.fullmatch(r"[a-z0-9]{1,8}", i) for i in ids) and len(set(ids)) == len(ids):
        mapping = {o["id"]: new for o, new in zip(q["options"], ids)}
        for o in q["options"]:
            o["id"] = mapping[o["id"]]
        if q["type"] == "single_choice":
            q["answer"] = mapping[q["answer"]]
        else:
            q["answers"] = [mapping[a] for a in q["answers"]]
    if meta.get("refs_appended"):
        q["explanation"] = strip_references_block(q["explanation"])
    if meta.get("type") == "matching" and q["type"] == "ordering":  # a real matching question with Position lefts
        q["type"] = "matching"
        q["pairs"] = [{"left": ORDERING_LABEL.format(n=i + 1), "right": it} for i, it in enumerate(q.pop("items"))]


def _short_validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    return "; ".join(parts)


def option_letters(n: int) -> list[str]:
    """a, b, ... z, then o27, o28...: MesoLearn option ids (at most 8 characters)."""
    return [chr(ord("a") + i) if i < 26 else f"o{i + 1}" for i in range(n)]


def build_quiz_dict(items: Iterable[ImportedQuestion], *, module: str, objective: str, section: str,
                    references: list[str] | str, difficulty: str, pass_mark: float,
                    questions_per_attempt: int | None, use_metadata: bool, warnings: list[str],
                    error_cls: type[ValueError]) -> dict:
    """Fill ids and MesoLearn fields, validate every question on its own, and assemble the quiz."""
    refs = [references] if isinstance(references, str) else list(references or [])
    _check_arguments(module, objective, section, refs, difficulty)
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
            warnings.append(f"{_label(item)}: id '{base}' is already used; this question gets '{qid}'")
        explanation = (item.explanation or "").strip()
        if item.feedback:
            lines = [f"- {answer}: {fb}" if answer else f"- {fb}" for answer, fb in item.feedback]
            explanation = (explanation + "\n\n" if explanation else "") + "Feedback on the answers:\n\n" + "\n".join(lines)
            warnings.append(f"{_label(item)}: per-answer feedback was appended to the explanation")
        if not explanation:
            explanation = MISSING_EXPLANATION
            warnings.append(f"{_label(item)}: no general feedback; a placeholder explanation was written")
        q: dict[str, Any] = {"id": qid, **item.body, "explanation": explanation, "references": list(refs),
                             "objective": objective, "section": section, "difficulty": difficulty,
                             "critical": False, "scenario": False}
        if use_metadata and item.meta:
            _apply_meta(item, q, warnings)
        # canonical key order, as authors write them
        order = ["id", "type", "prompt", "options", "answer", "answers", "tolerance", "unit", "pairs", "items",
                 "explanation", "references", "objective", "section", "difficulty", "critical", "scenario",
                 "enemy_group"]
        q = {k: q[k] for k in order if k in q}
        try:
            _QUESTION.validate_python(q)
        except ValidationError as exc:
            warnings.append(f"{_label(item)}: skipped, it is not a valid MesoLearn question "
                            f"({_short_validation_message(exc)})")
            continue
        used.add(qid)
        questions.append(q)
    if not questions:
        raise error_cls("no question in the file could be imported")
    qpa = questions_per_attempt if questions_per_attempt is not None else min(DEFAULT_QUESTIONS_PER_ATTEMPT, len(questions))
    if qpa > len(questions):
        warnings.append(f"questions_per_attempt {qpa} is more than the {len(questions)} imported questions; "
                        f"set to {len(questions)}")
        qpa = len(questions)
    quiz = {"module": module, "pass_mark": pass_mark, "questions_per_attempt": qpa, "questions": questions}
    try:
        Quiz.model_validate(quiz)
    except ValidationError as exc:  # e.g. a pass mark over 100
        raise error_cls(f"the imported quiz is not valid: {_short_validation_message(exc)}") from None
    return quiz


def _check_arguments(module: str, objective: str, section: str, refs: list[str], difficulty: str) -> None:
    slug = re.compile(r"^[a-z0-9][a-z0-9-]*$")
    for name, value in (("module", module), ("objective", objective), ("section", section)):
        if not isinstance(value, str) or not slug.match(value):
            raise ValueError(f"{name} must be an id of lowercase letters, digits and '-', not {value!r}")
    if not refs or not all(isinstance(r, str) and re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", r) for r in refs):
        raise ValueError(f"references must be one or more reference ids such as KT13, not {refs!r}")
    if difficulty not in ("easy", "medium", "hard"):
        raise ValueError(f"difficulty must be easy, medium or hard, not {difficulty!r}")


def full_credit_numeric(answers: list[tuple[float, Any, Any]], full_mark: float, label: str,
                        warnings: list[str]) -> tuple[float, Any, Any] | None:
    """MesoLearn keeps one numeric answer: the first that earns full credit (``full_mark``: 1 in GIFT,
    100 in Moodle XML). Alternatives and partial-credit ranges are dropped with a warning."""
    full = [a for a in answers if abs(a[0] - full_mark) < 1e-6 * full_mark]
    if not full:
        warnings.append(f"{label}: no numeric answer earns full credit; skipped")
        return None
    if len(answers) > 1:
        warnings.append(f"{label}: only the first fully correct answer is kept; {len(answers) - 1} other numeric "
                        f"answer(s) (alternative or partial-credit ranges) were dropped")
    return full[0]


def matching_body(prompt: str, raw_pairs: list[tuple[str, str]], label: str, warnings: list[str]) -> dict:
    """A matching question, or an ordering one when its left sides are "Position 1..n" (our export).
    Moodle allows extra right-hand answers without a left side; MesoLearn has none, so they are dropped."""
    pairs = [{"left": left, "right": right} for left, right in raw_pairs if left]
    if dropped := len(raw_pairs) - len(pairs):
        warnings.append(f"{label}: {dropped} extra right-hand answer(s) without a left side were dropped")
    items = ordering_from_pairs(pairs)
    if items is not None:
        return {"type": "ordering", "prompt": prompt, "items": items}
    return {"type": "matching", "prompt": prompt, "pairs": pairs}


def ordering_from_pairs(pairs: list[dict]) -> list[str] | None:
    """Items of an ordering question exported as matching ('Position 1' -> item ...), else None."""
    if len(pairs) < 3:
        return None
    if all(p["left"].strip() == ORDERING_LABEL.format(n=i + 1) for i, p in enumerate(pairs)):
        return [p["right"] for p in pairs]
    return None


def text_from_format(text: str, fmt: str, item_label: str, warnings: list[str]) -> str:
    """Turn text in a Moodle format into MesoLearn Markdown (HTML is converted, with a warning)."""
    if fmt == "html" or (fmt == "moodle" and HTML_TAG.search(text)):
        warnings.append(f"{item_label}: HTML formatting was converted to plain text")
        return html_to_text(text)
    return text


# ====================================================================== export
def gift_escape(text: str) -> str:
    """Escape text for GIFT as Moodle's exporter does: \\ ~ = # { } : and newlines."""
    out = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        if ch == "\\":
            out.append("\\\\")
        elif ch in "~=#{}:":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


_FORMAT_NAMES = ("html", "moodle", "plain", "markdown")


def _md(text: str) -> str:
    """Escaped Markdown text for an answer or feedback; a leading '[' gets an explicit [markdown] so
    that Moodle does not read '[html]'-like text as a format tag."""
    esc = gift_escape(text)
    return "[markdown]" + esc if esc.startswith("[") else esc


def _wrong_option(text: str) -> str:
    """'~' + text, with an explicit 0 weight when the text itself starts like a weight ('%5%...')."""
    esc = _md(text)
    return "~%0%" + esc if esc.startswith("%") else "~" + esc


def _matching_left(text: str) -> str:
    # Moodle splits a pair at its first '->'; '-\>' is left alone by GIFT and is '->' in Markdown.
    return _md(text).replace("->", "-\\>")


def _question_gift(q: Any, lesson: Lesson | None, metadata: bool) -> str:
    lines: list[str] = []
    refs = references_block(q, lesson)
    if metadata:
        lines.append("// " + META_PREFIX + " " + json.dumps(metadata_of(q, refs_appended=bool(refs)), ensure_ascii=False))
    head = f"::{gift_escape(q.id)}::[markdown]{gift_escape(q.prompt)}"
    feedback = "\t####" + _md(q.explanation + refs)
    if q.type == "single_choice":
        lines.append(head + "{")
        for o in q.options:
            lines.append("\t" + ("=" + _md(o.text) if o.id == q.answer else _wrong_option(o.text)))
    elif q.type == "multiple_response":
        right, wrong = mr_weights(len(q.answers))
        if not on_moodle_grade_list(right):
            lines.append(f"// note: weights {format_percent(right)}% / {format_percent(wrong)}% are not on Moodle's list "
                         f"of grades; choose 'Nearest grade if not listed' when importing")
        lines.append(head + "{")
        for o in q.options:
            weight = format_percent(right if o.id in q.answers else wrong)
            lines.append(f"\t~%{weight}%{_md(o.text)}")
    elif q.type == "true_false":
        lines.append(head + "{" + ("TRUE" if q.answer else "FALSE"))
    elif q.type == "numeric":
        lines.append(head + "{#" + f"{format_number(q.answer)}:{format_number(q.tolerance)}")
    elif q.type == "matching":
        lines.append(head + "{")
        for p in q.pairs:
            lines.append(f"\t={_matching_left(p.left)} -> {gift_escape(p.right)}")
    elif q.type == "ordering":
        lines.insert(0, "// ordering question exported as a matching question (Position N -> item): Moodle "
                        "scores correct matches / n, as MesoLearn scores items in their correct position / n")
        lines.append(head + "{")
        for i, item in enumerate(q.items):
            lines.append(f"\t={ORDERING_LABEL.format(n=i + 1)} -> {gift_escape(item)}")
    else:  # pragma: no cover - the models allow no other type
        raise ValueError(f"unknown question type {q.type}")
    lines.append(feedback)
    lines.append("}")
    return "\n".join(lines)


def quiz_to_gift(quiz: Quiz, lesson: Lesson | None = None, *, category: bool | str = True,
                 metadata: bool = True) -> str:
    """The quiz as a GIFT file (UTF-8 text) that Moodle imports into its question bank.

    ``lesson`` (the module's lesson) adds the cited references after each explanation and the
    lesson title to the header. ``category``: True writes ``$CATEGORY: $course$/MesoLearn/<module>``,
    a string writes that category path, False none. ``metadata`` writes the ``// mesolearn:``
    comment that lets :func:`gift_to_quiz_dict` restore the MesoLearn-only fields.
    """
    counts: dict[str, int] = {}
    for q in quiz.questions:
        counts[q.type] = counts.get(q.type, 0) + 1
    header = [f"// MesoLearn quiz '{quiz.module}'" + (f": {lesson.title}" if lesson else "") + " (GIFT format for Moodle)",
              f"// {len(quiz.questions)} questions: " + ", ".join(f"{t} {n}" for t, n in counts.items()),
              "// Text is Markdown. Ordering questions are written as matching questions (Position N -> item)."]
    blocks = ["\n".join(header)]
    if category:
        path = category if isinstance(category, str) else f"$course$/MesoLearn/{quiz.module}"
        blocks.append(f"$CATEGORY: {path}")
    blocks.extend(_question_gift(q, lesson, metadata) for q in quiz.questions)
    return "\n\n".join(blocks) + "\n"


# ====================================================================== import
# Escaped characters become private-use placeholders while the structure is parsed (as Moodle's
# escapedchar_pre does), and are turned back into the characters at the leaves.
_ESCAPES = {"~": "\ue000", "=": "\ue001", "#": "\ue002", "{": "\ue003", "}": "\ue004", ":": "\ue005",
            "n": "\ue006", ">": "\ue007"}
_UNESCAPE = {v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
_PLACEHOLDERS = re.compile("[\ue000-\ue007]")
_WEIGHT = re.compile(r"^%(-*)([0-9]{1,2}\.?[0-9]*)%")   # Moodle's $giftanswerweightregex
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _unescape(raw: str) -> str:
    return _PLACEHOLDERS.sub(lambda m: _UNESCAPE[m.group()], raw)


@dataclass
class _Src:
    """A question block: its text with escapes as placeholders, and the line of every character."""

    text: str
    lines: list[int]
    comments: list[tuple[int, str]]
    first_line: int

    def line_at(self, i: int) -> int:
        if not self.lines:
            return self.first_line
        return self.lines[min(max(i, 0), len(self.lines) - 1)]


def _blocks(text: str) -> Iterable[_Src]:
    """Split into questions at blank lines (lines are trimmed, as Moodle does)."""
    chars: list[str] = []
    line_of: list[int] = []
    comments: list[tuple[int, str]] = []
    first = 0
    first_any = 0
    has_line = False

    def flush() -> _Src | None:
        if not has_line and not comments:
            return None
        return _Src("".join(chars), list(line_of), list(comments), first or first_any)

    for lineno, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.strip()
        if not line:
            block = flush()
            if block is not None:
                yield block
            chars.clear(); line_of.clear(); comments.clear()  # noqa: E702
            has_line = False
            first = first_any = 0
            continue
        first_any = first_any or lineno
        if line.startswith("//"):
            comments.append((lineno, line[2:].strip()))
            continue
        first = first or lineno
        if has_line:
            chars.append("\n")
            line_of.append(lineno)
        has_line = True
        i = 0
        while i < len(line):
            ch = line[i]
            if _PLACEHOLDERS.match(ch):
                raise GiftError(f"unsupported private-use character U+{ord(ch):04X}", lineno)
            if ch == "\\" and i + 1 < len(line):
                nxt = line[i + 1]
                if nxt == "\\":
                    chars.append("\\"); line_of.append(lineno); i += 2  # noqa: E702
                    continue
                if nxt in _ESCAPES:
                    chars.append(_ESCAPES[nxt]); line_of.append(lineno); i += 2  # noqa: E702
                    continue
            chars.append(ch)
            line_of.append(lineno)
            i += 1
    block = flush()
    if block is not None:
        yield block


def _with_format(raw: str, default: str) -> tuple[str, str]:
    """Moodle's parse_text_with_format: a leading [html]/[moodle]/[plain]/[markdown] sets the format."""
    raw = raw.strip()
    fmt = default
    if raw.startswith("["):
        end = raw.find("]")
        if end > 0 and raw[1:end] in _FORMAT_NAMES:
            fmt = raw[1:end]
            raw = raw[end + 1:]
    return _unescape(raw).strip(), fmt


def _parse_number(raw: str, src: _Src, at: int) -> float:
    s = _unescape(raw).strip()
    if not _NUMBER.match(s):
        raise GiftError(f"'{s}' is not a number", src.line_at(at))
    value = float(s)
    if not math.isfinite(value):
        raise GiftError(f"'{s}' is not a finite number", src.line_at(at))
    return value


def _read_meta(src: _Src, warnings: list[str]) -> dict:
    for lineno, comment in src.comments:
        if comment.startswith(META_PREFIX):
            try:
                meta = json.loads(comment[len(META_PREFIX):])
            except json.JSONDecodeError as exc:
                warnings.append(f"line {lineno}: the '// {META_PREFIX}' comment is not valid JSON ({exc.msg}); ignored")
                return {}
            if not isinstance(meta, dict):
                warnings.append(f"line {lineno}: the '// {META_PREFIX}' comment is not a JSON object; ignored")
                return {}
            return meta
    return {}


def _parse_block(src: _Src, ordinal: int, warnings: list[str]) -> ImportedQuestion | None:
    s = src.text
    start = len(s) - len(s.lstrip())
    where = f"line {src.first_line}"

    # ---- title
    title = ""
    pos = start
    if s.startswith("::", start):
        end = s.find("::", start + 2)
        if end < 0:
            raise GiftError("the question title opened with '::' is not closed with '::' "
                            "(escape a literal colon as \\:)", src.line_at(start))
        title = _unescape(s[start + 2:end]).strip()
        pos = end + 2
    label = f"{where}: question '{title}'" if title else f"{where}: question {ordinal}"

    # ---- the answer block {...}: exactly one, balanced
    opened = closed = -1
    for i in range(pos, len(s)):
        ch = s[i]
        if ch == "{":
            if opened >= 0 and closed < 0:
                raise GiftError(f"'{{' inside the answers opened on line {src.line_at(opened)}: close them with '}}' "
                                f"first, or escape a literal brace as \\{{", src.line_at(i))
            if closed >= 0:
                raise GiftError("a second answer block '{...}' in the same question: separate questions with a "
                                "blank line, or escape a literal brace as \\{", src.line_at(i))
            opened = i
        elif ch == "}":
            if opened < 0 or closed >= 0:
                raise GiftError("'}' without a matching '{' (escape a literal brace as \\})", src.line_at(i))
            closed = i
    if opened >= 0 and closed < 0:
        raise GiftError("'{' is never closed by '}' (unbalanced braces; escape a literal brace as \\{)",
                        src.line_at(opened))
    if opened < 0:
        warnings.append(f"{label}: a description (text without answers) is not a question; skipped")
        return None

    before = s[pos:opened]
    after = s[closed + 1:].strip()
    answer = s[opened + 1:closed]
    ans_off = opened + 1
    stripped_lead = len(answer) - len(answer.lstrip())
    answer_text = answer.strip()
    ans_off += stripped_lead

    # ---- general feedback: after the last ####
    general = ""
    gf = answer_text.rfind("####")
    if gf >= 0:
        general = answer_text[gf + 4:]
        answer_text = answer_text[:gf].strip()

    prompt, fmt = _with_format(before, "moodle")
    general_text, gfmt = _with_format(general, fmt)
    if after:
        warnings.append(f"{label}: missing-word (fill-in-the-blank) questions are not supported; skipped")
        return None
    if not prompt:
        warnings.append(f"{label}: the question has no text; skipped")
        return None
    prompt = text_from_format(prompt, fmt, label, warnings)
    general_text = text_from_format(general_text, gfmt, label, warnings) if general_text else ""
    item = ImportedQuestion(where=where, title=title, ordinal=ordinal, body={}, explanation=general_text,
                            meta=_read_meta(src, warnings))

    def answer_text_of(raw: str) -> str:
        txt, afmt = _with_format(raw, fmt)
        return text_from_format(txt, afmt, label, warnings) if txt else ""

    # ---- question type, decided as Moodle does
    if answer_text == "":
        warnings.append(f"{label}: essay questions are not supported; skipped")
        return None
    if answer_text[0] == "#":
        return _numeric(item, answer_text, src, ans_off, label, answer_text_of, warnings, prompt)
    if "~" in answer_text:
        return _multichoice(item, answer_text, src, ans_off, label, answer_text_of, warnings, prompt)
    if "=" in answer_text and "->" in answer_text:
        return _matching(item, answer_text, src, ans_off, label, answer_text_of, warnings, prompt)
    tf_check = answer_text
    if answer_text.find("#") > 0:
        tf_check = answer_text[:answer_text.find("#")].strip()
    if tf_check in ("T", "TRUE", "F", "FALSE"):
        bits = answer_text.split("#", 2)
        value = tf_check in ("T", "TRUE")
        wrong_fb = answer_text_of(bits[1]) if len(bits) > 1 else ""
        right_fb = answer_text_of(bits[2]) if len(bits) > 2 else ""
        right_name, wrong_name = ("True", "False") if value else ("False", "True")
        if right_fb:
            item.feedback.append((right_name, right_fb))
        if wrong_fb:
            item.feedback.append((wrong_name, wrong_fb))
        item.body = {"type": "true_false", "prompt": prompt, "answer": value}
        return item
    warnings.append(f"{label}: short-answer questions are not supported; skipped")
    return None


def _answers(answer_text: str, sep: str) -> list[str]:
    """Moodle's explode(sep) that drops an empty first element."""
    return [part for _, part in _pieces(answer_text, sep)]


def _pieces(raw: str, sep: str) -> list[tuple[int, str]]:
    """Like :func:`_answers`, with each piece's offset in ``raw``."""
    out, i = [], 0
    for part in raw.split(sep):
        out.append((i, part))
        i += len(part) + len(sep)
    if out and out[0][1].strip() == "":
        out = out[1:]
    return out


def _multichoice(item, answer_text, src, off, label, text_of, warnings, prompt):
    single = "=" in answer_text
    parts = _answers(answer_text.replace("=", "~="), "~")
    if len(parts) < 2:
        raise GiftError("a multiple-choice question needs at least two answers", src.line_at(off))
    options: list[tuple[str, float]] = []
    for part in parts:
        part = part.strip()
        if part.startswith("="):
            weight, part = 1.0, part[1:]
        elif m := _WEIGHT.match(part):
            weight = float(m.group(2)) / 100 * (-1 if m.group(1) else 1)
            part = part[m.end():]
        else:
            weight = 0.0
        bits = part.split("#", 1)
        text = text_of(bits[0])
        if len(bits) > 1 and (fb := text_of(bits[1])):
            item.feedback.append((text, fb))
        options.append((text, weight))
    ids = option_letters(len(options))
    opts = [{"id": i, "text": t} for i, (t, _) in zip(ids, options)]
    if single:
        full = [i for i, (_, w) in zip(ids, options) if abs(w - 1) < 1e-9]
        if len(full) != 1:
            warnings.append(f"{label}: {len(full)} answers are fully correct; a MesoLearn single-choice question has "
                            f"exactly one; skipped")
            return None
        partial = [t for t, w in options if abs(w) > 1e-9 and abs(w - 1) > 1e-9]
        if partial:
            warnings.append(f"{label}: partial credit or penalty on {len(partial)} answer(s) was dropped (MesoLearn "
                            f"single choice scores 1 for the right answer, 0 otherwise)")
        item.body = {"type": "single_choice", "prompt": prompt, "options": opts, "answer": full[0]}
        return item
    right = [i for i, (_, w) in zip(ids, options) if w > 1e-9]
    if not right:
        warnings.append(f"{label}: no answer has a positive weight; skipped")
        return None
    k = len(right)
    want_r, want_w = mr_weights(k)
    mismatched = [t for (t, w) in options
                  if abs(w * 100 - (want_r if w > 1e-9 else want_w)) > 1e-3]
    if mismatched:
        warnings.append(f"{label}: weights differ from MesoLearn's rule (+{format_percent(want_r)}% for each of the "
                        f"{k} correct answers, {format_percent(want_w)}% for each wrong one); the question is scored "
                        f"by MesoLearn's rule")
    item.body = {"type": "multiple_response", "prompt": prompt, "options": opts, "answers": right}
    return item


def _matching(item, answer_text, src, off, label, text_of, warnings, prompt):
    raw_pairs = []
    for rel, part in _pieces(answer_text, "="):
        marker = part.find("->")
        if marker < 0:
            raise GiftError("a matching pair needs '->' between its two sides (=left -> right)",
                            src.line_at(off + rel))
        raw_pairs.append((text_of(part[:marker]), _unescape(part[marker + 2:]).strip()))
    item.body = matching_body(prompt, raw_pairs, label, warnings)
    return item


def _numeric(item, answer_text, src, off, label, text_of, warnings, prompt):
    body = answer_text[1:]
    wrong_fb = ""
    tilde = body.find("~")
    if tilde >= 0:
        wrong_fb = body[tilde:]
        body = body[:tilde]
    parts = [p for p in _answers(body, "=") if p.strip()]
    if not parts:
        raise GiftError("a numeric question needs an answer ({#answer:tolerance})", src.line_at(off))
    answers: list[tuple[float, float, float]] = []   # (weight, answer, tolerance)
    for part in parts:
        part = part.strip()
        weight = 1.0
        if m := _WEIGHT.match(part):
            weight = float(m.group(2)) / 100 * (-1 if m.group(1) else 1)
            part = part[m.end():]
        bits = part.split("#", 1)
        value = bits[0].strip()
        if len(bits) > 1 and (fb := text_of(bits[1])):
            item.feedback.append((_unescape(value), fb))
        at = off + max(0, answer_text.find(value))
        if _ESCAPES[":"] in value or _ESCAPES["="] in value:
            raise GiftError("write a numeric answer as {#answer:tolerance} with the ':' not escaped", src.line_at(at))
        if ".." in value[1:]:
            lo_raw, hi_raw = value.split("..", 1)
            lo, hi = _parse_number(lo_raw, src, at), _parse_number(hi_raw, src, at)
            ans, tol = (lo + hi) / 2, abs(hi - lo) / 2
        elif ":" in value[1:]:
            a_raw, t_raw = value.split(":", 1)
            ans, tol = _parse_number(a_raw, src, at), abs(_parse_number(t_raw, src, at))
        else:
            ans, tol = _parse_number(value, src, at), 0.0
        answers.append((weight, ans, tol))
    if wrong_fb:
        bits = wrong_fb.split("#", 1)
        if len(bits) > 1 and (fb := text_of(bits[1])):
            item.feedback.append(("any other answer", fb))
    chosen = full_credit_numeric(answers, 1.0, label, warnings)
    if chosen is None:
        return None
    _, ans, tol = chosen
    item.body = {"type": "numeric", "prompt": prompt, "answer": _plain_number(ans),
                 "tolerance": _plain_number(tol), "unit": ""}
    return item


def _plain_number(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else x


def gift_to_quiz_dict(text: str, module: str, objective: str, section: str, references: list[str] | str,
                      pass_mark: float = 70, questions_per_attempt: int | None = None, *,
                      difficulty: str = "medium", use_metadata: bool = True) -> tuple[dict, list[str]]:
    """Parse a GIFT file into a dict that ``Quiz.model_validate`` accepts, and a list of warnings.

    ``objective``, ``section``, ``references`` (ids of the module's lesson) and ``difficulty`` are
    given to every question, unless ``use_metadata`` and the question carries a ``// mesolearn:``
    comment (written by :func:`quiz_to_gift`). ``questions_per_attempt`` defaults to
    min(10, questions imported). Raises :class:`GiftError` (with the line) for a syntax error, and
    ValueError for bad arguments.
    """
    _check_arguments(module, objective, section, [references] if isinstance(references, str) else list(references or []),
                     difficulty)
    if len(text) > MAX_INPUT_CHARS:
        raise GiftError(f"the file is too large ({len(text):,} characters; the limit is {MAX_INPUT_CHARS:,})")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    warnings: list[str] = []
    items: list[ImportedQuestion] = []
    ordinal = 0
    for src in _blocks(text):
        body = src.text.strip()
        if not body:
            continue  # only comments
        if body.startswith("$CATEGORY:"):
            continue  # a Moodle category switch; MesoLearn puts the questions in the quiz's module
        ordinal += 1
        item = _parse_block(src, ordinal, warnings)
        if item is not None:
            items.append(item)
    quiz = build_quiz_dict(items, module=module, objective=objective, section=section, references=references,
                           difficulty=difficulty, pass_mark=pass_mark, questions_per_attempt=questions_per_attempt,
                           use_metadata=use_metadata, warnings=warnings, error_cls=GiftError)
    return quiz, list(dict.fromkeys(warnings))
