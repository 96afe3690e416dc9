"""The series each read uses per time point, and the series number of series links.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

``read_series`` holds, per read × time point, the linked series (DICOM Series Instance UID) the
reader chose to measure on (``ReadSession.choose_series``). ``series_links.series_number`` is
(0020,0011) *Series Number*, nullable: links made before this revision have none, and the reader
then tells series apart by description. Existing rows are kept as they are; nothing is backfilled.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "read_series",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("read_uid", sa.String(length=64), nullable=False),
        sa.Column("timepoint_uid", sa.String(length=64), nullable=False),
        sa.Column("series_uid", sa.String(length=64), nullable=False),
        sa.Column("chosen_at", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["read_uid"], ["reads.uid"], name=op.f("fk_read_series_read_uid_reads")),
        sa.ForeignKeyConstraint(
            ["timepoint_uid"], ["timepoints.uid"], name=op.f("fk_read_series_timepoint_uid_timepoints")
        ),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_read_series")),
        sa.UniqueConstraint("read_uid", "timepoint_uid", name=op.f("uq_read_series_read_uid_timepoint_uid")),
    )
    op.create_index(op.f("ix_read_series_read_uid"), "read_series", ["read_uid"], unique=False)
    op.create_index(op.f("ix_read_series_timepoint_uid"), "read_series", ["timepoint_uid"], unique=False)
    # A nullable column without default: a plain ALTER TABLE … ADD COLUMN on both engines.
    op.add_column("series_links", sa.Column("series_number", sa.Integer(), nullable=True))


def downgrade() -> None:
    # SQLite drops a column by copying the table (batch mode); PostgreSQL alters it in place.
    with op.batch_alter_table("series_links") as batch:
        batch.drop_column("series_number")
    op.drop_index(op.f("ix_read_series_timepoint_uid"), table_name="read_series")
    op.drop_index(op.f("ix_read_series_read_uid"), table_name="read_series")
    op.drop_table("read_series")
