"""Readers can be disabled: ``readers.active``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-14

``readers.active`` is False once the trial administrator disabled a reader
(``TrialStore.set_reader_active``): the reader can no longer log in, start a read or sign; their
reads and signatures stay. The column is NOT NULL with a server default of true, so the readers
that exist before this revision stay active without a backfill.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL with a constant default: a plain ALTER TABLE … ADD COLUMN on both engines (SQLite
    # stores the default as 1, PostgreSQL as true) that fills the existing rows with the default.
    op.add_column("readers", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place on both engines (SQLite ≥ 3.35). Not batch mode: its copy
    # of the table would drop ``readers``, which reads and signatures reference (foreign keys are on).
    op.drop_column("readers", "active")
