"""Bring a database to the current schema (Alembic head) when the app opens it.

Rules:

* A brand-new, empty database gets the models' tables (``create_all``) and is stamped with the head revision
  (a test checks that the revisions build exactly the same schema).
* A database made before migrations existed (it has the tables but no ``alembic_version``) is stamped with the
  baseline revision and upgraded in place: every row is kept.
* Any other database is upgraded from its recorded revision to head.
* Several processes (replicas) may start at once: the decision and the upgrade run under one lock per database,
  a PostgreSQL advisory transaction lock, or for an SQLite file an exclusive ``flock`` on ``<file>.migrate-lock``
  next to it, so exactly one process migrates and the others then find the database at head.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from mesolearn.storage.models import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001_baseline"
ADVISORY_KEY = 0x4D45534F4C524E  # "MESOLRN": one key for every MesoLearn database on a server
_memory_lock = threading.Lock()


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the revisions in ``mesolearn/storage/migrations`` (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def head() -> str:
    heads = scripts().get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads ({heads}); merge them")
    return heads[0]


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """One connection in one transaction, holding the database's migration lock."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})
            yield conn
        return
    database = url.database if url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        with _memory_lock, engine.begin() as conn:
            yield conn
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            with engine.begin() as conn:
                yield conn
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(engine: Engine, *, fresh: str = "create_all") -> str:
    """Upgrade the database behind ``engine`` to head; returns what was done.

    ``fresh`` says how an empty database is built: ``"create_all"`` (fast, the default) or ``"migrations"``
    (run every revision from the baseline; the tests compare both). Returns one of ``"current"``, ``"created"``,
    ``"upgraded"`` or ``"legacy-upgraded"``.
    """
    target = head()
    with engine.connect() as conn:  # the common case without taking the lock: already at head
        if current_revision(conn) == target:
            return "current"
    with _migration_lock(engine) as conn:
        revision = current_revision(conn)
        if revision == target:
            return "current"
        if revision is None:
            tables = set(inspect(conn).get_table_names())
            if "users" in tables and "attempts" in tables:  # made by create_all before migrations existed
                MigrationContext.configure(conn).stamp(scripts(), BASELINE)
                command.upgrade(alembic_config(conn), "head")
                return "legacy-upgraded"
            if fresh == "create_all":
                Base.metadata.create_all(conn)
                MigrationContext.configure(conn).stamp(scripts(), "head")
                return "created"
        command.upgrade(alembic_config(conn), "head")
        return "upgraded"
