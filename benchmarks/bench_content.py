"""How long loading the course takes, and what a Streamlit rerun pays for it.

The course is parsed once and cached (st.cache_resource). In production a rerun pays nothing for it; in
authoring mode (MESOLEARN_AUTHORING=1) it pays the file fingerprint: a few dozen stat() calls.
Prints figures; asserts nothing.
Run: .venv/bin/python benchmarks/bench_content.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mesolearn.content import load_course  # noqa: E402
from mesolearn.ui.services import _fingerprint  # noqa: E402


def timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


if __name__ == "__main__":
    full = timed(lambda: load_course(REPO), 5)
    fp = timed(lambda: _fingerprint(REPO), 200)
    course = load_course(REPO)
    print(
        f"load_course (parse + validate {len(course.modules)} modules, {len(course.questions)} questions): "
        f"median {full * 1000:.1f} ms"
    )
    print(f"per-rerun cost in authoring mode (file fingerprint): median {fp * 1000:.3f} ms; production: none")
