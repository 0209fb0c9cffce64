"""Cohorts and their members: creating, renaming, deleting, invite codes and joining with one.

Rules:
- A cohort name is 1 to 120 characters (white space collapsed, no control characters), unique whatever its case.
- Invite codes have 10 characters from an alphabet without 0/O, 1/I/L, so a code read aloud or copied from paper
  survives; case, spaces and dashes do not matter when joining. A new code replaces the old one at once.
- Joining twice is harmless. Tries are throttled per trainee and per client address (a right code gives its count
  back), like passwords (``mesolearn.accounts.throttle``).
- Deleting a cohort deletes its memberships and cohort assignments; accounts and attempts stay.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, func, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mesolearn.accounts import limits
from mesolearn.accounts.limits import MAX_CODE
from mesolearn.accounts.throttle import INVITE_CLIENT, INVITE_USER, Throttled
from mesolearn.cohorts.base import MAX_NAME, CohortError, CohortsBase
from mesolearn.storage.models import Assignment, Cohort, CohortMember, User

# Invite codes: no 0/O, 1/I/L, so a code read aloud or copied from paper survives.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 10  # 31**10 ≈ 8.2e14 (~49.5 bits)


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


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def format_invite(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) == INVITE_LENGTH else code


def normalise_invite(code: str) -> str:
    """Upper case, without spaces, dashes or other separators."""
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())


def _cohort_name(text: str) -> str:
    """White space collapsed, NFC; NUL and control characters refused (CohortError). Length: the caller's check."""
    if isinstance(text, str) and len(text) > 4 * MAX_NAME:
        raise CohortError(f"Cohort name: at most {MAX_NAME} characters.")
    try:
        return limits.clean(text, "Cohort name", 4 * MAX_NAME, collapse=True)
    except limits.TextError as exc:
        raise CohortError(str(exc)) from None


class CohortManagement(CohortsBase):
    """Cohorts and membership (a part of :class:`mesolearn.cohorts.Cohorts`)."""

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
