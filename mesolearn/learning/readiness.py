"""Readiness for the certification exam: where the trainee stands, and the chance of passing.

Method (also in docs/LEARNING.md):

1. **Evidence.** Each question the trainee has answered (graded attempts and spaced reviews; other
   practice only with ``include_practice=True``) gives one observation, from its *most recent*
   answer: the score (0..1; a safety-critical question answered as the exam would fail it counts 0: a
   single-best-answer item below full marks, a case whose path took an unsafe choice; a case walked down a safe
   path that is not the best keeps its partial score, as in the exam). If the question has an FSRS review card
   and the latest answer was right, the observation is instead the card's predicted recall at the trainee's exam
   date (``User.exam_date``; today if unset or past), so knowledge that was shaky decays
   towards the exam. A latest wrong answer is 0.
2. **Posteriors.** Accuracy on each module's ordinary questions is Beta(1 + right, 1 + wrong) (a
   uniform prior: no data means "anything from 0 to 100%"). Accuracy on safety-critical questions
   is one Beta(1 + right, 1 + wrong) pooled over all modules (there are too few per module).
3. **Exam.** The exam draws ``questions`` items split over modules by the blueprint weights (the
   same allocation the exam uses); the number of critical items drawn from each module is
   hypergeometric. For a given set of accuracies the distribution of the number right, and the
   chance that no critical item is missed, are computed exactly (each item right or wrong with the
   accuracy's probability), so P(pass | accuracies) = P(score >= pass mark and no critical miss).
4. **Monte Carlo.** ``simulations`` draws (default 4,000, seeded) of the accuracies from the
   posteriors give as many values of P(pass | accuracies). Their mean is the estimate (the
   posterior predictive probability of passing); the 80% credible interval is their 10th-90th
   percentile range (shifted to 0-80th or 20th-100th in the rare very skewed case where the mean
   lies outside it, so the interval always holds 80% of the posterior and contains the estimate).
5. **Not enough data** below ``min_answers`` answered questions (default 20): no estimate is given.

Partial credit is treated as a fraction of a right answer in the posteriors, and exam items are
modelled as right/wrong; the estimate ignores exam-day factors (time pressure, nerves).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import numpy as np

from mesolearn.content.loader import Course
from mesolearn.content.models import Exam
from mesolearn.errors import UserError
from mesolearn.learning.mastery import answer_records, is_correct, mastery_for_user
from mesolearn.learning.spaced import cards, predicted_recall
from mesolearn.quiz.drawing import allocate
from mesolearn.quiz.grading import critical_failed
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import User

DEFAULT_EXAM = "certification"
MIN_ANSWERS = 20
SIMULATIONS = 4000
CREDIBLE = 0.80
WEAKEST = 5


@dataclass(frozen=True)
class Evidence:
    """Observations for a Beta posterior: ``right`` + ``wrong`` = questions observed (may be fractional)."""

    right: float = 0.0
    wrong: float = 0.0

    @property
    def n(self) -> float:
        return self.right + self.wrong

    def __add__(self, other: Evidence) -> Evidence:
        return Evidence(self.right + other.right, self.wrong + other.wrong)

    @property
    def mean(self) -> float:
        """Posterior mean with the Beta(1, 1) prior."""
        return (1 + self.right) / (2 + self.n)

    def interval(self, mass: float = CREDIBLE, draws: int = 4000, seed: int = 0) -> tuple[float, float]:
        """Equal-tailed credible interval of the Beta(1 + right, 1 + wrong) posterior (Monte Carlo)."""
        x = np.random.default_rng(seed).beta(1 + self.right, 1 + self.wrong, draws)
        lo, hi = np.quantile(x, [(1 - mass) / 2, (1 + mass) / 2])
        return float(lo), float(hi)


@dataclass(frozen=True)
class PassEstimate:
    probability: float  # posterior predictive probability of passing, 0..1
    low: float  # 80% credible interval of the probability
    high: float
    critical_miss: float  # probability of missing at least one critical item
    expected_score: float  # percent, posterior mean of the expected exam score
    score_low: float  # 80% credible interval of the expected score (percent)
    score_high: float
    questions_needed: int  # right answers needed out of the exam's questions
    questions: int
    simulations: int
    seed: int


@dataclass(frozen=True)
class ModuleReadiness:
    module_id: str
    title: str
    answered: int  # questions observed
    observed: float | None  # plain accuracy of the observations (None without data)
    accuracy: float  # posterior mean, Beta(1, 1) prior
    low: float  # 80% credible interval
    high: float
    exam_questions: int  # how many exam questions come from this module
    critical_in_pool: int


@dataclass(frozen=True)
class ObjectiveReadiness:
    objective_id: str
    module_id: str
    text: str
    answered: int
    observed: float | None
    accuracy: float  # posterior mean, Beta(1, 1) prior
    level: str  # mastery level (mesolearn.learning.mastery)
    section_id: str  # the lesson section to revisit: link (module_id, section_id)

    @property
    def link(self) -> tuple[str, str]:
        return (self.module_id, self.section_id)


@dataclass(frozen=True)
class ReadinessReport:
    exam_id: str
    exam_title: str
    as_of: datetime  # the date recall is predicted for (exam date or today), naive UTC
    exam_date: datetime | None
    answered: int  # questions observed in total
    min_answers: int
    estimate: PassEstimate | None  # None when there is not enough data
    modules: list[ModuleReadiness] = field(default_factory=list)
    objectives: list[ObjectiveReadiness] = field(default_factory=list)
    weakest: list[ObjectiveReadiness] = field(default_factory=list)  # answered objectives, weakest first
    untested: list[ObjectiveReadiness] = field(default_factory=list)  # objectives with no answer yet
    message: str = ""

    @property
    def enough_data(self) -> bool:
        return self.estimate is not None


# ---------------------------------------------------------------- pure estimate
def pass_threshold(questions: int, pass_mark: float) -> int:
    """Fewest right answers whose score (rounded to 0.1 as attempts are) reaches the pass mark."""
    return next(t for t in range(questions + 1) if t == questions or round(100.0 * t / questions, 1) >= pass_mark)


def _hypergeom(pool: int, good: int, n: int) -> np.ndarray:
    """P(k critical items among n drawn from a pool of ``pool`` with ``good`` critical), k = 0..n."""
    total = math.comb(pool, n)
    return np.array([math.comb(good, k) * math.comb(pool - good, n - k) / total for k in range(n + 1)])


def _binom_fft(n: int, p: np.ndarray, freq: np.ndarray) -> np.ndarray:
    """DFT of Binomial(n, p) pmfs (rows = draws of p): (1 - p + p w)^n at the unit roots ``freq``."""
    return (1 - p[:, None] + p[:, None] * freq[None, :]) ** n


def _credible(values: np.ndarray, estimate: float, mass: float = CREDIBLE) -> tuple[float, float]:
    tail = 1 - mass
    rank = float(np.mean(values <= estimate))
    lo_q = tail / 2 if tail / 2 <= rank <= 1 - tail / 2 else (0.0 if rank < tail / 2 else tail)
    lo, hi = np.quantile(values, [lo_q, lo_q + mass])
    return float(min(lo, estimate)), float(max(hi, estimate))


def estimate_pass(
    exam: Exam,
    pools: Mapping[str, tuple[int, int]],
    evidence: Mapping[str, Evidence],
    critical: Evidence,
    simulations: int = SIMULATIONS,
    seed: int = 0,
) -> PassEstimate:
    """Probability of passing ``exam``.

    ``pools``: module -> (questions in its pool, of which safety-critical). ``evidence``: module ->
    evidence on its ordinary questions. ``critical``: evidence on critical questions (all modules).
    """
    weights = {b.module: b.weight for b in exam.blueprint if pools.get(b.module, (0, 0))[0] > 0}
    counts = allocate(weights, {m: pools[m][0] for m in weights}, exam.questions)
    n_total = sum(counts.values())
    if n_total == 0:
        raise ValueError("the exam draws no questions")
    need = pass_threshold(n_total, exam.pass_mark)
    rng = np.random.default_rng(seed)
    c = rng.beta(1 + critical.right, 1 + critical.wrong, simulations)
    size = n_total + 1  # polynomial degree <= n_total, so circular convolution is exact
    freq = np.exp(-2j * np.pi * np.arange(size // 2 + 1) / size)  # rfft of a unit shift
    total = np.ones((simulations, size // 2 + 1), dtype=complex)
    no_miss = np.ones(simulations)
    expected = np.zeros(simulations)
    for module in sorted(counts):
        n = counts[module]
        if n == 0:
            continue
        pool, crit = pools[module]
        ev = evidence.get(module, Evidence())
        p = rng.beta(1 + ev.right, 1 + ev.wrong, simulations)
        h = _hypergeom(pool, min(crit, pool), n)
        g = np.zeros_like(total)
        module_no_miss = np.zeros(simulations)
        for k, hk in enumerate(h):
            if hk == 0:
                continue
            rest = _binom_fft(n - k, p, freq)
            if exam.critical_fails:  # only the "all k critical right" branch can pass
                weight = hk * c**k
                g += weight[:, None] * rest * freq[None, :] ** k  # k right, shifted
                module_no_miss += weight
            else:
                g += hk * _binom_fft(k, c, freq) * rest
                module_no_miss += hk * c**k
        total *= g
        no_miss *= module_no_miss
        e_k = float(np.dot(np.arange(len(h)), h))
        expected += e_k * c + (n - e_k) * p
    dist = np.clip(np.fft.irfft(total, n=size, axis=1), 0.0, None)
    p_pass = np.clip(dist[:, need:].sum(axis=1), 0.0, 1.0)
    probability = float(p_pass.mean())
    low, high = _credible(p_pass, probability)
    score = 100.0 * expected / n_total
    score_mean = float(score.mean())
    s_low, s_high = _credible(score, score_mean)
    return PassEstimate(
        probability, low, high, float(1 - no_miss.mean()), score_mean, s_low, s_high, need, n_total, simulations, seed
    )


# ---------------------------------------------------------------- gathering
def question_observations(
    db: Database, course: Course, user_id: int, as_of: datetime, include_practice: bool = False
) -> dict[str, float]:
    """question id -> observed correctness in 0..1 (see the module docstring, step 1)."""
    sources = ("graded", "review", "practice") if include_practice else ("graded", "review")
    latest: dict[str, tuple[float, Any]] = {}
    for r in answer_records(db, user_id, sources):  # oldest first, so the last one wins
        latest[r.question_id] = (r.score, r.response)
    recall = {c.question_id: predicted_recall(c.card, as_of) for c in cards(db, user_id)}
    out: dict[str, float] = {}
    for qid, (score, response) in latest.items():
        q = course.question(qid)
        if q is None:
            continue
        if is_correct(score):
            right = 1.0
        elif q.critical and critical_failed(q, response, score):  # the exam would fail: nothing of it counts
            right = 0.0
        else:  # partial credit; a case's safe path that is not the best fails nothing (its type's critical rule)
            right = max(0.0, min(1.0, score))
        if qid in recall and right > 0:
            right *= recall[qid]
        out[qid] = right
    return out


def _section_for(course: Course, module_id: str, objective_id: str, wrong: list[str]) -> str:
    module = course.modules[module_id]
    qs = [q for q in (module.quiz.questions if module.quiz else []) if q.objective == objective_id]
    pick = Counter(q.section for q in qs if q.id in wrong) or Counter(q.section for q in qs)
    if pick:
        order = {s.id: i for i, s in enumerate(module.lesson.sections)}
        return min(pick, key=lambda s: (-pick[s], order.get(s, 0)))
    return module.lesson.sections[0].id


def exam_date(db: Database, user_id: int) -> date | None:
    """The day the trainee plans to sit the certification exam (None: not set)."""
    with db.session() as s:
        user = s.get(User, user_id)
        return user.exam_date.date() if user is not None and user.exam_date is not None else None


class ExamDateError(UserError, ValueError):
    """A typed exam date that cannot be used (the message says why)."""


def parse_exam_date(text: str, today: date) -> date | None:
    """A typed exam date (ISO ``YYYY-MM-DD``; empty clears it); :class:`ExamDateError` with a message for the
    trainee."""
    text = text.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise ExamDateError(f"'{text[:10]}' is not a date: write it as year-month-day, e.g. 2027-03-15.") from None
    if day < today:
        raise ExamDateError("The exam date is in the past: choose a day from today on.")
    return day


def set_exam_date(db: Database, user_id: int, day: date | None) -> None:
    """Set (or clear, with None) the exam day; stored as 09:00 UTC of that day."""
    with db.session() as s:
        user = s.get(User, user_id)
        if user is not None:
            user.exam_date = datetime.combine(day, time(9)) if day else None


def readiness(
    db: Database,
    course: Course,
    user_id: int,
    exam_id: str = DEFAULT_EXAM,
    *,
    now: datetime | None = None,
    clock: Callable[[], datetime] = utcnow,
    simulations: int = SIMULATIONS,
    seed: int = 0,
    min_answers: int = MIN_ANSWERS,
    include_practice: bool = False,
    weakest: int = WEAKEST,
) -> ReadinessReport:
    """The readiness report of one trainee for one exam (deterministic for a given seed)."""
    exam = course.exams.get(exam_id)
    if exam is None:
        raise KeyError(f"no exam '{exam_id}' in the course")
    now = now or clock()
    with db.session() as s:
        user = s.get(User, user_id)
        exam_date = user.exam_date if user else None
    as_of = exam_date if exam_date and exam_date > now else now
    obs = question_observations(db, course, user_id, as_of, include_practice)
    levels = mastery_for_user(db, course, user_id, include_practice)

    module_ev: dict[str, Evidence] = defaultdict(Evidence)  # all questions, for display
    ordinary_ev: dict[str, Evidence] = defaultdict(Evidence)  # non-critical, for the estimate
    critical_ev = Evidence()
    objective_ev: dict[str, Evidence] = defaultdict(Evidence)
    objective_n: Counter = Counter()
    module_n: Counter = Counter()
    wrong: list[str] = []
    for qid, x in obs.items():
        module_id, q = course.questions[qid]
        e = Evidence(x, 1 - x)
        module_ev[module_id] += e
        module_n[module_id] += 1
        objective_ev[q.objective] += e
        objective_n[q.objective] += 1
        if q.critical:
            critical_ev += e
        else:
            ordinary_ev[module_id] += e
        if x < 1:
            wrong.append(qid)

    pools = {
        m.id: (len(m.quiz.questions), sum(q.critical for q in m.quiz.questions))
        for m in course.modules.values()
        if m.quiz is not None
    }
    weights = {b.module: b.weight for b in exam.blueprint if b.module in pools}
    allocation = allocate(weights, {m: pools[m][0] for m in weights}, exam.questions)

    modules: list[ModuleReadiness] = []
    objectives: list[ObjectiveReadiness] = []
    for i, module in enumerate(course.modules.values()):
        ev = module_ev[module.id]
        lo, hi = ev.interval(seed=seed + i)
        modules.append(
            ModuleReadiness(
                module.id,
                module.title,
                module_n[module.id],
                ev.right / ev.n if ev.n else None,
                ev.mean,
                lo,
                hi,
                allocation.get(module.id, 0),
                pools.get(module.id, (0, 0))[1],
            )
        )
        for obj in module.lesson.objectives:
            oev = objective_ev[obj.id]
            level = levels[obj.id].level if obj.id in levels else "not attempted"
            objectives.append(
                ObjectiveReadiness(
                    obj.id,
                    module.id,
                    obj.text,
                    objective_n[obj.id],
                    oev.right / oev.n if oev.n else None,
                    oev.mean,
                    level,
                    _section_for(course, module.id, obj.id, wrong),
                )
            )
    answered_objectives = [o for o in objectives if o.answered]
    weakest_list = sorted(answered_objectives, key=lambda o: (o.accuracy, -o.answered, o.objective_id))[:weakest]
    untested = [o for o in objectives if not o.answered]

    answered = len(obs)
    estimate = None
    if answered >= min_answers:
        estimate = estimate_pass(exam, {m: pools[m] for m in weights}, ordinary_ev, critical_ev, simulations, seed)
        message = (
            f"Estimated chance of passing: {estimate.probability:.0%} "
            f"(80% credible interval {estimate.low:.0%} to {estimate.high:.0%}), "
            f"from {answered} questions answered."
        )
    else:
        message = (
            f"Not enough data yet: answer at least {min_answers} questions (graded quizzes or reviews) "
            f"for an estimate; you have answered {answered}."
        )
    return ReadinessReport(
        exam.id,
        exam.title,
        as_of,
        exam_date,
        answered,
        min_answers,
        estimate,
        modules,
        objectives,
        weakest_list,
        untested,
        message,
    )
