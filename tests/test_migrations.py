"""Schema migrations (Alembic): a database made by the code before migrations upgrades in place, nothing lost.

On SQLite and PostgreSQL (marker ``postgres``; each test makes and drops its own database):

* a database with the old schema (the baseline revision, no ``alembic_version``, as ``create_all`` left it) and
  rows in every table is upgraded when the app opens it; every row is still there, and the new rules hold;
* the duplicates the old races made (two open graded attempts, two certificates for one attempt) are resolved
  without deleting anything;
* the models and the revisions agree (autogenerate finds no difference);
* several processes opening one new database at once: one builds it, none fails.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, insert, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database, migrate
from mesolearn.storage.models import Attempt, Base, Certificate

T = datetime(2026, 11, 20, 10, 0)
NEW_INDEXES = {"uq_attempts_one_open_graded", "uq_attempts_number", "uq_certificates_attempt_id"}
NEW_INDEXES |= {"ix_cohort_invites_cohort_id", "ix_cohort_invites_token"}  # of the invite table added in 0004


@pytest.fixture
def url(database_url: str) -> str:
    return database_url


def differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), Base.metadata)


def old_database(url: str) -> Engine:
    """The schema as the code before migrations made it: the baseline revision, then no version table."""
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), migrate.BASELINE)
        conn.execute(text("DROP TABLE alembic_version"))
    return engine


def fill(engine: Engine) -> None:
    """Rows in every table, including the duplicates the old start and certificate races could leave."""
    meta = MetaData()
    meta.reflect(engine)
    rows: dict[str, list[dict[str, Any]]] = {
        "users": [
            dict(
                id=1,
                username="zoe",
                display_name="Zoé Bernard",
                email="zoe@example.org",
                password_hash="h1",
                role="trainee",
                created_at=T,
                failed_logins=2,
                locked_until=None,
                exam_date=T,
            ),
            dict(
                id=2,
                username="teacher",
                display_name="Teacher",
                email=None,
                password_hash="h2",
                role="instructor",
                created_at=T,
                failed_logins=0,
                locked_until=None,
                exam_date=None,
            ),
        ],
        "auth_sessions": [dict(id=1, token_hash="ab" * 32, user_id=1, created_at=T, expires_at=T)],
        "settings": [dict(key="self_registration", value=False)],
        "attempts": [
            dict(
                id=1,
                user_id=1,
                quiz_id="history",
                kind="module",
                mode="graded",
                seed=1,
                layout=[],
                started_at=T,
                deadline=None,
                submitted_at=T,
                auto_submitted=False,
                score=50.0,
                passed=False,
                critical_failed=[],
            ),
            dict(
                id=2,
                user_id=1,
                quiz_id="history",
                kind="module",
                mode="graded",
                seed=2,
                layout=[],
                started_at=T,
                deadline=None,
                submitted_at=T,
                auto_submitted=False,
                score=90.0,
                passed=True,
                critical_failed=[],
            ),
            dict(
                id=3,
                user_id=1,
                quiz_id="technique",
                kind="module",
                mode="graded",
                seed=3,  # the race's twin
                layout=[{"question_id": "technique-q01", "layout": {}}],
                started_at=T,
                deadline=None,
                submitted_at=None,
                auto_submitted=False,
                score=None,
                passed=None,
                critical_failed=None,
            ),
            dict(
                id=4,
                user_id=1,
                quiz_id="technique",
                kind="module",
                mode="graded",
                seed=4,
                layout=[{"question_id": "technique-q02", "layout": {}}],
                started_at=T,
                deadline=None,
                submitted_at=None,
                auto_submitted=False,
                score=None,
                passed=None,
                critical_failed=None,
            ),
            dict(
                id=5,
                user_id=1,
                quiz_id="history",
                kind="module",
                mode="practice",
                seed=5,
                layout=[],
                started_at=T,
                deadline=None,
                submitted_at=None,
                auto_submitted=False,
                score=None,
                passed=None,
                critical_failed=None,
            ),
            dict(
                id=6,
                user_id=1,
                quiz_id="certification",
                kind="exam",
                mode="graded",
                seed=6,
                layout=[],
                started_at=T,
                deadline=T,
                submitted_at=T,
                auto_submitted=False,
                score=88.0,
                passed=True,
                critical_failed=[],
            ),
        ],
        "answers": [
            dict(
                id=1,
                attempt_id=1,
                question_id="history-q01",
                position=0,
                response="b",
                saved_at=T,
                score=0.0,
                flagged=True,
            ),
            dict(
                id=2,
                attempt_id=3,
                question_id="technique-q01",
                position=0,
                response="a",
                saved_at=datetime(2026, 11, 20, 10, 5),
                score=None,
                flagged=False,
            ),
            dict(
                id=3,
                attempt_id=4,
                question_id="technique-q02",
                position=0,
                response=None,
                saved_at=None,
                score=None,
                flagged=False,
            ),
        ],
        "certificates": [
            dict(
                id=1,
                code="MESO-AAAA-AAAA-AAAA-AAAA",
                user_id=1,
                attempt_id=6,
                holder_name="Zoé",
                exam_title="Exam",
                score=88.0,
                modules=["History"],
                issued_at=T,
                revoked_at=None,
            ),
            dict(
                id=2,
                code="MESO-BBBB-BBBB-BBBB-BBBB",
                user_id=1,
                attempt_id=6,
                holder_name="Zoé",
                exam_title="Exam",
                score=88.0,
                modules=["History"],
                issued_at=T,
                revoked_at=None,
            ),
        ],
        "review_cards": [
            dict(id=1, user_id=1, question_id="history-q01", card={"state": 1}, due=T, created_at=T, updated_at=T)
        ],
        "lesson_visits": [dict(id=1, user_id=1, module_id="history", section_id="intro", visited_at=T)],
        "question_reports": [
            dict(id=1, user_id=1, question_id="history-q01", message="Typo", created_at=T, resolved_at=None)
        ],
        "cohorts": [dict(id=1, name="Day", invite_code="CODE", created_at=T, created_by=2)],
        "cohort_members": [dict(id=1, cohort_id=1, user_id=1, joined_at=T)],
        "assignments": [dict(id=1, quiz_id="history", cohort_id=1, user_id=None, due_at=T, created_at=T, created_by=2)],
        "overrides": [dict(id=1, user_id=1, quiz_id="certification", extra_minutes=30, extra_attempts=1)],
    }
    assert set(rows) == set(meta.tables)  # every table of the old schema gets rows
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            conn.execute(insert(table), rows[table.name])
        if engine.dialect.name == "postgresql":
            for table in meta.sorted_tables:
                if "id" in table.c:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 100)"))


def dump(engine: Engine, tables: list[str]) -> dict[str, dict[Any, dict[str, Any]]]:
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name in tables:
            key = "key" if name == "settings" else "id"
            out[name] = {r[key]: dict(r) for r in conn.execute(select(meta.tables[name])).mappings()}
    return out


def test_an_old_database_upgrades_in_place_with_nothing_lost(url, course) -> None:
    engine = old_database(url)
    missing = {d[1].name for d in differences(engine) if d[0] == "add_index"}
    assert missing == NEW_INDEXES  # the baseline is today's schema without the new rules
    fill(engine)
    old_tables = sorted(t for t in inspect(engine).get_table_names() if t != "alembic_version")
    before = dump(engine, old_tables)
    engine.dispose()

    db = Database(url)  # what the app does at start
    assert db.migration == "legacy-upgraded"
    assert set(inspect(db.engine).get_table_names()) >= set(Base.metadata.tables)  # tables added since exist
    after = dump(db.engine, old_tables + ["certificates_duplicates"])
    for table, rows in before.items():
        if table == "certificates":
            continue
        assert set(after[table]) == set(rows), table
        for key, row in rows.items():
            changed = {c for c, v in row.items() if after[table][key][c] != v}
            expected = {"submitted_at", "auto_submitted"} if (table, key) == ("attempts", 3) else set()
            assert changed == expected, (table, key, changed)
    # the older twin of the start race is closed at its last answer (not deleted), the newer stays open
    assert (
        after["attempts"][3]["submitted_at"] == datetime(2026, 11, 20, 10, 5) and after["attempts"][3]["auto_submitted"]
    )
    assert after["attempts"][4]["submitted_at"] is None
    assert {k: r["attempt_number"] for k, r in after["attempts"].items()} == {1: 1, 2: 2, 3: 1, 4: 2, 5: None, 6: 1}
    # the duplicate certificate is kept aside, its code intact; the first one stays with the attempt
    assert set(after["certificates"]) == {1} and after["certificates"][1] == before["certificates"][1]
    assert after["certificates_duplicates"] == {2: before["certificates"][2]}

    attempts = Attempts(db, course)
    attempts.submit_overdue()  # grades the closed twin
    assert attempts.load(3, 1).score is not None
    assert attempts.start(1, "technique") == 4  # the open one is resumed
    with pytest.raises(IntegrityError), db.session() as s:  # one open graded attempt per trainee and quiz
        s.add(
            Attempt(
                user_id=1,
                quiz_id="technique",
                kind="module",
                mode="graded",
                seed=9,
                layout=[],
                started_at=T,
                attempt_number=3,
            )
        )
    with pytest.raises(IntegrityError), db.session() as s:  # one certificate per exam attempt
        s.add(
            Certificate(
                code="MESO-CCCC-CCCC-CCCC-CCCC",
                user_id=1,
                attempt_id=6,
                holder_name="Zoé",
                exam_title="Exam",
                score=88.0,
                modules=[],
                issued_at=T,
            )
        )
    assert Database(url).migration == "current"
    db.dispose()


def test_models_and_migrations_agree(url) -> None:
    engine = create_engine(url)
    assert migrate.upgrade(engine, fresh="migrations") == "upgraded"  # every revision, from nothing
    assert differences(engine) == []
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head()
    engine.dispose()


def test_replicas_opening_a_new_database_at_once_build_it_once(url) -> None:
    barrier = threading.Barrier(4)
    outcomes: list[Any] = []

    def open_it() -> None:
        barrier.wait()
        try:
            db = Database(url)
            outcomes.append(db.migration)
            db.dispose()
        except Exception as exc:  # collected: a failure to start is what this test looks for
            outcomes.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, outcomes)) == ["created", "current", "current", "current"]
