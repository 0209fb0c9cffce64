"""Where a click's server CPU goes: py-spy on a live server while trainees answer (figures, not a test).

Starts the app server as ``bench_load.py`` does (temporary SQLite database, the repository's config), signs in
N trainees with an attempt each, and records the server with ``py-spy record --gil --format raw`` (only the thread
holding the GIL: the Python CPU) during the click phase. Prints the load average, the clicks, the server CPU per
click and the share of samples (inclusive) in the frames that matter: our code (``mesolearn/``, ``app.py``)
against Streamlit's, and the top functions by own time.

    .venv/bin/python benchmarks/profile_click.py --clients 20 --clicks 40 --out /tmp/click.txt
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_load import Scenario, _phase, _prepare, _warm  # noqa: E402
from tests.live.server import LiveServer  # noqa: E402


def _frames(line: str) -> tuple[list[str], int]:
    stack, _, count = line.rstrip("\n").rpartition(" ")
    return stack.split(";"), int(count)


def summarise(raw: Path, top: int) -> None:
    """Inclusive share of our code and of chosen frames, and the top own-time functions."""
    total = 0
    own: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    ours = 0
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        frames, n = _frames(line)
        total += n
        own[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
        if any("mesolearn/" in f or "(app.py" in f or "/app.py:" in f for f in frames):
            ours += n
    print(f"samples holding the GIL: {total}; with a frame of our code (mesolearn/, app.py): {ours / total:.1%}")
    print("\ntop inclusive (share of samples):")
    for f, n in incl.most_common(top):
        print(f"  {n / total:6.1%}  {f}")
    print("\ntop own time:")
    for f, n in own.most_common(top):
        print(f"  {n / total:6.1%}  {f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--clicks", type=int, default=40)
    ap.add_argument("--page", choices=["quiz", "exam"], default="quiz")
    ap.add_argument("--rate", type=int, default=250)
    ap.add_argument("--out", type=Path, default=Path("/tmp/mesolearn-click.txt"))
    ap.add_argument("--top", type=int, default=40)
    a = ap.parse_args()
    sc = Scenario(a.clients, a.clicks, 0.0, (a.page,))
    with LiveServer("app.py") as app:
        sessions = _prepare(app.database_url, sc.clients + 1, sc.pages)
        cookie, query, _ = sessions[a.page][-1]
        asyncio.run(_warm(app.url, cookie, "quiz", query))
        spy = subprocess.Popen(
            ["py-spy", "record", "--gil", "--format", "raw", "--rate", str(a.rate), "-o", str(a.out), "--pid",
             str(app.pid)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(1.0)
        ph = asyncio.run(_phase(app.url, app.pid, a.page, sessions[a.page][:-1], sc, 1))
        spy.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
        _, err = spy.communicate(timeout=60)
        if not a.out.exists():
            print(f"py-spy wrote nothing: {err}")
            return 1
    print(
        f"load average {os.getloadavg()[0]:.2f}; {len(ph.clicks)} clicks, errors {len(ph.errors)}, "
        f"CPU {ph.cpu_ms_per_run:.1f} ms per click, {ph.runs_per_s:.1f} runs/s (py-spy slows the server)"
    )
    summarise(a.out, a.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
