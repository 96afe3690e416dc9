"""Roles in the database: ``readers.db_role``, ``reads.central_role``; on PostgreSQL row-level security,
the blinded views and an audit append that names the reader who is logged in.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Issue 14, "Roles in the database, not only in the app" (:mod:`recist_app.store.db_roles` creates the
roles and grants; this revision makes what every trial of the database shares):

* ``readers.db_role``: the PostgreSQL login role of the reader (NULL on SQLite and for readers
  added before this revision), unique.
* ``reads.central_role``: ``central_reader_1`` / ``central_reader_2`` for a central read, NULL
  otherwise, unique per subject: one read per subject and central role even for two readers of
  one role who cannot see each other's reads. Reads made before this revision keep NULL (the log
  holds no value for them, and ``audit verify`` replays the log): the store's own check, under a
  lock, still keeps a second central read of their subject out.
* PostgreSQL: functions owned by the schema owner (``SECURITY DEFINER``) that say what the
  logged-in reader (``session_user``) may see, and a row-level-security policy per table of read
  data built on them; the owner bypasses them (it owns the tables). Readers' roles see their own
  reads only; the adjudicator both reads of each task of its trial.
* PostgreSQL: schema ``<schema>_blinded`` with the views ``subjects``, ``timepoints`` and
  ``series_links`` of the same columns, for blinded readers (their ``search_path`` puts it first):
  every date becomes 1900-01-01 plus its day offset from the subject's baseline scan
  (``day_from_baseline``), visits read "Baseline" or "Follow-up", series descriptions (which often
  name the visit) are empty. The engine's windows need only the day offsets. A series' folder
  path stays: the workstation loads the images from it.
* PostgreSQL: ``audit_append`` refuses an actor other than the reader whose role is logged in, and
  only the roles granted it may call it (functions are callable by PUBLIC by default).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: Date the blinded views count day offsets from: plainly not a scan date.
BLINDED_EPOCH = "1900-01-01"

_HELPERS = {
    # The reader rows of the logged-in login role (one per trial it reads in), active only.
    "recist_my_readers": "SELECT uid FROM readers WHERE db_role = session_user::text AND active",
    "recist_my_trials": "SELECT trial_uid FROM readers WHERE db_role = session_user::text AND active",
    "recist_my_subjects": "SELECT uid FROM subjects WHERE trial_uid IN (SELECT recist_my_trials())",
    "recist_my_timepoints": "SELECT uid FROM timepoints WHERE subject_uid IN (SELECT recist_my_subjects())",
    "recist_my_reads": "SELECT uid FROM reads WHERE reader_uid IN (SELECT recist_my_readers())",
    # Own reads, and for an adjudicator both reads of every task of its trial.
    "recist_visible_reads": """
        SELECT recist_my_reads()
        UNION SELECT unnest(ARRAY[task.read_a_uid, task.read_b_uid]) FROM adjudication_tasks task
            JOIN subjects subject ON subject.uid = task.subject_uid
            JOIN readers me ON me.trial_uid = subject.trial_uid
            WHERE me.db_role = session_user::text AND me.active AND me.role = 'adjudicator'""",
    "recist_visible_readers": """
        SELECT recist_my_readers() UNION SELECT reader_uid FROM reads WHERE uid IN (SELECT recist_visible_reads())""",
    "recist_my_lesions": "SELECT uid FROM lesions WHERE read_uid IN (SELECT recist_my_reads())",
    "recist_visible_lesions": "SELECT uid FROM lesions WHERE read_uid IN (SELECT recist_visible_reads())",
    "recist_my_adjudicated_subjects": """
        SELECT uid FROM subjects WHERE trial_uid IN (SELECT trial_uid FROM readers
            WHERE db_role = session_user::text AND active AND role = 'adjudicator')""",
}

# (table, key column, which helper lists the rows it may read, which those it may write)
_READ_DATA = (
    ("reads", "uid", "recist_visible_reads", None),
    ("lesions", "read_uid", "recist_visible_reads", "recist_my_reads"),
    ("measurements", "lesion_uid", "recist_visible_lesions", "recist_my_lesions"),
    ("lesion_states", "lesion_uid", "recist_visible_lesions", "recist_my_lesions"),
    ("read_timepoints", "read_uid", "recist_visible_reads", "recist_my_reads"),
    ("read_series", "read_uid", "recist_visible_reads", "recist_my_reads"),
    ("timepoint_results", "read_uid", "recist_visible_reads", "recist_my_reads"),
)
_TRIAL_DATA = (
    ("trials", "uid IN (SELECT recist_my_trials())"),
    ("sites", "trial_uid IN (SELECT recist_my_trials())"),
    ("subjects", "trial_uid IN (SELECT recist_my_trials())"),
    ("timepoints", "subject_uid IN (SELECT recist_my_subjects())"),
    ("series_links", "timepoint_uid IN (SELECT recist_my_timepoints())"),
    ("readers", "uid IN (SELECT recist_visible_readers())"),
    ("audit_log", "read_uid IN (SELECT recist_visible_reads()) OR actor_uid IN (SELECT recist_my_readers())"),
)
_POLICIES = (
    *((table, "SELECT", f"USING ({using})") for table, using in _TRIAL_DATA),
    *((table, "SELECT", f"USING ({key} IN (SELECT {seen}()))") for table, key, seen, _ in _READ_DATA),
    *((table, verb, clause.format(f"{key} IN (SELECT {mine}())"))
      for table, key, _, mine in _READ_DATA if mine
      for verb, clause in (("INSERT", "WITH CHECK ({})"), ("UPDATE", "USING ({0}) WITH CHECK ({0})"),
                           ("DELETE", "USING ({})"))),
    # A reader opens its own read, with its own central role (the unique index does the rest).
    ("reads", "INSERT", "WITH CHECK (reader_uid IN (SELECT recist_my_readers()) AND central_role IS NOT DISTINCT "
                        "FROM (SELECT CASE WHEN role IN ('central_reader_1', 'central_reader_2') THEN role END "
                        "FROM readers WHERE readers.uid = reader_uid))"),
    # The adjudicator accepts one read of a task of its trial (UPDATE reads.accepted and the task).
    ("reads", "UPDATE", "USING (uid IN (SELECT recist_visible_reads())) WITH CHECK (uid IN (SELECT "
                        "recist_visible_reads()))"),
    *(("adjudication_tasks", verb, "USING (subject_uid IN (SELECT recist_my_adjudicated_subjects()))")
      for verb in ("SELECT", "UPDATE")),
)
_RLS_TABLES = sorted({table for table, _, _ in _POLICIES})

_APPEND_CHECK = """
    IF EXISTS (SELECT 1 FROM readers WHERE readers.db_role = session_user::text) AND NOT EXISTS (
            SELECT 1 FROM readers WHERE readers.db_role = session_user::text AND readers.active
            AND readers.uid = p_actor_uid AND readers.name = p_actor_name) THEN
        RAISE EXCEPTION 'audit entries of role % must name the reader who logged in', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
