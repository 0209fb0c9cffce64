"""Integrity rules in the database: attempt numbers, one open graded attempt, one certificate per attempt.

* ``attempts.attempt_number`` (1, 2, ... per trainee, quiz and mode; NULL for practice) with the unique index
  ``uq_attempts_number``. Existing graded attempts are numbered in id order.
* ``uq_attempts_one_open_graded``: at most one unsubmitted graded attempt per trainee and quiz (a partial index,
  on SQLite and PostgreSQL alike). Before it is created, a database that the old race left with several open
  graded attempts for one trainee and quiz keeps the newest open (the one the app resumed) and closes the older
  ones: ``submitted_at`` = their last saved answer (or their start), ``auto_submitted`` true and ``score`` NULL,
  which the deadline sweep (``mesolearn.quiz.attempts.submit_overdue``) then grades. No row is deleted.
* ``uq_certificates_attempt_id``: one certificate per exam attempt. Duplicates the old race could make are
  kept: the oldest keeps the attempt, a later one is moved to ``certificates_duplicates`` (same columns; the
  table is only left in databases that had duplicates) so that no issued code silently disappears.

Revision ID: 0002_integrity
Revises: 0001_baseline
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_integrity"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

OPEN_GRADED = "mode = 'graded' AND submitted_at IS NULL"


def upgrade() -> None:
    op.add_column("attempts", sa.Column("attempt_number", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE attempts SET attempt_number = (SELECT COUNT(*) FROM attempts a2 WHERE a2.user_id = attempts.user_id"
        " AND a2.quiz_id = attempts.quiz_id AND a2.mode = attempts.mode AND a2.id <= attempts.id)"
        " WHERE mode = 'graded'"
    )
    # older duplicate open graded attempts (from the start race) are closed, not deleted
    op.execute(
        "UPDATE attempts SET auto_submitted = true, submitted_at = COALESCE("
        "(SELECT MAX(answers.saved_at) FROM answers WHERE answers.attempt_id = attempts.id), attempts.started_at)"
        f" WHERE {OPEN_GRADED} AND EXISTS (SELECT 1 FROM attempts newer WHERE newer.user_id = attempts.user_id"
        " AND newer.quiz_id = attempts.quiz_id AND newer.mode = 'graded' AND newer.submitted_at IS NULL"
        " AND newer.id > attempts.id)"
    )
    op.create_index("uq_attempts_number", "attempts", ["user_id", "quiz_id", "mode", "attempt_number"], unique=True)
    op.create_index(
        "uq_attempts_one_open_graded",
        "attempts",
        ["user_id", "quiz_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_GRADED),
        postgresql_where=sa.text(OPEN_GRADED),
    )

    op.create_table(
        "certificates_duplicates",  # the same columns as certificates (no keys: an archive)
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("holder_name", sa.String(length=120), nullable=False),
        sa.Column("exam_title", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("modules", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    later = (
        "EXISTS (SELECT 1 FROM certificates older WHERE older.attempt_id = certificates.attempt_id"
        " AND older.id < certificates.id)"
    )
    columns = "id, code, user_id, attempt_id, holder_name, exam_title, score, modules, issued_at, revoked_at"
    op.execute(f"INSERT INTO certificates_duplicates ({columns}) SELECT {columns} FROM certificates WHERE {later}")
    op.execute(f"DELETE FROM certificates WHERE {later}")
    if not op.get_bind().execute(sa.text("SELECT COUNT(*) FROM certificates_duplicates")).scalar():
        op.drop_table("certificates_duplicates")
    op.create_index("uq_certificates_attempt_id", "certificates", ["attempt_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_certificates_attempt_id", table_name="certificates")
    op.drop_index(
        "uq_attempts_one_open_graded",
        table_name="attempts",
        sqlite_where=sa.text(OPEN_GRADED),
        postgresql_where=sa.text(OPEN_GRADED),
    )
    op.drop_index("uq_attempts_number", table_name="attempts")
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("attempt_number")
