"""Readiness for the certification exam: evidence, the pass-probability model and its honesty."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from mesolearn.learning.readiness import Evidence, estimate_pass, pass_threshold, question_observations, readiness
from mesolearn.learning.spaced import record_review
from mesolearn.quiz.drawing import allocate
from tests.conftest import make_user
from tests.factories import attempt_row

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 3, 3, 9, 0)
SIMS = 2000


# ---------------------------------------------------------------- helpers (local to this file)


def sample(course, per_module=15):
    """The first ``per_module`` questions of each module, with enough critical ones in the mix."""
    out = []
    for m in course.modules.values():
        qs = m.quiz.questions
        crit = [q.id for q in qs if q.critical][:3]
        rest = [q.id for q in qs if not q.critical][: per_module - len(crit)]
        out += crit + rest
    return out


def answer(db, course, user, correct: set[str], questions: list[str]):
    by_module: dict[str, dict[str, float]] = {}
    for q in questions:
        by_module.setdefault(course.questions[q][0], {})[q] = 1.0 if q in correct else 0.0
    for module_id, scores in by_module.items():
        attempt_row(db, user, module_id, scores)


def report(db, course, user, **kw):
    kw.setdefault("simulations", SIMS)
    return readiness(db, course, user, now=T0 + timedelta(hours=1), **kw)


# ---------------------------------------------------------------- tests
def test_not_enough_data(db, course):
    user = make_user(db)
    r = report(db, course, user)
    assert r.estimate is None and not r.enough_data
    assert r.answered == 0 and "Not enough data" in r.message
    assert len(r.untested) == len(r.objectives) and r.weakest == []
    qs = sample(course)[:19]
    answer(db, course, user, set(qs), qs)
    r = report(db, course, user)
    assert r.answered == 19 and r.estimate is None and "19" in r.message
    qs = sample(course)[:20]
    answer(db, course, user, set(qs), qs)
    assert report(db, course, user).estimate is not None


def test_more_correct_answers_give_a_higher_probability(db, course):
    qs = sample(course)
    critical = {q for q in qs if course.question(q).critical}
    ordinary = [q for q in qs if q not in critical]
    weak, strong = make_user(db, "Weak"), make_user(db, "Strong")
    answer(db, course, weak, critical | set(ordinary[: int(len(ordinary) * 0.5)]), qs)
    answer(db, course, strong, critical | set(ordinary[: int(len(ordinary) * 0.97)]), qs)
    pw, ps = report(db, course, weak).estimate, report(db, course, strong).estimate
    assert pw.probability < ps.probability
    assert pw.expected_score < ps.expected_score
    assert ps.probability > 0.3 and pw.probability < 0.1


def test_missing_critical_items_lowers_the_probability(db, course):
    qs = sample(course)
    critical = [q for q in qs if course.question(q).critical]
    ordinary = [q for q in qs if not course.question(q).critical]
    safe, unsafe = make_user(db, "Safe"), make_user(db, "Unsafe")
    n_wrong = 5
    answer(db, course, safe, set(qs) - set(ordinary[:n_wrong]), qs)  # 5 ordinary mistakes
    answer(db, course, unsafe, set(qs) - set(critical[:n_wrong]), qs)  # 5 safety-critical mistakes
    rs, ru = report(db, course, safe), report(db, course, unsafe)
    assert rs.answered == ru.answered
    assert ru.estimate.probability < rs.estimate.probability
    assert ru.estimate.critical_miss > rs.estimate.critical_miss


def test_interval_contains_estimate_and_is_deterministic(db, course):
    user = make_user(db)
    qs = sample(course)
    answer(db, course, user, set(qs[::4]) | set(qs[1::4]) | set(qs[2::4]), qs)
    a = report(db, course, user, seed=7).estimate
    b = report(db, course, user, seed=7).estimate
    c = report(db, course, user, seed=8).estimate
    assert a == b
    assert a != c and abs(a.probability - c.probability) < 0.05  # Monte Carlo noise only
    for e in (a, c):
        assert 0.0 <= e.low <= e.probability <= e.high <= 1.0
        assert e.score_low <= e.expected_score <= e.score_high
        assert e.high > e.low  # uncertainty is stated
        assert e.questions == 60 and e.questions_needed == 45 and e.simulations == SIMS


def test_interval_contains_estimate_even_when_very_skewed(course):
    exam = course.exams["certification"]
    pools = {m.id: (len(m.quiz.questions), sum(q.critical for q in m.quiz.questions)) for m in course.modules.values()}
    for right, wrong, crit in ((2, 8, (1, 3)), (9, 1, (30, 0)), (0, 0, (0, 0)), (60, 1, (50, 0))):
        e = estimate_pass(exam, pools, {m: Evidence(right, wrong) for m in pools}, Evidence(*crit), 1000, 3)
        assert e.low <= e.probability <= e.high


def test_estimate_matches_a_brute_force_simulation(course):
    exam = course.exams["certification"]
    pools = {m.id: (len(m.quiz.questions), sum(q.critical for q in m.quiz.questions)) for m in course.modules.values()}
    ev = {m: Evidence(17, 3) for m in pools}
    crit = Evidence(25, 1)
    est = estimate_pass(exam, pools, ev, crit, 20000, 1)
    rng = np.random.default_rng(99)
    n = 100000
    counts = allocate({b.module: b.weight for b in exam.blueprint}, {m: p[0] for m, p in pools.items()}, exam.questions)
    c = rng.beta(1 + crit.right, 1 + crit.wrong, n)
    total, miss = np.zeros(n), np.zeros(n, bool)
    for m, k_m in counts.items():
        p = rng.beta(1 + ev[m].right, 1 + ev[m].wrong, n)
        k = rng.hypergeometric(pools[m][1], pools[m][0] - pools[m][1], k_m, n)
        kc = rng.binomial(k, c)
        miss |= kc < k
        total += kc + rng.binomial(k_m - k, p)
    assert est.probability == pytest.approx(np.mean((total >= 45) & ~miss), abs=0.015)
    assert est.critical_miss == pytest.approx(miss.mean(), abs=0.015)


def test_pass_threshold():
    assert pass_threshold(60, 75) == 45
    assert pass_threshold(10, 70) == 7
    assert pass_threshold(3, 70) == 3  # 66.7% < 70
    assert pass_threshold(60, 0) == 0


def test_modules_objectives_and_weakest_links(db, course):
    user = make_user(db)
    qs = sample(course)
    risks = [q for q in qs if course.questions[q][0] == "risks"]
    answer(db, course, user, set(qs) - set(risks[:8]), qs)
    r = report(db, course, user)
    by_id = {m.module_id: m for m in r.modules}
    assert sum(m.exam_questions for m in r.modules) == 60
    assert by_id["risks"].accuracy < by_id["history"].accuracy
    assert by_id["risks"].low <= by_id["risks"].accuracy <= by_id["risks"].high
    assert by_id["history"].observed == 1.0 and by_id["history"].answered == 15
    assert r.weakest and [o.accuracy for o in r.weakest] == sorted(o.accuracy for o in r.weakest)
    assert r.weakest[0].module_id == "risks"
    for o in r.objectives:
        module_id, section_id = o.link
        assert course.modules[module_id].lesson.section(section_id) is not None
        assert course.modules[module_id].lesson.objective(o.objective_id) is not None
    assert all(o.answered == 0 for o in r.untested)
    assert {o.level for o in r.objectives} <= {"not attempted", "attempted", "familiar", "proficient", "mastered"}


def test_exam_date_uses_predicted_recall(db, course):
    far = T0 + timedelta(days=200)
    near_user, far_user = make_user(db, "Near"), make_user(db, "Far", exam_date=far)
    q = sample(course)[0]
    module_id = course.questions[q][0]
    for user in (near_user, far_user):
        attempt_row(db, user, module_id, {q: 0.0}, when=T0)
        record_review(db, user, q, 0.0, T0)
        attempt_row(db, user, module_id, {q: 1.0}, when=T0 + timedelta(minutes=30))
        record_review(db, user, q, 1.0, T0 + timedelta(minutes=30))
    now = T0 + timedelta(hours=1)
    assert question_observations(db, course, near_user, now)[q] == pytest.approx(1.0)
    far_obs = question_observations(db, course, far_user, far)[q]
    assert 0 < far_obs < 0.9
    r = readiness(db, course, far_user, now=now, simulations=200)
    assert r.as_of == far and r.exam_date == far
    assert readiness(db, course, near_user, now=now, simulations=200).as_of == now
    assert math.isclose(sum(o.answered for o in r.objectives), 1)


def test_unknown_exam(db, course):
    with pytest.raises(KeyError):
        readiness(db, course, make_user(db), "no-such-exam", now=T0)
