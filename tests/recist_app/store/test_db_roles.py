"""Issue 14, "Roles in the database, not only in the app": each reader's PostgreSQL role, what it can
select, insert and update, and the statements it may not run (recist_app.store.db_roles, revision 0008).

The trial blinds visits. Every check connects as the reader's own login role (the test server
trusts loopback logins, so the role needs no password here; production uses SCRAM or certificates).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url, text

from recist_app.cli import main
from recist_app.model.records import LesionRole, ReaderRole, Status
from recist_app.store import TrialStore, db_roles, signoff
from recist_app.store.audit_verify import verify
from recist_app.store.db import head_revision
from recist_app.store.db_roles import schema_tag
from recist_app.store.errors import DatabaseError, DuplicateError, PermissionDeniedError
from tests.recist_app.conftest import fresh_pg_schema
from tests.recist_app.store.scenario import (
    FOR_UID,
    SERIES_UID,
    SUBJECT,
    VISITS,
    Trial,
    apply_full_read,
    line,
    make_trial,
)
from tests.recist_app.store.test_concurrency import open_every_read_at_once

CR1, CR2, SITE, ADJ = (ReaderRole.CENTRAL_READER_1, ReaderRole.CENTRAL_READER_2, ReaderRole.SITE_RADIOLOGIST,
                       ReaderRole.ADJUDICATOR)
REAL_DATES = (*(day.isoformat() for _, day in VISITS), "2024-01-02", "2024-01-09")  # scans, randomised, dosed
EPOCH = date(1900, 1, 1)  # day 0 of the blinded views (revision 0008)
FORBIDDEN = (
    "TRUNCATE audit_log",
    "DELETE FROM audit_log",
    "UPDATE audit_head SET seq = 0",
    "SELECT * FROM audit_head",
    "INSERT INTO audit_log (seq, at_utc, actor_uid, actor_name, action, read_uid, changes, reason, prev_hash, hash) "
    "VALUES (999, '', '', 'forger', 'x', '', '[]', '', '', '')",
    "ALTER TABLE measurements DISABLE TRIGGER ALL",
    "ALTER TABLE measurements ADD COLUMN note text",
    "DROP TABLE measurements",
    "CREATE TABLE notes (text text)",
    "SELECT password_hash FROM readers",
    "SELECT * FROM readers",
    "UPDATE subjects SET arm = 'x'",
    "UPDATE trials SET name = 'x'",
)


@dataclass
class Server:
    """The trial on a PostgreSQL schema, and how each reader's role connects to it."""

    trial: Trial
    url: str
    schema: str

    def role_url(self, role: ReaderRole) -> str:
        """The URL the reader of ``role`` connects with: their login role and ``search_path``."""
        reader = self.trial.readers[role]
        assert reader.db_role is not None
        blinded = self.trial.store.trial.blind_visits and role is not SITE
        path = f"{self.schema}_blinded,{self.schema}" if blinded else self.schema
        url = make_url(self.url).set(username=reader.db_role).update_query_dict({"options": f"-csearch_path={path}"})
        return url.render_as_string(hide_password=False)

    def login_url(self, db_role: str, like: ReaderRole) -> str:
        """The URL of login role ``db_role``, with the ``search_path`` of the reader of ``like``."""
        return make_url(self.role_url(like)).set(username=db_role).render_as_string(hide_password=False)

    def sql(self, role: ReaderRole, statement: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of ``statement`` run as the reader of ``role`` (autocommit)."""
        with psycopg.connect(self.role_url(role).replace("+psycopg", ""), autocommit=True) as connection:
            cursor = connection.execute(statement, params)
            return cursor.fetchall() if cursor.description else [(cursor.rowcount,)]

    def refused(self, role: ReaderRole, statement: str) -> str:
        """The SQLSTATE with which the server refuses ``statement`` for ``role`` (fails when it runs)."""
        with pytest.raises(psycopg.Error) as caught:
            self.sql(role, statement)
        return str(caught.value.sqlstate)

    def store_as(self, role: ReaderRole) -> TrialStore:
        return TrialStore.open(self.role_url(role))


@pytest.fixture
def server() -> Iterator[Server]:
    with fresh_pg_schema() as (url, schema):
        trial = make_trial(url, blind_visits=True)
        try:
            yield Server(trial, url, schema)
        finally:
            trial.store.close()


def read_as(server: Server, role: ReaderRole) -> str:
    """The full scenario read recorded by the reader of ``role`` through their own role; its read uid."""
    with server.store_as(role) as store:
        session = store.reader_session(store.log_in(server.trial.readers[role].name, "any password: trust"), SUBJECT)
        apply_full_read(session, server.trial.timepoints)
        return session.read_uid


def test_a_central_reader_reads_signs_and_is_audited_as_its_own_role(server: Server) -> None:
    reader = server.trial.readers[CR1]
    with server.store_as(CR1) as store:
        session = store.reader_session(store.log_in(reader.name, "trust: any password"), SUBJECT)
        apply_full_read(session, server.trial.timepoints)
        seen = session.snapshot()
        baseline = server.trial.timepoints[0].uid
        session.sign(baseline, "trust: any password")
        as_reader = {r.timepoint_uid: r.recist_overall for r in session.results()}
    assert {tp.scan_date for tp in seen.timepoints} == {None}
    assert len(seen.measurements) == 13 and seen.read_timepoints == ()
    owner_view = server.trial.session(CR1)  # the owner's connection: real dates, the same categories
    assert {r.timepoint_uid: r.recist_overall for r in owner_view.results()} == as_reader
    assert list(as_reader.values()).count("PD") == 1 and "PR" in as_reader.values()
    mine = [e for e in server.trial.store.audit_entries() if e.read_uid == session.read_uid]
    assert {(e.actor_uid, e.actor_name) for e in mine} == {(reader.uid, reader.name)}
    assert "sign" in {e.action for e in mine}
    assert verify(server.trial.store.db).ok  # every row the role wrote is explained by the log


def test_a_blinded_reader_sees_its_own_rows_and_no_real_date(server: Server) -> None:
    server.trial.store.attach_series(server.trial.timepoints[1].uid, study_uid="2.25.1", series_uid=SERIES_UID,
                                     path="/images/2.25.2", modality="CT", description="Week 8 chest CT",
                                     frame_of_reference_uid=FOR_UID)
    a_read = read_as(server, CR1)
    b_read = read_as(server, CR2)
    b = server.trial.readers[CR2]
    assert server.sql(CR2, "SELECT uid, reader_uid FROM reads") == [(b_read, b.uid)]
    assert server.sql(CR2, "SELECT uid, name, role FROM readers") == [(b.uid, b.name, CR2.value)]
    assert server.sql(CR2, "SELECT count(*) FROM lesions WHERE read_uid = %(a)s", {"a": a_read}) == [(0,)]
    assert server.sql(CR2, "SELECT count(*) FROM measurements") == [(13,)]  # its own 13 lines only
    assert server.sql(CR2, "SELECT DISTINCT read_uid FROM audit_log") == [(b_read,)]
    timepoints = server.sql(CR2, "SELECT visit, scan_date, day_from_baseline FROM timepoints ORDER BY scan_date")
    baseline = VISITS[0][1]
    assert timepoints == [("Follow-up" if n else "Baseline", EPOCH + (day - baseline), (day - baseline).days)
                          for n, (_, day) in enumerate(VISITS)]
    assert server.sql(CR2, "SELECT randomised_on, first_dose_on FROM subjects") == [
        (EPOCH - timedelta(days=3), EPOCH + timedelta(days=4))]  # 2024-01-02 and -09 around the 2024-01-05 baseline
    visible = " ".join(str(row) for table in ("trials", "subjects", "timepoints", "series_links", "reads", "lesions",
                                              "read_timepoints", "audit_log")
                       for row in server.sql(CR2, f"SELECT * FROM {table}"))
    assert not [day for day in REAL_DATES if day in visible]
    assert "Week" not in visible and a_read not in visible and server.trial.readers[CR1].uid not in visible
    assert server.sql(CR2, "SELECT path, description FROM series_links") == [("/images/2.25.2", "")]
    assert server.sql(SITE, "SELECT description FROM series_links") == [("Week 8 chest CT",)]  # not blinded
    assert server.refused(CR2, f"SELECT scan_date FROM {server.schema}.timepoints") == "42501"
    assert server.refused(CR2, f"SELECT description FROM {server.schema}.series_links") == "42501"
    assert server.refused(CR2, "SELECT * FROM adjudication_tasks") == "42501"


def test_a_reader_cannot_touch_another_read_nor_the_audit_trail(server: Server) -> None:
    a_read = read_as(server, CR1)
    read_as(server, CR2)
    before = server.trial.store.audit_entries()
    assert server.sql(CR2, "UPDATE measurements SET p1_x_mm = 0 WHERE lesion_uid IN (SELECT uid FROM lesions "
                           "WHERE read_uid = %(a)s)", {"a": a_read}) == [(0,)]
    assert server.sql(CR2, "DELETE FROM lesion_states") != [(0,)]  # its own states: allowed, and audit verify sees it
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # row-level security: not its read
        server.sql(CR2, "INSERT INTO read_timepoints (uid, read_uid, timepoint_uid, cr_confirmed, meaning, "
                        "reopen_reason, version) VALUES ('forged', %(a)s, %(tp)s, false, '', '', 1)",
                   {"a": a_read, "tp": server.trial.timepoints[0].uid})
    for statement in FORBIDDEN:
        assert server.refused(CR2, statement) == "42501", statement
    a = server.trial.readers[CR1]
    forged = f"SELECT audit_append('{a.uid}', '{a.name}', 'sign', '{a_read}', '[]', '')"
    assert server.refused(CR2, forged) == "42501"  # an entry names the reader who is logged in
    after = server.trial.store.audit_entries()
    assert after == before  # nothing was appended, changed or removed
    report = verify(server.trial.store.db)
    assert {f.table for f in report.findings} == {"lesion_states"}  # the direct DELETE, and only it


def test_the_adjudicator_sees_both_reads_of_its_tasks_only(server: Server) -> None:
    a_read = read_as(server, CR1)
    with server.store_as(CR2) as store:  # reader 2 sees no progression: the reads disagree
        session = store.reader_session(store.log_in(server.trial.readers[CR2].name, "-"), SUBJECT)
        t01 = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
        for tp in server.trial.timepoints:
            session.record_measurement(t01.uid, tp.uid, line(40.0))
        b_read = session.read_uid
    assert server.sql(ADJ, "SELECT count(*) FROM reads") == [(0,)]  # no task yet: nothing to see
    task = server.trial.store.check_double_read(SUBJECT, require_signed=False)  # the coordinator's (owner's) check
    assert task is not None
    assert sorted(server.sql(ADJ, "SELECT uid FROM reads")) == sorted([(a_read,), (b_read,)])
    assert server.sql(ADJ, "SELECT count(*) FROM lesions") == [(6,)]
    assert server.refused(ADJ, "DELETE FROM lesions") == "42501"  # read-only on the reads it adjudicates
    adjudicator = server.trial.readers[ADJ]
    with server.store_as(ADJ) as store:
        adjudication = store.adjudicator_session(adjudicator.uid)
        assert [t.uid for t in adjudication.tasks()] == [task.uid]
        first, second = adjudication.snapshots(task.uid)
        assert {tp.scan_date for tp in (*first.timepoints, *second.timepoints)} == {None}
        resolved = adjudication.resolve(task.uid, a_read, "reader 1 saw the new liver lesion", "trust: any password")
    assert resolved.status == "resolved"
    assert server.sql(ADJ, "SELECT uid, accepted FROM reads WHERE accepted") == [(a_read, True)]
    assert verify(server.trial.store.db).ok


def test_the_site_radiologist_sees_real_dates_of_its_own_read(server: Server) -> None:
    read_as(server, CR1)
    site_read = read_as(server, SITE)
    assert server.sql(SITE, "SELECT uid FROM reads") == [(site_read,)]
    dates = server.sql(SITE, f"SELECT scan_date FROM {server.schema}.timepoints ORDER BY scan_date")
    assert dates == [(day,) for _, day in VISITS]  # not blinded: the site knows its patient's visits
    assert server.refused(SITE, "SELECT password_hash FROM readers") == "42501"


def test_one_read_per_subject_and_central_role_even_unseen(server: Server) -> None:
    read_as(server, CR1)
    other = server.trial.store.add_reader("Dr Other", CR1, "another password")
    assert other.db_role is not None
    url = server.login_url(other.db_role, CR1)
    with TrialStore.open(url) as store, pytest.raises(DuplicateError, match="central reader 1 read of subject"):
        store.reader_session(store.log_in("Dr Other", "-"), SUBJECT)


def test_a_disabled_reader_cannot_log_in_nor_see_anything_and_roles_are_named_after_the_trial(server: Server) -> None:
    read_as(server, CR1)
    server.trial.store.set_reader_active(server.trial.readers[CR1].uid, False)
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        server.sql(CR1, "SELECT 1")
    with psycopg.connect(server.url.replace("+psycopg", ""), autocommit=True) as owner:  # were it let in anyway
        owner.execute(f'ALTER ROLE "{server.trial.readers[CR1].db_role}" LOGIN')
    for table in ("trials", "reads", "lesions", "timepoints", "readers"):
        assert server.sql(CR1, f"SELECT count(*) FROM {table}") == [(0,)], table
    prefix = f"recist_stereosarc{schema_tag(server.schema)}"  # plain recist_stereosarc in schema public
    logins = [r.db_role for r in server.trial.readers.values() if r.role is not ReaderRole.ADMIN]  # admin: the owner
    assert len(set(logins)) == 4 and all(re.fullmatch(rf"{prefix}_r[0-9a-f]{{8}}", str(name)) for name in logins)
    assert not [name for name in logins if "reader" in str(name)]  # random: no reader's name in the server's roles
    with server.trial.store.db.write() as session:  # trial create again: the group roles exist, and stay
        assert db_roles.create_group_roles(session, "STEREOSARC", True) == tuple(
            f"{prefix}_{role.value}" for role in db_roles.GROUP_ROLES)
    with fresh_pg_schema() as (url, schema), TrialStore.create(url, code="STEREOSARC") as elsewhere:
        other = elsewhere.add_reader("Reader central_reader_1", CR1, "a password")
        assert str(other.db_role).startswith(f"recist_stereosarc{schema_tag(schema)}_r")
        assert schema_tag(schema) != schema_tag(server.schema)


def test_what_a_role_may_not_do_is_a_typed_error_and_its_work_goes_on(server: Server) -> None:
    with server.store_as(CR2) as store:
        assert store.connected_reader == server.trial.readers[CR2] and not store.may_import_images(None)
        with pytest.raises(PermissionDeniedError, match="the trial's administrator does this"):
            store.add_site("XX01", "refused: the reader's role may not write sites")
    assert server.trial.store.connected_reader is None  # the owner
    assert server.trial.store.may_import_images(server.trial.readers[SITE])
    assert not server.trial.store.may_import_images(server.trial.readers[CR1])  # blinded: studies carry dates
    # The site's role cannot write a time point even past the store's check.
    with server.store_as(SITE) as store, pytest.raises(DatabaseError, match="Your database role may not do this"), \
            store.db.write() as session:
        session.execute(text("INSERT INTO timepoints (uid, subject_uid, visit, scan_date, version) "
                             "VALUES ('x', 'x', 'x', '2024-01-01', 1)"))
    with server.store_as(CR2) as store:
        session = store.reader_session(store.log_in(server.trial.readers[CR2].name, "-"), SUBJECT)
        lesion = session.add_lesion("NT01", LesionRole.NON_TARGET, organ="BONE")
        state = session.set_status(lesion.uid, server.trial.timepoints[0].uid, Status.PRESENT)
    assert state.status is Status.PRESENT


def test_signing_as_roles_then_the_coordinator_compares(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """A reader's role cannot see the other read, so the owner's ``reads compare`` opens the task."""
    for role, lengths in ((CR1, None), (CR2, (40.0, 40.0, 40.0, 40.0))):
        with server.store_as(role) as store:
            session = store.reader_session(store.log_in(server.trial.readers[role].name, "-"), SUBJECT)
            if lengths is None:
                apply_full_read(session, server.trial.timepoints)
            else:
                t01 = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
                for tp, length in zip(server.trial.timepoints, lengths, strict=True):
                    session.record_measurement(t01.uid, tp.uid, line(length))
            for tp in server.trial.timepoints:
                session.sign(tp.uid, "-")
    tasks = server.trial.store.adjudicator_session(server.trial.readers[ADJ].uid).tasks
    assert tasks() == ()  # neither signature could compare the reads
    assert main(["reads", "compare", "--db", server.url]) == 0
    out = capsys.readouterr().out
    assert out == f"{SUBJECT}: adjudication task open: date of progression: day 168 vs none; best overall " \
                  "response: PR vs SD\n"  # days from baseline: the trial blinds visits
    assert len(tasks()) == 1


def test_two_central_reader_1_roles_opening_20_subjects_at_once_make_no_duplicate(server: Server,
                                                                                   tmp_path: Path) -> None:
    """The audit's race, each workstation as its own role: neither can see the other's reads, the index holds."""
    store = server.trial.store
    for n in range(2, 21):
        store.add_subject(f"S-{n:03d}", "FR01")
    other = store.add_reader("Second central reader 1", CR1, "pin-second-cr1")
    assert other.db_role is not None
    urls = (server.role_url(CR1), server.login_url(other.db_role, CR1))
    results = open_every_read_at_once([(url, name, "-") for url, name in zip(
        urls, (server.trial.readers[CR1].name, other.name), strict=True)], tmp_path / "start")
    assert sum(r["opened"] for r in results) == 20 and sum(r["refused"] for r in results) == 20
    per_subject = Counter(read.subject_id for read in store.reads() if read.reader_role is CR1)
    assert per_subject == dict.fromkeys((s.subject_id for s in store.subjects()), 1)  # zero duplicates


def test_the_server_decides_a_password(server: Server) -> None:
    """The test server trusts loopback logins; a role it refuses and a server that does not answer are told apart."""
    url = make_url(server.role_url(CR1))
    assert signoff.server_accepts(url, "any password: trust")
    assert not signoff.server_accepts(url.set(username="recist_no_such_role"), "x")  # refused: SQLSTATE 28000
    with pytest.raises(DatabaseError, match="Cannot check the password"):
        signoff.server_accepts(url.set(port=1), "x")


def test_a_reader_role_on_an_older_schema_is_told_to_ask_the_administrator(server: Server) -> None:
    with psycopg.connect(server.url.replace("+psycopg", ""), autocommit=True) as owner:
        owner.execute(f"UPDATE alembic_version SET version_num = '{int(head_revision()) - 1:04d}'")  # an older schema
    with pytest.raises(DatabaseError, match="ask the trial's administrator to open it once as the database's owner"):
        server.store_as(CR1)
    with psycopg.connect(server.url.replace("+psycopg", ""), autocommit=True) as owner:
        owner.execute(f"UPDATE alembic_version SET version_num = '{head_revision()}'")
    with server.store_as(CR1) as store:
        assert store.connected_reader == server.trial.readers[CR1]
