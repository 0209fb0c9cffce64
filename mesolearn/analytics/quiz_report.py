"""Item analysis of a module quiz or exam from the stored attempts (the glue between the database and
``mesolearn.analytics.item_analysis``).

Reads the submitted graded attempts of one quiz with one query per table, then builds the
long-form :class:`~mesolearn.analytics.Responses` and the option counts with NumPy/pandas
(no Python loop over attempts or answers):

* slot = ``Answer.position``; item = index of the question in the quiz's pool (a module's
  questions; for an exam, the union of its blueprint modules' pools, in blueprint order);
  score = ``Answer.score`` (unanswered = 0).
* An attempt whose answers no longer fit (a question removed from the content, or a different
  number of questions than most attempts because ``questions_per_attempt`` changed) cannot
  enter a complete attempt × slot grid; it is left out and counted in ``attempts_excluded``.
* First attempts only (Moodle's default) = each trainee's earliest submitted graded attempt.

The result is made of dataclasses with plain Python values (NaN becomes None), so
``json.dumps(report.to_dict())`` works.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Text, cast, select

from mesolearn.analytics import Responses, analyse, first_attempt_mask, never_chosen, option_counts
from mesolearn.content.catalogue import quiz_kind_title
from mesolearn.content.loader import Course
from mesolearn.content.models import Question
from mesolearn.errors import UserError
from mesolearn.questions.registry import type_of
from mesolearn.quiz.attempts import submit_overdue
from mesolearn.quiz.grading import random_guess_score
from mesolearn.storage import Database
from mesolearn.storage.models import Answer, Attempt

PROMPT_EXCERPT = 120
MIN_PRESENTED_FOR_DISTRACTORS = 10


class ItemStatsError(UserError, ValueError):
    """A message for the instructor (e.g. an unknown quiz)."""


# ---------------------------------------------------------------------- result
@dataclass(frozen=True)
class OptionFrequency:
    option_id: str
    text: str
    correct: bool
    count: int
    fraction: float | None  # of the times the question was presented


@dataclass(frozen=True)
class QuestionRow:
    question_id: str
    module_id: str
    prompt: str  # excerpt
    type: str
    critical: bool
    n: int  # times presented (in the analysed attempts)
    facility: float | None  # 0..1
    sd: float | None
    random_guess: float  # 0..1
    discrimination_index: float | None  # -100..100
    discriminative_efficiency: float | None  # 0..100 (may be negative)
    flags: list[str]
    options: list[OptionFrequency] | None  # types with options only, in the question's order
    no_answer: int | None  # types with options: presented but left blank


@dataclass(frozen=True)
class QuizSummary:
    n_attempts: int
    k: int
    mean: float | None  # percent
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    cronbach_alpha: float | None  # fraction
    error_ratio: float | None  # percent
    standard_error: float | None  # percent


@dataclass(frozen=True)
class ItemAnalysisReport:
    quiz_id: str
    title: str
    kind: str
    first_attempts_only: bool
    attempts_found: int  # submitted graded attempts in the database
    attempts_excluded: int  # left out because their questions no longer form a complete grid
    quiz: QuizSummary
    questions: list[QuestionRow]
    attempt_totals: list[float]  # percent, one per analysed attempt (for a histogram)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class QuizData:
    """The raw rows of one quiz's submitted graded attempts (attempts ordered by id)."""

    attempt_id: np.ndarray  # int64
    user_id: np.ndarray  # int64
    started_at: np.ndarray  # datetime64[us]
    answer_attempt: np.ndarray  # int64
    question_id: np.ndarray  # object (str)
    position: np.ndarray  # int64
    score: np.ndarray  # float64, NaN where not graded
    response: np.ndarray  # object: raw JSON text (or None)


# ---------------------------------------------------------------------- helpers
def _f(x: float) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def quiz_pool(course: Course, quiz_id: str) -> tuple[str, str, list[tuple[str, Question]]]:
    """(kind, title, [(module id, question)]) of a module quiz or an exam's union pool."""
    kind, title = quiz_kind_title(course, quiz_id)
    module = course.modules.get(quiz_id)
    if kind == "module" and module is not None and module.quiz is not None:
        return kind, title, [(module.id, q) for q in module.quiz.questions]
    exam = course.exams.get(quiz_id)
    if kind == "exam" and exam is not None:
        pool = [
            (b.module, q)
            for b in exam.blueprint
            if (m := course.modules.get(b.module)) and m.quiz
            for q in m.quiz.questions
        ]
        return kind, title, pool
    raise ItemStatsError(f"There is no quiz or exam '{quiz_id}' in the course.")


