"""Quiz item analysis with Moodle's quiz statistics definitions, vectorised with NumPy.

Definitions follow Moodle's developer documentation "Quiz statistics calculations"
(https://docs.moodle.org/dev/Quiz_statistics_calculations) and the code it documents
(``question/classes/statistics/questions/calculator.php`` for items and
``mod/quiz/report/statistics/classes/calculator.php`` for the whole quiz; the skewness and
kurtosis formulas are those of https://docs.moodle.org/dev/Quiz_item_analysis_calculations_in_practise).

Input is long form -- one row per (attempt, slot) -- because each attempt draws its questions
at random from a pool, so the attempt × item matrix is incomplete. Every statistic is computed
with ``np.bincount`` / sorting over the rows: no Python loop over attempts.

Units, chosen to match what Moodle shows:

* item ``facility`` is a fraction 0..1 (Moodle displays it ×100 as a percentage);
* item ``discrimination_index`` and ``discriminative_efficiency`` are on Moodle's 0..100 scale
  (-100..100 for the index);
* quiz ``mean``, ``median``, ``sd`` and ``standard_error`` are percentages of the maximum mark
  (k slots × 1 mark), so SE and SD share a unit; skewness and kurtosis are unit-free;
  ``cronbach_alpha`` is a fraction (Moodle's "coefficient of internal consistency" ×100) and
  ``error_ratio`` is a percentage, as in Moodle.

Restricting to first attempts (Moodle's default) is the caller's job: see
:func:`first_attempt_mask` and :meth:`Responses.select_attempts`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "FlagKind",
    "ItemFlag",
    "ItemStats",
    "OptionCount",
    "QuizAnalysis",
    "QuizStats",
    "Responses",
    "analyse",
    "first_attempt_mask",
    "flag_items",
    "never_chosen",
    "option_counts",
    "wilson_interval",
    "MIN_RESPONSES_FOR_FLAGS",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

TOO_EASY_FACILITY = 0.95
"""Facility above which an item is flagged "too easy" (fraction, i.e. 95 %)."""

MIN_RESPONSES_FOR_FLAGS = 10
"""An item seen fewer times raises no statistical flag: with a handful of responses facility and discrimination
are mostly noise (one attempt made about 60 questions "too easy" or "harder than guessing"). Ten is a pragmatic floor
for a training centre; the table shows each facility with its 95 % interval so instructors see the uncertainty."""


def wilson_interval(successes: float, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95 % Wilson score interval of a proportion (fraction 0..1); None when n is 0. ``successes`` may be
    fractional (facility x n with partial credit): it is used as is, a common approximation."""
    if n <= 0:
        return None
    p = min(1.0, max(0.0, successes / n))
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


