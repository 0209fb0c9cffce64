"""Item-writing checks on a loaded course (NBME-style rules), reported like every other content problem.

Each finding is a :class:`ContentIssue` naming ``file:line: field``. Rules and thresholds:

Warnings (printed by ``validate``, shown on Content health; they do not fail validation):

- **Longest-option cue, per pool.** Among a quiz's single-choice items, the share whose key is the
  longest option (ties count as longest) must not exceed ``LONGEST_SHARE_LIMIT`` (35 %).
- **Longest-option cue, per item.** A single-choice key at least ``KEY_RATIO_LIMIT`` (1.5) times as long
  as the next-longest option.
- **Absolute words** ("always", "never", "all", "only", "none", "every") in a *distractor* of a
  single-choice or multiple-response item, or in a true/false statement whose key is false: test-wise
  trainees learn that absolutes are usually wrong.
- **"All of the above" / "none of the above"** (and "both ... and ...") in any option: options are shuffled,
  and such options reward partial knowledge.
- **Near-duplicate stems** anywhere in the course whose questions are not in one enemy group: the exam
  could show the same fact twice. Similarity is the Jaccard index of the prompts' word sets (lower case,
  common function words dropped; for ordering and matching items, whose prompts are generic, the items or
  pairs are included); a pair at or above ``DUPLICATE_JACCARD`` (0.6) is reported.
- **An enemy group with one member**: usually a typo in the slug.

Errors (``validate`` exits 1):

- **critical on an item that is not single-best-answer.** ``critical: true`` is allowed only on
  ``single_choice`` and ``true_false`` items: the exam fails on any score below 1 of a critical item,
  and multiple-response, ordering, matching and numeric items give partial or all-or-nothing scores that
  punish a safe, nearly right answer.
- **Enemy groups that make a draw impossible.** A quiz whose pool, taking at most one question per enemy
  group, holds fewer than ``questions_per_attempt`` questions; an exam whose blueprint allocation cannot
  be filled when each group (groups may span modules) supplies at most one question to the whole exam.

Pure: reads the course's files only to recover line numbers; imports no Streamlit.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mesolearn.content.errors import ContentIssue
from mesolearn.content.loader import Course
from mesolearn.content.models import Exam, Question, Quiz
from mesolearn.content.safe_yaml import YamlProblem, line_for, load_yaml
from mesolearn.questions.registry import TYPES, type_of
from mesolearn.quiz.drawing import allocate, grouped_supply  # the exam's own allocation and matching

LONGEST_SHARE_LIMIT = 0.35
KEY_RATIO_LIMIT = 1.5
DUPLICATE_JACCARD = 0.6
CRITICAL_TYPES = tuple(t.name for t in TYPES.values() if t.single_best_answer)
ABSOLUTE = re.compile(r"(?<!-)\b(always|never|all|only|none|every)\b(?!-)", re.IGNORECASE)  # not "vitamin-only"
ABOVE = re.compile(
    r"\b(all|none) of the (above|options|answers)\b|\bboth\s+\(?[a-h]\)?\s+and\s+\(?[a-h]\)?\b", re.IGNORECASE
)
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "by",
        "with",
        "as",
        "at",
        "from",
        "that",
        "this",
        "which",
        "what",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "it",
        "its",
        "into",
        "than",
        "then",
        "there",
        "their",
        "they",
        "them",
        "these",
        "those",
        "do",
        "does",
        "did",
        "not",
        "no",
        "can",
        "could",
        "should",
        "would",
        "may",
        "might",
        "will",
        "your",
        "you",
        "her",
        "his",
        "she",
        "he",
    }
)
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class PoolFigures:
    """The longest-option figures of one quiz pool (single-choice items only)."""

    module: str
    file: str
    single_choice: int
    key_longest: int
    key_ratio: int  # keys >= KEY_RATIO_LIMIT x the next-longest option

    @property
    def share(self) -> float:
        return self.key_longest / self.single_choice if self.single_choice else 0.0

    @property
    def over_limit(self) -> bool:
        return self.share > LONGEST_SHARE_LIMIT


class _Lines:
    """Line maps of the course's files, read on demand (the loader does not keep them)."""

    def __init__(self, root: Path):
        self.root = root
        self.maps: dict[str, dict] = {}

    def line(self, file: str, loc: tuple) -> int | None:
        if file not in self.maps:
            try:
                self.maps[file] = load_yaml(self.root / file)[1]
            except (OSError, YamlProblem):
                self.maps[file] = {}
        lines = self.maps[file]
        return line_for(lines, loc) if lines else None


def question_location(course: Course, question_id: str) -> str | None:
    """``file:line`` of a question in its quiz file (for an instructor to find it), or None if it is gone."""
    module = course.module_of(question_id)
    if module is None or module.quiz is None or module.quiz_file is None:
        return None
    index = next((i for i, q in enumerate(module.quiz.questions) if q.id == question_id), None)
    if index is None:
        return None
    line = _Lines(course.root).line(module.quiz_file, ("questions", index, "id"))
    return f"{module.quiz_file}:{line}" if line else module.quiz_file


