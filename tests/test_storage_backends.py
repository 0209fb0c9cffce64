"""The same user-visible storage behaviour on SQLite (default) and on a real PostgreSQL server."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from mesolearn.accounts import Accounts
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database

REPO = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("MESOLEARN_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/s.db"
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
    url = base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_accounts_and_an_attempt_survive_a_restart(database_url, course):
    db = Database(database_url)
    accounts = Accounts(db)
    trainee = accounts.create_user("tom", "Tom", "trainee pass 1", "trainee")
    token = accounts.start_session(trainee)
    attempts = Attempts(db, course)
    attempt_id = attempts.start(trainee.id, "history", seed=7)
    first = attempts.load(attempt_id, trainee.id).items[0]
    q = first.question
    response = q.answer if q.type in ("single_choice", "true_false", "numeric") else None
    attempts.save_answer(attempt_id, trainee.id, q.id, response)
    db.dispose()

    # a new process: everything the user did is still there
    db2 = Database(database_url)
    assert Accounts(db2).account_for_token(token).username == "tom"
    again = Attempts(db2, course)
    assert again.open_attempt_id(trainee.id, "history") == attempt_id
    state = again.load(attempt_id, trainee.id)
    assert [it.question.id for it in state.items] == [
        it.question.id for it in attempts.load(attempt_id, trainee.id).items
    ]
    assert state.items[0].response == response
    done = again.submit(attempt_id, trainee.id)
    assert done.submitted and done.score is not None
    db2.dispose()


def test_database_url_from_environment(monkeypatch, tmp_path):
    from mesolearn.storage.db import default_url

    monkeypatch.setenv("MESOLEARN_DATABASE_URL", "postgresql://u:p@h/db")
    assert default_url() == "postgresql+psycopg://u:p@h/db"
    monkeypatch.delenv("MESOLEARN_DATABASE_URL")
    monkeypatch.setenv("MESOLEARN_DATA_DIR", str(tmp_path / "d"))
    assert default_url() == f"sqlite:///{tmp_path / 'd' / 'mesolearn.db'}"
    assert (tmp_path / "d").is_dir()


def test_sqlite_uses_write_ahead_logging(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/w.db")
    with db.engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