# --------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Responses:
    """Scored responses in long form: one row per (attempt, slot).

    Every attempt must have exactly one row for each of the same ``k`` slots; record a
    question that was presented but not answered with ``score = 0`` (Moodle counts it as
    0 marks). Arrays are converted and validated on construction.

    Attributes:
        attempt: attempt index 0..n_attempts-1 of each row (every index must occur).
        slot: position 0..k-1 of the question in its attempt.
        item: question index 0..n_items-1 in the pool.
        score: fraction of the question's mark obtained, in [0, 1] (max mark 1 per question).
        n_items: size of the pool; items never presented get NaN statistics.
        random_guess: per item, the expected score of a random guess (caller computes it,
            e.g. 1/n_options for single choice, 0.5 true/false, 0 numeric).
    """

    attempt: IntArray
    slot: IntArray
    item: IntArray
    score: FloatArray
    n_items: int
    random_guess: FloatArray

    def __post_init__(self) -> None:
        attempt = np.asarray(self.attempt, dtype=np.int64).ravel()
        slot = np.asarray(self.slot, dtype=np.int64).ravel()
        item = np.asarray(self.item, dtype=np.int64).ravel()
        score = np.asarray(self.score, dtype=np.float64).ravel()
        random_guess = np.asarray(self.random_guess, dtype=np.float64).ravel()
        n_items = int(self.n_items)

        n = attempt.size
        if not (slot.size == item.size == score.size == n):
            raise ValueError("attempt, slot, item and score must have the same length")
        if n_items < 0:
            raise ValueError("n_items must be >= 0")
        if random_guess.size != n_items:
            raise ValueError(f"random_guess must have n_items={n_items} entries, got {random_guess.size}")
        if n:
            if attempt.min() < 0 or slot.min() < 0:
                raise ValueError("attempt and slot indices must be >= 0")
            if item.min() < 0 or item.max() >= n_items:
                raise ValueError(f"item indices must lie in 0..{n_items - 1}")
            if not np.all((score >= 0.0) & (score <= 1.0)):  # also rejects NaN
                raise ValueError("scores must be fractions in [0, 1]")
            # Complete and unique (attempt, slot) grid: rest-of-test scores and Cronbach's
            # alpha are only meaningful when every attempt has the same k questions.
            n_attempts, k = int(attempt.max()) + 1, int(slot.max()) + 1
            if n != n_attempts * k or not np.all(np.bincount(attempt * k + slot, minlength=n) == 1):
                raise ValueError(
                    "each attempt 0..n_attempts-1 needs exactly one row per slot 0..k-1 "
                    "(record unanswered questions with score 0)"
                )
        object.__setattr__(self, "attempt", attempt)
        object.__setattr__(self, "slot", slot)
        object.__setattr__(self, "item", item)
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "n_items", n_items)
        object.__setattr__(self, "random_guess", random_guess)

    @property
    def n_attempts(self) -> int:
        """Number of attempts (0 for no rows)."""
        return int(self.attempt.max()) + 1 if self.attempt.size else 0

    @property
    def k(self) -> int:
        """Number of slots per attempt (0 for no rows)."""
        return int(self.slot.max()) + 1 if self.slot.size else 0

    def select_attempts(self, mask: npt.ArrayLike) -> Responses:
        """Keep the attempts where ``mask`` (length n_attempts) is True, renumbered 0..m-1.

        Use with :func:`first_attempt_mask` to analyse first attempts only, as Moodle does
        by default.
        """
        keep = np.asarray(mask, dtype=bool).ravel()
        if keep.size != self.n_attempts:
            raise ValueError(f"mask must have n_attempts={self.n_attempts} entries")
        new_index = np.cumsum(keep) - 1
        rows = keep[self.attempt]
        return Responses(
            attempt=new_index[self.attempt[rows]],
            slot=self.slot[rows],
            item=self.item[rows],
            score=self.score[rows],
            n_items=self.n_items,
            random_guess=self.random_guess,
        )