"""


def upgrade() -> None:
    op.add_column("readers", sa.Column("db_role", sa.String(length=63), nullable=True))
    op.create_index("uq_readers_db_role", "readers", ["db_role"], unique=True)
    op.add_column("reads", sa.Column("central_role", sa.String(length=32), nullable=True))
    op.create_index("uq_reads_subject_uid_central_role", "reads", ["subject_uid", "central_role"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        _row_level_security()
        _blinded_views()
        _append_names_the_reader()


def _row_level_security() -> None:
    for name, body in _HELPERS.items():
        op.execute(f"CREATE FUNCTION {name}() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER "
                   f"SET search_path FROM CURRENT AS $$ {body} $$")
    for table in _RLS_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for table, verb, clause in _POLICIES:
        op.execute(f"CREATE POLICY {table}_{verb.lower()} ON {table} FOR {verb} TO PUBLIC {clause}")


def blinded_schema(bind: sa.Connection) -> str:
    """``<current schema>_blinded``: where the blinded views of this data schema live."""
    return f"{bind.execute(sa.text('SELECT current_schema()')).scalar_one()}_blinded"


def _blinded_views() -> None:
    bind = op.get_bind()
    schema = blinded_schema(bind)
    op.execute(f'CREATE SCHEMA "{schema}"')
    baseline = "(SELECT min(b.scan_date) FROM timepoints b WHERE b.subject_uid = {})".format

    def shifted(date: str, subject_uid: str) -> str:
        return f"(DATE '{BLINDED_EPOCH}' + ({date} - {baseline(subject_uid)}))"

    op.execute(f"""
        CREATE VIEW "{schema}".timepoints WITH (security_barrier) AS
        SELECT tp.uid, tp.subject_uid,
               CAST(CASE WHEN tp.scan_date = {baseline('tp.subject_uid')} THEN 'Baseline' ELSE 'Follow-up'
                    END AS varchar(64)) AS visit,
               {shifted('tp.scan_date', 'tp.subject_uid')} AS scan_date,
               tp.scan_date - {baseline('tp.subject_uid')} AS day_from_baseline,
               tp.version
        FROM timepoints tp WHERE tp.subject_uid IN (SELECT recist_my_subjects())""")
    op.execute(f"""
        CREATE VIEW "{schema}".subjects WITH (security_barrier) AS
        SELECT s.uid, s.trial_uid, s.site_uid, s.subject_id, s.arm,
               {shifted('s.randomised_on', 's.uid')} AS randomised_on,
               {shifted('s.first_dose_on', 's.uid')} AS first_dose_on,
               s.prev_pfs_days, s.prev_pfs_censored,
               {shifted('s.reads_due_on', 's.uid')} AS reads_due_on,
               s.version
        FROM subjects s WHERE s.trial_uid IN (SELECT recist_my_trials())""")
    op.execute(f"""
        CREATE VIEW "{schema}".series_links WITH (security_barrier) AS
        SELECT link.uid, link.timepoint_uid, link.study_uid, link.series_uid, link.path, link.modality,
               CAST('' AS text) AS description, link.frame_of_reference_uid, link.slice_thickness_mm, link.version,
               link.series_number
        FROM series_links link WHERE link.timepoint_uid IN (SELECT recist_my_timepoints())""")


def _append_function_of_0007() -> str:
    """0007's ``audit_append`` as ``CREATE OR REPLACE`` (the revisions folder is not a package)."""
    from importlib.util import module_from_spec, spec_from_file_location
    from pathlib import Path

    spec = spec_from_file_location("revision_0007", Path(__file__).with_name("0007_audit_keys.py"))
    assert spec is not None and spec.loader is not None
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module._APPEND_FUNCTION).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")


def _append_names_the_reader() -> None:
    op.execute(_append_function_of_0007().replace("BEGIN\n", "BEGIN" + _APPEND_CHECK, 1))
    op.execute("REVOKE EXECUTE ON FUNCTION audit_append(text, text, text, text, text, text) FROM PUBLIC")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f'DROP SCHEMA "{blinded_schema(bind)}" CASCADE')
        for table, verb, _ in _POLICIES:
            op.execute(f"DROP POLICY {table}_{verb.lower()} ON {table}")
        for table in _RLS_TABLES:
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for name in reversed(list(_HELPERS)):
            op.execute(f"DROP FUNCTION {name}()")
        op.execute(_append_function_of_0007())
        op.execute("GRANT EXECUTE ON FUNCTION audit_append(text, text, text, text, text, text) TO PUBLIC")
    op.drop_index("uq_reads_subject_uid_central_role", table_name="reads")
    op.drop_column("reads", "central_role")
    op.drop_index("uq_readers_db_role", table_name="readers")
    op.drop_column("readers", "db_role")
