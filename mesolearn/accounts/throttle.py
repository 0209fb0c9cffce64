"""Throttling of guesses (passwords, invite codes, certificate codes), stored in the database.

Business rules (following OWASP's authentication and credential-stuffing guidance):

* **Growing delays, not a lockout.** Each key (an account name, a client address, ...) has a few free
  failures; after that every further try must wait a delay that doubles with each failure, up to a cap.
  The right password is never refused for good: once the delay has passed, it works. Failures older than
  ``forget_after`` are forgotten.
* **Counted before the check.** :meth:`Throttle.hit` counts an attempt *before* the password (or code) is
  checked, with an atomic compare-and-swap in the database (``UPDATE ... WHERE failures = :seen``), so
  parallel tries (many tabs, many threads, several replicas on one PostgreSQL) cannot check more guesses than
  the allowance. A try that turns out right gives its count back (:meth:`refund`) or clears the key
  (:meth:`reset`).
* **By account and by client address.** Sign-in counts against the typed username (whether or not it exists,
  so the answer never tells them apart) and against the client address (password spraying over many
  accounts). An address is only as trustworthy as the proxy setup: see ``mesolearn.ui.auth.client_address``.
* **An instructor can clear** an account's key (Settings & accounts → unlock).

The numbers live in the ``Policy`` constants below; waiting callers get :class:`Throttled`, a ``ValueError``
whose message says how long to wait.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from mesolearn.errors import UserError
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import ThrottleCounter

LOCAL = "local"  # the subject for an unknown or loopback client address


@dataclass(frozen=True)
class Policy:
    name: str  # key prefix, e.g. "signin-user"
    free: int  # failures allowed before delays start
    base_seconds: float  # the first delay; each further failure doubles it
    max_seconds: float  # the cap of a single delay
    forget_after: timedelta = timedelta(hours=1)

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` counted failures."""
        if failures < self.free:
            return 0.0
        return min(self.max_seconds, self.base_seconds * 2 ** min(failures - self.free, 30))


SIGN_IN_ACCOUNT = Policy("signin-user", free=5, base_seconds=15, max_seconds=15 * 60)
SIGN_IN_CLIENT = Policy("signin-ip", free=30, base_seconds=2, max_seconds=5 * 60)
REGISTER_CLIENT = Policy("register-ip", free=10, base_seconds=5, max_seconds=15 * 60)
INVITE_USER = Policy("invite-user", free=5, base_seconds=15, max_seconds=15 * 60)
INVITE_CLIENT = Policy("invite-ip", free=20, base_seconds=5, max_seconds=15 * 60)
VERIFY_CLIENT = Policy("verify-ip", free=20, base_seconds=5, max_seconds=15 * 60)

_PLAIN_SUBJECT = re.compile(r"^[A-Za-z0-9._:@\[\]-]{1,80}$")


class Throttled(UserError, ValueError):
    """Too many tries: wait ``wait_seconds`` before the next one."""

    def __init__(self, wait_seconds: float, what: str = "attempts"):
        self.wait_seconds = max(1, math.ceil(wait_seconds))
        super().__init__(f"Too many {what}. Please wait {describe_wait(self.wait_seconds)} and try again.")


