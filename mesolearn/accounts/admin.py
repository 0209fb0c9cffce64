"""Account administration by instructors: password resets, deactivation, a second instructor. No Streamlit.

Business rules (checked here, on the server, whatever the page shows):

* **Only an active instructor** may do any of this: every call names the acting account (``actor_id``) and the
  role is read from the database, not from the page. An instructor does not reset, deactivate or demote their own
  account here (they use *Change password*; another instructor does the rest), so nobody locks themself out.
* **Password reset**: the instructor gets a temporary password, shown once (only its argon2 hash is stored).
  Every sign-in of the account ends at once, and the next sign-in must choose a new password (different from the
  temporary one) before any page opens (:meth:`AccountAdmin.choose_new_password`).
* **Deactivation**: a deactivated account cannot sign in, and every one of its sign-ins ends in the same
  transaction. Nothing else is deleted: attempts, certificates and cohort memberships stay, and the gradebook shows
  the trainee marked "deactivated". Reactivation gives the account back as it was.
* **A second instructor**: an instructor creates an instructor account or promotes a trainee; an instructor can
  be demoted back to trainee.
* **The last active instructor** can be neither deactivated nor demoted. Two instructors deactivating each other at
  the same instant cannot both succeed: the change is one conditional ``UPDATE`` that counts the other active
  instructors, run after locking the active instructors' rows (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
  runs writers one at a time and the guarded ``UPDATE`` opens the write transaction).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, aliased

from mesolearn.accounts.service import Account, AccountError, Accounts, _check_password
from mesolearn.storage.models import AuthSession, User

TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or from paper without mistakes
TEMP_GROUPS, TEMP_GROUP_LEN = 3, 4  # e.g. "k7pm-x3qa-9wet" (about 59 bits)
NOT_ALLOWED = "Only an instructor can manage accounts."
LAST_INSTRUCTOR = "This is the last active instructor account: add or reactivate another instructor first."


@dataclass(frozen=True)
class AccountRow:
    """One account as the instructor's account list shows it."""

    id: int
    username: str
    display_name: str
    role: str
    email: str | None
    created_at: datetime
    deactivated_at: datetime | None
    must_change_password: bool

    @property
    def active(self) -> bool:
        return self.deactivated_at is None

    @property
    def status(self) -> str:
        if not self.active:
            return "deactivated"
        return "must choose a new password" if self.must_change_password else "active"


def _row(u: User) -> AccountRow:
    return AccountRow(
        u.id, u.username, u.display_name, u.role, u.email, u.created_at, u.deactivated_at, bool(u.must_change_password)
    )


def temporary_password() -> str:
    return "-".join("".join(secrets.choice(TEMP_ALPHABET) for _ in range(TEMP_GROUP_LEN)) for _ in range(TEMP_GROUPS))


def require_instructor(s: Session, actor_id: int) -> User:
    """The acting account, if it is an active instructor; AccountError otherwise."""
    actor = s.get(User, actor_id)
    if actor is None or actor.role != "instructor" or actor.deactivated_at is not None:
        raise AccountError(NOT_ALLOWED)
    return actor


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount or 0


