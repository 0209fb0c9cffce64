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

Each question type writes and reads its own answer block (``gift_encode``/``gift_decode`` in
``mesolearn/questions/<type>.py``); this module splits the file into questions, handles the title,
format, escapes, metadata comment and general feedback, and asks the types in their decode order
which one claims each answer block (:class:`GiftAnswer` is what they are given). The import
pipeline after that is :mod:`.common`.

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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mesolearn.content.models import Lesson, Quiz
from mesolearn.exchange.common import (
    ORDERING_LABEL,
    REFERENCES_HEADING,
    ExchangeError,
    ImportedQuestion,
    check_arguments,
    finish_import,
    metadata_of,
    reference_list,
    references_block,
    slugify,
    text_from_format,
)
from mesolearn.questions.base import NOT_MINE
from mesolearn.questions.registry import decoders, type_of

__all__ = [
    "GiftError",
    "quiz_to_gift",
    "gift_to_quiz_dict",
    "gift_escape",
    "slugify",
    "ORDERING_LABEL",
    "REFERENCES_HEADING",
]

META_PREFIX = "mesolearn:"
MAX_INPUT_CHARS = 5_000_000


class GiftError(ExchangeError):
    """A GIFT file that cannot be read; ``line`` is 1-based (None when not tied to a line)."""


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


def gift_md(text: str) -> str:
    """Escaped Markdown text for an answer or feedback; a leading '[' gets an explicit [markdown] so
    that Moodle does not read '[html]'-like text as a format tag."""
    esc = gift_escape(text)
    return "[markdown]" + esc if esc.startswith("[") else esc


def gift_wrong_option(text: str) -> str:
    """'~' + text, with an explicit 0 weight when the text itself starts like a weight ('%5%...')."""
    esc = gift_md(text)
    return "~%0%" + esc if esc.startswith("%") else "~" + esc


def gift_matching_left(text: str) -> str:
    # Moodle splits a pair at its first '->'; '-\>' is left alone by GIFT and is '->' in Markdown.
    return gift_md(text).replace("->", "-\\>")


def _question_gift(q: Any, lesson: Lesson | None, metadata: bool) -> str:
    lines: list[str] = type_of(q).gift_preamble(q)
    refs = references_block(q, lesson)
    if metadata:
        lines.append(
            "// " + META_PREFIX + " " + json.dumps(metadata_of(q, refs_appended=bool(refs)), ensure_ascii=False)
        )
    head = f"::{gift_escape(q.id)}::[markdown]{gift_escape(q.prompt)}"
    lines += type_of(q).gift_encode(q, head)
    lines.append("\t####" + gift_md(q.explanation + refs))
    lines.append("}")
    return "\n".join(lines)


def quiz_to_gift(
    quiz: Quiz, lesson: Lesson | None = None, *, category: bool | str = True, metadata: bool = True
) -> str:
    """The quiz as a GIFT file (UTF-8 text) that Moodle imports into its question bank.

    ``lesson`` (the module's lesson) adds the cited references after each explanation and the
    lesson title to the header. ``category``: True writes ``$CATEGORY: $course$/MesoLearn/<module>``,
    a string writes that category path, False none. ``metadata`` writes the ``// mesolearn:``
    comment that lets :func:`gift_to_quiz_dict` restore the MesoLearn-only fields.
    """
    counts: dict[str, int] = {}
    for q in quiz.questions:
        counts[q.type] = counts.get(q.type, 0) + 1
    header = [
        f"// MesoLearn quiz '{quiz.module}'" + (f": {lesson.title}" if lesson else "") + " (GIFT format for Moodle)",
        f"// {len(quiz.questions)} questions: " + ", ".join(f"{t} {n}" for t, n in counts.items()),
        "// Text is Markdown. Ordering questions are written as matching questions (Position N -> item).",
    ]
    blocks = ["\n".join(header)]
    if category:
        path = category if isinstance(category, str) else f"$course$/MesoLearn/{quiz.module}"
        blocks.append(f"$CATEGORY: {path}")
    blocks.extend(_question_gift(q, lesson, metadata) for q in quiz.questions)
    return "\n\n".join(blocks) + "\n"


