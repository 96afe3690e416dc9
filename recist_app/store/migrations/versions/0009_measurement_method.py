"""Who placed a line: ``measurements.method``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

Issue 17, "Honesty": a line is the reader's own caliper (``MANUAL``), the measuring tool's proposal
accepted as it was (``PROPOSED``) or that proposal moved by the reader (``PROPOSED EDITED``). The
column is NOT NULL with the server default ``MANUAL``: every line stored before the tool existed was
drawn by hand, so none needs a backfill.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("measurements", sa.Column("method", sa.String(16), nullable=False, server_default="MANUAL"))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place on both engines (SQLite ≥ 3.35), as 0006 does.
    op.drop_column("measurements", "method")
