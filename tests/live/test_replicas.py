"""Two real app replicas (``scripts/replicas``: two ``streamlit run`` processes, nginx in front) on one PostgreSQL.

Marker ``postgres`` (and ``browser``: Debian's Chromium through Playwright). The test makes and drops its own
database. What a trainee would notice:

* signed in on replica A, the same browser cookie is signed in on replica B;
* answers given through either replica are all saved in the one attempt;
* the attempt submitted from both replicas at the same moment is submitted once: both tabs show the same
  result, with no error, and the database holds one graded attempt with the score of the saved answers;
* the same works through the nginx balancer (websocket upgrade, sticky upstream);
* two separate processes on the shared database submitting the same 15 attempts at the same instant: each
  attempt is graded, and its follow-up work (review cards, certificate) run, exactly once in total.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import shutil
import socket
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from mesolearn.accounts import Accounts
from mesolearn.content import load_course
from mesolearn.quiz import grading
from mesolearn.quiz.attempts import AttemptError, Attempts
from mesolearn.storage import Database
from mesolearn.storage.models import Answer, Attempt
from tests.factories import save_whole

pytestmark = [pytest.mark.postgres, pytest.mark.browser]
REPO = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("MESOLEARN_TEST_POSTGRES_URL")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
COOKIE = "mesolearn_session"


def _free_base() -> int:
    """A port p with p, p+1 and p+2 free (balancer, replica 1, replica 2)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + 2 > 65535:
            continue
        try:
            for p in (base + 1, base + 2):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
    raise RuntimeError("no three consecutive free ports")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[dict[str, str]]:
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("MESOLEARN_TEST_POSTGRES_URL is not set (scripts/test starts a server)")
        pytest.skip("no PostgreSQL server (set MESOLEARN_TEST_POSTGRES_URL)")
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required (scripts/system-deps installs it)")
        pytest.skip("chromium is not installed (run scripts/system-deps)")
    name = "mesolearn_replicas_" + secrets.token_hex(4)
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, query = PG_URL.partition("?")
    db_url = base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")
    state = tmp_path_factory.mktemp("replicas")
    env = dict(os.environ, MESOLEARN_DATABASE_URL=db_url, REPLICAS_DIR=str(state), REPLICAS_BASE_PORT=str(_free_base()))
    env.pop("MESOLEARN_CONTENT_DIR", None)
    try:
        out = subprocess.run(
            ["bash", str(REPO / "scripts/replicas"), "start", "2"],
            cwd=REPO,
            env=env,
            text=True,
            capture_output=True,
            timeout=240,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        urls = {}
        for line in out.stdout.splitlines():
            parts = line.split()
            if parts[:1] == ["replica"]:
                urls["a" if parts[1] == "1" else "b"] = parts[2]
            elif parts[:1] == ["balancer"]:
                urls["lb"] = parts[1]
        urls["db"] = db_url
        yield urls
    finally:
        subprocess.run(["bash", str(REPO / "scripts/replicas"), "stop"], cwd=REPO, env=env, timeout=60)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_two_replicas_share_sign_in_answers_and_one_submission(cluster, browser) -> None:
    from playwright.sync_api import expect

    from tests.e2e.streamlit_page import answer_correctly, click_button, fill, question_box, see, settle

    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(3)]
    for c in contexts:
        c.set_default_timeout(30_000)
    page_a, page_b, page_lb = (c.new_page() for c in contexts)
    # both replicas open the new database at the same moment (the migration lock is exercised across processes)
    page_a.goto(cluster["a"])
    page_b.goto(cluster["b"])
    for page in (page_a, page_b):  # the first run of each process loads the course: give it time
        expect(page.get_by_text("Create the first", exact=False).first).to_be_visible(timeout=90_000)
        settle(page)

    db = Database(cluster["db"])
    course = load_course(REPO)
    accounts = Accounts(db)
    accounts.create_user("teacher", "Teacher", "teacher pass 1", "instructor")
    tom = accounts.create_user("tom", "Tom Trainee", "trainee pass 1", "trainee")

    # sign in on A ...
    page_a.goto(cluster["a"])
    settle(page_a)
    fill(page_a, "Username", "tom")
    fill(page_a, "Password", "trainee pass 1")
    click_button(page_a, "Sign in")
    see(page_a, "Signed in as Tom Trainee (trainee)")
    for _ in range(40):  # the sign-in cookie arrives just after the sign-in (set by the server, HttpOnly)
        cookie = next((c for c in contexts[0].cookies() if c["name"] == COOKIE and c["value"]), None)
        if cookie is not None:
            break
        page_a.wait_for_timeout(250)
    assert cookie is not None, contexts[0].cookies()
    # ... and continue on B with the same cookie
    contexts[1].add_cookies([{"name": COOKIE, "value": cookie["value"], "url": cluster["b"]}])
    page_b.goto(cluster["b"] + "/quiz?module=history")
    settle(page_b)
    expect(page_b.get_by_role("button", name="Start the quiz")).to_be_visible()

    page_a.goto(cluster["a"] + "/quiz?module=history")
    settle(page_a)
    click_button(page_a, "Start the quiz")
    expect(page_a.get_by_text("0 of 10 answered").first).to_be_visible(timeout=30_000)
    attempts = Attempts(db, course)
    attempt_id = attempts.open_attempt_id(tom.id, "history")
    assert attempt_id is not None
    items = attempts.load(attempt_id, tom.id).items
    total = len(items)
    page_b.goto(cluster["b"] + f"/quiz?attempt={attempt_id}")
    settle(page_b)
    for item in items[:3]:  # three answers through A
        answer_correctly(page_a, question_box(page_a, item.position + 1, total), item)
    for item in items[3:6]:  # three through B
        answer_correctly(page_b, question_box(page_b, item.position + 1, total), item)
    for _ in range(40):  # the last answer may still be on its way to the database
        saved = {i.question.id: i.response for i in attempts.load(attempt_id, tom.id).items}
        wrong = [
            (i.position, i.question.type, saved[i.question.id], grading.correct_response(i.question))
            for i in items[:6]
            if grading.grade(i.question, saved[i.question.id]) != 1.0
        ]
        if not wrong:
            break
        page_a.wait_for_timeout(250)
    assert not wrong, wrong
    assert all(saved[i.question.id] is None for i in items[6:])

    # submit from both replicas at the same moment
    for page in (page_a, page_b):
        click_button(page, "Submit all and finish")
        expect(page.get_by_role("button", name="Yes, submit now")).to_be_visible()
    buttons = [page.get_by_role("button", name="Yes, submit now") for page in (page_a, page_b)]
    for button in buttons:
        button.dispatch_event("click")
    for page in (page_a, page_b):
        settle(page)
        expect(page.get_by_role("heading", name="Result")).to_be_visible()
        see(page, "60%")
        expect(page.get_by_text("already been submitted")).to_have_count(0)
    with db.session() as s:
        graded = list(s.scalars(select(Attempt).where(Attempt.user_id == tom.id, Attempt.mode == "graded")))
        assert [(a.id, a.score, a.submitted_at is not None) for a in graded] == [(attempt_id, 60.0, True)]
        responses = s.execute(
            select(Answer.question_id, Answer.response, Answer.score).where(Answer.attempt_id == attempt_id)
        ).all()
    assert sum(1 for _, response, _ in responses if response is not None) == 6
    assert all(score == grading.grade(course.question(q), response) for q, response, score in responses)

    # through the balancer: the same cookie, the websocket through nginx, the same result
    if "lb" in cluster:
        contexts[2].add_cookies([{"name": COOKIE, "value": cookie["value"], "url": cluster["lb"]}])
        page_lb.goto(cluster["lb"] + f"/quiz?attempt={attempt_id}")
        settle(page_lb)
        expect(page_lb.get_by_role("heading", name="Result")).to_be_visible()
        see(page_lb, "60%")
    elif os.environ.get("CI"):
        pytest.fail("nginx is required for the balancer part (scripts/system-deps installs it)")
    for c in contexts:
        c.close()
    db.dispose()


