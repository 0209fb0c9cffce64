"""Account rules in one place, independent of any UI.

* **Sign-in** answers "Wrong username or password." for an unknown user, a wrong password and a malformed
  username alike, after the same argon2 work (a dummy hash for unknown users), so neither the text nor the time
  tells whether an account exists. Every try is counted *before* the password is checked, against the typed
  username and against the client address (:mod:`mesolearn.accounts.throttle`): after 5 failures on an account
  (30 from one address) each further try waits a delay that doubles, so a burst of parallel tries checks at most
  the allowance, and the real owner gets in once the delay has passed. A right password clears the account's
  count. Instructors can clear it at once (:meth:`Accounts.unlock`).
* **Registration** must say when a chosen username is already used: usernames are chosen by the person and
  there is no e-mail loop to hide behind. That answer ("That username is not available ...") is the one
  unavoidable enumeration channel; it is throttled per client address like a wrong password (10 free, then
  doubling delays), and nothing else (timing, wording of other errors) differs between taken and free names.
* **Sessions**: a sign-in token (32 random bytes) is stored only as a SHA-256 hash, optionally bound to the
  browser's user agent (the hash covers both, so a copied cookie fails in another browser). A session ends
  after ``session_idle_minutes`` without use (sliding, default 30) and at the latest ``session_days`` after
  sign-in (default 14); both are settings. A password change ends every session of the account and starts a
  new one for the tab that made the change; "sign out everywhere" ends them all. Every page run checks its token
  with one indexed SELECT (so an ended session counts at once); the sliding "last use" is written at most once a
  minute, so a session may end up to a minute before 30 idle minutes have passed since its very last use.
* **Deactivated accounts and password resets** (:mod:`mesolearn.accounts.admin`): a deactivated account cannot
  sign in (said only after the right password) and none of its tokens works; after a reset the account signs in
  with ``must_change_password`` set until a new password is chosen.
* **Text limits** (:mod:`mesolearn.accounts.limits`): names <= 120 characters, e-mail <= 254, passwords
  8 to 1024, no control characters, Unicode NFC.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ScalarSelect, bindparam, delete, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from mesolearn.accounts import limits
from mesolearn.accounts.throttle import REGISTER_CLIENT, SIGN_IN_ACCOUNT, SIGN_IN_CLIENT, Counter, Throttle, Throttled
from mesolearn.errors import UserError
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import AuthSession, Setting, User

Role = Literal["trainee", "instructor"]
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
SESSION_DAYS = 14
SESSION_IDLE_MINUTES = 30
GRANT_SECONDS = 60
WRONG = "Wrong username or password."
TAKEN = "That username is not available. Please choose another one."
DEACTIVATED = "This account has been deactivated. Ask your instructor if you need it again."


class AccountError(UserError, ValueError):
    """A message meant for the person at the keyboard."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: Role
    email: str | None = None
    must_change_password: bool = False

    @classmethod
    def of(cls, u: User) -> Account:
        role = cast(Role, u.role)
        return cls(u.id, u.username, u.display_name, role, u.email, bool(u.must_change_password))


def _token_hash(token: str, binding: str = "") -> str:
    if not binding:
        return hashlib.sha256(token.encode()).hexdigest()
    return hashlib.sha256(token.encode() + b"\n" + binding.encode("utf-8", "replace")).hexdigest()


@functools.cache
def _dummy_hash() -> str:
    """A real argon2 hash of a random password: verifying against it costs what a real verify costs."""
    return PasswordHasher().hash(secrets.token_urlsafe(16))


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()


def _text(value: str | None, label: str, max_chars: int) -> str:
    try:
        return limits.clean(value, label, max_chars, collapse=True)
    except limits.TextError as exc:
        raise AccountError(str(exc)) from None


def _setting(key: str) -> ScalarSelect[Any]:
    """A setting's stored value as a sub-select (NULL when it is not set)."""
    return select(Setting.value).where(Setting.key == key).scalar_subquery()


