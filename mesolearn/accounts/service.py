"""Account rules in one place, independent of any UI."""
from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import AuthSession, Setting, User

Role = Literal["trainee", "instructor"]
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
SESSION_DAYS = 14
MAX_FAILED = 5
LOCK_MINUTES = 5


class AccountError(ValueError):
    """A message meant for the person at the keyboard."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: Role
    email: str | None = None

    @classmethod
    def of(cls, u: User) -> "Account":
        return cls(u.id, u.username, u.display_name, u.role, u.email)  # type: ignore[arg-type]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.clock = clock
        self.hasher = PasswordHasher()

    # ------------------------------------------------------------ settings
    def get_setting(self, key: str, default=None):
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

    # ------------------------------------------------------------ users
    def has_users(self) -> bool:
        with self.db.session() as s:
            return (s.scalar(select(func.count()).select_from(User)) or 0) > 0

    def _validate(self, username: str, display_name: str, password: str, email: str | None) -> str:
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise AccountError("Username: 3 to 32 characters, lowercase letters, digits, '.', '_' or '-', "
                               "starting with a letter or digit.")
        if not display_name.strip():
            raise AccountError("Please enter your name.")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"Password: at least {MIN_PASSWORD} characters.")
        if email and not EMAIL.match(email.strip()):
            raise AccountError("That email address does not look right.")
        return username

    def create_user(self, username: str, display_name: str, password: str, role: Role,
                    email: str | None = None) -> Account:
        username = self._validate(username, display_name, password, email)
        with self.db.session() as s:
            if s.scalar(select(User).where(User.username == username)):
                raise AccountError(f"The username '{username}' is taken.")
            user = User(username=username, display_name=display_name.strip(), email=(email or "").strip() or None,
                        password_hash=self.hasher.hash(password), role=role, created_at=self.clock())
            s.add(user)
            s.flush()
            return Account.of(user)

    def create_first_instructor(self, username: str, display_name: str, password: str,
                                email: str | None = None) -> Account:
        if self.has_users():
            raise AccountError("The first instructor already exists; please sign in.")
        return self.create_user(username, display_name, password, "instructor", email)

    def register_trainee(self, username: str, display_name: str, password: str, email: str | None = None) -> Account:
        if not self.self_registration:
            raise AccountError("Self-registration is turned off. Ask your instructor for an account.")
        return self.create_user(username, display_name, password, "trainee", email)

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
    def authenticate(self, username: str, password: str) -> Account:
        """The account, or AccountError with a message that does not reveal which part was wrong."""
        now = self.clock()
        message = "Wrong username or password."
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.username == username.strip().lower()))
            if user is None:
                raise AccountError("Wrong username or password.")
            if user.locked_until and user.locked_until > now:
                minutes = max(1, math.ceil((user.locked_until - now).total_seconds() / 60))
                raise AccountError(f"Too many wrong passwords. Try again in {minutes} minute(s).")
            try:
                self.hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                user.failed_logins += 1
                if user.failed_logins >= MAX_FAILED:
                    user.failed_logins = 0
                    user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                    message = f"Too many wrong passwords. Try again in {LOCK_MINUTES} minute(s)."
                account = None  # raise after the block: raising inside it would roll the count back
            else:
                user.failed_logins = 0
                user.locked_until = None
                if self.hasher.check_needs_rehash(user.password_hash):
                    user.password_hash = self.hasher.hash(password)
                account = Account.of(user)
        if account is None:
            raise AccountError(message)
        return account

    def start_session(self, account: Account, days: int = SESSION_DAYS) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.session() as s:
            s.add(AuthSession(token_hash=_token_hash(token), user_id=account.id, created_at=now,
                              expires_at=now + timedelta(days=days)))
            s.execute(delete(AuthSession).where(AuthSession.expires_at < now))
        return token

    def account_for_token(self, token: str | None) -> Account | None:
        if not token:
            return None
        with self.db.session() as s:
            row = s.scalar(select(AuthSession).where(AuthSession.token_hash == _token_hash(token)))
            if row is None or row.expires_at <= self.clock():
                return None
            return Account.of(row.user)

    def end_session(self, token: str | None) -> None:
        if token:
            with self.db.session() as s:
                s.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))

    def change_password(self, account: Account, old: str, new: str) -> None:
        self.authenticate(account.username, old)
        if len(new) < MIN_PASSWORD:
            raise AccountError(f"Password: at least {MIN_PASSWORD} characters.")
        with self.db.session() as s:
            user = s.get(User, account.id)
            user.password_hash = self.hasher.hash(new)