def _replica_submits(db_url: str, jobs: list[tuple[int, int]], barrier, results) -> None:
    """One process (a replica's core): submit every attempt at once, in threads, after the other process is ready."""
    db = Database(db_url)
    follow_ups: list[int] = []
    attempts = Attempts(db, load_course(REPO), on_submit=follow_ups.append)
    start = threading.Barrier(len(jobs))
    outcomes: list[str] = []

    def submit(attempt_id: int, user_id: int) -> None:
        start.wait()
        try:
            outcomes.append(f"{attempts.submit(attempt_id, user_id).score:g}")
        except AttemptError as exc:
            outcomes.append(f"refused: {exc}")

    threads = [threading.Thread(target=submit, args=job) for job in jobs]
    barrier.wait()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put((follow_ups, outcomes))
    db.dispose()


def test_two_processes_submitting_the_same_attempts_grade_each_once(cluster) -> None:
    db = Database(cluster["db"])
    course = load_course(REPO)
    accounts = Accounts(db)
    attempts = Attempts(db, course)
    jobs = []
    for i in range(15):
        user = accounts.create_user(f"racer{i}", f"Racer {i}", "racer pass 1", "trainee")
        attempt_id = attempts.start(user.id, "history", seed=i)
        for item in attempts.load(attempt_id, user.id).items[:5]:
            save_whole(attempts, attempt_id, user.id, item.question.id, grading.correct_response(item.question))
        jobs.append((attempt_id, user.id))
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_replica_submits, args=(cluster["db"], jobs, barrier, results)) for _ in range(2)]
    for p in procs:
        p.start()
    outputs = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    follow_ups = Counter(a for done, _ in outputs for a in done)
    assert follow_ups == Counter({attempt_id: 1 for attempt_id, _ in jobs})  # once in total, not once per process
    assert [o for _, outcomes in outputs for o in outcomes] == ["50"] * 30  # both tabs see the one result
    db.dispose()
