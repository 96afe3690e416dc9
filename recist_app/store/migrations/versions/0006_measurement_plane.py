"""The plane a line was drawn on: ``measurements.plane``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

RECIST 1.1 measures on axial images; a line drawn on a coronal or sagittal reformat is flagged and
keeps its plane (issue 12, "Viewing as in a PACS"; VIEWER.md "Reformats"). The column is NOT NULL
with the server default ``AXIAL``, so every existing line stays an axial one without a backfill.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("measurements", sa.Column("plane", sa.String(8), nullable=False, server_default="AXIAL"))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place on both engines (SQLite ≥ 3.35), as 0003 does.
    op.drop_column("measurements", "plane")
