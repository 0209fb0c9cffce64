"""Account administration and invite links.

* ``users.deactivated_at`` (NULL: active) and ``users.must_change_password`` (false for every existing account):
  see ``mesolearn.accounts.admin``.
* ``cohort_invites``: invite links to a cohort with an optional expiry and use limit; the check
  ``ck_cohort_invites_uses`` keeps ``uses <= max_uses``. A new, empty table: nothing to carry over.

Revision ID: 0004_accounts_invites
Revises: 0003_throttle
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_accounts_invites"
down_revision = "0003_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("deactivated_at", sa.DateTime(), nullable=True))
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "cohort_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("max_uses IS NULL OR uses <= max_uses", name="ck_cohort_invites_uses"),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cohort_invites_cohort_id", "cohort_invites", ["cohort_id"])
    op.create_index("ix_cohort_invites_token", "cohort_invites", ["token"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_cohort_invites_token", table_name="cohort_invites")
    op.drop_index("ix_cohort_invites_cohort_id", table_name="cohort_invites")
    op.drop_table("cohort_invites")
    op.drop_column("users", "must_change_password")
    op.drop_column("users", "deactivated_at")