def first_attempt_mask(user_ids: npt.ArrayLike, started_at: npt.ArrayLike) -> BoolArray:
    """Per attempt, True if it is its user's earliest attempt.

    Moodle's statistics report uses first attempts by default because later attempts build on
    earlier ones and break the item-analysis assumptions. Ties in ``started_at`` go to the
    attempt listed first. ``started_at`` may be numbers or ``datetime64`` values.
    """
    users = np.asarray(user_ids).ravel()
    started = np.asarray(started_at).ravel()
    if users.size != started.size:
        raise ValueError("user_ids and started_at must have the same length")
    mask = np.zeros(users.size, dtype=bool)
    if users.size == 0:
        return mask
    order = np.lexsort((np.arange(users.size), started, users))
    sorted_users = users[order]
    is_first = np.ones(users.size, dtype=bool)
    is_first[1:] = sorted_users[1:] != sorted_users[:-1]
    mask[order[is_first]] = True
    return mask


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemStats:
    """Per-item statistics; every array has one entry per pool item (index = ``item``).

    Attributes:
        item: item indices 0..n_items-1.
        n: times presented.
        facility: mean score as a fraction 0..1 (Moodle shows ×100 %); NaN if never presented.
        sd: sample standard deviation (n-1) of the item score; NaN if n < 2.
        random_guess_score: expected score of a random guess (fraction), as given.
        discrimination_index: 100 × Pearson r between the item score and the rest-of-test
            score (attempt total minus this item), over the attempts that saw the item; NaN
            if n < 2 or either variance is zero.
        discriminative_efficiency: 100 × Cov(item, rest) / Cov_max, where Cov_max pairs the
            item scores and rest scores each sorted ascending (the largest covariance their
            marginal distributions allow); NaN when Cov_max is 0 or n < 2.
    """

    item: IntArray
    n: IntArray
    facility: FloatArray
    sd: FloatArray
    random_guess_score: FloatArray
    discrimination_index: FloatArray
    discriminative_efficiency: FloatArray

    def records(self) -> list[dict[str, Any]]:
        """One plain dict per item (Python scalars), e.g. for a table widget."""
        return [
            {
                "item": int(self.item[i]),
                "n": int(self.n[i]),
                "facility": float(self.facility[i]),
                "sd": float(self.sd[i]),
                "random_guess_score": float(self.random_guess_score[i]),
                "discrimination_index": float(self.discrimination_index[i]),
                "discriminative_efficiency": float(self.discriminative_efficiency[i]),
            }
            for i in range(self.item.size)
        ]


@dataclass(frozen=True)
class QuizStats:
    """Whole-quiz statistics of the attempt totals (Moodle's "Quiz information" table).

    Attributes:
        n_attempts: attempts analysed.
        k: slots (questions) per attempt; the maximum mark is k.
        mean, median, sd: of the attempt totals, in percent of the maximum mark; sd is the
            sample SD (n-1); sd is NaN if n_attempts < 2.
        skewness: Moodle's k3 / k2^1.5 (the adjusted Fisher-Pearson G1); NaN if n < 3 or
            the totals are all equal.
        kurtosis: Moodle's excess kurtosis k4 / k2^2 (G2); NaN if n < 4 or zero variance.
        cronbach_alpha: coefficient of internal consistency over slots, as a fraction
            (Moodle shows ×100 %): k/(k-1) × (1 - Σ var(slot) / var(total)). NaN when k < 2,
            the totals have zero variance, or n < 3 (Moodle computes it only then).
        error_ratio: 100 × sqrt(1 - alpha), percent.
        standard_error: error_ratio/100 × sd, in percent of the maximum mark like sd.
    """

    n_attempts: int
    k: int
    mean: float
    median: float
    sd: float
    skewness: float
    kurtosis: float
    cronbach_alpha: float
    error_ratio: float
    standard_error: float


class FlagKind(StrEnum):
    """Why an item deserves an instructor's look; the value is the human-readable text."""

    NON_POSITIVE_DISCRIMINATION = "negative or zero discrimination"
    TOO_EASY = "too easy"
    HARDER_THAN_GUESSING = "harder than guessing"
    DISTRACTOR_NEVER_CHOSEN = "distractor never chosen"


@dataclass(frozen=True)
class ItemFlag:
    """One flag on one item; ``str(flag)`` is the text to show."""

    kind: FlagKind
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.detail}" if self.detail else self.kind.value


@dataclass(frozen=True)
class QuizAnalysis:
    """Result of :func:`analyse`.

    Attributes:
        quiz: whole-quiz statistics.
        items: per-item statistics.
        flags: per item (index = item), the flags raised, possibly empty.
        attempt_totals: each attempt's total, in percent of the maximum mark (for histograms).
    """

    quiz: QuizStats
    items: ItemStats
    flags: tuple[tuple[ItemFlag, ...], ...]
    attempt_totals: FloatArray = field(repr=False)


# --------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------


