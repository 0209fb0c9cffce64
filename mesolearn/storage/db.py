"""The database handle: an SQLite file (WAL) by default, any SQLAlchemy URL via MESOLEARN_DATABASE_URL.

Opening a database brings it to the current schema first (:func:`mesolearn.storage.migrate.upgrade`: Alembic,
under a lock, so several replicas may start at once).

Health rules: for an SQLite file, the device and inode seen when the handle opened are compared with the path's
current ``stat`` at the start and the end of every unit of work. A file deleted or replaced under a running
server (open connections would keep writing into the deleted inode, and every answer would be lost at the next
restart) makes each unit of work fail with :class:`StorageError` instead. :meth:`Database.health` runs a real
query (and ``PRAGMA quick_check`` on SQLite) and reports any problem as a message: ``python -m mesolearn health``
and the instructor's Settings page show it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mesolearn import settings
from mesolearn.clock import utcnow as utcnow  # re-exported: the storage layer's time convention
from mesolearn.storage import migrate


def default_url() -> str:
    config = settings.current()
    url = config.database_url or ""
    if url:
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    data = config.data_dir
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
        self.file: Path | None = _sqlite_file(self.engine)
        self._identity = _file_identity(self.file) if self.file else None
        self.migration = migrate.upgrade(self.engine)
        if self.file and self._identity is None:  # a new file: created by the migration
            self._identity = _file_identity(self.file)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def check_file(self) -> None:
        """Raise StorageError if the SQLite file was deleted or replaced since this handle opened it."""
        if self.file is None:
            return
        now = _file_identity(self.file)
        if now != self._identity:
            what = "deleted" if now is None else "replaced"
            raise StorageError(
                f"The database file {self.file.name} was {what} while the server was running. "
                "Nothing can be saved until the server is restarted by its administrator."
            )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on error."""
        self.check_file()
        with self._sessions() as s:
            try:
                yield s
                self.check_file()
                s.commit()
            except BaseException:
                s.rollback()
                raise

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A plain connection in one transaction (committed on success), for a hot path of one or two prepared
        statements where an ORM session's bookkeeping would cost more than the statements (the per-run sign-in
        check). Same file check as :meth:`session`."""
        self.check_file()
        with self.engine.begin() as conn:
            yield conn

    def health(self) -> Health:
        """Whether the database answers, and is the file this server opened (SQLite)."""
        try:
            self.check_file()
            with self.engine.connect() as c:
                c.execute(text("SELECT COUNT(*) FROM users")).scalar()
                if self.file is not None:
                    result = c.execute(text("PRAGMA quick_check")).scalars().all()
                    if result != ["ok"]:
                        return Health(False, "The database file is damaged: " + "; ".join(result[:3]))
        except StorageError as exc:
            return Health(False, str(exc))
        except SQLAlchemyError as exc:
            return Health(False, "The database cannot be used: " + str(getattr(exc, "orig", exc)).splitlines()[0])
        return Health(True, "The database answers" + (" and its file is intact." if self.file else "."))

    def dispose(self) -> None:
        self.engine.dispose()


class StorageError(RuntimeError):
    """The database cannot be trusted to keep what is written (a message for people, not a traceback)."""


@dataclass(frozen=True)
class Health:
    ok: bool
    message: str


def _sqlite_file(engine: Engine) -> Path | None:
    if engine.url.get_backend_name() != "sqlite":
        return None
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).resolve()


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return (info.st_dev, info.st_ino)


def check_health(url: str | None = None) -> Health:
    """Open the database at ``url`` (default: the configured one) and report its health; never raises."""
    try:
        database = Database(url)
    except SQLAlchemyError as exc:
        return Health(False, "The database cannot be opened: " + str(getattr(exc, "orig", exc)).splitlines()[0])
    try:
        return database.health()
    finally:
        database.dispose()
