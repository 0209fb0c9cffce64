"""Cohorts, invite codes, bulk CSV enrolment, assignments with due dates and per-trainee overrides.

Everything here is UI-free: errors meant for the person at the keyboard are :class:`CohortError`
(a ``ValueError``) with a readable message; nothing else is expected to escape.

Time convention: naive UTC everywhere (``mesolearn.storage.utcnow``). An aware ``due_at`` is
converted to naive UTC on the way in.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import delete, func, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mesolearn.accounts import limits
from mesolearn.accounts.limits import MAX_CODE
from mesolearn.accounts.service import EMAIL, USERNAME, AccountError, Accounts
from mesolearn.accounts.throttle import INVITE_CLIENT, INVITE_USER, Throttle, Throttled
from mesolearn.content.loader import Course
from mesolearn.errors import UserError
from mesolearn.progress.tracker import STATUSES as STATUSES  # re-exported: the gradebook and pages import it here
from mesolearn.progress.tracker import Status, module_status
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import Assignment, Attempt, Cohort, CohortMember, Override, User

# Invite codes: no 0/O, 1/I/L, so a code read aloud or copied from paper survives.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 10  # 31**10 ≈ 8.2e14 (~49.5 bits)
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS, PASSWORD_GROUP_LEN = 3, 4  # e.g. "k7pm-x3qa-9wet" (~59 bits)
MAX_CSV_CHARS = 1_000_000
MAX_CSV_ROWS = 5_000
MAX_NAME = 120
MAX_EMAIL = 254
MAX_EXTRA_MINUTES = 7 * 24 * 60
MAX_EXTRA_ATTEMPTS = 100


class CohortError(UserError, ValueError):
    """A message meant for the person at the keyboard."""


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class CohortInfo:
    id: int
    name: str
    invite_code: str
    created_at: datetime
    created_by: int | None
    members: int = 0

    @property
    def invite_display(self) -> str:
        """The code in two readable groups, e.g. ``ABCDE-FGHJK`` (joining accepts either form)."""
        return format_invite(self.invite_code)


@dataclass(frozen=True)
class Member:
    user_id: int
    username: str
    display_name: str
    email: str | None
    joined_at: datetime


@dataclass(frozen=True)
class CreatedAccount:
    """A new trainee account; ``password`` is shown once and never stored in clear."""

    line: int
    user_id: int
    username: str
    display_name: str
    email: str
    password: str


@dataclass(frozen=True)
class ExistingAccount:
    """An account that already existed (matched by email) and was added to the cohort."""

    line: int
    user_id: int
    username: str
    display_name: str
    email: str
    already_member: bool


@dataclass(frozen=True)
class RowError:
    line: int  # 1-based line of the CSV text; 0 = the file as a whole
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ImportResult:
    created: list[CreatedAccount] = field(default_factory=list)
    added: list[ExistingAccount] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        parts = [f"{len(self.created)} account(s) created", f"{len(self.added)} existing account(s) added"]
        if self.errors:
            parts.append(f"{len(self.errors)} row(s) with errors")
        return ", ".join(parts) + "."


@dataclass(frozen=True)
class AssignmentInfo:
    id: int
    quiz_id: str
    cohort_id: int | None
    user_id: int | None
    due_at: datetime | None
    created_at: datetime
    created_by: int | None


@dataclass(frozen=True)
class OverrideInfo:
    user_id: int
    quiz_id: str
    extra_minutes: int
    extra_attempts: int


@dataclass(frozen=True)
class QuizResult:
    """A trainee's graded record on one quiz."""

    status: Status
    best_score: float | None
    attempts: int  # submitted graded attempts
    last_activity: datetime | None


NO_RESULT = QuizResult("not started", None, 0, None)


