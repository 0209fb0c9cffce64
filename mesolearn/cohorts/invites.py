"""Invite links: register and join a cohort in one step (``/register?invite=TOKEN``). No Streamlit.

Business rules:

* An **active instructor** creates a link for a cohort: a random token (24 random bytes, URL-safe), with an
  optional expiry time and an optional use limit, and can revoke it at any time. A cohort may have several links
  (one per group or per e-mail campaign). The token only lets a trainee join that cohort: it signs nobody in.
* A **visitor** opening a usable link registers a trainee account and joins the cohort in one step. This works
  when self-registration is turned off: the instructor chose who gets the link. Registration tries count against
  the client address like ordinary registration (a "username not available" answer is the one enumeration
  channel, see :mod:`mesolearn.accounts.service`).
* A **signed-in trainee** opening the link joins the cohort; one who is already a member is told so and uses
  nothing up.
* **Uses**: each new account or new member counts one use. The count is a conditional ``UPDATE`` (only while the
  link is unrevoked, unexpired and below its limit) and the table's check ``uses <= max_uses`` backs it, so a
  burst of sign-ups on a link for 30 people makes at most 30 accounts. A use is given back when the registration
  that claimed it fails (username taken, bad password).
* An unusable link says why: unknown, revoked, expired or used up, so the trainee knows to ask for a new one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from mesolearn.accounts.admin import require_instructor
from mesolearn.accounts.service import TAKEN, Account, AccountError, Accounts
from mesolearn.accounts.throttle import REGISTER_CLIENT, Throttle, Throttled
from mesolearn.cohorts.service import CohortError, CohortInfo, Cohorts
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import Cohort, CohortInvite

TOKEN_BYTES = 24
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_USES = 10_000
InviteState = Literal["active", "revoked", "expired", "used up"]


class InviteError(CohortError):
    """A message meant for the person at the keyboard."""


@dataclass(frozen=True)
class InviteInfo:
    id: int
    cohort_id: int
    cohort_name: str
    token: str
    created_at: datetime
    expires_at: datetime | None
    max_uses: int | None
    uses: int
    revoked_at: datetime | None

    @property
    def path(self) -> str:
        """The link, relative to the app's address."""
        return f"/register?invite={self.token}"

    def state(self, now: datetime) -> InviteState:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        if self.max_uses is not None and self.uses >= self.max_uses:
            return "used up"
        return "active"


UNUSABLE: dict[str, str] = {
    "unknown": "This invite link is not valid. Check that you copied all of it, or ask your instructor for a new one.",
    "revoked": "This invite link has been withdrawn by your instructor. Ask them for a new one.",
    "expired": "This invite link has expired. Ask your instructor for a new one.",
    "used up": "This invite link has been used as many times as it allows. Ask your instructor for a new one.",
}


