"""Initial schema of the trial database (issue 5), with the append-only audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Besides the tables: the single ``audit_head`` row (sequence 0, genesis hash) that every audit
append locks, and triggers that refuse UPDATE and DELETE on ``audit_log`` (defence in depth; the
hash chain still detects a change made by someone able to drop them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

#: The hash before the first audit entry.
GENESIS_HASH = "0" * 64

_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
_POSTGRESQL_TRIGGERS = [
    (
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
    ),
    (
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    ),
]


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at_utc", sa.String(length=32), nullable=False),
        sa.Column("actor_uid", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("read_uid", sa.String(length=64), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "trials",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("profile_toml", sa.Text(), nullable=False),
        sa.Column("blind_visits", sa.Boolean(), nullable=False),
        sa.Column("adjudicate_on", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_trials")),
        sa.UniqueConstraint("code", name=op.f("uq_trials_code")),
    )
    op.create_table(
        "readers",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("trial_uid", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["trial_uid"], ["trials.uid"], name=op.f("fk_readers_trial_uid_trials")),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_readers")),
        sa.UniqueConstraint("trial_uid", "name", name=op.f("uq_readers_trial_uid_name")),
    )
    op.create_index(op.f("ix_readers_trial_uid"), "readers", ["trial_uid"], unique=False)
    op.create_table(
        "sites",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("trial_uid", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["trial_uid"], ["trials.uid"], name=op.f("fk_sites_trial_uid_trials")),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_sites")),
        sa.UniqueConstraint("trial_uid", "code", name=op.f("uq_sites_trial_uid_code")),
    )
    op.create_index(op.f("ix_sites_trial_uid"), "sites", ["trial_uid"], unique=False)
    op.create_table(
        "subjects",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("trial_uid", sa.String(length=64), nullable=False),
        sa.Column("site_uid", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("arm", sa.String(length=64), nullable=False),
        sa.Column("randomised_on", sa.Date(), nullable=True),
        sa.Column("first_dose_on", sa.Date(), nullable=True),
        sa.Column("prev_pfs_days", sa.Integer(), nullable=True),
        sa.Column("prev_pfs_censored", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_uid"], ["sites.uid"], name=op.f("fk_subjects_site_uid_sites")),
        sa.ForeignKeyConstraint(["trial_uid"], ["trials.uid"], name=op.f("fk_subjects_trial_uid_trials")),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_subjects")),
        sa.UniqueConstraint("trial_uid", "subject_id", name=op.f("uq_subjects_trial_uid_subject_id")),
    )
    op.create_index(op.f("ix_subjects_site_uid"), "subjects", ["site_uid"], unique=False)
    op.create_index(op.f("ix_subjects_trial_uid"), "subjects", ["trial_uid"], unique=False)
    op.create_table(
        "reads",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("subject_uid", sa.String(length=64), nullable=False),
        sa.Column("reader_uid", sa.String(length=64), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["reader_uid"], ["readers.uid"], name=op.f("fk_reads_reader_uid_readers")),
        sa.ForeignKeyConstraint(["subject_uid"], ["subjects.uid"], name=op.f("fk_reads_subject_uid_subjects")),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_reads")),
        sa.UniqueConstraint("subject_uid", "reader_uid", name=op.f("uq_reads_subject_uid_reader_uid")),
    )
    op.create_index(op.f("ix_reads_reader_uid"), "reads", ["reader_uid"], unique=False)
    op.create_index(op.f("ix_reads_subject_uid"), "reads", ["subject_uid"], unique=False)
    op.create_table(
        "timepoints",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("subject_uid", sa.String(length=64), nullable=False),
        sa.Column("visit", sa.String(length=64), nullable=False),
        sa.Column("scan_date", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["subject_uid"], ["subjects.uid"], name=op.f("fk_timepoints_subject_uid_subjects")),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_timepoints")),
        sa.UniqueConstraint("subject_uid", "scan_date", name=op.f("uq_timepoints_subject_uid_scan_date")),
    )
    op.create_index(op.f("ix_timepoints_subject_uid"), "timepoints", ["subject_uid"], unique=False)
    op.create_table(
        "adjudication_tasks",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("subject_uid", sa.String(length=64), nullable=False),
        sa.Column("read_a_uid", sa.String(length=64), nullable=False),
        sa.Column("read_b_uid", sa.String(length=64), nullable=False),
        sa.Column("disagreement", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("accepted_read_uid", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("resolved_by_uid", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("resolved_at", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["accepted_read_uid"], ["reads.uid"], name=op.f("fk_adjudication_tasks_accepted_read_uid_reads")
        ),
        sa.ForeignKeyConstraint(["read_a_uid"], ["reads.uid"], name=op.f("fk_adjudication_tasks_read_a_uid_reads")),
        sa.ForeignKeyConstraint(["read_b_uid"], ["reads.uid"], name=op.f("fk_adjudication_tasks_read_b_uid_reads")),
        sa.ForeignKeyConstraint(
            ["resolved_by_uid"], ["readers.uid"], name=op.f("fk_adjudication_tasks_resolved_by_uid_readers")
        ),
        sa.ForeignKeyConstraint(
            ["subject_uid"], ["subjects.uid"], name=op.f("fk_adjudication_tasks_subject_uid_subjects")
        ),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_adjudication_tasks")),
    )
    op.create_index(
        op.f("ix_adjudication_tasks_accepted_read_uid"), "adjudication_tasks", ["accepted_read_uid"], unique=False
    )
    op.create_index(op.f("ix_adjudication_tasks_read_a_uid"), "adjudication_tasks", ["read_a_uid"], unique=False)
    op.create_index(op.f("ix_adjudication_tasks_read_b_uid"), "adjudication_tasks", ["read_b_uid"], unique=False)
    op.create_index(
        op.f("ix_adjudication_tasks_resolved_by_uid"), "adjudication_tasks", ["resolved_by_uid"], unique=False
    )
    op.create_index(op.f("ix_adjudication_tasks_subject_uid"), "adjudication_tasks", ["subject_uid"], unique=False)
    op.create_table(
        "lesions",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("read_uid", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("first_timepoint_uid", sa.String(length=64), nullable=False),
        sa.Column("organ", sa.String(length=128), nullable=False),
        sa.Column("nodal", sa.Boolean(), nullable=False),
        sa.Column("irradiated", sa.Boolean(), nullable=False),
        sa.Column("sbrt_start", sa.Date(), nullable=True),
        sa.Column("sbrt_end", sa.Date(), nullable=True),
        sa.Column("sbrt_dose_gy", sa.Double(), nullable=True),
        sa.Column("sbrt_fractions", sa.Integer(), nullable=True),
        sa.Column("previously_irradiated", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_timepoint_uid"], ["timepoints.uid"], name=op.f("fk_lesions_first_timepoint_uid_timepoints")
        ),
        sa.ForeignKeyConstraint(["read_uid"], ["reads.uid"], name=op.f("fk_lesions_read_uid_reads")),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_lesions")),
        sa.UniqueConstraint("read_uid", "label", name=op.f("uq_lesions_read_uid_label")),
    )
    op.create_index(op.f("ix_lesions_first_timepoint_uid"), "lesions", ["first_timepoint_uid"], unique=False)
    op.create_index(op.f("ix_lesions_read_uid"), "lesions", ["read_uid"], unique=False)
    op.create_table(
        "read_timepoints",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("read_uid", sa.String(length=64), nullable=False),
        sa.Column("timepoint_uid", sa.String(length=64), nullable=False),
        sa.Column("cr_confirmed", sa.Boolean(), nullable=False),
        sa.Column("signed_at", sa.String(length=32), nullable=True),
        sa.Column("signed_by_uid", sa.String(length=64), nullable=True),
        sa.Column("meaning", sa.Text(), nullable=False),
        sa.Column("reopen_reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["read_uid"], ["reads.uid"], name=op.f("fk_read_timepoints_read_uid_reads")),
        sa.ForeignKeyConstraint(
            ["signed_by_uid"], ["readers.uid"], name=op.f("fk_read_timepoints_signed_by_uid_readers")
        ),
        sa.ForeignKeyConstraint(
            ["timepoint_uid"], ["timepoints.uid"], name=op.f("fk_read_timepoints_timepoint_uid_timepoints")
        ),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_read_timepoints")),
        sa.UniqueConstraint("read_uid", "timepoint_uid", name=op.f("uq_read_timepoints_read_uid_timepoint_uid")),
    )
    op.create_index(op.f("ix_read_timepoints_read_uid"), "read_timepoints", ["read_uid"], unique=False)
    op.create_index(op.f("ix_read_timepoints_signed_by_uid"), "read_timepoints", ["signed_by_uid"], unique=False)
    op.create_index(op.f("ix_read_timepoints_timepoint_uid"), "read_timepoints", ["timepoint_uid"], unique=False)
    op.create_table(
        "series_links",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("timepoint_uid", sa.String(length=64), nullable=False),
        sa.Column("study_uid", sa.String(length=64), nullable=False),
        sa.Column("series_uid", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("modality", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("frame_of_reference_uid", sa.String(length=64), nullable=False),
        sa.Column("slice_thickness_mm", sa.Double(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["timepoint_uid"], ["timepoints.uid"], name=op.f("fk_series_links_timepoint_uid_timepoints")
        ),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_series_links")),
        sa.UniqueConstraint("timepoint_uid", "series_uid", name=op.f("uq_series_links_timepoint_uid_series_uid")),
    )
    op.create_index(op.f("ix_series_links_timepoint_uid"), "series_links", ["timepoint_uid"], unique=False)
    op.create_table(
        "timepoint_results",
        sa.Column("read_uid", sa.String(length=64), nullable=False),
        sa.Column("timepoint_uid", sa.String(length=64), nullable=False),
        sa.Column("recist_overall", sa.String(length=16), nullable=False),
        sa.Column("target_response", sa.String(length=16), nullable=True),
        sa.Column("nontarget_response", sa.String(length=16), nullable=True),
        sa.Column("new_lesion", sa.Boolean(), nullable=False),
        sa.Column("sum_mm", sa.String(length=32), nullable=True),
        sa.Column("pct_change_baseline", sa.String(length=32), nullable=True),
        sa.Column("pct_change_nadir", sa.String(length=32), nullable=True),
        sa.Column("irecist_overall", sa.String(length=32), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("engine_version", sa.String(length=32), nullable=False),
        sa.Column("rules_version", sa.String(length=128), nullable=False),
        sa.Column("input_sha256", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["read_uid"], ["reads.uid"], name=op.f("fk_timepoint_results_read_uid_reads")),
        sa.ForeignKeyConstraint(
            ["timepoint_uid"], ["timepoints.uid"], name=op.f("fk_timepoint_results_timepoint_uid_timepoints")
        ),
        sa.PrimaryKeyConstraint("read_uid", "timepoint_uid", name=op.f("pk_timepoint_results")),
    )
    op.create_table(
        "lesion_states",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("lesion_uid", sa.String(length=64), nullable=False),
        sa.Column("timepoint_uid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("merged_into_uid", sa.String(length=64), nullable=True),
        sa.Column("radiation_induced", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lesion_uid"], ["lesions.uid"], name=op.f("fk_lesion_states_lesion_uid_lesions")),
        sa.ForeignKeyConstraint(
            ["merged_into_uid"], ["lesions.uid"], name=op.f("fk_lesion_states_merged_into_uid_lesions")
        ),
        sa.ForeignKeyConstraint(
            ["timepoint_uid"], ["timepoints.uid"], name=op.f("fk_lesion_states_timepoint_uid_timepoints")
        ),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_lesion_states")),
        sa.UniqueConstraint("lesion_uid", "timepoint_uid", name=op.f("uq_lesion_states_lesion_uid_timepoint_uid")),
    )
    op.create_index(op.f("ix_lesion_states_lesion_uid"), "lesion_states", ["lesion_uid"], unique=False)
    op.create_index(op.f("ix_lesion_states_merged_into_uid"), "lesion_states", ["merged_into_uid"], unique=False)
    op.create_index(op.f("ix_lesion_states_timepoint_uid"), "lesion_states", ["timepoint_uid"], unique=False)
    op.create_table(
        "measurements",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("lesion_uid", sa.String(length=64), nullable=False),
        sa.Column("timepoint_uid", sa.String(length=64), nullable=False),
        sa.Column("axis", sa.String(length=8), nullable=False),
        sa.Column("fragment", sa.Integer(), nullable=False),
        sa.Column("p1_x_mm", sa.Double(), nullable=False),
        sa.Column("p1_y_mm", sa.Double(), nullable=False),
        sa.Column("p1_z_mm", sa.Double(), nullable=False),
        sa.Column("p2_x_mm", sa.Double(), nullable=False),
        sa.Column("p2_y_mm", sa.Double(), nullable=False),
        sa.Column("p2_z_mm", sa.Double(), nullable=False),
        sa.Column("sop_uid", sa.String(length=64), nullable=False),
        sa.Column("series_uid", sa.String(length=64), nullable=False),
        sa.Column("frame_of_reference_uid", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lesion_uid"], ["lesions.uid"], name=op.f("fk_measurements_lesion_uid_lesions")),
        sa.ForeignKeyConstraint(
            ["timepoint_uid"], ["timepoints.uid"], name=op.f("fk_measurements_timepoint_uid_timepoints")
        ),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_measurements")),
        sa.UniqueConstraint(
            "lesion_uid",
            "timepoint_uid",
            "axis",
            "fragment",
            name=op.f("uq_measurements_lesion_uid_timepoint_uid_axis_fragment"),
        ),
    )
    op.create_index(op.f("ix_measurements_lesion_uid"), "measurements", ["lesion_uid"], unique=False)
    op.create_index(op.f("ix_measurements_timepoint_uid"), "measurements", ["timepoint_uid"], unique=False)

    audit_head = sa.table(
        "audit_head", sa.column("id", sa.Integer()), sa.column("seq", sa.Integer()), sa.column("hash", sa.String())
    )
    op.bulk_insert(audit_head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])
    for statement in _POSTGRESQL_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_index(op.f("ix_measurements_timepoint_uid"), table_name="measurements")
    op.drop_index(op.f("ix_measurements_lesion_uid"), table_name="measurements")
    op.drop_table("measurements")
    op.drop_index(op.f("ix_lesion_states_timepoint_uid"), table_name="lesion_states")
    op.drop_index(op.f("ix_lesion_states_merged_into_uid"), table_name="lesion_states")
    op.drop_index(op.f("ix_lesion_states_lesion_uid"), table_name="lesion_states")
    op.drop_table("lesion_states")
    op.drop_table("timepoint_results")
    op.drop_index(op.f("ix_series_links_timepoint_uid"), table_name="series_links")
    op.drop_table("series_links")
    op.drop_index(op.f("ix_read_timepoints_timepoint_uid"), table_name="read_timepoints")
    op.drop_index(op.f("ix_read_timepoints_signed_by_uid"), table_name="read_timepoints")
    op.drop_index(op.f("ix_read_timepoints_read_uid"), table_name="read_timepoints")
    op.drop_table("read_timepoints")
    op.drop_index(op.f("ix_lesions_read_uid"), table_name="lesions")
    op.drop_index(op.f("ix_lesions_first_timepoint_uid"), table_name="lesions")
    op.drop_table("lesions")
    op.drop_index(op.f("ix_adjudication_tasks_subject_uid"), table_name="adjudication_tasks")
    op.drop_index(op.f("ix_adjudication_tasks_resolved_by_uid"), table_name="adjudication_tasks")
    op.drop_index(op.f("ix_adjudication_tasks_read_b_uid"), table_name="adjudication_tasks")
    op.drop_index(op.f("ix_adjudication_tasks_read_a_uid"), table_name="adjudication_tasks")
    op.drop_index(op.f("ix_adjudication_tasks_accepted_read_uid"), table_name="adjudication_tasks")
    op.drop_table("adjudication_tasks")
    op.drop_index(op.f("ix_timepoints_subject_uid"), table_name="timepoints")
    op.drop_table("timepoints")
    op.drop_index(op.f("ix_reads_subject_uid"), table_name="reads")
    op.drop_index(op.f("ix_reads_reader_uid"), table_name="reads")
    op.drop_table("reads")
    op.drop_index(op.f("ix_subjects_trial_uid"), table_name="subjects")
    op.drop_index(op.f("ix_subjects_site_uid"), table_name="subjects")
    op.drop_table("subjects")
    op.drop_index(op.f("ix_sites_trial_uid"), table_name="sites")
    op.drop_table("sites")
    op.drop_index(op.f("ix_readers_trial_uid"), table_name="readers")
    op.drop_table("readers")
    op.drop_table("trials")
    op.drop_table("audit_log")
    op.drop_table("audit_head")