# ====================================================================== import
# Escaped characters become private-use placeholders while the structure is parsed (as Moodle's
# escapedchar_pre does), and are turned back into the characters at the leaves.
_ESCAPES = {
    "~": "\ue000",
    "=": "\ue001",
    "#": "\ue002",
    "{": "\ue003",
    "}": "\ue004",
    ":": "\ue005",
    "n": "\ue006",
    ">": "\ue007",
}
_UNESCAPE = {v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
_PLACEHOLDERS = re.compile("[\ue000-\ue007]")
_WEIGHT = re.compile(r"^%(-*)([0-9]{1,2}\.?[0-9]*)%")  # Moodle's $giftanswerweightregex
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
            chars.clear()
            line_of.clear()
            comments.clear()  # noqa: E702
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
                    chars.append("\\")
                    line_of.append(lineno)
                    i += 2  # noqa: E702
                    continue
                if nxt in _ESCAPES:
                    chars.append(_ESCAPES[nxt])
                    line_of.append(lineno)
                    i += 2  # noqa: E702
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
            raw = raw[end + 1 :]
    return _unescape(raw).strip(), fmt


def _read_meta(src: _Src, warnings: list[str]) -> dict:
    for lineno, comment in src.comments:
        if comment.startswith(META_PREFIX):
            try:
                meta = json.loads(comment[len(META_PREFIX) :])
            except json.JSONDecodeError as exc:
                warnings.append(f"line {lineno}: the '// {META_PREFIX}' comment is not valid JSON ({exc.msg}); ignored")
                return {}
            if not isinstance(meta, dict):
                warnings.append(f"line {lineno}: the '// {META_PREFIX}' comment is not a JSON object; ignored")
                return {}
            return meta
    return {}


@dataclass
class GiftAnswer:
    """One question's answer block, handed to each type's ``gift_decode`` (escapes are placeholders
    until :meth:`text_of` or :meth:`unescape`; the general feedback is already cut off)."""

    text: str
    prompt: str
    label: str
    offset: int  # of ``text`` in the block, for line numbers
    fmt: str  # the question's text format
    src: _Src
    item: ImportedQuestion
    warnings: list[str]

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.label}: {message}")

    def error(self, message: str, at: int = 0) -> GiftError:
        return GiftError(message, self.src.line_at(self.offset + at))

    def text_of(self, raw: str) -> str:
        """An answer or feedback as MesoLearn text (its own [format] tag, else the question's)."""
        txt, afmt = _with_format(raw, self.fmt)
        return text_from_format(txt, afmt, self.label, self.warnings) if txt else ""

    def feedback(self, answer: str, text: str) -> None:
        self.item.feedback.append((answer, text))

    @staticmethod
    def unescape(raw: str) -> str:
        return _unescape(raw)

    @staticmethod
    def escaped(ch: str) -> str:
        """The placeholder standing for an escaped ``ch`` (``\\:`` is ``escaped(':')``)."""
        return _ESCAPES[ch]

    @staticmethod
    def pieces(raw: str, sep: str) -> list[tuple[int, str]]:
        return _pieces(raw, sep)

    @staticmethod
    def answers(raw: str, sep: str) -> list[str]:
        return [part for _, part in _pieces(raw, sep)]

    @staticmethod
    def weight(part: str) -> tuple[float | None, str]:
        """A leading ``%50%`` / ``%-33.3%`` weight as a fraction, and the rest (None: no weight)."""
        if m := _WEIGHT.match(part):
            return float(m.group(2)) / 100 * (-1 if m.group(1) else 1), part[m.end() :]
        return None, part

    def number(self, raw: str, at: int = 0) -> float:
        s = _unescape(raw).strip()
        if not _NUMBER.match(s):
            raise self.error(f"'{s}' is not a number", at)
        value = float(s)
        if not math.isfinite(value):
            raise self.error(f"'{s}' is not a finite number", at)
        return value


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
            raise GiftError(
                "the question title opened with '::' is not closed with '::' (escape a literal colon as \\:)",
                src.line_at(start),
            )
        title = _unescape(s[start + 2 : end]).strip()
        pos = end + 2
    label = f"{where}: question '{title}'" if title else f"{where}: question {ordinal}"

    # ---- the answer block {...}: exactly one, balanced
    opened = closed = -1
    for i in range(pos, len(s)):
        ch = s[i]
        if ch == "{":
            if opened >= 0 and closed < 0:
                raise GiftError(
                    f"'{{' inside the answers opened on line {src.line_at(opened)}: close them with '}}' "
                    f"first, or escape a literal brace as \\{{",
                    src.line_at(i),
                )
            if closed >= 0:
                raise GiftError(
                    "a second answer block '{...}' in the same question: separate questions with a "
                    "blank line, or escape a literal brace as \\{",
                    src.line_at(i),
                )
            opened = i
        elif ch == "}":
            if opened < 0 or closed >= 0:
                raise GiftError("'}' without a matching '{' (escape a literal brace as \\})", src.line_at(i))
            closed = i
    if opened >= 0 and closed < 0:
        raise GiftError(
            "'{' is never closed by '}' (unbalanced braces; escape a literal brace as \\{)", src.line_at(opened)
        )
    if opened < 0:
        warnings.append(f"{label}: a description (text without answers) is not a question; skipped")
        return None

    before = s[pos:opened]
    after = s[closed + 1 :].strip()
    answer = s[opened + 1 : closed]
    ans_off = opened + 1
    stripped_lead = len(answer) - len(answer.lstrip())
    answer_text = answer.strip()
    ans_off += stripped_lead

    # ---- general feedback: after the last ####
    general = ""
    gf = answer_text.rfind("####")
    if gf >= 0:
        general = answer_text[gf + 4 :]
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
    item = ImportedQuestion(
        where=where, title=title, ordinal=ordinal, body={}, explanation=general_text, meta=_read_meta(src, warnings)
    )

    # ---- question type, decided as Moodle does: each type claims its syntax, in decode order
    block = GiftAnswer(answer_text, prompt, label, ans_off, fmt, src, item, warnings)
    if answer_text == "":  # an essay: not a MesoLearn question, unless a type wrote it (a case, see its comment)
        for qtype in decoders():
            body = qtype.gift_decode_essay(block)
            if body is NOT_MINE:
                continue
            if body is not None:
                item.body = body
                return item
            return None
        warnings.append(f"{label}: essay questions are not supported; skipped")
        return None
    for qtype in decoders():
        body = qtype.gift_decode(block)
        if body is NOT_MINE:
            continue
        if body is None:
            return None
        item.body = body
        return item
    warnings.append(f"{label}: short-answer questions are not supported; skipped")
    return None


def _pieces(raw: str, sep: str) -> list[tuple[int, str]]:
    """Like :func:`_answers`, with each piece's offset in ``raw``."""
    out, i = [], 0
    for part in raw.split(sep):
        out.append((i, part))
        i += len(part) + len(sep)
    if out and out[0][1].strip() == "":
        out = out[1:]
    return out


def gift_to_quiz_dict(
    text: str,
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
    """Parse a GIFT file into a dict that ``Quiz.model_validate`` accepts, and a list of warnings.

    ``objective``, ``section``, ``references`` (ids of the module's lesson) and ``difficulty`` are
    given to every question, unless ``use_metadata`` and the question carries a ``// mesolearn:``
    comment (written by :func:`quiz_to_gift`). ``questions_per_attempt`` defaults to
    min(10, questions imported). Raises :class:`GiftError` (with the line) for a syntax error, and
    ValueError for bad arguments.
    """
    check_arguments(module, objective, section, reference_list(references), difficulty)
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
    return finish_import(
        items,
        warnings,
        GiftError,
        module=module,
        objective=objective,
        section=section,
        references=references,
        difficulty=difficulty,
        pass_mark=pass_mark,
        questions_per_attempt=questions_per_attempt,
        use_metadata=use_metadata,
    )
