"""The sign-in throttle's counters (``mesolearn.accounts.throttle``): recent failures per key.

A key is an account, a client address or another throttled thing (invite codes, certificate checks); each row
counts its recent failures and says when the next try is allowed. A new, empty table: nothing to carry over.

Revision ID: 0003_throttle
Revises: 0002_integrity
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_throttle"
down_revision = "0002_integrity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_counters",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("next_allowed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("throttle_counters")