def _field(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


class _Sink:
    def __init__(self, root: Path):
        self.lines = _Lines(root)
        self.issues: list[ContentIssue] = []

    def add(self, file: str, loc: tuple, message: str, severity: Severity = "warning") -> None:
        self.issues.append(ContentIssue(file, self.lines.line(file, loc), _field(loc), message, severity))


def _single_key_options(q: Question) -> list | None:
    """The options of a single-best-answer item with options and one key (single choice), else None."""
    t = type_of(q)
    options = t.choice_options(q) if t.single_best_answer else None
    return options if options and sum(o.correct for o in options) == 1 else None


def _key_lengths(q: Question) -> tuple[int, int] | None:
    """(key length, longest distractor length) of a single-key item with options."""
    options = _single_key_options(q)
    if options is None:
        return None
    key = next(len(o.text) for o in options if o.correct)
    others = [len(o.text) for o in options if not o.correct]
    return key, max(others) if others else 0


def pool_figures(course: Course) -> list[PoolFigures]:
    """Longest-option share per quiz pool, in module order."""
    figures = []
    for module in course.modules.values():
        if module.quiz is None or module.quiz_file is None:
            continue
        lengths = [k for q in module.quiz.questions if (k := _key_lengths(q))]
        figures.append(
            PoolFigures(
                module.id,
                module.quiz_file,
                len(lengths),
                sum(key >= other for key, other in lengths),
                sum(key >= KEY_RATIO_LIMIT * other for key, other in lengths),
            )
        )
    return figures


def _check_options(quiz: Quiz, file: str, sink: _Sink) -> None:
    for i, q in enumerate(quiz.questions):
        t = type_of(q)
        if (k := _key_lengths(q)) and k[0] >= KEY_RATIO_LIMIT * k[1]:
            j = next(j for j, o in enumerate(_single_key_options(q) or []) if o.correct)
            sink.add(
                file,
                ("questions", i, "options", j),
                f"{q.id}: the key is {k[0] / max(k[1], 1):.1f}x as long as the next-longest option "
                f"(limit {KEY_RATIO_LIMIT:g}x): shorten it or lengthen the distractors",
            )
        above_seen = set()
        for j, o in enumerate(t.choice_options(q) or []):
            if above := ABOVE.search(o.text):
                above_seen.add(j)
                sink.add(
                    file,
                    ("questions", i, "options", j),
                    f"{q.id}: option '{o.id}' says '{above.group(0)}'; options are shuffled, "
                    f"write each option as a statement of its own",
                )
        for loc, text in t.distractors(q):
            if loc[0] == "options" and loc[1] in above_seen:
                continue
            if m := ABSOLUTE.search(text):
                what = (
                    f"distractor '{(t.choice_options(q) or [])[loc[1]].id}'"
                    if loc[0] == "options"
                    else "a false statement"
                )
                sink.add(
                    file, ("questions", i, *loc), f"{q.id}: {what} uses the absolute word '{m.group(0)}', a giveaway"
                )


def _check_critical(quiz: Quiz, file: str, sink: _Sink) -> None:
    for i, q in enumerate(quiz.questions):
        if q.critical and not type_of(q).may_be_critical:
            sink.add(
                file,
                ("questions", i, "critical"),
                f"{q.id}: critical is allowed on single-best-answer items ({', '.join(CRITICAL_TYPES)}), not "
                f"on {q.type} (any score below 1 of a critical item fails the exam)",
                "error",
            )


def _capacity(questions: Iterable[Question]) -> int:
    """How many questions a pool can give when at most one per enemy group is allowed."""
    qs = list(questions)
    return sum(1 for q in qs if q.enemy_group is None) + len({q.enemy_group for q in qs if q.enemy_group})


def _check_quiz_draw(quiz: Quiz, file: str, sink: _Sink) -> None:
    if (cap := _capacity(quiz.questions)) < quiz.questions_per_attempt:
        sink.add(
            file,
            ("questions_per_attempt",),
            f"questions_per_attempt is {quiz.questions_per_attempt} but with at most one question per "
            f"enemy group the pool can give only {cap}",
            "error",
        )


def _check_exam_draw(exam: Exam, file: str, course: Course, sink: _Sink) -> None:
    pools = {
        b.module: quiz.questions
        for b in exam.blueprint
        if b.module in course.modules and (quiz := course.modules[b.module].quiz) is not None
    }
    counts = allocate(
        {b.module: b.weight for b in exam.blueprint if b.module in pools},
        {m: len(p) for m, p in pools.items()},
        exam.questions,
    )
    demand: dict[str, int] = {}
    groups: dict[str, set[str]] = defaultdict(set)
    for i, entry in enumerate(exam.blueprint):
        if entry.module not in pools:
            continue
        pool = pools[entry.module]
        free = sum(1 for q in pool if q.enemy_group is None)
        if (cap := _capacity(pool)) < counts[entry.module]:
            sink.add(
                file,
                ("blueprint", i),
                f"the blueprint draws {counts[entry.module]} questions from "
                f"'{entry.module}', whose pool can give only {cap} with at most one per enemy group",
                "error",
            )
        demand[entry.module] = max(0, counts[entry.module] - free)
        for q in pool:
            if q.enemy_group:
                groups[q.enemy_group].add(entry.module)
    need = sum(demand.values())
    if need and (got := grouped_supply(demand, groups)) < need:
        sink.add(
            file,
            ("blueprint",),
            f"the blueprint needs {need} questions from enemy groups beyond the "
            f"ungrouped ones, but with at most one question per group in the whole exam only {got} can be "
            f"drawn",
            "error",
        )


def _tokens(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("*", ""))
    return frozenset(w for w in words if w not in STOP_WORDS)


def _stem(q: Question) -> str:
    """The text that states the fact (the type decides: the prompt, or for ordering/matching the whole item)."""
    return type_of(q).stem_text(q)


def _check_duplicates(course: Course, sink: _Sink) -> None:
    items: list[tuple[str, int, Question, frozenset[str]]] = []
    for module in course.modules.values():
        if module.quiz is None or module.quiz_file is None:
            continue
        for i, q in enumerate(module.quiz.questions):
            items.append((module.quiz_file, i, q, _tokens(_stem(q))))
    for a in range(len(items)):
        file_a, i_a, qa, ta = items[a]
        for b in range(a + 1, len(items)):
            file_b, i_b, qb, tb = items[b]
            if not ta or not tb or qa.enemy_group and qa.enemy_group == qb.enemy_group:
                continue
            shorter, longer = sorted((len(ta), len(tb)))
            if shorter < DUPLICATE_JACCARD * longer:  # the Jaccard index cannot reach the threshold
                continue
            similarity = len(ta & tb) / len(ta | tb)
            if similarity >= DUPLICATE_JACCARD:
                where = f"{file_a}:{sink.lines.line(file_a, ('questions', i_a, 'prompt'))}"
                sink.add(
                    file_b,
                    ("questions", i_b, "prompt"),
                    f"{qb.id}: the stem is a near-duplicate of {qa.id} ({where}; similarity {similarity:.0%}); "
                    f"put both in one enemy_group or make them test different facts",
                )


def _check_group_sizes(course: Course, sink: _Sink) -> None:
    members: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for module in course.modules.values():
        if module.quiz is None or module.quiz_file is None:
            continue
        for i, q in enumerate(module.quiz.questions):
            if q.enemy_group:
                members[q.enemy_group].append((module.quiz_file, i, q.id))
    for group, where in sorted(members.items()):
        if len(where) == 1:
            file, i, qid = where[0]
            sink.add(
                file,
                ("questions", i, "enemy_group"),
                f"{qid}: enemy group '{group}' has no other member in the course (a typo in the slug?)",
            )


def _exam_files(course: Course) -> dict[str, str]:
    """Exam id -> its file (the loader keeps exams by id only)."""
    files: dict[str, str] = {}
    for path in sorted((course.root / "exams").glob("*.yaml")):
        try:
            data = load_yaml(path)[0]
        except (OSError, YamlProblem):
            continue
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            files.setdefault(data["id"], path.relative_to(course.root).as_posix())
    return files


def check_items(course: Course) -> list[ContentIssue]:
    """Every item-writing finding for the course's valid quizzes and exams, sorted by file and line."""
    sink = _Sink(course.root)
    for module in course.modules.values():
        if module.quiz is None or module.quiz_file is None:
            continue
        _check_options(module.quiz, module.quiz_file, sink)
        _check_critical(module.quiz, module.quiz_file, sink)
        _check_quiz_draw(module.quiz, module.quiz_file, sink)
    for figures in pool_figures(course):
        if figures.over_limit:
            sink.add(
                figures.file,
                ("questions",),
                f"in {figures.key_longest} of {figures.single_choice} single-choice items "
                f"({figures.share:.0%}) the key is the longest option; the limit is "
                f"{LONGEST_SHARE_LIMIT:.0%}",
            )
    exam_files = _exam_files(course)
    for exam_id, exam in course.exams.items():
        _check_exam_draw(exam, exam_files.get(exam_id, f"exams/{exam_id}.yaml"), course, sink)
    _check_duplicates(course, sink)
    _check_group_sizes(course, sink)
    return sorted(set(sink.issues), key=lambda i: (i.file, i.line or 0, i.field, i.message))


def all_issues(course: Course) -> list[ContentIssue]:
    """The loader's issues and the item-writing findings together, sorted as the loader sorts."""
    return sorted([*course.issues, *check_items(course)], key=lambda i: (i.file, i.line or 0, i.field))


def counts(issues: Iterable[ContentIssue]) -> Counter[str]:
    return Counter(i.severity for i in issues)