def analyse(
    responses: Responses,
    *,
    unused_distractors: Mapping[int, Sequence[Hashable]] | None = None,
    too_easy_above: float = TOO_EASY_FACILITY,
    exclude_item_from_total: bool = True,
    min_responses: int = MIN_RESPONSES_FOR_FLAGS,
) -> QuizAnalysis:
    """Compute Moodle's quiz and item statistics, and flag doubtful items.

    Args:
        responses: the scored rows (restrict to first attempts beforehand if wanted).
        unused_distractors: item → options never chosen, as returned by :func:`never_chosen`;
            each non-empty entry raises a "distractor never chosen" flag.
        too_easy_above: facility (fraction) above which an item is "too easy".
        exclude_item_from_total: correlate the item with the rest of the test (total minus
            the item), Moodle's definition for a question in a fixed slot. Moodle's pooled
            sub-question rows instead use the full total, which inflates the index; pass
            False to reproduce that.
    """
    quiz, totals = _quiz_stats(responses)
    items = _item_stats(responses, totals, exclude_item_from_total)
    flags = flag_items(
        items, unused_distractors=unused_distractors, too_easy_above=too_easy_above, min_responses=min_responses
    )
    k = responses.k
    totals_pct = 100.0 * totals / k if k else totals
    return QuizAnalysis(quiz=quiz, items=items, flags=flags, attempt_totals=totals_pct)


def _quiz_stats(r: Responses) -> tuple[QuizStats, FloatArray]:
    """Quiz statistics; also returns each attempt's total in marks (0..k)."""
    s, k = r.n_attempts, r.k
    nan = float("nan")
    totals = np.bincount(r.attempt, weights=r.score, minlength=s).astype(np.float64)
    if s == 0:
        return QuizStats(0, k, nan, nan, nan, nan, nan, nan, nan, nan), totals

    pct = 100.0 / k
    mean = float(totals.mean())
    median = float(np.median(totals))
    sd = skewness = kurtosis = alpha = error_ratio = standard_error = nan

    if s > 1:
        d = totals - mean
        d2 = d * d
        power2 = float(d2.sum())
        constant = bool(totals.min() == totals.max())  # exact test; d may hold rounding noise
        if constant:
            power2 = 0.0
        k2 = power2 / (s - 1)  # sample variance of totals, in marks²
        sd = float(np.sqrt(k2))
        # Moodle computes skewness, kurtosis and CIC only for s > 2 and k2 != 0.
        if s > 2 and not constant:
            m2 = power2 / s
            m3 = float((d2 * d).sum()) / s
            m4 = float((d2 * d2).sum()) / s
            k3 = s * s * m3 / ((s - 1) * (s - 2))
            skewness = k3 / k2**1.5
            if s > 3:
                k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
                kurtosis = k4 / (k2 * k2)
            if k > 1:
                alpha = _cronbach_alpha(r, s, k, k2)
                # max() guards against 1 - alpha = -1e-16 from rounding when alpha == 1.
                error_ratio = 100.0 * float(np.sqrt(max(0.0, 1.0 - alpha)))
                standard_error = error_ratio / 100.0 * sd * pct

    stats = QuizStats(
        n_attempts=s,
        k=k,
        mean=mean * pct,
        median=median * pct,
        sd=sd * pct,
        skewness=skewness,
        kurtosis=kurtosis,
        cronbach_alpha=alpha,
        error_ratio=error_ratio,
        standard_error=standard_error,
    )
    return stats, totals


def _cronbach_alpha(r: Responses, s: int, k: int, total_variance: float) -> float:
    """Cronbach's alpha over the s × k slot-score matrix (sample variances throughout)."""
    matrix = np.empty((s, k), dtype=np.float64)
    matrix[r.attempt, r.slot] = r.score  # complete grid, validated in Responses
    slot_var = matrix.var(axis=0, ddof=1)
    slot_var[matrix.min(axis=0) == matrix.max(axis=0)] = 0.0  # exact zero for constant slots
    return k / (k - 1) * (1.0 - float(slot_var.sum()) / total_variance)


