"""Bulk enrolment: trainees from CSV text into a cohort, creating the accounts that do not exist yet.

Rules:
- Columns ``name,email`` (an optional header may name them, and a ``username`` column; ``,`` ``;`` or tab).
- A new email gets a trainee account with a generated username (the email's local part, made unique) and a random
  one-time password, returned once and never stored in clear; an email that belongs to a trainee adds that account.
- Bad rows are reported with their line number and skipped; the other rows are still imported. At most
  1,000,000 characters and 5,000 rows.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from mesolearn.accounts.service import EMAIL, USERNAME, AccountError
from mesolearn.cohorts.base import MAX_NAME, CohortError, CohortsBase
from mesolearn.storage.models import User
from mesolearn.text import plural

PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS, PASSWORD_GROUP_LEN = 3, 4  # e.g. "k7pm-x3qa-9wet" (~59 bits)
MAX_CSV_CHARS = 1_000_000
MAX_CSV_ROWS = 5_000
MAX_EMAIL = 254


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
        parts = [
            f"{plural(len(self.created), 'account')} created",
            f"{plural(len(self.added), 'existing account')} added",
        ]
        if self.errors:
            parts.append(f"{plural(len(self.errors), 'row')} with errors")
        return ", ".join(parts) + "."


def new_password() -> str:
    return "-".join(
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LEN)) for _ in range(PASSWORD_GROUPS)
    )


def _clean_name(text: str) -> str:
    return " ".join((text or "").split())


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


class Enrolment(CohortsBase):
    """CSV enrolment (a part of :class:`mesolearn.cohorts.Cohorts`)."""

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


@dataclass(frozen=True)
class _Row:
    id: int
    username: str
    display_name: str
    email: str
    role: str
