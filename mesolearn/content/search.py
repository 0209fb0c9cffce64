"""Search across lessons: sections found by the words of their heading, body and the lesson's key points.

Rules:

* What is searched: every section of every lesson (its heading and body, Markdown reduced to plain text), and
  each lesson's key points as one more entry (they open at the lesson's "Key points" page, ``KEY_POINTS``).
* Words match at their start and without regard to case or accents: "proca" finds "Procaine", "medecine" finds
  "médecine". Every word of the query must occur in the entry (a few very common words are ignored when the
  query has others). A query is cut to ``MAX_QUERY`` characters and ``MAX_TERMS`` words.
* Ranking is simple: a word in the heading weighs ``HEADING``, in a key point ``KEY_POINT``, in the body 1 per
  occurrence (at most ``BODY_CAP``); the whole query found as a phrase adds ``PHRASE``. Ties keep the course's
  order (lesson order, then section order).
* Each hit carries a short snippet of plain text around the first match and the character spans of the matches
  in it. The snippet is content text, never the query: the page escapes it and marks the spans itself.
* The index is built once per loaded course (:func:`index_for`) and is read-only afterwards, so every session
  may share it; a reloaded course gets a new one.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from mesolearn.content.loader import Course
from mesolearn.content.text import plain_text

KEY_POINTS = "key-points"  # the section id of a lesson's key points page
MAX_QUERY, MAX_TERMS, SNIPPET = 200, 10, 180
HEADING, KEY_POINT, BODY_CAP, PHRASE = 5, 3, 5, 5
STOP_WORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on", "or")
    + ("the", "to", "with", "what", "which", "who", "how", "why", "when")
)
_WORD = re.compile(r"\w+")


def _fold(text: str) -> tuple[str, list[int]]:
    """Lower case without accents, and for each character of the result its index in ``text``."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKD", ch.lower()):
            if not unicodedata.combining(c):
                out.append(c)
                where.append(i)
    return "".join(out), where


def fold(text: str) -> str:
    return _fold(text)[0]


def _cut(query: str) -> str:
    """The query's first ``MAX_QUERY`` characters, without a word cut in half."""
    if len(query) <= MAX_QUERY:
        return query
    head = query[:MAX_QUERY]
    parts = head.rsplit(None, 1)
    return parts[0] if len(parts) == 2 and not query[MAX_QUERY].isspace() and not head[-1].isspace() else head


def terms(query: str) -> list[str]:
    """The words of a query that are searched for (folded, in order, no repeats)."""
    words = list(dict.fromkeys(_WORD.findall(fold(_cut(query)))))
    useful = [w for w in words if w not in STOP_WORDS]
    return (useful or words)[:MAX_TERMS]


def _clean(markdown: str) -> str:
    text = plain_text(markdown)
    text = re.sub(r"^\s{0,3}(#+|[-*+]|\d+\.)\s+", "", text, flags=re.M)  # headings and list markers
    return " ".join(text.split())


@dataclass(frozen=True)
class _Field:
    text: str  # plain text as shown
    folded: str
    where: list[int]  # folded index -> text index
    words: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> _Field:
        folded, where = _fold(text)
        return cls(text, folded, where, tuple(_WORD.findall(folded)))

    def count(self, term: str) -> int:
        return sum(1 for w in self.words if w.startswith(term))

    def spans(self, term_list: Iterable[str]) -> list[tuple[int, int]]:
        """Where the matching words are, in ``text`` (the matched part of each word)."""
        out = []
        for term in term_list:
            for m in re.finditer(r"(?<!\w)" + re.escape(term), self.folded):
                start, end = self.where[m.start()], self.where[m.end() - 1] + 1
                out.append((start, end))
        return sorted(set(out))


@dataclass(frozen=True)
class _Entry:
    module_id: str
    module_title: str
    section_id: str
    heading: str
    order: tuple[int, int]
    heading_field: _Field
    body: tuple[_Field, ...]  # the body (one field) or the key points (one field each)
    key_points: bool


@dataclass(frozen=True)
class SearchHit:
    module_id: str
    module_title: str
    section_id: str  # a section id, or KEY_POINTS
    heading: str
    snippet: str  # plain text around the first match ("…" where it was cut)
    marks: tuple[tuple[int, int], ...]  # spans of the matches inside ``snippet``
    score: float


def _snippet(field: _Field, spans: list[tuple[int, int]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    text = field.text
    if len(text) <= SNIPPET:
        return text, tuple(spans)
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET // 3)
    if start:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + SNIPPET)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    prefix = "…" if start else ""
    shown = prefix + text[start:end].strip() + ("…" if end < len(text) else "")
    shift = len(prefix) - start
    marks = tuple((a + shift, b + shift) for a, b in spans if a >= start and b <= end)
    return shown, marks


class SearchIndex:
    """Every lesson section of one course, ready to search (immutable after it is built)."""

    def __init__(self, course: Course):
        entries: list[_Entry] = []
        for module in course.modules.values():
            lesson = module.lesson
            for n, section in enumerate(lesson.sections):
                entries.append(
                    _Entry(
                        module.id,
                        module.title,
                        section.id,
                        section.heading,
                        (lesson.order, n),
                        _Field.of(_clean(section.heading)),
                        (_Field.of(_clean(section.body)),),
                        False,
                    )
                )
            entries.append(
                _Entry(
                    module.id,
                    module.title,
                    KEY_POINTS,
                    "Key points",
                    (lesson.order, len(lesson.sections)),
                    _Field.of("Key points"),
                    tuple(_Field.of(_clean(k)) for k in lesson.key_points),
                    True,
                )
            )
        self.entries: tuple[_Entry, ...] = tuple(sorted(entries, key=lambda e: e.order))

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        wanted = terms(query)
        if not wanted:
            return []
        phrase = " ".join(_WORD.findall(fold(_cut(query))))
        hits: list[tuple[float, int, SearchHit]] = []
        for n, e in enumerate(self.entries):
            score = 0.0
            for term in wanted:
                in_heading = e.heading_field.count(term)
                in_body = sum(f.count(term) for f in e.body)
                if not in_heading and not in_body:
                    break
                weight = KEY_POINT if e.key_points else 1
                score += HEADING * min(in_heading, 1) + weight * min(in_body, BODY_CAP)
            else:
                fields = (e.heading_field, *e.body)
                if len(wanted) > 1 and any(phrase in " ".join(f.words) for f in fields):
                    score += PHRASE
                shown = next((f for f in e.body if f.spans(wanted)), e.heading_field)
                snippet, marks = _snippet(shown, shown.spans(wanted))
                hit = SearchHit(e.module_id, e.module_title, e.section_id, e.heading, snippet, marks, score)
                hits.append((-score, n, hit))
        return [h for _, _, h in sorted(hits, key=lambda t: (t[0], t[1]))[:limit]]


_INDEXES: dict[int, tuple[weakref.ref[Course], SearchIndex]] = {}
_LOCK = threading.Lock()


def index_for(course: Course) -> SearchIndex:
    """The course's search index, built on first use and then shared (one per loaded course)."""
    with _LOCK:
        known = _INDEXES.get(id(course))
        if known is not None and known[0]() is course:
            return known[1]
        index = SearchIndex(course)
        key = id(course)
        _INDEXES[key] = (weakref.ref(course, lambda _ref: _INDEXES.pop(key, None)), index)
        return index