# The per-run sign-in check (Accounts.account_for_token): built once, a run only binds the token's hash.
_SESSION_LOOKUP = (
    select(
        AuthSession.id,
        AuthSession.created_at,
        AuthSession.expires_at,
        User.id,
        User.username,
        User.display_name,
        User.role,
        User.email,
        User.deactivated_at,
        User.must_change_password,
        _setting("session_idle_minutes"),
        _setting("session_days"),
    )
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.token_hash == bindparam("token_hash"))
)


class Accounts:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.clock = clock
        self.hasher = PasswordHasher()
        self.throttle = Throttle(db, clock)

    # ------------------------------------------------------------ settings
    def get_setting(self, key: str, default: Any = None) -> Any:
        with self.db.session() as s:
            row = s.get(Setting, key)
            return default if row is None else row.value

    def set_setting(self, key: str, value) -> None:
        with self.db.session() as s:
            row = s.get(Setting, key)
            if row is None:
                s.add(Setting(key=key, value=value))
            else:
                row.value = value

    @property
    def self_registration(self) -> bool:
        return bool(self.get_setting("self_registration", True))

    def session_limits(self) -> tuple[timedelta, timedelta]:
        """(idle timeout, absolute lifetime) of a sign-in, from the settings."""
        with self.db.session() as s:
            values: dict[str, Any] = dict(
                s.execute(
                    select(Setting.key, Setting.value).where(Setting.key.in_(["session_idle_minutes", "session_days"]))
                ).all()
            )
        idle = _positive(values.get("session_idle_minutes"), SESSION_IDLE_MINUTES)
        days = _positive(values.get("session_days"), SESSION_DAYS)
        return timedelta(minutes=idle), timedelta(days=days)

    def set_session_limits(self, idle_minutes: int, days: int) -> None:
        if not (5 <= int(idle_minutes) <= 24 * 60) or not (1 <= int(days) <= 90):
            raise AccountError("Idle timeout: 5 to 1440 minutes; lifetime: 1 to 90 days.")
        self.set_setting("session_idle_minutes", int(idle_minutes))
        self.set_setting("session_days", int(days))

    # ------------------------------------------------------------ users
    def has_users(self) -> bool:
        with self.db.session() as s:
            return (s.scalar(select(func.count()).select_from(User)) or 0) > 0

    def _validate(
        self, username: str, display_name: str, password: str, email: str | None
    ) -> tuple[str, str, str | None]:
        """(username, display name, email) as stored, or AccountError."""
        username = normalise_username(username)
        if not USERNAME.match(username):
            raise AccountError(
                "Username: 3 to 32 characters, lowercase letters, digits, '.', '_' or '-', "
                "starting with a letter or digit."
            )
        name = _text(display_name, "Your name", limits.MAX_NAME)
        if not name:
            raise AccountError("Please enter your name.")
        _check_password(password)
        address = _text(email, "Email", limits.MAX_EMAIL) or None
        if address and not EMAIL.match(address):
            raise AccountError("That email address does not look right.")
        return username, name, address

    def create_user(
        self, username: str, display_name: str, password: str, role: Role, email: str | None = None
    ) -> Account:
        username, name, address = self._validate(username, display_name, password, email)
        try:
            with self.db.session() as s:
                if s.scalar(select(User.id).where(User.username == username)) is not None:
                    raise AccountError(TAKEN)
                user = User(
                    username=username,
                    display_name=name,
                    email=address,
                    password_hash=self.hasher.hash(password),
                    role=role,
                    created_at=self.clock(),
                )
                s.add(user)
                s.flush()
                return Account.of(user)
        except IntegrityError:  # the same username registered at the same instant
            raise AccountError(TAKEN) from None

    def create_first_instructor(
        self, username: str, display_name: str, password: str, email: str | None = None
    ) -> Account:
        if self.has_users():
            raise AccountError("The first instructor already exists; please sign in.")
        return self.create_user(username, display_name, password, "instructor", email)

    def register_trainee(
        self, username: str, display_name: str, password: str, email: str | None = None, client: str | None = None
    ) -> Account:
        """Self-registration. A "not available" answer counts against the client address (see the module doc)."""
        if not self.self_registration:
            raise AccountError("Self-registration is turned off. Ask your instructor for an account.")
        self._validate(username, display_name, password, email)  # format problems first: they reveal nothing
        try:
            self.throttle.hit(REGISTER_CLIENT, client, "registration attempts")
        except Throttled as exc:
            raise AccountError(str(exc)) from None
        account = self.create_user(username, display_name, password, "trainee", email)
        self.throttle.refund(REGISTER_CLIENT, client)
        return account

    def get(self, user_id: int) -> Account | None:
        with self.db.session() as s:
            u = s.get(User, user_id)
            return Account.of(u) if u else None

    def list_users(self, role: Role | None = None) -> list[Account]:
        with self.db.session() as s:
            q = select(User).order_by(User.display_name)
            if role:
                q = q.where(User.role == role)
            return [Account.of(u) for u in s.scalars(q)]

    # ------------------------------------------------------------ sign-in
    def authenticate(self, username: str, password: str, client: str | None = None) -> Account:
        """The account, or AccountError with a message that does not reveal which part was wrong.

        ``client`` is the client's address (None: unknown/local); tries are throttled by it and by username.
        """
        name = normalise_username(username)
        password = password if isinstance(password, str) else ""
        well_formed = bool(USERNAME.match(name))
        plausible = well_formed and len(password) <= limits.MAX_PASSWORD
        try:
            self.throttle.hit_all(
                [(SIGN_IN_CLIENT, client), (SIGN_IN_ACCOUNT, name if well_formed else username)], "sign-in attempts"
            )
        except Throttled as exc:
            raise AccountError(str(exc)) from None
        user_id, stored = None, None
        if plausible:
            with self.db.session() as s:
                row = s.execute(select(User.id, User.password_hash).where(User.username == name)).first()
            if row is not None:
                user_id, stored = row
        try:
            self.hasher.verify(stored or _dummy_hash(), password[: limits.MAX_PASSWORD])
            ok = stored is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            raise AccountError(WRONG)  # the try stays counted
        self.throttle.reset(SIGN_IN_ACCOUNT, name)
        self.throttle.refund(SIGN_IN_CLIENT, client)
        with self.db.session() as s:
            user = s.get(User, user_id)
            if user is None:  # the account was deleted since its password was checked
                raise AccountError(WRONG)
            if user.deactivated_at is not None:
                raise AccountError(DEACTIVATED)
            if self.hasher.check_needs_rehash(user.password_hash):
                user.password_hash = self.hasher.hash(password)
            return Account.of(user)

    def unlock(self, username: str) -> bool:
        """An instructor clears the sign-in delay of an account. True if there was one."""
        return self.throttle.reset(SIGN_IN_ACCOUNT, normalise_username(username))

    def throttled_accounts(self) -> list[tuple[str, Counter]]:
        """(username, counter) of the existing accounts with recent failed sign-ins."""
        counters = {c.key: c for c in self.throttle.active(SIGN_IN_ACCOUNT)}
        if not counters:
            return []
        prefix = SIGN_IN_ACCOUNT.name + ":"
        names = [k.removeprefix(prefix) for k in counters]
        with self.db.session() as s:
            known = set(s.scalars(select(User.username).where(User.username.in_(names))))
        return [(k.removeprefix(prefix), c) for k, c in counters.items() if k.removeprefix(prefix) in known]

    # ------------------------------------------------------------ sessions
    def start_session(self, account: Account, binding: str = "") -> str:
        """A new sign-in token for ``account``; ``binding`` (e.g. the user agent) must match on every use."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        idle, lifetime = self.session_limits()
        with self.db.session() as s:
            s.add(
                AuthSession(
                    token_hash=_token_hash(token, binding),
                    user_id=account.id,
                    created_at=now,
                    expires_at=now + min(idle, lifetime),
                )
            )
            s.execute(delete(AuthSession).where(AuthSession.expires_at < now))
        return token

    def account_for_token(self, token: str | None, binding: str = "") -> Account | None:
        """The signed-in account, or None (unknown, ended, idle too long, too old, other browser).

        Checked on every run, so a sign-out in another tab, a password change or an ended account counts at once:
        one indexed SELECT (the session by its token hash, joined with its account, and the two session-limit
        settings as sub-selects). Each use slides the idle timeout forward, but that is written at most once a
        minute (an UPDATE by primary key), so most runs write nothing.
        """
        if not token or not isinstance(token, str) or len(token) > 200:
            return None
        now = self.clock()
        with self.db.connection() as conn:  # no ORM session: this runs on every page run and every answer
            row = conn.execute(_SESSION_LOOKUP, {"token_hash": _token_hash(token, binding)}).first()
            if row is None:
                return None
            session_id, created_at, expires_at, user_id, username, name, role, email = row[:8]
            deactivated, must_change, idle_value, days_value = row[8:]
            if deactivated is not None:
                return None
            idle = timedelta(minutes=_positive(idle_value, SESSION_IDLE_MINUTES))
            lifetime = timedelta(days=_positive(days_value, SESSION_DAYS))
            if expires_at <= now or created_at + lifetime <= now:
                return None
            slid = min(now + idle, created_at + lifetime)
            if slid - expires_at > timedelta(minutes=1) or expires_at > slid:
                conn.execute(update(AuthSession).where(AuthSession.id == session_id).values(expires_at=slid))
            return Account(user_id, username, name, cast(Role, role), email, bool(must_change))

    def start_grant(self, account: Account) -> str:
        """A single-use code, valid 60 seconds, that the browser trades for a sign-in cookie set by the server.

        Stored like a token (hash only), in its own hash domain, so a grant never works as a session token.
        """
        grant = secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.session() as s:
            s.add(
                AuthSession(
                    token_hash=_token_hash("grant\n" + grant),
                    user_id=account.id,
                    created_at=now,
                    expires_at=now + timedelta(seconds=GRANT_SECONDS),
                )
            )
        return grant

    def redeem_grant(self, grant: str | None, binding: str = "") -> str | None:
        """A new session token for the grant's account (the grant is used up), or None."""
        if not grant or not isinstance(grant, str) or len(grant) > 200:
            return None
        with self.db.session() as s:
            row = s.scalar(select(AuthSession).where(AuthSession.token_hash == _token_hash("grant\n" + grant)))
            if row is None:
                return None
            account, expired = Account.of(row.user), row.expires_at <= self.clock()
            done = s.execute(delete(AuthSession).where(AuthSession.id == row.id))
            if expired or cast(CursorResult[Any], done).rowcount != 1:  # expired, or redeemed by a parallel request
                return None
        return self.start_session(account, binding)

    def end_session(self, token: str | None, binding: str = "") -> None:
        if token and isinstance(token, str):
            with self.db.session() as s:
                s.execute(
                    delete(AuthSession).where(
                        AuthSession.token_hash.in_([_token_hash(token), _token_hash(token, binding)])
                    )
                )

    def end_all_sessions(self, user_id: int) -> int:
        """Sign the account out everywhere. Returns how many sign-ins ended."""
        with self.db.session() as s:
            result = s.execute(delete(AuthSession).where(AuthSession.user_id == user_id))
            return cast(CursorResult[Any], result).rowcount or 0

    def change_password(
        self, account: Account, old: str, new: str, binding: str = "", client: str | None = None
    ) -> str:
        """Change the password, end every sign-in of the account, and return a new token for this tab."""
        self.authenticate(account.username, old, client)
        _check_password(new)
        with self.db.session() as s:
            user = s.get(User, account.id)
            if user is None:  # deleted since authenticate() found it
                raise AccountError(WRONG)
            user.password_hash = self.hasher.hash(new)
            user.must_change_password = False
            s.execute(delete(AuthSession).where(AuthSession.user_id == account.id))
        return self.start_session(account, binding)


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountError(f"Password: at least {MIN_PASSWORD} characters.")
    if len(password) > limits.MAX_PASSWORD:
        raise AccountError(f"Password: at most {limits.MAX_PASSWORD} characters.")
    if "\x00" in password:
        raise AccountError("Password: contains a NUL character, which is not allowed.")


def _positive(value, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default
