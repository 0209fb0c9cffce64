"""Time mesolearn.analytics.analyse on 10,000 attempts × 10 slots drawn from a pool of 30 items.

Prints figures only (no assertions): the target is well under a second per analysis.
Run from the repository root: ``.venv/bin/python benchmarks/bench_item_analysis.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mesolearn.analytics import Responses, analyse, never_chosen, option_counts  # noqa: E402

N_ATTEMPTS, K, POOL, N_OPTIONS, RUNS = 10_000, 10, 30, 4, 15


def make_data(seed: int = 0) -> tuple[Responses, np.ndarray]:
    """Random draws of K items per attempt, ability-driven 0/1 and partial scores, options."""
    rng = np.random.default_rng(seed)
    drawn = np.argsort(rng.random((N_ATTEMPTS, POOL)), axis=1)[:, :K]
    ability = rng.normal(size=(N_ATTEMPTS, 1))
    p = 1.0 / (1.0 + np.exp(-(ability - rng.normal(size=POOL)[drawn])))
    correct = rng.random((N_ATTEMPTS, K)) < p
    partial = np.round(np.clip(p + rng.normal(scale=0.2, size=p.shape), 0, 1) * 4) / 4
    scores = np.where(drawn % 3 == 0, partial, correct.astype(float))
    option = np.where(correct, 0, rng.integers(1, N_OPTIONS, size=correct.shape))
    attempt, slot = np.divmod(np.arange(N_ATTEMPTS * K), K)
    responses = Responses(attempt, slot, drawn.ravel(), scores.ravel(), POOL, np.full(POOL, 1 / N_OPTIONS))
    return responses, option.ravel()


def time_runs(fn: object, runs: int = RUNS) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    responses, option = make_data()
    analyse(responses)  # warm-up

    def full() -> None:
        Responses(  # include input conversion and validation
            responses.attempt, responses.slot, responses.item, responses.score, POOL, responses.random_guess
        )
        counts = option_counts(responses.item, option, POOL)
        unused = never_chosen(counts, [list(range(1, N_OPTIONS))] * POOL, min_presented=20)
        analyse(responses, unused_distractors=unused)

    print(
        f"item analysis: {N_ATTEMPTS:,} attempts × {K} slots from a pool of {POOL} "
        f"({responses.score.size:,} rows), median of {RUNS} runs"
    )
    for label, fn in (
        ("analyse()", lambda: analyse(responses)),
        ("Responses + option counts + analyse()", full),
    ):
        t = time_runs(fn)
        print(
            f"  {label:<38} median {statistics.median(t) * 1e3:7.2f} ms   "
            f"(min {min(t) * 1e3:.2f}, max {max(t) * 1e3:.2f})"
        )
    q = analyse(responses).quiz
    print(f"  sanity: mean {q.mean:.1f} %, sd {q.sd:.1f} %, alpha {q.cronbach_alpha:.3f}")


if __name__ == "__main__":
    main()