@dataclass(frozen=True)
class EffectiveAssignment:
    """One quiz a trainee has to take: direct and cohort assignments merged, earliest due date."""

    quiz_id: str
    title: str
    kind: str  # "module" | "exam" | "" (quiz no longer in the course)
    due_at: datetime | None
    status: Status
    overdue: bool
    best_score: float | None
    attempts: int
    direct: bool  # assigned to the trainee personally
    cohorts: tuple[str, ...]  # names of the cohorts it came through
    assignment_ids: tuple[int, ...]


# ---------------------------------------------------------------------- helpers
def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def format_invite(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) == INVITE_LENGTH else code


def normalise_invite(code: str) -> str:
    """Upper case, without spaces, dashes or other separators."""
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())


def new_password() -> str:
    return "-".join(
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LEN)) for _ in range(PASSWORD_GROUPS)
    )


def naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def quiz_catalogue(course: Course) -> list[tuple[str, str, str]]:
    """(quiz id, kind, title): modules with a quiz in course order, then exams."""
    out = [(m.id, "module", m.title) for m in course.modules.values() if m.quiz is not None]
    out += [(e.id, "exam", e.title) for e in course.exams.values()]
    return out


def quiz_kind_title(course: Course | None, quiz_id: str) -> tuple[str, str]:
    if course is not None:
        module = course.modules.get(quiz_id)
        if module is not None and module.quiz is not None:
            return "module", module.title
        exam = course.exams.get(quiz_id)
        if exam is not None:
            return "exam", exam.title
    return "", quiz_id


def _due_key(due: datetime | None) -> datetime:
    return due if due is not None else datetime.max


def graded_results(s: Session, user_ids: Iterable[int] | None = None) -> dict[tuple[int, str], QuizResult]:
    """(user id, quiz id) → status, best score, submitted graded attempts, last activity.

    One query. ``passed`` = any submitted graded attempt passed; ``in progress`` = no pass and a graded attempt
    is open; ``not passed`` = submitted graded attempts, none passed, none open; otherwise absent (= :data:`NO_RESULT`).
    """
    q = select(
        Attempt.user_id, Attempt.quiz_id, Attempt.started_at, Attempt.submitted_at, Attempt.score, Attempt.passed
    ).where(Attempt.mode == "graded")
    if user_ids is not None:
        ids = list(user_ids)
        if not ids:
            return {}
        q = q.where(Attempt.user_id.in_(ids))
    acc: dict[tuple[int, str], list] = {}
    for user_id, quiz_id, started, submitted, score, passed in s.execute(q):
        entry = acc.setdefault((user_id, quiz_id), [False, None, 0, None, False])
        when = submitted or started
        if entry[3] is None or (when is not None and when > entry[3]):
            entry[3] = when
        if submitted is None:
            entry[4] = True
        else:
            entry[2] += 1
            if passed:
                entry[0] = True
            if score is not None and (entry[1] is None or score > entry[1]):
                entry[1] = score
    return {
        key: QuizResult(module_status(p, is_open, n > 0), best, n, last)
        for key, (p, best, n, last, is_open) in acc.items()
    }


@dataclass
class _Due:
    due_at: datetime | None = None
    has_due: bool = False
    direct: bool = False
    cohorts: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    def add(self, a_id: int, due: datetime | None, cohort: str | None) -> None:
        self.ids.append(a_id)
        if cohort is None:
            self.direct = True
        elif cohort not in self.cohorts:
            self.cohorts.append(cohort)
        if due is not None and (self.due_at is None or due < self.due_at):  # earliest due date wins
            self.due_at, self.has_due = due, True


