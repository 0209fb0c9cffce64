"""The database handle: an SQLite file (WAL) by default, any SQLAlchemy URL via MESOLEARN_DATABASE_URL.

Opening a database brings it to the current schema first (:func:`mesolearn.storage.migrate.upgrade`: Alembic,
under a lock, so several replicas may start at once).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from mesolearn.storage import migrate

REPO = Path(__file__).resolve().parents[2]


def utcnow() -> datetime:
    """Naive UTC, the one time convention used in every table."""
    return datetime.now(UTC).replace(tzinfo=None)


def default_url() -> str:
    url = os.environ.get("MESOLEARN_DATABASE_URL", "").strip()
    if url:
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    data = Path(os.environ.get("MESOLEARN_DATA_DIR", REPO / "data"))
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data / 'mesolearn.db'}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=5000")  # first: switching a new file to WAL waits for other connections
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class Database:
    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        kwargs: dict = {}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.migration = migrate.upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on error."""
        with self._sessions() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
