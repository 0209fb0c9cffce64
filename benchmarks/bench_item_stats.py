"""Time mesolearn.analytics.quiz_report.quiz_item_analysis on 10,000 submitted attempts of one module quiz.

Builds a throw-away SQLite database with bulk inserts (5,000 trainees × 2 graded attempts of the
"history" quiz, 10 questions each drawn from its pool, ability-driven scores and matching stored
responses), then times the database read and the computation separately. Prints figures only
(no assertions); the target is well under a second for the computation.

Run from the repository root: ``.venv/bin/python benchmarks/bench_item_stats.py``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mesolearn.analytics.quiz_report import analyse_quiz_data, load_quiz_data  # noqa: E402
from mesolearn.content import load_course  # noqa: E402
from mesolearn.storage import Database  # noqa: E402
from mesolearn.storage.models import Answer, Attempt, User  # noqa: E402

QUIZ, N_USERS, PER_USER, READ_RUNS, COMPUTE_RUNS = "history", 5_000, 2, 5, 15


def build(db: Database, course, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    pool = course.modules[QUIZ].quiz.questions
    k = course.modules[QUIZ].quiz.questions_per_attempt
    n_attempts = N_USERS * PER_USER
    t0 = datetime(2030, 1, 1)
    users = [
        dict(
            id=i + 1,
            username=f"t{i:05d}",
            display_name=f"Trainee {i}",
            email=None,
            password_hash="x",
            role="trainee",
            created_at=t0,
            failed_logins=0,
        )
        for i in range(N_USERS)
    ]
    drawn = np.argsort(rng.random((n_attempts, len(pool))), axis=1)[:, :k]
    ability = np.repeat(rng.normal(size=N_USERS), PER_USER)[:, None] + np.tile([0.0, 0.4], N_USERS)[:, None]
    p = 1 / (1 + np.exp(-(ability - rng.normal(scale=0.8, size=len(pool))[drawn])))
    correct = rng.random(drawn.shape) < p
    attempts, answers = [], []
    for a in range(n_attempts):
        user = a // PER_USER + 1
        start = t0 + timedelta(days=a % PER_USER, seconds=user)
        ids = [pool[j].id for j in drawn[a]]
        attempts.append(
            dict(
                id=a + 1,
                user_id=user,
                quiz_id=QUIZ,
                kind="module",
                mode="graded",
                seed=a,
                layout=[{"question_id": q, "layout": {}} for q in ids],
                started_at=start,
                deadline=None,
                submitted_at=start + timedelta(minutes=12),
                auto_submitted=False,
                score=0.0,
                passed=False,
                critical_failed=[],
            )
        )
        total = 0.0
        for pos, j in enumerate(drawn[a]):
            q, ok = pool[j], bool(correct[a, pos])
            response, score = None, float(ok)
            if q.type == "single_choice":
                wrong = [o.id for o in q.options if o.id != q.answer]
                response = q.answer if ok else wrong[(a + pos) % len(wrong)]
            elif q.type == "multiple_response":
                wrong = [o.id for o in q.options if o.id not in q.answers]
                response = list(q.answers) if ok else ([wrong[a % len(wrong)]] if (a + pos) % 3 else [])
            elif q.type == "true_false":
                response = q.answer if ok else (not q.answer)
            elif q.type in ("matching", "ordering") and not ok:
                score = float(np.round(p[a, pos] * 4) / 4)
            total += score
            answers.append(
                dict(
                    attempt_id=a + 1,
                    question_id=q.id,
                    position=pos,
                    response=response,
                    saved_at=start,
                    score=score,
                    flagged=False,
                )
            )
        attempts[-1]["score"] = round(100 * total / k, 1)
        attempts[-1]["passed"] = attempts[-1]["score"] >= 70
    with db.engine.begin() as conn:
        conn.execute(insert(User.__table__), users)
        conn.execute(insert(Attempt.__table__), attempts)
        conn.execute(insert(Answer.__table__), answers)


def median_ms(times: list[float]) -> str:
    return f"median {statistics.median(times) * 1e3:7.1f} ms (min {min(times) * 1e3:.1f}, max {max(times) * 1e3:.1f})"


def main() -> None:
    course = load_course(Path(__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        t = time.perf_counter()
        build(db, course)
        print(
            f"built {N_USERS * PER_USER:,} submitted attempts ({N_USERS * PER_USER * 10:,} answers) "
            f"in {time.perf_counter() - t:.1f} s"
        )

        reads = []
        for _ in range(READ_RUNS):
            t = time.perf_counter()
            data = load_quiz_data(db, QUIZ)
            reads.append(time.perf_counter() - t)
        print(f"  DB read (2 queries, {data.question_id.size:,} answer rows)      {median_ms(reads)}")

        for first in (True, False):
            analyse_quiz_data(course, QUIZ, data, first)  # warm-up
            runs = []
            for _ in range(COMPUTE_RUNS):
                t = time.perf_counter()
                report = analyse_quiz_data(course, QUIZ, data, first)
                runs.append(time.perf_counter() - t)
            label = "first attempts only" if first else "all attempts"
            print(f"  compute, {label:<20} ({report.quiz.n_attempts:>6,} analysed) {median_ms(runs)}")
            q = report.quiz
            print(
                f"      mean {q.mean:.1f} %, sd {q.sd:.1f} %, alpha {q.cronbach_alpha:.3f}, "
                f"flagged items {sum(1 for r in report.questions if r.flags)}/{len(report.questions)}"
            )
        t = time.perf_counter()
        size = len(json.dumps(report.to_dict()))
        print(
            f"  to_dict + json.dumps ({size / 1024:.0f} KiB)                    "
            f"{(time.perf_counter() - t) * 1e3:7.1f} ms"
        )
        db.dispose()


if __name__ == "__main__":
    main()