def effective_assignments(s: Session, user_ids: Iterable[int] | None = None) -> dict[tuple[int, str], _Due]:
    """(user id, quiz id) → merged assignment (direct + through cohorts). Three queries."""
    ids = None if user_ids is None else list(user_ids)
    if ids is not None and not ids:
        return {}
    mq = select(CohortMember.cohort_id, CohortMember.user_id)
    dq = select(Assignment.id, Assignment.quiz_id, Assignment.user_id, Assignment.due_at).where(
        Assignment.user_id.is_not(None)
    )
    if ids is not None:
        mq = mq.where(CohortMember.user_id.in_(ids))
        dq = dq.where(Assignment.user_id.in_(ids))
    members: dict[int, list[int]] = defaultdict(list)
    for cohort_id, user_id in s.execute(mq):
        members[cohort_id].append(user_id)
    names: dict[int, str] = {}
    if members:
        nq = select(Cohort.id, Cohort.name).where(Cohort.id.in_(list(members)))
        names = dict(s.execute(nq).all())
    out: dict[tuple[int, str], _Due] = {}
    for a_id, quiz_id, owner, due in s.execute(dq):
        if owner is None:  # excluded by the query (direct assignments only)
            continue
        out.setdefault((owner, quiz_id), _Due()).add(a_id, due, None)
    if members:
        cq = select(Assignment.id, Assignment.quiz_id, Assignment.cohort_id, Assignment.due_at).where(
            Assignment.cohort_id.in_(list(members))
        )
        for a_id, quiz_id, via, due in s.execute(cq):
            if via is None:  # excluded by the query (cohort assignments only)
                continue
            for user_id in members[via]:
                out.setdefault((user_id, quiz_id), _Due()).add(a_id, due, names.get(via, str(via)))
    return out


def _clean_name(text: str) -> str:
    return " ".join((text or "").split())


def _cohort_name(text: str) -> str:
    """White space collapsed, NFC; NUL and control characters refused (CohortError). Length: the caller's check."""
    if isinstance(text, str) and len(text) > 4 * MAX_NAME:
        raise CohortError(f"Cohort name: at most {MAX_NAME} characters.")
    try:
        return limits.clean(text, "Cohort name", 4 * MAX_NAME, collapse=True)
    except limits.TextError as exc:
        raise CohortError(str(exc)) from None


def _username_base(email: str) -> str:
    local = email.split("@", 1)[0]
    ascii_ = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode().lower()
    ascii_ = re.sub(r"[^a-z0-9._-]+", "", ascii_.replace("+", "."))
    ascii_ = re.sub(r"^[^a-z0-9]+", "", ascii_)[:28].rstrip("._-")
    if len(ascii_) < 3:
        ascii_ = (ascii_ + "user") if ascii_ else "trainee"
    return ascii_


