"""PostgreSQL roles of a trial: a group role per reader role, a login role per reader (issue 14).

The schema owner (who runs ``trial create`` and the migrations) owns every table and bypasses
row-level security. Each reader connects as their own login role, a member of the group role of
their reader role in that trial; the group holds the grants below, and the policies of revision
0008 narrow every table to the rows the logged-in reader may see:

* every reader role: the trial, its sites and series, its own reader row (never a password hash),
  the audit entries of the reads it sees, and ``audit_append`` (never ``audit_log`` directly,
  nor ``audit_head``);
* a reading role (site radiologist, central reader 1 and 2): its own reads, and their lesions,
  measurements, states, signatures, series choices and cached results;
* the adjudicator: both reads of every task of its trial (read-only) and the task and read
  acceptance it decides;
* a blinded reader (central readers and the adjudicator of a trial created with
  ``--blind-visits``): subjects, time points and series only through the views of
  ``<schema>_blinded`` (day offsets from baseline, no visit names, no series descriptions), which
  its ``search_path`` puts first; the tables themselves are not granted.

No reader role owns anything, so none can ALTER, DROP, TRUNCATE or DISABLE TRIGGER. Role names
start with ``recist_`` and the trial code (:func:`role_prefix`), so two trials on one server never
share a role; a reader's login role has a random name (``recist_stereosarc_r1f2e3d4c``).
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import text
from sqlalchemy.orm import Session

from recist_app.model.records import ReaderRole
from recist_app.store.snapshots import is_blinded_for

READ_DATA = ("lesions", "measurements", "lesion_states", "read_timepoints", "read_series", "timepoint_results")
SHARED = ("alembic_version", "trials", "sites", "audit_log")
#: What a blinded reader sees through the views of revision 0008 instead of the tables.
BLINDED = ("subjects", "timepoints", "series_links")
#: Every column of ``readers`` but ``password_hash``.
READER_COLUMNS = "uid, trial_uid, name, role, version, active, db_role"
APPEND = "FUNCTION audit_append(text, text, text, text, text, text)"
#: The reader roles that get a group role (the administrator is the schema owner).
GROUP_ROLES = (ReaderRole.SITE_RADIOLOGIST, ReaderRole.CENTRAL_READER_1, ReaderRole.CENTRAL_READER_2,
               ReaderRole.ADJUDICATOR)


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_") or "x"


def schema_tag(schema: str) -> str:
    """"" for ``public``; else "_" and 8 hex digits of the schema's SHA-256. Roles are the server's and
    schemas the database's: two schemas holding one trial code must not share roles."""
    return "" if schema == "public" else "_" + hashlib.sha256(schema.encode()).hexdigest()[:8]


def role_prefix(trial_code: str, schema: str = "public") -> str:
    """``recist_<trial code><schema tag>``, short enough to leave room for the role or reader name."""
    return f"recist_{_slug(trial_code)[:24]}{schema_tag(schema)}"


def group_role(trial_code: str, role: ReaderRole, schema: str = "public") -> str:
    """The group role of ``role`` readers in trial ``trial_code``, e.g. ``recist_stereosarc_central_reader_1``."""
    return f"{role_prefix(trial_code, schema)}_{role.value}"


def quoted(name: str) -> str:
    """``name`` as a PostgreSQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    if "\x00" in value:
        raise ValueError("a PostgreSQL text cannot hold NUL")
    return "'" + value.replace("'", "''") + "'"


def _role_exists(session: Session, name: str) -> bool:
    return session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}).first() is not None


def schemas(session: Session) -> tuple[str, str]:
    """The data schema (the owner's current schema) and its blinded schema (revision 0008)."""
    schema = str(session.execute(text("SELECT current_schema()")).scalar_one())
    return schema, f"{schema}_blinded"


def create_group_roles(session: Session, trial_code: str, blind_visits: bool) -> tuple[str, ...]:
    """Create (when missing) and grant the trial's group roles; return their names."""
    data, blinded = schemas(session)
    names = []
    for role in GROUP_ROLES:
        name = group_role(trial_code, role, data)
        if not _role_exists(session, name):
            session.execute(text(f"CREATE ROLE {quoted(name)} NOLOGIN"))
        for statement in _grants(role, is_blinded_for(blind_visits, role), quoted(data), quoted(blinded)):
            session.execute(text(statement.format(role=quoted(name))))
        names.append(name)
    return tuple(names)


def _grants(role: ReaderRole, blind: bool, data: str, blinded: str) -> list[str]:
    on = (lambda table: f"{blinded}.{table}") if blind else (lambda table: f"{data}.{table}")
    grants = [f"GRANT USAGE ON SCHEMA {data}, {blinded} TO {{role}}",
              *(f"GRANT SELECT ON {data}.{table} TO {{role}}" for table in SHARED),
              f"GRANT SELECT ({READER_COLUMNS}) ON {data}.readers TO {{role}}",
              f"GRANT SELECT ON {', '.join(on(table) for table in BLINDED)} TO {{role}}",
              f"GRANT EXECUTE ON {APPEND} TO {{role}}"]
    if role is ReaderRole.ADJUDICATOR:
        grants += [*(f"GRANT SELECT ON {data}.{table} TO {{role}}" for table in READ_DATA),
                   f"GRANT SELECT, UPDATE (accepted, version) ON {data}.reads TO {{role}}",
                   f"GRANT SELECT, UPDATE ON {data}.adjudication_tasks TO {{role}}"]
    else:
        grants += [*(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {data}.{table} TO {{role}}" for table in READ_DATA),
                   f"GRANT SELECT, INSERT ON {data}.reads TO {{role}}"]
    return grants


def create_login_role(session: Session, trial_code: str, role: ReaderRole, blind_visits: bool, password: str) -> str:
    """Create the login role of a new reader (member of its group role) and return its name.

    The name is random (``recist_stereosarc_r`` and 8 hex digits): every role can list the server's
    roles, and a name made of the reader's would tell a blinded reader who the other reader is. The
    password goes to the server, which stores its own hash (SCRAM by default); the reader's
    ``search_path`` puts the blinded views first when the trial blinds their role.
    """
    if role not in GROUP_ROLES:
        raise ValueError(f"readers of role {role.value} get no database role: they use the owner's")
    data, blinded = schemas(session)
    group = group_role(trial_code, role, data)
    if not _role_exists(session, group):  # a trial created before revision 0008
        create_group_roles(session, trial_code, blind_visits)
    name = ""
    while not name or _role_exists(session, name):
        name = f"{role_prefix(trial_code, data)}_r{secrets.token_hex(4)}"
    session.execute(text(f"CREATE ROLE {quoted(name)} LOGIN PASSWORD {_literal(password)} IN ROLE {quoted(group)}"))
    path = f"{quoted(blinded)}, {quoted(data)}" if is_blinded_for(blind_visits, role) else quoted(data)
    database = session.execute(text("SELECT current_database()")).scalar_one()
    session.execute(text(f"ALTER ROLE {quoted(name)} IN DATABASE {quoted(database)} SET search_path = {path}"))
    return name


def set_login_allowed(session: Session, db_role: str, allowed: bool) -> None:
    """Let the login role ``db_role`` log in, or not (a disabled reader; the policies already show it nothing)."""
    session.execute(text(f"ALTER ROLE {quoted(db_role)} {'LOGIN' if allowed else 'NOLOGIN'}"))


def set_login_password(session: Session, db_role: str, password: str) -> None:
    """Give the login role ``db_role`` a new password (the server hashes it)."""
    session.execute(text(f"ALTER ROLE {quoted(db_role)} PASSWORD {_literal(password)}"))
