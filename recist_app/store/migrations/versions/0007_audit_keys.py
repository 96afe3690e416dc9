"""A keyed audit trail: ``audit_log.mac``; on PostgreSQL the owner's append function and no TRUNCATE.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08

Issue 14, "An audit trail that detects every change" (:mod:`recist_app.store.audit_keys`):

* ``audit_log.mac`` (nullable): on SQLite, HMAC-SHA256 of the entry's hash under the trial's key,
  a file outside the database. Entries written before this revision have none; the key file
  records where keying began. On PostgreSQL it stays NULL: the owner's key signs checkpoints.
* PostgreSQL: ``audit_append(…)``, the owner's append function (``SECURITY DEFINER``, so a role
  given only EXECUTE on it can append but not write ``audit_log`` directly). It locks the head,
  stamps the server's UTC time and chains the entry with SHA-256 over exactly the text
  :func:`recist_app.store.audit.entry_hash` hashes (``to_json`` escapes strings as Python's
  ``json.dumps(ensure_ascii=False)`` does), so either side can verify the other.
* PostgreSQL: a statement trigger refuses ``TRUNCATE audit_log`` (row triggers do not fire on
  TRUNCATE; 0001 only refuses UPDATE and DELETE). SQLite has no TRUNCATE: its ``DELETE`` trigger covers it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_APPEND_FUNCTION = """
CREATE FUNCTION audit_append(p_actor_uid text, p_actor_name text, p_action text, p_read_uid text,
                             p_changes text, p_reason text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    head_seq integer;
    head_hash text;
    entry_at text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    content text;
    new_hash text;
BEGIN
    SELECT audit_head.seq, audit_head.hash INTO STRICT head_seq, head_hash
        FROM audit_head WHERE audit_head.id = 1 FOR UPDATE;
    content := '[' || (head_seq + 1)::text || ',' || to_json(entry_at)::text || ',' || to_json(p_actor_uid)::text
        || ',' || to_json(p_actor_name)::text || ',' || to_json(p_action)::text || ',' || to_json(p_read_uid)::text
        || ',' || to_json(p_changes)::text || ',' || to_json(p_reason)::text || ']';
    new_hash := encode(sha256(convert_to(content || head_hash, 'UTF8')), 'hex');
    INSERT INTO audit_log (seq, at_utc, actor_uid, actor_name, action, read_uid, changes, reason, prev_hash, hash)
        VALUES (head_seq + 1, entry_at, p_actor_uid, p_actor_name, p_action, p_read_uid, p_changes, p_reason,
                head_hash, new_hash);
    UPDATE audit_head SET seq = head_seq + 1, hash = new_hash WHERE audit_head.id = 1;
    RETURN head_seq + 1;
END $$
"""
_NO_TRUNCATE = ("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")


def upgrade() -> None:
    # A nullable column without default: a plain ALTER TABLE … ADD COLUMN on both engines.
    op.add_column("audit_log", sa.Column("mac", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_FUNCTION)
        op.execute(_NO_TRUNCATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION audit_append(text, text, text, text, text, text)")
    # ALTER TABLE … DROP COLUMN in place on both engines (SQLite ≥ 3.35), as 0003 does.
    op.drop_column("audit_log", "mac")