def _unique_username(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = str(n)
        candidate = base[: 32 - len(suffix)].rstrip("._-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


_NAME_HEADERS = {"name", "full name", "full_name", "fullname", "display name", "display_name", "trainee", "student"}
_FIRST_HEADERS = {"first name", "first_name", "firstname", "given name"}
_LAST_HEADERS = {"last name", "last_name", "lastname", "surname", "family name"}
_EMAIL_HEADERS = {"email", "e-mail", "email address", "e-mail address", "mail"}
_USERNAME_HEADERS = {"username", "user name", "user_name", "login"}


# ---------------------------------------------------------------------- service
class Cohorts:
    def __init__(
        self, db: Database, accounts: Accounts, clock: Callable[[], datetime] = utcnow, course: Course | None = None
    ):
        self.db, self.accounts, self.clock, self.course = db, accounts, clock, course
        self.throttle = Throttle(db, clock)

    # ------------------------------------------------------------ lookups
    @staticmethod
    def _user(s: Session, user_id: int, role: str | None = None) -> User:
        user = s.get(User, user_id)
        if user is None:
            raise CohortError("That account does not exist.")
        if role == "trainee" and user.role != "trainee":
            raise CohortError(
                f"{user.display_name} is not a trainee account; only trainees join cohorts and get assignments."
            )
        if role == "instructor" and user.role != "instructor":
            raise CohortError("Only instructors can manage cohorts and assignments.")
        return user

    @staticmethod
    def _cohort(s: Session, cohort_id: int) -> Cohort:
        cohort = s.get(Cohort, cohort_id)
        if cohort is None:
            raise CohortError("That cohort does not exist (it may have been deleted).")
        return cohort

    @staticmethod
    def _info(c: Cohort, members: int = 0) -> CohortInfo:
        return CohortInfo(c.id, c.name, c.invite_code, c.created_at, c.created_by, members)

    def _unused_code(self, s: Session) -> str:
        for _ in range(20):
            code = new_invite_code()
            if s.scalar(select(Cohort.id).where(Cohort.invite_code == code)) is None:
                return code
        raise CohortError("Could not generate a unique invite code; please try again.")  # pragma: no cover

    # ------------------------------------------------------------ cohorts
    def create_cohort(self, name: str, instructor_id: int | None) -> CohortInfo:
        name = _cohort_name(name)
        if not name:
            raise CohortError("Please give the cohort a name.")
        if len(name) > MAX_NAME:
            raise CohortError(f"Cohort name: at most {MAX_NAME} characters.")
        with self.db.session() as s:
            if instructor_id is not None:
                self._user(s, instructor_id, "instructor")
            if s.scalar(select(Cohort.id).where(func.lower(Cohort.name) == name.lower())) is not None:
                raise CohortError(f"A cohort named '{name}' already exists.")
            cohort = Cohort(
                name=name, invite_code=self._unused_code(s), created_at=self.clock(), created_by=instructor_id
            )
            s.add(cohort)
            try:
                s.flush()
            except IntegrityError:
                raise CohortError(f"A cohort named '{name}' already exists.") from None
            return self._info(cohort)

    def rename_cohort(self, cohort_id: int, name: str) -> CohortInfo:
        name = _cohort_name(name)
        if not name or len(name) > MAX_NAME:
            raise CohortError(f"Cohort name: 1 to {MAX_NAME} characters.")
        with self.db.session() as s:
            cohort = self._cohort(s, cohort_id)
            clash = s.scalar(select(Cohort.id).where(func.lower(Cohort.name) == name.lower(), Cohort.id != cohort_id))
            if clash is not None:
                raise CohortError(f"A cohort named '{name}' already exists.")
            cohort.name = name
            return self._info(cohort)

    def delete_cohort(self, cohort_id: int) -> None:
        """Delete a cohort with its memberships and cohort assignments (accounts and attempts stay)."""
        with self.db.session() as s:
            self._cohort(s, cohort_id)
            s.execute(delete(Assignment).where(Assignment.cohort_id == cohort_id))
            s.execute(delete(CohortMember).where(CohortMember.cohort_id == cohort_id))
            s.execute(delete(Cohort).where(Cohort.id == cohort_id))

    def rotate_invite(self, cohort_id: int) -> str:
        """A fresh invite code; the old one stops working at once."""
        with self.db.session() as s:
            cohort = self._cohort(s, cohort_id)
            cohort.invite_code = self._unused_code(s)
            return cohort.invite_code

    def get_cohort(self, cohort_id: int) -> CohortInfo | None:
        with self.db.session() as s:
            c = s.get(Cohort, cohort_id)
            if c is None:
                return None
            n = s.scalar(select(func.count()).select_from(CohortMember).where(CohortMember.cohort_id == cohort_id))
            return self._info(c, n or 0)

    def list_cohorts(self) -> list[CohortInfo]:
        with self.db.session() as s:
            q = select(CohortMember.cohort_id, func.count()).group_by(CohortMember.cohort_id)
            counts = dict(s.execute(q).all())
            return [self._info(c, counts.get(c.id, 0)) for c in s.scalars(select(Cohort).order_by(Cohort.name))]

    def members(self, cohort_id: int) -> list[Member]:
        with self.db.session() as s:
            self._cohort(s, cohort_id)
            rows = s.execute(
                select(User, CohortMember.joined_at)
                .join(CohortMember, CohortMember.user_id == User.id)
                .where(CohortMember.cohort_id == cohort_id)
                .order_by(User.display_name, User.id)
            )
            return [Member(u.id, u.username, u.display_name, u.email, joined) for u, joined in rows]

    def cohorts_of(self, user_id: int) -> list[CohortInfo]:
        with self.db.session() as s:
            cohorts = list(
                s.scalars(
                    select(Cohort)
                    .join(CohortMember, CohortMember.cohort_id == Cohort.id)
                    .where(CohortMember.user_id == user_id)
                    .order_by(Cohort.name)
                )
            )
            ids = [c.id for c in cohorts]
            counts: dict[int, int] = {}
            if ids:
                q = (
                    select(CohortMember.cohort_id, func.count())
                    .where(CohortMember.cohort_id.in_(ids))
                    .group_by(CohortMember.cohort_id)
                )
                counts = dict(s.execute(q).all())
            return [self._info(c, counts.get(c.id, 0)) for c in cohorts]

    # ------------------------------------------------------------ membership
    def _add(self, s: Session, cohort_id: int, user_id: int) -> bool:
        """Add a membership in session ``s``; False if it already existed."""
        exists = s.scalar(
            select(CohortMember.id).where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id)
        )
        if exists is not None:
            return False
        s.add(CohortMember(cohort_id=cohort_id, user_id=user_id, joined_at=self.clock()))
        s.flush()
        return True

    def add_member(self, cohort_id: int, user_id: int) -> bool:
        """Add a trainee to a cohort (idempotent). True if newly added."""
        with self.db.session() as s:
            self._cohort(s, cohort_id)
            self._user(s, user_id, "trainee")
            return self._add(s, cohort_id, user_id)

    def remove_member(self, cohort_id: int, user_id: int) -> bool:
        """True if the trainee was a member. Attempts and direct assignments are kept."""
        with self.db.session() as s:
            result = s.execute(
                delete(CohortMember).where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id)
            )
            return (cast(CursorResult[Any], result).rowcount or 0) > 0

    def join_with_code(self, user_id: int, code: str, client: str | None = None) -> CohortInfo:
        """A trainee joins the cohort whose invite code this is (case and spaces do not matter).

        Joining twice is harmless and returns the same cohort. Tries are throttled like passwords, per trainee
        and per client address (``mesolearn.accounts.throttle``): a right code gives its count back.
        """
        if not isinstance(code, str) or len(code) > MAX_CODE:
            raise CohortError(f"An invite code has {INVITE_LENGTH} letters and digits, like ABCDE-FGH23.")
        normal = normalise_invite(code)
        if not normal:
            raise CohortError("Please enter the invite code your instructor gave you.")
        pairs = [(INVITE_USER, user_id), (INVITE_CLIENT, client)]
        try:
            self.throttle.hit_all(pairs, "invite-code attempts")
        except Throttled as exc:
            raise CohortError(str(exc)) from None
        with self.db.session() as s:
            self._user(s, user_id, "trainee")
            cohort = s.scalar(select(Cohort).where(Cohort.invite_code == normal))
            if cohort is None:
                raise CohortError(
                    "That invite code does not match any cohort. Check it with your instructor "
                    f"(codes have {INVITE_LENGTH} letters and digits, like ABCDE-FGH23); "
                    "it may have been replaced by a new one."
                )
        for policy, subject in pairs:
            self.throttle.refund(policy, subject)
        with self.db.session() as s:
            try:
                self._add(s, cohort.id, user_id)
            except IntegrityError:  # a concurrent join of the same trainee: already a member
                s.rollback()
            n = s.scalar(select(func.count()).select_from(CohortMember).where(CohortMember.cohort_id == cohort.id))
            return self._info(cohort, n or 0)

    # ------------------------------------------------------------ CSV enrolment
    def import_csv(self, cohort_id: int, csv_text: str) -> ImportResult:
        """Enrol trainees from CSV text: ``name,email`` (optional header; ``username`` column allowed).

        New emails get a trainee account with a generated username (the email's local part,
        made unique) and a random one-time password, returned in ``created``; emails that
        already belong to a trainee are added to the cohort (``added``). Bad rows are reported
        with their line number in ``errors`` and skipped; the other rows are still imported.
        """
        result = ImportResult()
        with self.db.session() as s:
            self._cohort(s, cohort_id)
        text = (csv_text or "").lstrip("\ufeff")
        if len(text) > MAX_CSV_CHARS:
            result.errors.append(
                RowError(
                    0, f"The file is too large (more than {MAX_CSV_CHARS:,} characters); split it into smaller files."
                )
            )
            return result
        rows = self._parse_csv(text, result)
        if not rows:
            if not result.errors:
                result.errors.append(RowError(0, "The file has no rows to import."))
            return result

        with self.db.session() as s:
            users = list(s.execute(select(User.id, User.username, User.display_name, User.email, User.role)))
        taken = {u.username for u in users}
        by_email: dict[str, list] = defaultdict(list)
        for u in users:
            if u.email:
                by_email[u.email.strip().lower()].append(u)
        seen: dict[str, int] = {}

        for line, name, email, username in rows:
            try:
                problems = []
                if not name:
                    problems.append("the name is empty")
                elif len(name) > MAX_NAME:
                    problems.append(f"the name is longer than {MAX_NAME} characters")
                if not email:
                    problems.append("the email is empty")
                elif len(email) > MAX_EMAIL or not EMAIL.match(email):
                    problems.append(f"'{email[:80]}' is not a valid email address")
                if problems:
                    result.errors.append(RowError(line, "; ".join(problems)))
                    continue
                if email in seen:
                    result.errors.append(
                        RowError(line, f"{email} already appears on line {seen[email]}; this row was skipped")
                    )
                    continue
                seen[email] = line
                matches = by_email.get(email, [])
                if len(matches) > 1:
                    result.errors.append(
                        RowError(line, f"several accounts use {email}; add the right one to the cohort by hand")
                    )
                    continue
                if matches:
                    u = matches[0]
                    if u.role != "trainee":
                        result.errors.append(RowError(line, f"{email} belongs to an instructor account"))
                        continue
                    with self.db.session() as s:
                        newly = self._add(s, cohort_id, u.id)
                    result.added.append(
                        ExistingAccount(line, u.id, u.username, u.display_name, email, already_member=not newly)
                    )
                    continue
                if username:
                    if not USERNAME.match(username):
                        result.errors.append(
                            RowError(
                                line,
                                f"username '{username[:40]}' is not valid (3 to 32 "
                                "lowercase letters, digits, '.', '_' or '-')",
                            )
                        )
                        continue
                    if username in taken:
                        result.errors.append(RowError(line, f"username '{username}' is already taken"))
                        continue
                else:
                    username = _unique_username(_username_base(email), taken)
                password = new_password()
                account = self.accounts.create_user(username, name, password, "trainee", email)
                taken.add(account.username)
                with self.db.session() as s:
                    self._add(s, cohort_id, account.id)
                by_email[email].append(_Row(account.id, account.username, account.display_name, email, "trainee"))
                result.created.append(
                    CreatedAccount(line, account.id, account.username, account.display_name, email, password)
                )
            except (AccountError, CohortError) as exc:
                result.errors.append(RowError(line, str(exc)))
            except Exception as exc:  # never a traceback for the instructor; the row is reported
                result.errors.append(RowError(line, f"could not be imported ({type(exc).__name__})"))
        return result

    @staticmethod
    def _parse_csv(text: str, result: ImportResult) -> list[tuple[int, str, str, str]]:
        """(line, name, email, username) per non-blank data row; header and format problems go to result."""
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        delimiter = max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        out: list[tuple[int, str, str, str]] = []
        cols: dict[str, int | None] | None = None
        next_line = 1
        try:
            for cells in reader:
                line, next_line = next_line, reader.line_num + 1
                cells = [c.strip() for c in cells]
                if not any(cells):
                    continue
                if cols is None:
                    lowered = [c.lower() for c in cells]
                    known = _NAME_HEADERS | _FIRST_HEADERS | _LAST_HEADERS | _EMAIL_HEADERS | _USERNAME_HEADERS
                    if any(c in known for c in lowered) and not any("@" in c for c in cells):

                        def col(names: set[str]) -> int | None:  # used at once, in this iteration
                            return next((i for i, c in enumerate(lowered) if c in names), None)  # noqa: B023

                        cols = {
                            "name": col(_NAME_HEADERS),
                            "first": col(_FIRST_HEADERS),
                            "last": col(_LAST_HEADERS),
                            "email": col(_EMAIL_HEADERS),
                            "username": col(_USERNAME_HEADERS),
                        }
                        if cols["email"] is None or (
                            cols["name"] is None and cols["first"] is None and cols["last"] is None
                        ):
                            missing = "'email'" if cols["email"] is None else "'name'"
                            result.errors.append(
                                RowError(line, f"the header has no {missing} column (expected: name,email[,username])")
                            )
                            return []
                        continue
                    cols = {"name": 0, "first": None, "last": None, "email": 1, "username": 2}
                if len(out) >= MAX_CSV_ROWS:
                    result.errors.append(
                        RowError(line, f"more than {MAX_CSV_ROWS:,} rows: the rest of the file was not imported")
                    )
                    break

                def cell(key: str) -> str:  # used at once, in this iteration
                    i = cols[key]  # noqa: B023
                    return cells[i] if i is not None and i < len(cells) else ""  # noqa: B023

                name = cell("name") if cols["name"] is not None else _clean_name(f"{cell('first')} {cell('last')}")
                out.append((line, _clean_name(name), cell("email").lower(), cell("username").lower()))
        except csv.Error as exc:
            result.errors.append(RowError(next_line, f"the file could not be read from here on ({exc})"))
        return out

    # ------------------------------------------------------------ assignments
    def _check_quiz(self, course: Course | None, quiz_id: str) -> None:
        course = course or self.course
        if course is None:
            raise CohortError("No course was given to check the quiz against.")
        if quiz_kind_title(course, quiz_id)[0] == "":
            raise CohortError(
                f"There is no quiz or exam '{quiz_id}' in the course (a module without a valid "
                "quiz cannot be assigned)."
            )

    def assign(
        self,
        quiz_id: str,
        due_at: datetime | None = None,
        *,
        cohort_id: int | None = None,
        user_id: int | None = None,
        instructor_id: int | None,
        course: Course | None = None,
    ) -> AssignmentInfo:
        """Assign a module quiz or exam to a cohort or to one trainee (exactly one), with a due date.

        Assigning the same quiz to the same target again updates the due date.
        """
        if (cohort_id is None) == (user_id is None):
            raise CohortError("Assign to a cohort or to one trainee (exactly one of the two).")
        self._check_quiz(course, quiz_id)
        due_at = naive_utc(due_at)
        with self.db.session() as s:
            if instructor_id is not None:
                self._user(s, instructor_id, "instructor")
            if cohort_id is not None:
                self._cohort(s, cohort_id)
                where = Assignment.cohort_id == cohort_id
            else:
                self._user(s, user_id, "trainee")  # type: ignore[arg-type]
                where = Assignment.user_id == user_id
            row = s.scalar(select(Assignment).where(where, Assignment.quiz_id == quiz_id))
            if row is None:
                row = Assignment(
                    quiz_id=quiz_id,
                    cohort_id=cohort_id,
                    user_id=user_id,
                    due_at=due_at,
                    created_at=self.clock(),
                    created_by=instructor_id,
                )
                s.add(row)
                s.flush()
            else:
                row.due_at = due_at
            return AssignmentInfo(
                row.id, row.quiz_id, row.cohort_id, row.user_id, row.due_at, row.created_at, row.created_by
            )

    def unassign(self, assignment_id: int) -> bool:
        with self.db.session() as s:
            result = s.execute(delete(Assignment).where(Assignment.id == assignment_id))
            return (cast(CursorResult[Any], result).rowcount or 0) > 0

    def assignments(self, cohort_id: int | None = None, user_id: int | None = None) -> list[AssignmentInfo]:
        """Assignment rows as created (no merging): all, a cohort's, or one trainee's direct ones."""
        with self.db.session() as s:
            q = select(Assignment)
            if cohort_id is not None:
                q = q.where(Assignment.cohort_id == cohort_id)
            if user_id is not None:
                q = q.where(Assignment.user_id == user_id)
            return [
                AssignmentInfo(a.id, a.quiz_id, a.cohort_id, a.user_id, a.due_at, a.created_at, a.created_by)
                for a in s.scalars(q.order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id))
            ]

    def assignments_for(self, user_id: int, now: datetime | None = None) -> list[EffectiveAssignment]:
        """The trainee's assignments (direct and through cohorts), merged per quiz, earliest due first."""
        now = now or self.clock()
        with self.db.session() as s:
            merged = effective_assignments(s, [user_id])
            results = graded_results(s, [user_id])
        out = []
        for (_, quiz_id), due in merged.items():
            r = results.get((user_id, quiz_id), NO_RESULT)
            kind, title = quiz_kind_title(self.course, quiz_id)
            out.append(
                EffectiveAssignment(
                    quiz_id,
                    title,
                    kind,
                    due.due_at,
                    r.status,
                    overdue=due.due_at is not None and due.due_at < now and r.status != "passed",
                    best_score=r.best_score,
                    attempts=r.attempts,
                    direct=due.direct,
                    cohorts=tuple(due.cohorts),
                    assignment_ids=tuple(due.ids),
                )
            )
        out.sort(key=lambda a: (_due_key(a.due_at), a.title))
        return out

    # ------------------------------------------------------------ overrides
    def set_override(
        self, user_id: int, quiz_id: str, extra_minutes: int = 0, extra_attempts: int = 0
    ) -> OverrideInfo | None:
        """Grant a trainee extra minutes and/or extra graded attempts on one quiz (0 and 0 removes it).

        Extra minutes apply to attempts started afterwards.
        """
        for label, value, top in (
            ("Extra minutes", extra_minutes, MAX_EXTRA_MINUTES),
            ("Extra attempts", extra_attempts, MAX_EXTRA_ATTEMPTS),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                raise CohortError(f"{label}: a whole number from 0 to {top}.")
        if self.course is not None:
            self._check_quiz(None, quiz_id)
        with self.db.session() as s:
            self._user(s, user_id, "trainee")
            row = s.scalar(select(Override).where(Override.user_id == user_id, Override.quiz_id == quiz_id))
            if extra_minutes == 0 and extra_attempts == 0:
                if row is not None:
                    s.delete(row)
                return None
            if row is None:
                row = Override(user_id=user_id, quiz_id=quiz_id)
                s.add(row)
            row.extra_minutes, row.extra_attempts = extra_minutes, extra_attempts
            return OverrideInfo(user_id, quiz_id, extra_minutes, extra_attempts)

    def overrides(self, user_id: int | None = None, quiz_id: str | None = None) -> list[OverrideInfo]:
        with self.db.session() as s:
            q = select(Override)
            if user_id is not None:
                q = q.where(Override.user_id == user_id)
            if quiz_id is not None:
                q = q.where(Override.quiz_id == quiz_id)
            return [
                OverrideInfo(o.user_id, o.quiz_id, o.extra_minutes, o.extra_attempts)
                for o in s.scalars(q.order_by(Override.user_id, Override.quiz_id))
            ]


@dataclass(frozen=True)
class _Row:
    id: int
    username: str
    display_name: str
    email: str
    role: str
