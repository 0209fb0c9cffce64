"""Load benchmark: many trainees answering quizzes on one real server, next to a hello-world page.

Starts ``streamlit run app.py`` (temporary SQLite database) and ``streamlit run benchmarks/hello_app.py``, both
from the repository root so both read the same ``.streamlit/config.toml``. Trainees are created in the app's
database with the core and signed in through the sign-in cookie; each gets its own attempt. Then N websocket
sessions at once (tests/live/stclient.py: the browser's protocol, no browser) open the attempt page and answer,
one widget change per click (a click on a question inside an ``st.fragment`` is sent as that fragment's rerun,
as the browser does). Hello sessions do the same on their page's one radio.

Printed per page: errors (exceptions, timeouts, closed sockets), p50/p95 reply time of a click (BackMsg sent to
``script_finished``), runs/s over the click phase, server CPU per click (psutil, user+system of the server
process over the phase), memory per session (server RSS with all sessions open minus RSS before they
connected, divided by N). Prints figures only: it asserts nothing and is not a test.

Presets (the targets of issue 8 §3):
  --scenario 20-answering   20 trainees, module quiz, 10 clicks each, no think time
  --scenario one            1 trainee: module quiz (10 questions) and the mock exam (60 questions), 30 clicks
  --scenario 100-think      100 trainees, module quiz, 5 clicks each, 2 s think time
Run from the repository root: ``.venv/bin/python benchmarks/bench_load.py --scenario 20-answering``
(``--scenario all`` runs the three). The machine's other load skews every figure: compare ratios to hello.
``--yardstick fragment`` measures ``benchmarks/fragment_app.py`` (the quiz page's layout and fragments with no
MesoLearn code) instead of the hello page: what Streamlit itself costs for a click in a fragment. ``--floor`` also
measures, in the same run, ``benchmarks/hello_fragment_app.py``: the hello page with its radio in a fragment, the
smallest click a fragment can have (no database, no other element).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mesolearn.accounts import Accounts  # noqa: E402
from mesolearn.content import load_course  # noqa: E402
from mesolearn.quiz.attempts import Attempts  # noqa: E402
from mesolearn.storage import Database  # noqa: E402
from mesolearn.storage.models import User  # noqa: E402
from tests.live.server import LiveServer  # noqa: E402
from tests.live.stclient import USER_AGENT, ProtocolError, Session, Widget  # noqa: E402

MODULE, EXAM = "history", "certification"


@dataclass(frozen=True)
class Scenario:
    clients: int
    clicks: int
    think_s: float
    pages: tuple[str, ...]


SCENARIOS = {
    "20-answering": Scenario(20, 10, 0.0, ("quiz",)),
    "one": Scenario(1, 30, 0.0, ("quiz", "exam")),
    "100-think": Scenario(100, 5, 2.0, ("quiz",)),
}
PAGE_TITLE = {
    "hello": "hello (3 elements)",
    "floor": "hello, in a fragment",  # --floor: benchmarks/hello_fragment_app.py
    "quiz": "module quiz (10 q)",
    "exam": "mock exam (60 q)",
}
# --yardstick: the page measured next to MesoLearn (fragment: the quiz page's layout and fragments, no MesoLearn code)
YARDSTICKS = {
    "hello": ("benchmarks/hello_app.py", "hello (3 elements)"),
    "fragment": ("benchmarks/fragment_app.py", "fragment page (10 q)"),
}


@dataclass
class Phase:
    page: str
    clients: int
    errors: list[str] = field(default_factory=list)
    clicks: list[float] = field(default_factory=list)
    initial: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    cpu_s: float = 0.0
    rss_per_session: float = 0.0
    fragment_runs: int = 0

    def pct(self, p: float) -> float:
        xs = sorted(self.clicks)
        if not xs:
            return float("nan")
        k = (len(xs) - 1) * p / 100
        lo = int(k)
        hi = min(lo + 1, len(xs) - 1)
        return (xs[lo] + (xs[hi] - xs[lo]) * (k - lo)) * 1000

    @property
    def runs_per_s(self) -> float:
        return len(self.clicks) / self.wall_s if self.wall_s else float("nan")

    @property
    def cpu_ms_per_run(self) -> float:
        return self.cpu_s * 1000 / len(self.clicks) if self.clicks else float("nan")


def _cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def _answer_widgets(tab: Session, attempt_id: int | None) -> list[Widget]:
    """The inputs of the questions (not flags or problem reports); hello: its radio."""
    if attempt_id is None:
        return [w for w in tab.widgets if w.kind == "radio"]
    own = re.compile(rf"a{attempt_id}-[\w.-]+")
    return [
        w
        for w in tab.widgets
        if w.key
        and own.match(w.key)
        and not re.search(r"-(flag|report.*)$", w.key)
        and w.kind in ("radio", "selectbox", "checkbox")
        and not w.disabled
    ]


async def _one_client(
    url: str,
    cookie: str | None,
    query: str,
    page: str,
    attempt_id: int | None,
    sc: Scenario,
    rng: random.Random,
    ph: Phase,
    go: asyncio.Event,
    done: asyncio.Event,
    ready: list[int],
    finished: list[int],
) -> None:
    tab = Session(url, cookies={"mesolearn_session": cookie} if cookie else None)
    set_values: dict[str, object] = {}
    try:
        await tab.connect()
        ready.append(1)
        await go.wait()
        r = await tab.open(page, query)
        ph.initial.append(r.elapsed)
        if not r.ok:
            ph.errors.append(f"initial run: {r.exceptions}")
        ready.append(2)
        wait_until = time.monotonic() + 120
        while len(ready) < 2 * ph.clients and time.monotonic() < wait_until:  # clicks start together
            await asyncio.sleep(0.01)
        if sc.think_s:  # people reading do not click in step: the first click comes after a first read
            await asyncio.sleep(sc.think_s * rng.random())
        for i in range(sc.clicks):
            choices = _answer_widgets(tab, attempt_id)
            if not choices:
                ph.errors.append("no answer widget on the page")
                break
            w = rng.choice(choices)
            if w.kind == "checkbox":
                value: object = not set_values.get(w.id, w.value)
            else:
                current = set_values.get(w.id, w.value)
                value = rng.choice([o for o in w.options if o != current] or w.options)
            set_values[w.id] = value
            r = await tab.set(w, value)
            ph.clicks.append(r.elapsed)
            ph.fragment_runs += r.fragment_run
            if not r.ok:
                ph.errors.append(f"click {i + 1}: {r.exceptions}")
            if sc.think_s and i + 1 < sc.clicks:
                await asyncio.sleep(sc.think_s * rng.uniform(0.5, 1.5))
    except (ProtocolError, OSError) as exc:
        ph.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        finished.append(1)
        await done.wait()  # stay connected until the server's memory is sampled with every session open
        await tab.close()


async def _phase(
    url: str, pid: int, page: str, sessions: list[tuple[str | None, str, int | None]], sc: Scenario, seed: int
) -> Phase:
    proc = psutil.Process(pid)
    ph = Phase(page, len(sessions))
    go, done = asyncio.Event(), asyncio.Event()
    ready: list[int] = []
    finished: list[int] = []
    rss_before = proc.memory_info().rss
    url_path = "" if page == "hello" else "quiz"
    tasks = [
        asyncio.create_task(
            _one_client(
                url, cookie, query, url_path, attempt, sc, random.Random(seed + i), ph, go, done, ready, finished
            )
        )
        for i, (cookie, query, attempt) in enumerate(sessions)
    ]
    while len(ready) < len(sessions) and not all(t.done() for t in tasks):
        await asyncio.sleep(0.02)
    go.set()
    while sum(1 for x in ready if x == 2) < len(sessions) and not all(t.done() for t in tasks):
        await asyncio.sleep(0.005)
    cpu0, t0 = _cpu(proc), time.perf_counter()
    while len(finished) < len(sessions):
        await asyncio.sleep(0.005)
    ph.wall_s = time.perf_counter() - t0
    await asyncio.sleep(0.3)  # the server's after-run work (garbage collection) belongs to the runs
    ph.cpu_s = _cpu(proc) - cpu0
    ph.rss_per_session = (proc.memory_info().rss - rss_before) / len(sessions)
    done.set()
    await asyncio.gather(*tasks)
    return ph


def _prepare(db_url: str, n: int, pages: tuple[str, ...]) -> dict[str, list[tuple[str | None, str, int | None]]]:
    """n trainees straight in the database, each with a sign-in token and an open attempt per page."""
    db = Database(db_url)
    course = load_course(REPO)
    accounts, attempts = Accounts(db), Attempts(db, course)
    with db.session() as s:
        if not accounts.has_users():
            s.add(
                User(
                    username="instructor",
                    display_name="Instructor",
                    password_hash="unused",
                    role="instructor",
                    created_at=datetime(2025, 1, 1),
                )
            )
        users = [
            User(
                username=f"bench{i:03d}",
                display_name=f"Bench trainee {i}",
                password_hash="unused",
                role="trainee",
                created_at=datetime(2025, 1, 1),
            )
            for i in range(n)
        ]
        s.add_all(users)
        s.flush()
        ids = [u.id for u in users]
    out: dict[str, list[tuple[str | None, str, int | None]]] = {p: [] for p in pages}
    for uid in ids:
        account = accounts.get(uid)
        assert account is not None
        token = accounts.start_session(account, USER_AGENT)
        for p in pages:
            aid = attempts.start(uid, MODULE if p == "quiz" else EXAM)
            out[p].append((token, _attempt_query(attempts, aid, uid), aid))
    db.dispose()
    return out


def _attempt_query(attempts, attempt_id: int, user_id: int) -> str:
    """The attempt's URL query. An exam with ``layout: one_per_page`` draws the question in ``?q=`` only: open the
    first one answered with the widgets the clients click (radio, selectbox, checkbox)."""
    from mesolearn.quiz import drawing
    from mesolearn.ui.inputs import renderer_for

    state = attempts.load(attempt_id, user_id)
    if state.spec.kind != "exam":
        return f"attempt={attempt_id}"
    for it in state.items:
        kinds = {
            k
            for k, _key, _v in renderer_for(it.question).widget_values(drawing.view(it.question, it.layout), "k", None)
        }
        if kinds & {"radio", "selectbox", "checkbox"}:
            return f"attempt={attempt_id}&q={it.position + 1}"
    return f"attempt={attempt_id}"


async def _warm(url: str, cookie: str | None, page: str, query: str) -> None:
    async with Session(url, cookies={"mesolearn_session": cookie} if cookie else None) as tab:
        await tab.open(page, query)
        await tab.rerun()


def run_scenario(
    name: str,
    sc: Scenario,
    seed: int,
    options: dict[str, str],
    rounds: int = 1,
    yardstick: str = "hello",
    floor: bool = False,
) -> list[Phase]:
    phases: list[Phase] = []
    hello_app = YARDSTICKS[yardstick][0]
    with contextlib.ExitStack() as servers:
        hello = servers.enter_context(LiveServer(hello_app, options=options))
        app = servers.enter_context(LiveServer("app.py", options=options))
        # One extra trainee per page for the warm-up: the first run of a server parses the course.
        sessions = _prepare(app.database_url, sc.clients + 1, sc.pages)
        asyncio.run(_warm(hello.url, None, "", ""))
        for p in sc.pages:
            cookie, query, _ = sessions[p][-1]
            asyncio.run(_warm(app.url, cookie, "quiz", query))
        time.sleep(0.5)
        phases.append(asyncio.run(_phase(hello.url, hello.pid, "hello", [(None, "", None)] * sc.clients, sc, seed)))
        if floor:  # the same page with its radio in a fragment: what Streamlit alone costs for a fragment click
            low = servers.enter_context(LiveServer("benchmarks/hello_fragment_app.py", options=options))
            asyncio.run(_warm(low.url, None, "", ""))
            time.sleep(0.5)
            phases.append(asyncio.run(_phase(low.url, low.pid, "floor", [(None, "", None)] * sc.clients, sc, seed)))
        for p in sc.pages:
            phases.append(asyncio.run(_phase(app.url, app.pid, p, sessions[p][:-1], sc, seed)))
        rss = [_settled_rss(app.pid)]
        for r in range(1, rounds):  # the same cohort again: memory must level off, not grow with every round
            for p in sc.pages:
                asyncio.run(_phase(app.url, app.pid, p, sessions[p][:-1], sc, seed + 1000 * r))
            rss.append(_settled_rss(app.pid))
        if rounds > 1:
            print(
                "app server RSS after each round, all sessions closed (MiB): "
                + ", ".join(f"{x / 2**20:.1f}" for x in rss)
            )
    return phases


def _settled_rss(pid: int) -> int:
    time.sleep(1.0)
    return psutil.Process(pid).memory_info().rss


def report(name: str, sc: Scenario, phases: list[Phase], yardstick: str = "hello") -> None:
    load = os.getloadavg()[0]
    print(
        f"\n== {name}: {sc.clients} session(s) at once, {sc.clicks} clicks each, think {sc.think_s:g} s; "
        f"{psutil.cpu_count()} CPUs, load average {load:.2f}"
    )
    print(
        f"{'page':<22}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'runs/s':>8}{'CPU ms/run':>12}{'MiB/session':>13}"
        f"{'fragment runs':>15}"
    )
    for ph in phases:
        title = YARDSTICKS[yardstick][1] if ph.page == "hello" else PAGE_TITLE[ph.page]
        print(
            f"{title:<22}{len(ph.errors):>7}{ph.pct(50):>9.1f}{ph.pct(95):>9.1f}{ph.runs_per_s:>8.1f}"
            f"{ph.cpu_ms_per_run:>12.1f}{ph.rss_per_session / 2**20:>13.2f}{ph.fragment_runs:>9}/{len(ph.clicks)}"
        )
    hello = phases[0]
    for ph in phases[1:]:
        print(
            f"  {ph.page} / {yardstick}: p50 {ph.pct(50) / hello.pct(50):.2f}x, CPU per click "
            f"{ph.cpu_ms_per_run / hello.cpu_ms_per_run:.2f}x, throughput {ph.runs_per_s / hello.runs_per_s:.2f}x"
        )
    by = {ph.page: ph for ph in phases}
    if "exam" in by and "quiz" in by:
        print(
            f"  exam / quiz: p50 {by['exam'].pct(50) / by['quiz'].pct(50):.2f}x, "
            f"CPU per click {by['exam'].cpu_ms_per_run / by['quiz'].cpu_ms_per_run:.2f}x"
        )
    for ph in phases:
        for e in ph.errors[:5]:
            print(f"  error ({ph.page}): {e}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="20-answering")
    ap.add_argument("--clients", type=int, help="override the preset's number of sessions")
    ap.add_argument("--clicks", type=int, help="override the preset's clicks per session")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat the app's phases with the same cohort and print the server's RSS after each round",
    )
    ap.add_argument(
        "--server-opt",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="experiment: extra `streamlit run` option for both servers, e.g. runner.postScriptGC=false",
    )
    ap.add_argument(
        "--yardstick",
        choices=list(YARDSTICKS),
        default="hello",
        help="the page measured next to MesoLearn: hello (3 elements) or fragment (the quiz layout, no MesoLearn code)",
    )
    ap.add_argument(
        "--floor",
        action="store_true",
        help="also measure the hello page with its radio in a fragment (benchmarks/hello_fragment_app.py)",
    )
    a = ap.parse_args(argv)
    options = dict(kv.split("=", 1) for kv in a.server_opt)
    names = list(SCENARIOS) if a.scenario == "all" else [a.scenario]
    for name in names:
        sc = SCENARIOS[name]
        sc = Scenario(a.clients or sc.clients, a.clicks or sc.clicks, sc.think_s, sc.pages)
        if options:
            print(f"server options on top of .streamlit/config.toml: {options}")
        report(name, sc, run_scenario(name, sc, a.seed, options, a.rounds, a.yardstick, a.floor), a.yardstick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
