"""A damaged, missing or replaced database is noticed: clear message, no traceback, health reports it.

Before: a corrupted SQLite file gave a DatabaseError traceback on every page while /_stcore/health said "ok";
a file deleted under a running server went on acknowledging answers, all lost at the next restart.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mesolearn.accounts import Accounts
from mesolearn.cli import main as cli_main
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from mesolearn.storage.db import StorageError, check_health
from tests.app_driver import new_app, open_page, sign_in, texts

PASSWORD = "correct horse battery"


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


@pytest.fixture
def app_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "app.db"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.delenv("MESOLEARN_CONTENT_DIR", raising=False)
    return path


def _corrupt_header(path: Path) -> None:
    with open(path, "r+b") as f:
        f.write(b"this is not a database file at all")


def test_a_corrupted_file_gives_a_clear_message_and_health_reports_it(app_file, capsys) -> None:
    db = Database(f"sqlite:///{app_file}")
    Accounts(db).create_first_instructor("ada", "Ada", PASSWORD)
    db.dispose()
    _remove(Path(str(app_file) + "-wal"))
    _corrupt_header(app_file)

    health = check_health(f"sqlite:///{app_file}")
    assert not health.ok and "not a database" in health.message
    assert cli_main(["health", f"sqlite:///{app_file}"]) == 1
    assert capsys.readouterr().out.startswith("FAILED: ")

    at = new_app()
    assert not at.exception
    assert "The database cannot be reached or is damaged" in texts(at)
    assert "Traceback" not in texts(at) and "sqlite3" not in texts(at)


def test_damaged_pages_are_reported_by_health(tmp_path) -> None:
    path = tmp_path / "pages.db"
    db = Database(f"sqlite:///{path}")
    accounts = Accounts(db)
    for i in range(40):
        accounts.create_user(f"user{i:03d}", "N" * 100, PASSWORD, "trainee")
    db.dispose()
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(2 * page, len(data), 3 * page):  # every third page after the schema
        data[start : start + page] = b"\xff" * page
    path.write_bytes(bytes(data))
    assert not check_health(f"sqlite:///{path}").ok


def test_a_healthy_database_says_so(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'fine.db'}"
    assert check_health(url).ok
    assert cli_main(["health", url]) == 0
    assert capsys.readouterr().out.startswith("ok: ")


def test_an_answer_after_the_file_was_deleted_fails_loudly(tmp_path, course) -> None:
    path = tmp_path / "live.db"
    db = Database(f"sqlite:///{path}")
    tom = Accounts(db).create_user("tom", "Tom", PASSWORD, "trainee")
    attempts = Attempts(db, course)
    attempt_id = attempts.start(tom.id, "history", seed=3)
    item = attempts.load(attempt_id, tom.id).items[0]
    _remove(path)  # e.g. a clean-up script, or a volume that went away

    with pytest.raises(StorageError, match="was deleted while the server was running"):
        attempts.save_answer(attempt_id, tom.id, item.question.id, None)
    health = db.health()
    assert not health.ok and "deleted" in health.message
    db.dispose()


def test_a_file_replaced_under_the_server_is_refused(tmp_path) -> None:
    path = tmp_path / "live.db"
    db = Database(f"sqlite:///{path}")
    accounts = Accounts(db)
    accounts.create_user("tom", "Tom", PASSWORD, "trainee")
    shutil.copy(path, tmp_path / "copy.db")
    os.replace(tmp_path / "copy.db", path)  # a restore from backup while running
    with pytest.raises(StorageError, match="was replaced"):
        accounts.create_user("ann", "Ann", PASSWORD, "trainee")
    db.dispose()


def test_the_app_says_so_when_the_file_is_deleted_under_it(app_file) -> None:
    db = Database(f"sqlite:///{app_file}")
    Accounts(db).create_first_instructor("ada", "Ada", PASSWORD)
    at = sign_in(new_app(), "ada", PASSWORD)
    at = open_page(at, "settings")
    assert "The database answers and its file is intact." in texts(at)
    _remove(app_file)
    at.run()
    assert not at.exception
    assert "was deleted while the server was running" in texts(at)
    db.dispose()