def _excerpt(text: str, limit: int = PROMPT_EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _parse(raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(raw, (bytes, str)):
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return raw  # a driver that already decoded the JSON


# ---------------------------------------------------------------------- read
def load_quiz_data(db: Database, quiz_id: str) -> QuizData:
    """Two queries: the submitted graded attempts, and their answers (responses as raw JSON text)."""
    done = (Attempt.quiz_id == quiz_id, Attempt.mode == "graded", Attempt.submitted_at.is_not(None))
    with db.session() as s:
        conn = s.connection()  # Core execution: plain rows, no ORM loading overhead
        attempts = conn.execute(
            select(Attempt.id, Attempt.user_id, Attempt.started_at).where(*done).order_by(Attempt.id)
        ).fetchall()
        answers = conn.execute(
            select(Answer.attempt_id, Answer.question_id, Answer.position, Answer.score, cast(Answer.response, Text))
            .join(Attempt, Attempt.id == Answer.attempt_id)
            .where(*done)
        ).fetchall()
    a_cols = list(zip(*attempts, strict=False)) if attempts else [(), (), ()]
    r_cols = list(zip(*answers, strict=False)) if answers else [(), (), (), (), ()]
    question = np.empty(len(answers), dtype=object)
    question[:] = r_cols[1]
    response = np.empty(len(answers), dtype=object)
    response[:] = r_cols[4]
    return QuizData(
        attempt_id=np.asarray(a_cols[0], dtype=np.int64),
        user_id=np.asarray(a_cols[1], dtype=np.int64),
        started_at=np.asarray(a_cols[2], dtype="datetime64[us]"),
        answer_attempt=np.asarray(r_cols[0], dtype=np.int64),
        question_id=question,
        position=np.asarray(r_cols[2], dtype=np.int64),
        score=np.asarray(r_cols[3], dtype=np.float64),  # None → NaN
        response=response,
    )


# ---------------------------------------------------------------------- compute
def _choice_rows(
    items: np.ndarray, raw: np.ndarray, read: Callable[[Any], list[str]], vocab: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(item, option code) rows: one per option an answer chose (the type reads its response: one for a
    single choice, one per ticked option of a multiple response); a blank answer gives code 0 (``vocab['']``)."""
    if items.size == 0:
        return items, np.zeros(0, dtype=np.int64)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)  # hash-based: a few distinct responses
    tokens: list[list[int]] = []
    for u in uniques:
        chosen = read(_parse(u))
        tokens.append([vocab.setdefault(t, len(vocab)) for t in chosen] or [0])
    tokens.append([0])  # code -1 (SQL NULL) → blank
    lengths = np.array([len(t) for t in tokens], dtype=np.int64)
    flat = np.array([c for t in tokens for c in t], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    codes = np.where(codes < 0, len(uniques), codes)
    row_len = lengths[codes]
    total = int(row_len.sum())
    row_start = np.concatenate(([0], np.cumsum(row_len)[:-1]))
    index = np.repeat(offsets[codes] - row_start, row_len) + np.arange(total)
    return np.repeat(items, row_len), flat[index]


def analyse_quiz_data(
    course: Course,
    quiz_id: str,
    data: QuizData,
    first_attempts_only: bool = True,
    min_presented_for_distractors: int = MIN_PRESENTED_FOR_DISTRACTORS,
) -> ItemAnalysisReport:
    kind, title, pool = quiz_pool(course, quiz_id)
    n_items = len(pool)
    questions = [q for _, q in pool]
    index_of = {q.id: i for i, q in enumerate(questions)}
    guess = np.array([random_guess_score(q) for q in questions], dtype=np.float64)
    n_found = int(data.attempt_id.size)

    # rows → attempt index (answers of an attempt submitted between the two reads are dropped)
    att = np.searchsorted(data.attempt_id, data.answer_attempt)
    known = att < n_found
    known[known] = data.attempt_id[att[known]] == data.answer_attempt[known]
    # rows → pool item (-1: question no longer in the pool)
    q_codes, q_uniques = pd.factorize(data.question_id)
    lut = np.array([index_of.get(u, -1) for u in q_uniques] + [-1], dtype=np.int64)
    item = lut[np.where(q_codes < 0, len(q_uniques), q_codes)]
    pos = data.position

    # attempts that form a complete grid of k slots
    bad = np.zeros(n_found, dtype=bool)
    a_rows = att[known]
    counts = np.bincount(a_rows, minlength=n_found)
    bad |= np.bincount(a_rows, weights=(item[known] < 0), minlength=n_found) > 0
    good_counts = counts[~bad & (counts > 0)]
    k = int(np.bincount(good_counts).argmax()) if good_counts.size else 0
    bad |= (counts != k) | (counts == 0)
    bad |= np.bincount(a_rows, weights=(pos[known] >= k) | (pos[known] < 0), minlength=n_found) > 0
    if k and n_found:
        cell = a_rows * k + np.clip(pos[known], 0, k - 1)
        dup_cells = np.bincount(cell, minlength=n_found * k) > 1
        bad |= dup_cells.reshape(n_found, k).any(axis=1)

    considered = (
        first_attempt_mask(data.user_id, data.started_at) if first_attempts_only else np.ones(n_found, dtype=bool)
    )
    keep = considered & ~bad
    excluded = int((considered & bad).sum())
    new_index = np.cumsum(keep) - 1
    rows = np.zeros(att.size, dtype=bool)
    rows[known] = keep[a_rows]
    r_item = item[rows]
    score = np.clip(np.nan_to_num(data.score[rows], nan=0.0), 0.0, 1.0)
    responses = Responses(
        attempt=new_index[att[rows]], slot=pos[rows], item=r_item, score=score, n_items=n_items, random_guess=guess
    )
    presented = np.bincount(r_item, minlength=n_items)

    # option frequencies and never-chosen distractors (the types that have options)
    choices = [type_of(q).choice_options(q) for q in questions]
    pairs = list(zip(questions, choices, strict=True))
    option_types = list(dict.fromkeys(type_of(q) for q, c in pairs if c is not None))
    type_code = np.array([option_types.index(type_of(q)) + 1 if c is not None else 0 for q, c in pairs], dtype=np.int64)
    row_type = type_code[r_item]
    raw = data.response[rows]
    vocab: dict[str, int] = {"": 0}
    parts = [(r_item[:0], np.zeros(0, dtype=np.int64))]
    for t, qtype in enumerate(option_types, start=1):
        if not qtype.options_need_question:
            parts.append(_choice_rows(r_item[row_type == t], raw[row_type == t], qtype.chosen_options, vocab))
            continue
        for i, q in enumerate(questions):  # a case: its path is read with the case (per stage, the choice taken)
            if type_code[i] == t:
                mask = r_item == i
                parts.append(_choice_rows(r_item[mask], raw[mask], partial(qtype.chosen_in, q), vocab))
    opt_item = np.concatenate([p[0] for p in parts])
    opt_code = np.concatenate([p[1] for p in parts])
    counts_by_item = option_counts(opt_item, opt_code, n_items, presented=presented)
    distractors: dict[int, list[int]] = {}
    for i, opts in enumerate(choices):
        if opts is not None:
            distractors[i] = [vocab.setdefault(o.id, len(vocab)) for o in opts if not o.correct]
    names: dict[Hashable, str] = {code: text for text, code in vocab.items()}  # never_chosen gives Hashable codes
    unused = never_chosen(counts_by_item, distractors, min_presented=min_presented_for_distractors, presented=presented)
    unused_ids = {i: [names[c] for c in codes] for i, codes in unused.items()}

    analysis = analyse(responses, unused_distractors=unused_ids)

    # serialisable rows
    st = analysis.items
    out_rows = []
    for i, (module_id, q) in enumerate(pool):
        options = no_answer = None
        item_choices = choices[i]
        if item_choices is not None:
            seen = counts_by_item[i]
            n_i = int(presented[i])
            options = []
            for o in item_choices:
                c = seen.get(vocab.get(o.id, -1))
                count = c.count if c else 0
                options.append(OptionFrequency(o.id, o.text, o.correct, count, count / n_i if n_i else None))
            no_answer = seen[0].count if 0 in seen else 0
        out_rows.append(
            QuestionRow(
                question_id=q.id,
                module_id=module_id,
                prompt=_excerpt(q.prompt),
                type=q.type,
                critical=q.critical,
                n=int(st.n[i]),
                facility=_f(st.facility[i]),
                sd=_f(st.sd[i]),
                random_guess=float(guess[i]),
                discrimination_index=_f(st.discrimination_index[i]),
                discriminative_efficiency=_f(st.discriminative_efficiency[i]),
                flags=[str(f) for f in analysis.flags[i]],
                options=options,
                no_answer=no_answer,
            )
        )
    qs = analysis.quiz
    summary = QuizSummary(
        qs.n_attempts,
        qs.k,
        _f(qs.mean),
        _f(qs.median),
        _f(qs.sd),
        _f(qs.skewness),
        _f(qs.kurtosis),
        _f(qs.cronbach_alpha),
        _f(qs.error_ratio),
        _f(qs.standard_error),
    )
    return ItemAnalysisReport(
        quiz_id,
        title,
        kind,
        first_attempts_only,
        n_found,
        excluded,
        summary,
        out_rows,
        [float(x) for x in analysis.attempt_totals],
    )


def quiz_item_analysis(
    db: Database,
    course: Course,
    quiz_id: str,
    first_attempts_only: bool = True,
    min_presented_for_distractors: int = MIN_PRESENTED_FOR_DISTRACTORS,
    on_submit: Callable[[int], None] | None = None,
) -> ItemAnalysisReport:
    """Moodle-style item and quiz statistics for one module quiz or exam.

    Attempts past their deadline are submitted first (the deadline sweep), so they are counted."""
    quiz_pool(course, quiz_id)  # unknown quiz: a clear error before touching the database
    submit_overdue(db, course, on_submit=on_submit, quiz_id=quiz_id)
    data = load_quiz_data(db, quiz_id)
    return analyse_quiz_data(course, quiz_id, data, first_attempts_only, min_presented_for_distractors)
