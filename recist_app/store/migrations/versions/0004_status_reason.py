"""Why a lesion was not assessed: ``lesion_states.reason``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

A target stated "not assessed" at a time point must say why (issue 12, "Integrity of a read";
RECIST 1.1 §4.3: a target that cannot be evaluated makes the time point NE, and a central reviewer's
query asks for the reason). The column is NOT NULL with an empty server default, so existing
statements keep an empty reason without a backfill.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("lesion_states", sa.Column("reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place on both engines (SQLite ≥ 3.35), as 0003 does.
    op.drop_column("lesion_states", "reason")
