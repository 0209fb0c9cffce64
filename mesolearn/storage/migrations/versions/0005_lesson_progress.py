"""Lesson progress: the page of each lesson a trainee opened last (``lesson_progress``).

Which sections were read stays in ``lesson_visits`` (one row per section, the first time it was opened). The new
table keeps one row per trainee and module, the section opened last, for "Continue where you left off". It is
filled from the visits already recorded: for each trainee and module, the section visited last (ties: the
higher visit id), so a trainee who read before the upgrade is offered that section at once. No row is changed.

Revision ID: 0005_lesson_progress
Revises: 0004_accounts_invites
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_lesson_progress"
down_revision = "0004_accounts_invites"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lesson_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.String(length=80), nullable=False),
        sa.Column("section_id", sa.String(length=80), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "module_id"),
    )
    op.execute(
        "INSERT INTO lesson_progress (user_id, module_id, section_id, read_at)"
        " SELECT v.user_id, v.module_id, v.section_id, v.visited_at FROM lesson_visits v"
        " WHERE v.id = (SELECT v2.id FROM lesson_visits v2 WHERE v2.user_id = v.user_id"
        " AND v2.module_id = v.module_id ORDER BY v2.visited_at DESC, v2.id DESC LIMIT 1)"
    )


def downgrade() -> None:
    op.drop_table("lesson_progress")