def _item_stats(r: Responses, totals: FloatArray, exclude_item_from_total: bool) -> ItemStats:
    """Per-item facility, SD, discrimination index and discriminative efficiency."""
    n_items = r.n_items
    item, x = r.item, r.score
    y = totals[r.attempt] - x if exclude_item_from_total else totals[r.attempt]

    n = np.bincount(item, minlength=n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x = np.bincount(item, weights=x, minlength=n_items) / n
        mean_y = np.bincount(item, weights=y, minlength=n_items) / n
        # Two-pass (centred) sums of squares and products, for accuracy.
        dx = x - mean_x[item]
        dy = y - mean_y[item]
        sxx = np.bincount(item, weights=dx * dx, minlength=n_items)
        syy = np.bincount(item, weights=dy * dy, minlength=n_items)
        sxy = np.bincount(item, weights=dx * dy, minlength=n_items)

        # Sort scores and rest-scores within each item. Both orders group the rows by item in
        # the same sequence with the same group sizes, so position p pairs the p-th smallest
        # item score with the p-th smallest rest score of the same item: Moodle's covariancemax.
        order_x = np.lexsort((x, item))
        order_y = np.lexsort((y, item))
        smax = np.bincount(item[order_x], weights=dx[order_x] * dy[order_y], minlength=n_items)

        # Exact zero-variance test from the sorted groups (first == last), since the centred
        # sums can keep ~1e-17 of rounding noise when all values are equal.
        present = n > 0
        last = np.cumsum(n) - 1
        first = last - n + 1
        x_sorted, y_sorted = x[order_x], y[order_y]
        const_x = np.ones(n_items, dtype=bool)
        const_y = np.ones(n_items, dtype=bool)
        const_x[present] = x_sorted[first[present]] == x_sorted[last[present]]
        const_y[present] = y_sorted[first[present]] == y_sorted[last[present]]
        sxx[const_x] = 0.0
        syy[const_y] = 0.0

        enough = n > 1
        defined = enough & ~const_x & ~const_y
        facility = np.where(present, mean_x, np.nan)
        sd = np.where(enough, np.sqrt(sxx / (n - 1)), np.nan)
        # The 1/(n-1) factors of the covariance and variances cancel in both ratios.
        discrimination = np.where(defined, 100.0 * sxy / np.sqrt(sxx * syy), np.nan)
        efficiency = np.where(defined, 100.0 * sxy / smax, np.nan)

    return ItemStats(
        item=np.arange(n_items, dtype=np.int64),
        n=n.astype(np.int64),
        facility=facility,
        sd=sd,
        random_guess_score=r.random_guess.copy(),
        discrimination_index=discrimination,
        discriminative_efficiency=efficiency,
    )


def flag_items(
    items: ItemStats,
    *,
    unused_distractors: Mapping[int, Sequence[Hashable]] | None = None,
    too_easy_above: float = TOO_EASY_FACILITY,
    min_responses: int = MIN_RESPONSES_FOR_FLAGS,
) -> tuple[tuple[ItemFlag, ...], ...]:
    """Flags per item: discrimination <= 0, facility > ``too_easy_above``, facility below the
    random-guess score, and (if given) distractors never chosen.

    Undefined (NaN) statistics raise no flag: an item nobody saw has nothing to fix yet; nor does an item seen
    fewer than ``min_responses`` times (see :data:`MIN_RESPONSES_FOR_FLAGS`) raises no statistical flag.
    """
    unused = unused_distractors or {}
    flags: list[tuple[ItemFlag, ...]] = []
    for i in range(items.item.size):
        item_flags: list[ItemFlag] = []
        if items.n[i] >= min_responses:  # the distractor flag has its own floor (``never_chosen``)
            if items.discrimination_index[i] <= 0:
                item_flags.append(ItemFlag(FlagKind.NON_POSITIVE_DISCRIMINATION))
            if items.facility[i] > too_easy_above:
                item_flags.append(ItemFlag(FlagKind.TOO_EASY))
            if items.facility[i] < items.random_guess_score[i]:
                item_flags.append(ItemFlag(FlagKind.HARDER_THAN_GUESSING))
        options = unused.get(i)
        if options:
            detail = ", ".join(str(o) for o in options)
            item_flags.append(ItemFlag(FlagKind.DISTRACTOR_NEVER_CHOSEN, detail))
        flags.append(tuple(item_flags))
    return tuple(flags)


# --------------------------------------------------------------------------------------
# Response (option) analysis
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionCount:
    """How often one option of one item was chosen; ``fraction`` is of the item's responses."""

    count: int
    fraction: float


def option_counts(
    item: npt.ArrayLike,
    option: npt.ArrayLike,
    n_items: int,
    *,
    presented: npt.ArrayLike | None = None,
) -> list[dict[Hashable, OptionCount]]:
    """Count the chosen options of each item.

    Args:
        item: item index of each response row.
        option: chosen option id of each row (ints or strings, one type throughout). To count
            non-responses in the denominator, pass them with a sentinel id such as ``""``.
        n_items: size of the pool.
        presented: optional times each item was presented, used as the fraction's denominator
            (needed for multiple-response questions, which give one row per ticked option).
            Default: the number of rows of that item.

    Returns:
        Per item (list index = item), option id → :class:`OptionCount`; only options chosen
        at least once appear.
    """
    items = np.asarray(item, dtype=np.int64).ravel()
    options = np.asarray(option).ravel()
    if items.size != options.size:
        raise ValueError("item and option must have the same length")
    if items.size and (items.min() < 0 or items.max() >= n_items):
        raise ValueError(f"item indices must lie in 0..{n_items - 1}")
    result: list[dict[Hashable, OptionCount]] = [{} for _ in range(n_items)]
    if items.size == 0:
        return result
    ids, codes = np.unique(options, return_inverse=True)
    n_ids = ids.size
    counts = np.bincount(items * n_ids + codes.ravel(), minlength=n_items * n_ids).reshape(n_items, n_ids)
    if presented is None:
        denominator = counts.sum(axis=1).astype(np.float64)
    else:
        denominator = np.asarray(presented, dtype=np.float64).ravel()
        if denominator.size != n_items:
            raise ValueError(f"presented must have n_items={n_items} entries")
    for i, j in zip(*np.nonzero(counts), strict=False):
        c = int(counts[i, j])
        option_id = ids[j]
        key = option_id.item() if isinstance(option_id, np.generic) else option_id
        result[int(i)][key] = OptionCount(count=c, fraction=c / float(denominator[i]))
    return result


def never_chosen(
    counts: Sequence[Mapping[Hashable, OptionCount]],
    options_by_item: Mapping[int, Sequence[Hashable]] | Sequence[Sequence[Hashable] | None],
    *,
    min_presented: int = 1,
    presented: npt.ArrayLike | None = None,
) -> dict[int, list[Hashable]]:
    """Options (usually the distractors) of each item that nobody chose.

    Args:
        counts: output of :func:`option_counts`.
        options_by_item: per item, the option ids to check (pass the distractors to find
            useless distractors); a mapping or a sequence indexed by item, None/empty = skip.
        min_presented: ignore items seen fewer times than this, since with few responses an
            unchosen option says little.
        presented: optional times each item was presented; default: sum of its counts.

    Returns:
        item → never-chosen option ids, only for items with at least one.
    """
    if isinstance(options_by_item, Mapping):
        wanted = dict(options_by_item)
    else:
        wanted = {i: opts for i, opts in enumerate(options_by_item) if opts}
    seen = None if presented is None else np.asarray(presented).ravel()
    result: dict[int, list[Hashable]] = {}
    for i, opts in wanted.items():
        if not opts or i >= len(counts):
            continue
        times = int(seen[i]) if seen is not None else sum(c.count for c in counts[i].values())
        if times < min_presented or times == 0:
            continue
        missing = [o for o in opts if o not in counts[i]]
        if missing:
            result[i] = missing
    return result
