"""When a subject's reads are due: ``subjects.reads_due_on``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

The trial administrator may set the date by which a subject's reads are due (central review
turnaround); the readers' worklists show it (issue 12, "A worklist": "due date when set").
Nullable: no date is set for the subjects that exist before this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subjects", sa.Column("reads_due_on", sa.Date(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place on both engines (SQLite ≥ 3.35), as 0003 does.
    op.drop_column("subjects", "reads_due_on")