def _naive(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _instructor(s: Session, actor_id: int) -> None:
    """Only an instructor manages invite links; a refusal is the link's own error, with the account rule's words."""
    try:
        require_instructor(s, actor_id)
    except AccountError as exc:
        raise InviteError(str(exc)) from None


class Invites:
    def __init__(self, db: Database, accounts: Accounts, cohorts: Cohorts, clock: Callable[[], datetime] = utcnow):
        self.db, self.accounts, self.cohorts, self.clock = db, accounts, cohorts, clock
        self.throttle = Throttle(db, clock)

    @staticmethod
    def _info(i: CohortInvite, name: str) -> InviteInfo:
        return InviteInfo(
            i.id, i.cohort_id, name, i.token, i.created_at, i.expires_at, i.max_uses, i.uses, i.revoked_at
        )

    # ------------------------------------------------------------ instructors
    def create(
        self, actor_id: int, cohort_id: int, expires_at: datetime | None = None, max_uses: int | None = None
    ) -> InviteInfo:
        """A new link for the cohort (expiry in naive UTC or aware; ``max_uses`` 1 to 10,000 or None)."""
        expires_at = _naive(expires_at)
        if expires_at is not None and expires_at <= self.clock():
            raise InviteError("The expiry must be in the future.")
        if max_uses is not None and not 1 <= int(max_uses) <= MAX_USES:
            raise InviteError(f"Use limit: 1 to {MAX_USES:,} (or no limit).")
        with self.db.session() as s:
            _instructor(s, actor_id)
            cohort = s.get(Cohort, cohort_id)
            if cohort is None:
                raise InviteError("That cohort does not exist (it may have been deleted).")
            invite = CohortInvite(
                cohort_id=cohort_id,
                token=secrets.token_urlsafe(TOKEN_BYTES),
                created_at=self.clock(),
                created_by=actor_id,
                expires_at=expires_at,
                max_uses=None if max_uses is None else int(max_uses),
                uses=0,
            )
            s.add(invite)
            s.flush()
            return self._info(invite, cohort.name)

    def revoke(self, actor_id: int, invite_id: int) -> InviteInfo:
        """The link stops working at once (revoking twice keeps the first time)."""
        with self.db.session() as s:
            _instructor(s, actor_id)
            invite = s.get(CohortInvite, invite_id)
            if invite is None:
                raise InviteError("That invite link does not exist.")
            if invite.revoked_at is None:
                invite.revoked_at = self.clock()
            return self._info(invite, s.get_one(Cohort, invite.cohort_id).name)

    def for_cohort(self, cohort_id: int) -> list[InviteInfo]:
        """The cohort's links, newest first."""
        with self.db.session() as s:
            rows = s.execute(
                select(CohortInvite, Cohort.name)
                .join(Cohort, Cohort.id == CohortInvite.cohort_id)
                .where(CohortInvite.cohort_id == cohort_id)
                .order_by(CohortInvite.created_at.desc(), CohortInvite.id.desc())
            )
            return [self._info(i, name) for i, name in rows]

    # ------------------------------------------------------------ visitors and trainees
    def check(self, token: str | None) -> InviteInfo:
        """The usable invite for ``token``, or InviteError saying why it cannot be used."""
        if not isinstance(token, str) or not TOKEN.match(token.strip()):
            raise InviteError(UNUSABLE["unknown"])
        with self.db.session() as s:
            row = s.execute(
                select(CohortInvite, Cohort.name)
                .join(Cohort, Cohort.id == CohortInvite.cohort_id)
                .where(CohortInvite.token == token.strip())
            ).first()
            if row is None:
                raise InviteError(UNUSABLE["unknown"])
            info = self._info(*row)
        state = info.state(self.clock())
        if state != "active":
            raise InviteError(UNUSABLE[state])
        return info

    def _claim(self, invite: InviteInfo) -> None:
        """Count one use, only while the link is usable (one conditional UPDATE)."""
        now = self.clock()
        with self.db.session() as s:
            done = s.execute(
                update(CohortInvite)
                .where(
                    CohortInvite.id == invite.id,
                    CohortInvite.revoked_at.is_(None),
                    or_(CohortInvite.expires_at.is_(None), CohortInvite.expires_at > now),
                    or_(CohortInvite.max_uses.is_(None), CohortInvite.uses < CohortInvite.max_uses),
                )
                .values(uses=CohortInvite.uses + 1)
            )
            if (cast(CursorResult[Any], done).rowcount or 0) != 1:
                raise InviteError(UNUSABLE[invite.state(now) if invite.state(now) != "active" else "used up"])

    def _release(self, invite: InviteInfo) -> None:
        with self.db.session() as s:
            s.execute(
                update(CohortInvite)
                .where(CohortInvite.id == invite.id, CohortInvite.uses > 0)
                .values(uses=CohortInvite.uses - 1)
            )

    def register(
        self,
        token: str | None,
        username: str,
        display_name: str,
        password: str,
        email: str | None = None,
        client: str | None = None,
    ) -> tuple[Account, CohortInfo]:
        """A new trainee account, already a member of the invite's cohort (self-registration may be off)."""
        invite = self.check(token)
        try:
            self.throttle.hit(REGISTER_CLIENT, client, "registration attempts")
        except Throttled as exc:
            raise InviteError(str(exc)) from None
        self._claim(invite)
        try:
            account = self.accounts.create_user(username, display_name, password, "trainee", email)
        except AccountError as exc:
            self._release(invite)
            if str(exc) != TAKEN:  # only a "not available" answer stays counted against the address
                self.throttle.refund(REGISTER_CLIENT, client)
            raise
        self.throttle.refund(REGISTER_CLIENT, client)
        self.cohorts.add_member(invite.cohort_id, account.id)
        return account, self._cohort(invite.cohort_id)

    def join(self, token: str | None, user_id: int) -> tuple[CohortInfo, bool]:
        """A signed-in trainee joins the invite's cohort: (cohort, newly joined)."""
        invite = self.check(token)
        if any(c.id == invite.cohort_id for c in self.cohorts.cohorts_of(user_id)):
            return self._cohort(invite.cohort_id), False
        self._claim(invite)
        try:
            added = self.cohorts.add_member(invite.cohort_id, user_id)  # checks that the account is a trainee
        except CohortError:
            self._release(invite)
            raise
        if not added:  # joined in another tab at the same moment
            self._release(invite)
        return self._cohort(invite.cohort_id), added

    def _cohort(self, cohort_id: int) -> CohortInfo:
        cohort = self.cohorts.get_cohort(cohort_id)
        if cohort is None:
            raise InviteError("That cohort no longer exists. Ask your instructor for a new invite link.")
        return cohort
