"""Generic fixtures shared by every test module.

- ``db``: a fresh SQLite database in the test's tmp_path.
- ``course``: the repository's real course, loaded once per test session (read-only: do not mutate it).
- ``clock``: a controllable clock (callable returning naive UTC, like ``mesolearn.storage.utcnow``).
- ``repo_root``: the repository root (the real course directory).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from mesolearn.content import Course, load_course
from mesolearn.storage import Database
from mesolearn.storage.models import User

REPO_ROOT = Path(__file__).resolve().parent.parent


class Clock:
    """A stand-in for ``utcnow``: returns a fixed naive UTC time that moves only when told to."""

    def __init__(self, start: datetime = datetime(2025, 3, 1, 9, 0, 0)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, **kwargs: float) -> datetime:
        """Move forward, e.g. ``advance(seconds=30)`` or ``advance(minutes=5)``; returns the new time."""
        self.now += timedelta(seconds=seconds, **kwargs)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


PG_URL = os.environ.get("MESOLEARN_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """The same test on a fresh SQLite file and on a fresh database of the test PostgreSQL server (dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("MESOLEARN_TEST_POSTGRES_URL is not set (scripts/test starts a server)")
        pytest.skip("no PostgreSQL server (set MESOLEARN_TEST_POSTGRES_URL)")
    name = "mesolearn_test_" + secrets.token_hex(4)
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, query = PG_URL.partition("?")
    yield base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'mesolearn-test.db'}")
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(REPO_ROOT)


def make_user(
    db: Database,
    name: str = "Trainee",
    username: str | None = None,
    exam_date: datetime | None = None,
    role: str = "trainee",
) -> int:
    """A user row straight in the database (no password hashing: fast), for tests of the core."""
    with db.session() as s:
        user = User(
            username=username or re.sub(r"\W", "", name.lower()) or "user",
            display_name=name,
            password_hash="not-used",
            role=role,
            created_at=datetime(2025, 1, 1),
            exam_date=exam_date,
        )
        s.add(user)
        s.flush()
        return user.id


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium, driven by Playwright (browser tests under tests/e2e and tests/live)."""
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required for the browser tests (scripts/system-deps installs it)")
        pytest.skip("chromium is not installed (run scripts/system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield b
        b.close()
