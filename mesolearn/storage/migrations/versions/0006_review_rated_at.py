"""Review cards remember when the trainee last rated them (``review_cards.rated_at``).

"Reviewed today" and the daily review limit counted every card whose FSRS review fell on the day, and a submitted
quiz or exam reviews the cards of its wrong answers (creating them): a trainee who had rated no card read
"Reviewed today 20 / 100" after an exam, and the limit shrank by as much. The new column is set only by a rating
(Again / Hard / Good / Easy on the review page), and the day's count and a session's "done" read it. Existing cards
get no value: which of their reviews were ratings is not recorded, so today's count starts again from zero.

Revision ID: 0006_review_rated_at
Revises: 0005_lesson_progress
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_review_rated_at"
down_revision = "0005_lesson_progress"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_cards") as batch:
        batch.add_column(sa.Column("rated_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_cards") as batch:
        batch.drop_column("rated_at")
