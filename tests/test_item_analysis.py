"""Tests for mesolearn.analytics.item_analysis: the numbers an instructor reads off the report."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats

from mesolearn.analytics import (
    FlagKind,
    Responses,
    analyse,
    first_attempt_mask,
    never_chosen,
    option_counts,
)


def fixed_quiz(scores: np.ndarray, n_items: int | None = None, guess: float = 0.25) -> Responses:
    """Responses for a quiz whose slot j always holds item j (complete attempt × item matrix)."""
    scores = np.asarray(scores, dtype=float)
    s, k = scores.shape
    attempt, slot = np.divmod(np.arange(s * k), k)
    n_items = k if n_items is None else n_items
    return Responses(attempt, slot, slot.copy(), scores.ravel(), n_items, np.full(n_items, guess))


def random_draw_quiz(seed: int, n_attempts: int = 400, pool: int = 25, k: int = 10) -> Responses:
    """Each attempt draws k items from the pool; scores depend on ability so items correlate.

    A third of the items give partial credit (multiples of 1/4), the rest are right/wrong.
    """
    rng = np.random.default_rng(seed)
    drawn = np.argsort(rng.random((n_attempts, pool)), axis=1)[:, :k]
    ability = rng.normal(size=(n_attempts, 1))
    difficulty = rng.normal(size=pool)
    p = 1.0 / (1.0 + np.exp(-(ability - difficulty[drawn])))
    binary = (rng.random((n_attempts, k)) < p).astype(float)
    partial = np.round(np.clip(p + rng.normal(scale=0.2, size=p.shape), 0, 1) * 4) / 4
    scores = np.where(drawn % 3 == 0, partial, binary)
    attempt, slot = np.divmod(np.arange(n_attempts * k), k)
    return Responses(attempt, slot, drawn.ravel(), scores.ravel(), pool, np.full(pool, 0.25))


def slot_matrix(r: Responses) -> np.ndarray:
    m = np.zeros((r.n_attempts, r.k))
    m[r.attempt, r.slot] = r.score
    return m


# --------------------------------------------------------------------------------------
# 1. Hand-computed example
# --------------------------------------------------------------------------------------

# 5 attempts × 3 slots, slot j = item j; item 3 is in the pool but never presented.
HAND = np.array(
    [
        [1.0, 1.0, 0.5],  # total 2.5
        [1.0, 0.0, 1.0],  # total 2.0
        [0.0, 1.0, 0.5],  # total 1.5
        [1.0, 1.0, 1.0],  # total 3.0
        [0.0, 0.0, 0.0],  # total 0.0
    ]
)


def test_hand_computed_example() -> None:
    result = analyse(fixed_quiz(HAND, n_items=4))
    q, it = result.quiz, result.items

    # Totals 2.5, 2, 1.5, 3, 0 (max 3). Mean = 9/5 = 1.8 marks = 60 %.
    # Sorted 0, 1.5, 2, 2.5, 3 -> median 2 marks = 66.67 %.
    assert q.n_attempts == 5 and q.k == 3
    assert q.mean == pytest.approx(60.0, abs=1e-9)
    assert q.median == pytest.approx(200 / 3, abs=1e-9)
    # Deviations 0.7, 0.2, -0.3, 1.2, -1.8; squares .49 + .04 + .09 + 1.44 + 3.24 = 5.3.
    # Sample variance 5.3/4 = 1.325 marks²; SD = sqrt(1.325) marks = 100*sqrt(1.325)/3 %.
    sd_pct = 100 * math.sqrt(1.325) / 3
    assert q.sd == pytest.approx(sd_pct, abs=1e-9)
    np.testing.assert_allclose(result.attempt_totals, [250 / 3, 200 / 3, 50, 100, 0], atol=1e-9)

    # Slot variances: slot 0 = [1,1,0,1,0], mean .6, SS 3(.16)+2(.36) = 1.2 -> 0.3;
    # slot 1 the same -> 0.3; slot 2 = [.5,1,.5,1,0], mean .6, SS .01+.16+.01+.16+.36 = .7 -> .175.
    # Sum 0.775. alpha = 3/2 (1 - 0.775/1.325) = 1.5 × 22/53 = 33/53.
    assert q.cronbach_alpha == pytest.approx(33 / 53, abs=1e-9)
    # Error ratio = 100 sqrt(1 - 33/53) = 100 sqrt(20/53) %; SE = ER/100 × SD (in %).
    assert q.error_ratio == pytest.approx(100 * math.sqrt(20 / 53), abs=1e-9)
    assert q.standard_error == pytest.approx(math.sqrt(20 / 53) * sd_pct, abs=1e-9)

    # Moodle's skewness/kurtosis: m2 = 5.3/5 = 1.06; cubes .343+.008-.027+1.728-5.832 = -3.78,
    # m3 = -.756; fourth powers .2401+.0016+.0081+2.0736+10.4976 = 12.821, m4 = 2.5642.
    # k2 = 5 m2/4 = 1.325; k3 = 25 m3/(4·3) = -1.575; skew = k3/k2^1.5.
    # k4 = 25 (6 m4 - 3·4·m2²)/(4·3·2) = 25 (15.3852 - 13.4832)/24 = 1.98125; kurt = k4/k2².
    assert q.skewness == pytest.approx(-1.575 / 1.325**1.5, abs=1e-9)
    assert q.kurtosis == pytest.approx(1.98125 / 1.325**2, abs=1e-9)

    # Item 0: x = [1,1,0,1,0]; facility 3/5; SD sqrt(1.2/4).
    assert it.n[0] == 5
    assert it.facility[0] == pytest.approx(0.6, abs=1e-9)
    assert it.sd[0] == pytest.approx(math.sqrt(0.3), abs=1e-9)
    # Item 2 (partial credit): facility 3/5, SD sqrt(0.7/4).
    assert it.facility[2] == pytest.approx(0.6, abs=1e-9)
    assert it.sd[2] == pytest.approx(math.sqrt(0.175), abs=1e-9)
    # Rest of test for item 0: y = total - x = [1.5, 1, 1.5, 2, 0], mean 1.2.
    # dx = [.4,.4,-.6,.4,-.6], dy = [.3,-.2,.3,.8,-1.2]
    # Sxy = .12 - .08 - .18 + .32 + .72 = .9; Sxx = 1.2; Syy = .09+.04+.09+.64+1.44 = 2.3
    # DI = 100 × .9 / sqrt(1.2 × 2.3) = 90/sqrt(2.76).
    assert it.discrimination_index[0] == pytest.approx(90 / math.sqrt(2.76), abs=1e-9)
    # DE: sorted x = [0,0,1,1,1] (dx -.6,-.6,.4,.4,.4), sorted y = [0,1,1.5,1.5,2]
    # (dy -1.2,-.2,.3,.3,.8): Smax = .72+.12+.12+.12+.32 = 1.4; DE = 100 × .9/1.4.
    assert it.discriminative_efficiency[0] == pytest.approx(90 / 1.4, abs=1e-9)

    # Item 3 was never presented: NaN statistics, no flags.
    assert it.n[3] == 0
    assert all(math.isnan(v[3]) for v in (it.facility, it.sd, it.discrimination_index, it.discriminative_efficiency))
    assert result.flags[3] == ()
    assert it.records()[0]["item"] == 0 and it.records()[0]["n"] == 5


# --------------------------------------------------------------------------------------
# 2. Cronbach's alpha against pingouin
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_alpha_matches_pingouin(seed: int) -> None:
    r = random_draw_quiz(seed)
    expected, _ci = pingouin.cronbach_alpha(data=pd.DataFrame(slot_matrix(r)))
    q = analyse(r).quiz
    assert q.cronbach_alpha == pytest.approx(expected, abs=1e-9)
    assert q.error_ratio == pytest.approx(100 * math.sqrt(1 - expected), abs=1e-9)


@pytest.mark.parametrize("seed", [10, 11])
def test_alpha_matches_pingouin_fixed_quiz(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=(60, 1))
    scores = (rng.random((60, 8)) < 1 / (1 + np.exp(-(ability - rng.normal(size=8))))).astype(float)
    expected, _ci = pingouin.cronbach_alpha(data=pd.DataFrame(scores))
    assert analyse(fixed_quiz(scores)).quiz.cronbach_alpha == pytest.approx(expected, abs=1e-9)


# --------------------------------------------------------------------------------------
# 3. Discrimination index / efficiency on an incomplete (random draw) matrix
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_item_statistics_against_reference(seed: int) -> None:
    r = random_draw_quiz(seed, n_attempts=300, pool=30, k=10)
    it = analyse(r).items
    m = slot_matrix(r)
    totals = m.sum(axis=1)
    checked = 0
    for i in range(r.n_items):
        rows = r.item == i
        x = r.score[rows]
        rest = totals[r.attempt[rows]] - x
        assert it.n[i] == x.size
        assert it.facility[i] == pytest.approx(x.mean(), abs=1e-12)
        assert it.sd[i] == pytest.approx(np.std(x, ddof=1), abs=1e-12)
        assert it.discrimination_index[i] == pytest.approx(100 * stats.pearsonr(x, rest).statistic, abs=1e-9)
        assert it.discrimination_index[i] == pytest.approx(100 * np.corrcoef(x, rest)[0, 1], abs=1e-9)
        cov = np.cov(x, rest, ddof=1)[0, 1]
        cov_max = np.cov(np.sort(x), np.sort(rest), ddof=1)[0, 1]
        assert it.discriminative_efficiency[i] == pytest.approx(100 * cov / cov_max, abs=1e-9)
        checked += 1
    assert checked == 30


def test_discrimination_with_full_total_option() -> None:
    r = random_draw_quiz(5, n_attempts=200)
    it = analyse(r, exclude_item_from_total=False).items
    totals = slot_matrix(r).sum(axis=1)
    rows = r.item == 4
    expected = stats.pearsonr(r.score[rows], totals[r.attempt[rows]]).statistic
    assert it.discrimination_index[4] == pytest.approx(100 * expected, abs=1e-9)


# --------------------------------------------------------------------------------------
# 4. Quiz distribution statistics against scipy
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_distribution_matches_scipy(seed: int) -> None:
    r = random_draw_quiz(seed, n_attempts=137)
    result = analyse(r)
    pct = 100 * slot_matrix(r).sum(axis=1) / r.k
    q = result.quiz
    assert q.mean == pytest.approx(pct.mean(), abs=1e-9)
    assert q.median == pytest.approx(np.median(pct), abs=1e-9)
    assert q.sd == pytest.approx(np.std(pct, ddof=1), abs=1e-9)
    # Moodle's k3/k2^1.5 and k4/k2² are the bias-corrected G1 and excess G2.
    assert q.skewness == pytest.approx(stats.skew(pct, bias=False), abs=1e-9)
    assert q.kurtosis == pytest.approx(stats.kurtosis(pct, fisher=True, bias=False), abs=1e-9)
    assert q.standard_error == pytest.approx(q.error_ratio / 100 * q.sd, abs=1e-9)


# --------------------------------------------------------------------------------------
# 5. Flags
# --------------------------------------------------------------------------------------


def test_flags() -> None:
    # 100 attempts ranked by ability r = 0..99; slot j always holds item j.
    rank = np.arange(100)
    scores = np.column_stack(
        [
            rank >= 30,  # 0: fine statistically, but distractor "D" is never picked
            rank >= 50,  # 1: healthy: facility .5, discriminates, all distractors used
            rank >= 70,  # 2: an anchor item
            rank >= 2,  # 3: too easy (facility .98)
            rank < 40,  # 4: the weak students get it right -> negative discrimination
            rank >= 95,  # 5: facility .05, below the 0.25 guess score
        ]
    ).astype(float)
    r = fixed_quiz(scores, guess=0.25)

    # Chosen options of items 0 and 1 (A is the key); wrong answers cycle through distractors.
    wrong_cycle = {0: np.array(["B", "C"]), 1: np.array(["B", "C", "D"])}
    item_col, option_col = [], []
    for i, cycle in wrong_cycle.items():
        chosen = np.where(scores[:, i] == 1, "A", cycle[rank % cycle.size])
        item_col.append(np.full(100, i))
        option_col.append(chosen)
    counts = option_counts(np.concatenate(item_col), np.concatenate(option_col), n_items=6)
    unused = never_chosen(counts, {0: ["B", "C", "D"], 1: ["B", "C", "D"]})
    assert unused == {0: ["D"]}

    result = analyse(r, unused_distractors=unused)
    kinds = [{f.kind for f in item_flags} for item_flags in result.flags]
    assert kinds[0] == {FlagKind.DISTRACTOR_NEVER_CHOSEN}
    assert str(result.flags[0][0]) == "distractor never chosen: D"
    assert kinds[1] == set()  # the healthy item is left alone
    assert kinds[2] == set()
    assert kinds[3] == {FlagKind.TOO_EASY}
    assert kinds[4] == {FlagKind.NON_POSITIVE_DISCRIMINATION}
    assert result.items.discrimination_index[4] < 0
    assert kinds[5] == {FlagKind.HARDER_THAN_GUESSING}
    assert str(FlagKind.TOO_EASY) == "too easy"


def test_option_counts_and_threshold() -> None:
    item = np.array([0, 0, 0, 1, 1, 2])
    option = np.array([1, 1, 2, 3, 3, 1])
    counts = option_counts(item, option, n_items=4)
    assert counts[0][1].count == 2 and counts[0][1].fraction == pytest.approx(2 / 3)
    assert counts[0][2].count == 1
    assert counts[1] == {3: counts[1][3]} and counts[1][3].fraction == 1.0
    assert counts[3] == {}
    # Multiple-response denominators: fractions of presentations, not of rows.
    assert option_counts(item, option, 4, presented=[6, 2, 1, 0])[0][1].fraction == pytest.approx(1 / 3)
    options = [[1, 2, 3], [1, 2, 3], [1, 2], [1, 2]]
    assert never_chosen(counts, options) == {0: [3], 1: [1, 2], 2: [2]}
    # Items seen fewer than min_presented times are not judged; item 3 was never seen.
    assert never_chosen(counts, options, min_presented=2) == {0: [3], 1: [1, 2]}


def test_first_attempt_mask_and_selection() -> None:
    users = np.array([7, 3, 7, 3, 9])
    started = np.array([50, 20, 10, 5, 1])
    assert first_attempt_mask(users, started).tolist() == [False, False, True, True, True]
    dates = np.array(["2024-03-02", "2024-03-01", "2024-03-01"], dtype="datetime64[D]")
    assert first_attempt_mask(np.array([1, 1, 2]), dates).tolist() == [False, True, True]

    r = fixed_quiz(HAND)
    sub = r.select_attempts([True, False, True, False, True])
    assert sub.n_attempts == 3 and sub.k == 3
    np.testing.assert_allclose(analyse(sub).attempt_totals, [250 / 3, 50, 0])


# --------------------------------------------------------------------------------------
# 6. Edge cases
# --------------------------------------------------------------------------------------


def test_single_attempt() -> None:
    result = analyse(fixed_quiz([[1.0, 0.0, 0.5]]))
    q = result.quiz
    assert q.n_attempts == 1
    assert q.mean == pytest.approx(50.0) and q.median == pytest.approx(50.0)
    for v in (q.sd, q.skewness, q.kurtosis, q.cronbach_alpha, q.error_ratio, q.standard_error):
        assert math.isnan(v)
    assert result.items.facility.tolist() == [1.0, 0.0, 0.5]
    assert np.isnan(result.items.sd).all()
    assert np.isnan(result.items.discrimination_index).all()


def test_two_attempts_alpha_undefined_as_in_moodle() -> None:
    q = analyse(fixed_quiz([[1.0, 0.0], [1.0, 1.0]])).quiz
    assert q.sd == pytest.approx(100 * math.sqrt(0.5) / 2)
    assert math.isnan(q.skewness) and math.isnan(q.cronbach_alpha)


@pytest.mark.parametrize("value", [1.0, 0.1, 0.0])
def test_all_equal_scores(value: float) -> None:
    result = analyse(fixed_quiz(np.full((20, 4), value)))
    it, q = result.items, result.quiz
    np.testing.assert_array_equal(it.sd, 0.0)  # exactly zero, even for 0.1 (rounding noise)
    assert np.isnan(it.discrimination_index).all()
    assert np.isnan(it.discriminative_efficiency).all()
    assert q.sd == 0.0
    for v in (q.skewness, q.kurtosis, q.cronbach_alpha, q.error_ratio, q.standard_error):
        assert math.isnan(v)
    # Undefined discrimination is not reported as "negative or zero".
    assert all(FlagKind.NON_POSITIVE_DISCRIMINATION not in {f.kind for f in fl} for fl in result.flags)
    assert all((FlagKind.TOO_EASY in {f.kind for f in fl}) == (value == 1.0) for fl in result.flags)


def test_one_slot_quiz() -> None:
    rng = np.random.default_rng(3)
    result = analyse(fixed_quiz(rng.integers(0, 2, size=(30, 1)).astype(float)))
    q = result.quiz
    assert q.k == 1 and not math.isnan(q.sd)
    assert math.isnan(q.cronbach_alpha) and math.isnan(q.error_ratio) and math.isnan(q.standard_error)
    # The rest of a one-question test is always 0: discrimination is undefined.
    assert math.isnan(result.items.discrimination_index[0])


def test_no_responses() -> None:
    empty = np.array([], dtype=int)
    r = Responses(empty, empty, empty, np.array([]), 3, np.zeros(3))
    result = analyse(r)
    assert result.quiz.n_attempts == 0 and math.isnan(result.quiz.mean)
    assert result.items.n.tolist() == [0, 0, 0] and np.isnan(result.items.facility).all()
    assert result.flags == ((), (), ())


def test_invalid_input_is_rejected() -> None:
    attempt, slot = np.divmod(np.arange(6), 3)
    with pytest.raises(ValueError, match="one row per slot"):
        Responses(attempt[:-1], slot[:-1], slot[:-1], np.ones(5), 3, np.zeros(3))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Responses(attempt, slot, slot, np.full(6, 1.5), 3, np.zeros(3))
    with pytest.raises(ValueError, match="item indices"):
        Responses(attempt, slot, slot + 1, np.ones(6), 3, np.zeros(3))
    with pytest.raises(ValueError, match="random_guess"):
        Responses(attempt, slot, slot, np.ones(6), 3, np.zeros(2))


def test_few_responses_raise_no_statistical_flag() -> None:
    # Three attempts: every item would be "too easy" or "harder than guessing" by the numbers alone (UX review B9).
    few = analyse(fixed_quiz(np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]), guess=0.25))
    assert few.flags == ((), ())
    # the same pattern seen often enough is flagged
    many = analyse(fixed_quiz(np.tile([[1.0, 0.0]], (12, 1)), guess=0.25))
    kinds = [{f.kind for f in item_flags} for item_flags in many.flags]
    assert kinds == [{FlagKind.TOO_EASY}, {FlagKind.HARDER_THAN_GUESSING}]


def test_wilson_interval_of_a_facility() -> None:
    from mesolearn.analytics.item_analysis import wilson_interval

    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(1, 1)
    assert high == 1.0 and low == pytest.approx(0.2065, abs=1e-3)  # one right answer says little
    low, high = wilson_interval(50, 100)
    assert (low, high) == (pytest.approx(0.4038, abs=1e-3), pytest.approx(0.5962, abs=1e-3))
