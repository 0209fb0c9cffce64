"""Certificates: who may have one, issuing it once, and verifying a code.

Eligibility (documented in docs/LEARNING.md):

* a **passed certification exam**: a submitted graded attempt of the exam (``kind`` "exam",
  ``quiz_id`` = the exam id) with ``passed`` true (pass mark reached, no critical item missed); and
* **every required module passed** (any submitted graded attempt of the module quiz with ``passed``).
  Required modules are the module quizzes *assigned* to the trainee, directly (``Assignment.user_id``)
  or through any cohort they belong to (``Assignment.cohort_id`` + ``CohortMember``). A trainee with
  **no module assignments** must pass **every module of the course that has a quiz**. Assignments of
  exams, or of modules no longer in the course, do not add module requirements.

Issuing is idempotent per exam attempt: the certificate is tied to the trainee's earliest passing
exam attempt (or the attempt given), and asking again returns the same certificate. The database holds
that rule (unique index on ``certificates.attempt_id``): of concurrent requests (two tabs, two replicas)
one inserts, the others' inserts are refused and they return the certificate that won (insert-or-get).

Codes look like ``MESO-7KQ2-XM9D-4HTR-PB3C``: 16 symbols from Crockford's base-32 alphabet
(digits and capitals without I, L, O, U), i.e. exactly 80 random bits from :mod:`secrets`.
Verification accepts any case, spaces or dashes, with or without the ``MESO`` prefix, and reads
O as 0 and I/L as 1 (Crockford's rules), then compares the stored code in constant time.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mesolearn.accounts.throttle import VERIFY_CLIENT, Throttle
from mesolearn.cohorts.assignments import assigned_quiz_ids
from mesolearn.content.loader import Course
from mesolearn.errors import UserError
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import Attempt, Certificate, User
from mesolearn.text import plural

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
PREFIX = "MESO"
GROUPS, GROUP_LEN = 4, 4
CODE_SYMBOLS = GROUPS * GROUP_LEN
CODE_BITS = CODE_SYMBOLS * 5  # 80
DEFAULT_EXAM = "certification"
_CODE_RE = re.compile(rf"^{PREFIX}(?:-[{ALPHABET}]{{{GROUP_LEN}}}){{{GROUPS}}}$")


class CertificateError(UserError):
    """A refusal meant for the person at the keyboard (e.g. not eligible yet)."""


# ---------------------------------------------------------------- codes
def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_SYMBOLS))
    return "-".join([PREFIX] + [body[i : i + GROUP_LEN] for i in range(0, CODE_SYMBOLS, GROUP_LEN)])


def is_well_formed(code: str) -> bool:
    return bool(_CODE_RE.match(code))


def normalise_code(text: str | None) -> str | None:
    """The canonical ``MESO-XXXX-XXXX-XXXX-XXXX`` form of what someone typed, or None if it cannot be one."""
    if not text:
        return None
    raw = re.sub(r"[\s\-_.–—]+", "", str(text)).upper()
    if len(raw) == len(PREFIX) + CODE_SYMBOLS and raw.startswith(PREFIX):
        raw = raw[len(PREFIX) :]
    if len(raw) != CODE_SYMBOLS:
        return None
    raw = raw.translate(str.maketrans("OIL", "011"))
    if any(ch not in ALPHABET for ch in raw):
        return None
    return "-".join([PREFIX] + [raw[i : i + GROUP_LEN] for i in range(0, CODE_SYMBOLS, GROUP_LEN)])


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class CertificateInfo:
    code: str
    holder_name: str
    exam_title: str
    score: float  # percent
    modules: list[str]  # titles of the modules passed
    issued_at: datetime  # naive UTC
    revoked_at: datetime | None
    user_id: int
    attempt_id: int

    @property
    def valid(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def of(cls, c: Certificate) -> CertificateInfo:
        return cls(
            c.code,
            c.holder_name,
            c.exam_title,
            c.score,
            list(c.modules or []),
            c.issued_at,
            c.revoked_at,
            c.user_id,
            c.attempt_id,
        )


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    exam_id: str
    exam_title: str
    exam_passed: bool
    exam_attempt_id: int | None  # the earliest passing exam attempt
    exam_score: float | None
    required_modules: list[str]  # module ids
    passed_modules: list[str]  # required modules passed
    missing_modules: list[str]  # required modules not passed yet
    from_assignments: bool  # False: no assignments, so every module with a quiz is required
    reasons: list[str] = field(default_factory=list)  # what is missing, in words
    certificate: CertificateInfo | None = None  # already issued for that attempt


# ---------------------------------------------------------------- service
class Certificates:
    def __init__(
        self, db: Database, course: Course, clock: Callable[[], datetime] = utcnow, exam_id: str = DEFAULT_EXAM
    ):
        self.db, self.course, self.clock, self.exam_id = db, course, clock, exam_id

    @property
    def exam_title(self) -> str:
        exam = self.course.exams.get(self.exam_id)
        return exam.title if exam else self.exam_id

    def required_modules(self, user_id: int) -> tuple[list[str], bool]:
        """(module ids the trainee must pass, whether they come from assignments). Catalogue order."""
        with self.db.session() as s:
            assigned = assigned_quiz_ids(s, user_id)
        modules = [m for m in self.course.modules if m in assigned]
        if modules:
            return modules, True
        return [m.id for m in self.course.modules.values() if m.quiz is not None], False

    def _passed_modules(self, s, user_id: int) -> set[str]:
        return set(
            s.scalars(
                select(Attempt.quiz_id).where(
                    Attempt.user_id == user_id,
                    Attempt.mode == "graded",
                    Attempt.kind == "module",
                    Attempt.passed.is_(True),
                    Attempt.submitted_at.is_not(None),
                )
            )
        )

    def _passing_exams(self, s, user_id: int) -> list[Attempt]:
        return list(
            s.scalars(
                select(Attempt)
                .where(
                    Attempt.user_id == user_id,
                    Attempt.quiz_id == self.exam_id,
                    Attempt.kind == "exam",
                    Attempt.mode == "graded",
                    Attempt.passed.is_(True),
                    Attempt.submitted_at.is_not(None),
                )
                .order_by(Attempt.submitted_at, Attempt.id)
            )
        )

    def eligibility(self, user_id: int) -> Eligibility:
        required, from_assignments = self.required_modules(user_id)
        with self.db.session() as s:
            passed = self._passed_modules(s, user_id)
            exams = self._passing_exams(s, user_id)
            first = exams[0] if exams else None
            cert = (
                s.scalar(select(Certificate).where(Certificate.attempt_id == first.id).order_by(Certificate.id))
                if first
                else None
            )
            cert_info = CertificateInfo.of(cert) if cert else None
        missing = [m for m in required if m not in passed]
        reasons = []
        if first is None:
            reasons.append(f"Pass the {self.exam_title}.")
        if missing:
            titles = ", ".join(self.course.modules[m].title for m in missing)
            reasons.append(f"Pass the quiz of {plural(len(missing), 'more module')}: {titles}.")
        return Eligibility(
            not reasons,
            self.exam_id,
            self.exam_title,
            first is not None,
            first.id if first else None,
            first.score if first else None,
            required,
            [m for m in required if m in passed],
            missing,
            from_assignments,
            reasons,
            cert_info,
        )

    def issue(self, user_id: int, attempt_id: int | None = None) -> CertificateInfo:
        """Issue (or return the already issued) certificate for a passing exam attempt.

        Raises :class:`CertificateError` when the trainee is not eligible or the attempt is not a
        passing attempt of theirs at the exam.
        """
        e = self.eligibility(user_id)
        if not e.eligible:
            raise CertificateError(" ".join(e.reasons))
        with self.db.session() as s:
            exams = {a.id: a for a in self._passing_exams(s, user_id)}
            attempt = exams.get(attempt_id if attempt_id is not None else e.exam_attempt_id)  # type: ignore[arg-type]
            if attempt is None:
                raise CertificateError("That attempt is not a passed attempt at the certification exam.")
            user = s.get(User, user_id)
            if user is None:
                raise CertificateError("That account does not exist.")
            holder, score, chosen = user.display_name, attempt.score or 0.0, attempt.id
        modules = [self.course.modules[m].title for m in e.required_modules]
        for _ in range(5):
            existing = self._for_attempt(chosen)
            if existing is not None:
                return existing
            try:
                with self.db.session() as s:
                    cert = Certificate(
                        code=new_code(),
                        user_id=user_id,
                        attempt_id=chosen,
                        holder_name=holder,
                        exam_title=self.exam_title,
                        score=score,
                        modules=modules,
                        issued_at=self.clock(),
                    )
                    s.add(cert)
                    s.flush()
                    return CertificateInfo.of(cert)
            except IntegrityError:
                continue  # a concurrent request issued it first (or, practically never, the code was taken)
        existing = self._for_attempt(chosen)
        if existing is None:
            raise CertificateError("The certificate could not be issued just now. Please try again.")
        return existing

    def _for_attempt(self, attempt_id: int) -> CertificateInfo | None:
        with self.db.session() as s:
            cert = s.scalar(select(Certificate).where(Certificate.attempt_id == attempt_id))
            return CertificateInfo.of(cert) if cert else None

    def verify(self, code: str | None, client: str | None = None) -> CertificateInfo | None:
        """The certificate with this code (revoked ones too: check ``valid``), or None.

        Checks are throttled per client address like passwords (``mesolearn.accounts.throttle``: 20 free
        misses, then doubling delays): a found code gives its count back; too many misses raise ``Throttled``.
        """
        if not isinstance(code, str) or len(code) > 64:
            return None
        canonical = normalise_code(code)
        if canonical is None:
            return None
        throttle = Throttle(self.db, self.clock)
        throttle.hit(VERIFY_CLIENT, client, "certificate checks")
        with self.db.session() as s:
            cert = s.scalar(select(Certificate).where(Certificate.code == canonical))
            if cert is None or not hmac.compare_digest(cert.code.encode(), canonical.encode()):
                return None
            info = CertificateInfo.of(cert)
        throttle.refund(VERIFY_CLIENT, client)
        return info

    def for_user(self, user_id: int) -> list[CertificateInfo]:
        with self.db.session() as s:
            rows = s.scalars(select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.issued_at))
            return [CertificateInfo.of(c) for c in rows]

    def revoke(self, code: str) -> bool:
        """Mark a certificate revoked (it still verifies, as revoked). False if there is no such code."""
        canonical = normalise_code(code)
        with self.db.session() as s:
            cert = s.scalar(select(Certificate).where(Certificate.code == canonical)) if canonical else None
            if cert is None:
                return False
            if cert.revoked_at is None:
                cert.revoked_at = self.clock()
            return True