def describe_wait(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


def key_for(policy: Policy, subject: str | int | None) -> str:
    """The database key; odd subjects (long, non-ASCII, NUL, ...) are hashed so any input is safe to store."""
    text = LOCAL if subject is None or subject == "" else str(subject)
    if not _PLAIN_SUBJECT.match(text):
        text = "#" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{policy.name}:{text}"


@dataclass(frozen=True)
class Counter:
    key: str
    failures: int
    wait_seconds: float


class Throttle:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.clock = clock

    def hit(self, policy: Policy, subject: str | int | None, what: str = "attempts") -> int:
        """Count one try for ``subject``, or raise :class:`Throttled` (and count nothing) if it must wait.

        Returns the number of failures counted, this try included.
        """
        key = key_for(policy, subject)
        for _ in range(200):  # compare-and-swap: retried only when another try changed the row meanwhile
            now = self.clock()
            with self.db.session() as s:
                row = s.execute(
                    select(
                        ThrottleCounter.failures, ThrottleCounter.last_failure_at, ThrottleCounter.next_allowed_at
                    ).where(ThrottleCounter.key == key)
                ).first()
            if row is None:
                try:
                    with self.db.session() as s:
                        s.add(
                            ThrottleCounter(
                                key=key,
                                failures=1,
                                last_failure_at=now,
                                next_allowed_at=now + timedelta(seconds=policy.delay(1)),
                            )
                        )
                    return 1
                except IntegrityError:  # a parallel first try inserted it: read again
                    continue
            seen, last, next_at = row
            if last + policy.forget_after <= now:
                base = 0
            elif next_at > now and policy.delay(seen) > 0:  # a free try never waits (parallel clocks differ)
                raise Throttled((next_at - now).total_seconds(), what)
            else:
                base = seen
            failures = base + 1
            with self.db.session() as s:
                done = cast(
                    CursorResult[Any],
                    s.execute(
                        update(ThrottleCounter)
                        .where(
                            ThrottleCounter.key == key,
                            ThrottleCounter.failures == seen,
                            ThrottleCounter.last_failure_at == last,
                        )
                        .values(
                            failures=failures,
                            last_failure_at=now,
                            next_allowed_at=now + timedelta(seconds=policy.delay(failures)),
                        )
                    ),
                )
                if done.rowcount == 1:
                    return failures
        raise Throttled(policy.base_seconds, what)  # pragma: no cover - only under extreme contention

    def hit_all(self, pairs: Iterable[tuple[Policy, str | int | None]], what: str = "attempts") -> None:
        """Count one try against every (policy, subject); if one must wait, give back those already counted."""
        counted: list[tuple[Policy, str | int | None]] = []
        try:
            for policy, subject in pairs:
                self.hit(policy, subject, what)
                counted.append((policy, subject))
        except Throttled:
            for policy, subject in counted:
                self.refund(policy, subject)
            raise

    def refund(self, policy: Policy, subject: str | int | None) -> None:
        """A counted try was right after all: give its count back (the delay already set stays)."""
        key = key_for(policy, subject)
        with self.db.session() as s:
            s.execute(
                update(ThrottleCounter)
                .where(ThrottleCounter.key == key, ThrottleCounter.failures > 0)
                .values(failures=ThrottleCounter.failures - 1)
            )

    def reset(self, policy: Policy, subject: str | int | None) -> bool:
        """Forget every failure of ``subject`` (a right password; an instructor's unlock). True if any."""
        with self.db.session() as s:
            result = s.execute(delete(ThrottleCounter).where(ThrottleCounter.key == key_for(policy, subject)))
            return (cast(CursorResult[Any], result).rowcount or 0) > 0

    def status(self, policy: Policy, subject: str | int | None) -> Counter:
        key = key_for(policy, subject)
        now = self.clock()
        with self.db.session() as s:
            row = s.get(ThrottleCounter, key)
            if row is None or row.last_failure_at + policy.forget_after <= now:
                return Counter(key, 0, 0.0)
            return Counter(key, row.failures, max(0.0, (row.next_allowed_at - now).total_seconds()))

    def active(self, policy: Policy) -> list[Counter]:
        """Keys of ``policy`` with failures that are not yet forgotten, most recent first."""
        now = self.clock()
        with self.db.session() as s:
            rows = s.scalars(
                select(ThrottleCounter)
                .where(
                    ThrottleCounter.key.startswith(policy.name + ":"),
                    ThrottleCounter.failures > 0,
                    ThrottleCounter.last_failure_at > now - policy.forget_after,
                )
                .order_by(ThrottleCounter.last_failure_at.desc())
            )
            return [Counter(r.key, r.failures, max(0.0, (r.next_allowed_at - now).total_seconds())) for r in rows]
