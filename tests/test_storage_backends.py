"""The same user-visible storage behaviour on SQLite (default) and on a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from mesolearn.accounts import Accounts
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database

REPO = Path(__file__).resolve().parents[1]


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