class AccountAdmin:
    def __init__(self, accounts: Accounts):
        self.accounts = accounts
        self.db = accounts.db
        self.clock = accounts.clock

    # ------------------------------------------------------------ lookups
    @staticmethod
    def _target(s: Session, actor: User, user_id: int, action: str) -> User:
        user = s.get(User, user_id)
        if user is None:
            raise AccountError("That account does not exist.")
        if user.id == actor.id:
            raise AccountError(f"You cannot {action} your own account here; ask another instructor.")
        return user

    def list_accounts(self, actor_id: int) -> list[AccountRow]:
        """Every account, instructors first, then by name."""
        with self.db.session() as s:
            require_instructor(s, actor_id)
            users = s.scalars(select(User).order_by(User.role.desc(), User.display_name, User.id))
            return [_row(u) for u in users]

    def deactivated_ids(self) -> set[int]:
        """Ids of the deactivated accounts (the gradebook marks them)."""
        with self.db.session() as s:
            return set(s.scalars(select(User.id).where(User.deactivated_at.is_not(None))))

    # ------------------------------------------------------------ password reset
    def reset_password(self, actor_id: int, user_id: int) -> str:
        """A temporary password for the account (shown once); its sign-ins end; it must choose a new one."""
        temporary = temporary_password()
        hashed = self.accounts.hasher.hash(temporary)
        with self.db.session() as s:
            actor = require_instructor(s, actor_id)
            user = self._target(s, actor, user_id, "reset the password of")
            user.password_hash = hashed
            user.must_change_password = True
            s.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
        return temporary

    def choose_new_password(self, account: Account, new: str) -> Account:
        """After a reset: the account's own new password. Ends every sign-in; the caller starts a new one."""
        _check_password(new)
        with self.db.session() as s:
            user = s.get(User, account.id)
            if user is None or user.deactivated_at is not None:
                raise AccountError("This account cannot sign in any more.")
            if not user.must_change_password:
                raise AccountError("Use Change password (your current password is needed).")
            try:
                same: bool = self.accounts.hasher.verify(user.password_hash, new)
            except (VerificationError, InvalidHashError):
                same = False
            if same:
                raise AccountError("Please choose a password of your own, not the temporary one.")
            user.password_hash = self.accounts.hasher.hash(new)
            user.must_change_password = False
            s.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
            return Account.of(user)

    # ------------------------------------------------------------ deactivation
    def _lock_instructors(self, s: Session) -> None:
        """PostgreSQL: lock the active instructors' rows, so a concurrent guarded change waits and re-counts."""
        s.execute(
            select(User.id).where(User.role == "instructor", User.deactivated_at.is_(None)).with_for_update()
        ).all()

    @staticmethod
    def _others_active(user_id: int) -> Any:
        other = aliased(User)
        return (
            select(func.count())
            .select_from(other)
            .where(other.role == "instructor", other.deactivated_at.is_(None), other.id != user_id)
            .scalar_subquery()
        )

    def deactivate(self, actor_id: int, user_id: int) -> AccountRow:
        """Deactivate an account (not the last active instructor) and end its sign-ins. Idempotent."""
        with self.db.session() as s:
            actor = require_instructor(s, actor_id)
            user = self._target(s, actor, user_id, "deactivate")
            if user.deactivated_at is not None:
                return _row(user)
            self._lock_instructors(s)
            done = s.execute(
                update(User)
                .where(
                    User.id == user_id,
                    User.deactivated_at.is_(None),
                    or_(User.role != "instructor", self._others_active(user_id) >= 1),
                )
                .values(deactivated_at=self.clock())
                .execution_options(synchronize_session=False)
            )
            if _rowcount(done) != 1:
                raise AccountError(LAST_INSTRUCTOR)
            s.execute(delete(AuthSession).where(AuthSession.user_id == user_id))
            s.expire_all()
            return _row(s.get_one(User, user_id))

    def reactivate(self, actor_id: int, user_id: int) -> AccountRow:
        with self.db.session() as s:
            actor = require_instructor(s, actor_id)
            user = self._target(s, actor, user_id, "reactivate")
            user.deactivated_at = None
            s.flush()
            return _row(user)

    # ------------------------------------------------------------ instructors
    def create_instructor(
        self, actor_id: int, username: str, display_name: str, password: str, email: str | None = None
    ) -> Account:
        """A new instructor account (the password is the initial one; it is not forced to change)."""
        with self.db.session() as s:
            require_instructor(s, actor_id)
        return self.accounts.create_user(username, display_name, password, "instructor", email)

    def promote(self, actor_id: int, user_id: int) -> AccountRow:
        """A trainee becomes an instructor (their attempts stay; they leave the gradebook's trainee list)."""
        with self.db.session() as s:
            actor = require_instructor(s, actor_id)
            user = self._target(s, actor, user_id, "promote")
            if user.deactivated_at is not None:
                raise AccountError("Reactivate the account first.")
            user.role = "instructor"
            s.flush()
            return _row(user)

    def demote(self, actor_id: int, user_id: int) -> AccountRow:
        """An instructor becomes a trainee; never the last active instructor."""
        with self.db.session() as s:
            actor = require_instructor(s, actor_id)
            user = self._target(s, actor, user_id, "demote")
            if user.role != "instructor":
                return _row(user)
            self._lock_instructors(s)
            done = s.execute(
                update(User)
                .where(
                    User.id == user_id,
                    User.role == "instructor",
                    or_(User.deactivated_at.is_not(None), self._others_active(user_id) >= 1),
                )
                .values(role="trainee")
                .execution_options(synchronize_session=False)
            )
            if _rowcount(done) != 1:
                raise AccountError(LAST_INSTRUCTOR)
            s.expire_all()
            return _row(s.get_one(User, user_id))
