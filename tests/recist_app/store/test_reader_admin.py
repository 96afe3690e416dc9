"""Trial set-up by the administrator: readers disabled and enabled again, new passwords, the trial
renamed; all audited with the administrator's name (SQLite and PostgreSQL). A disabled reader
cannot log in, start a read or adjudicate; their reads and signatures stay. Revision 0003 keeps the
readers of an older database active. ``main.py trial reader disable|enable`` is the CLI twin."""

from __future__ import annotations

import io
import json

import pytest
from alembic import command
from sqlalchemy import text

from recist_app.cli import main
from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import LesionRole, ReaderRole, Status
from recist_app.store import TrialStore
from recist_app.store.db import Database, _alembic_config, head_revision
from recist_app.store.errors import ConstraintError, NotFoundError, ReaderDisabledError, SignatureError
from recist_app.store.signoff import hash_password
from tests.recist_app.store.scenario import PASSWORDS, SUBJECT, Trial, database_login, line

READER = ReaderRole.CENTRAL_READER_1
DISABLED = "This reader is disabled: ask the trial administrator."


def changes_of(store: TrialStore, action: str) -> list[dict[str, object]]:
    """The row changes of the last audit entry of ``action``."""
    entry = [e for e in store.audit_entries() if e.action == action][-1]
    return json.loads(entry.changes_json)


def test_a_disabled_reader_cannot_log_in_until_enabled_again(trial: Trial) -> None:
    store, reader = trial.store, trial.readers[READER]
    assert reader.active and all(r.active for r in store.readers())
    disabled = store.set_reader_active(reader.uid, False, actor="Dr Admin")
    assert (disabled.uid, disabled.active) == (reader.uid, False)
    assert {r.name: r.active for r in store.readers()}[reader.name] is False
    with pytest.raises(ReaderDisabledError, match=DISABLED) as info:
        store.authenticate(reader.uid, PASSWORDS[READER])
    assert isinstance(info.value, SignatureError) and info.value.reader_uid == reader.uid
    assert reader.uid not in str(info.value)  # the reader's words: no uid
    with pytest.raises(ReaderDisabledError):
        store.authenticate(reader.name, PASSWORDS[READER])  # by name too
    with pytest.raises(SignatureError, match="wrong password") as wrong:
        store.authenticate(reader.uid, "not the password")  # a wrong password says nothing more
    assert not isinstance(wrong.value, ReaderDisabledError)
    with pytest.raises(ReaderDisabledError, match=DISABLED):
        store.reader_session(reader.uid, SUBJECT, password=PASSWORDS[READER])
    adjudicator = trial.readers[ReaderRole.ADJUDICATOR]
    store.set_reader_active(adjudicator.uid, False, actor="Dr Admin")
    with pytest.raises(ReaderDisabledError, match=DISABLED):
        store.adjudicator_session(adjudicator.uid)

    enabled = store.set_reader_active(reader.uid, True, actor="Dr Admin")
    assert enabled.active and store.authenticate(reader.uid, PASSWORDS[READER]) == enabled
    assert store.reader_session(reader.uid, SUBJECT, password=PASSWORDS[READER]).reader == enabled


def test_enabling_and_disabling_are_audited_with_the_administrator(trial: Trial) -> None:
    store, reader = trial.store, trial.readers[READER]
    store.set_reader_active(reader.uid, False, actor="Dr Admin")
    entry = store.audit_entries()[-1]
    assert (entry.action, entry.actor_name) == ("disable_reader", "Dr Admin")
    [change] = changes_of(store, "disable_reader")
    assert (change["table"], change["key"]) == ("readers", reader.uid)
    assert (change["before"]["active"], change["after"]["active"]) == (True, False)  # type: ignore[index]
    count = len(store.audit_entries())
    assert not store.set_reader_active(reader.uid, False, actor="Dr Admin").active  # already: nothing written
    assert len(store.audit_entries()) == count
    store.set_reader_active(reader.uid, True, actor="Dr Admin")
    assert [(e.action, e.actor_name) for e in store.audit_entries()[-1:]] == [("enable_reader", "Dr Admin")]
    assert store.verify_chain().ok


def test_a_new_password_replaces_the_old_one_and_only_its_hash_is_kept(trial: Trial) -> None:
    store, reader = trial.store, trial.readers[READER]
    store.set_reader_password(reader.uid, "a new secret", actor="Dr Admin")
    with pytest.raises(SignatureError, match="wrong password"):
        store.authenticate(reader.uid, PASSWORDS[READER])
    assert store.authenticate(reader.uid, "a new secret").uid == reader.uid
    entry = store.audit_entries()[-1]
    assert (entry.action, entry.actor_name) == ("set_reader_password", "Dr Admin")
    assert "a new secret" not in entry.changes_json
    [change] = changes_of(store, "set_reader_password")
    before, after = change["before"]["password_hash"], change["after"]["password_hash"]  # type: ignore[index]
    assert before.startswith("sha256:") and after.startswith("sha256:") and before != after  # digests only
    with store.db.read() as session:
        stored = session.execute(text("SELECT password_hash FROM readers WHERE uid = :uid"),
                                 {"uid": reader.uid}).scalar_one()
    assert stored.startswith("scrypt$") and "a new secret" not in stored
    with pytest.raises(InvalidRecordError, match="at least 4 characters"):
        store.set_reader_password(reader.uid, "abc", actor="Dr Admin")
    with pytest.raises(NotFoundError, match="No reader 'nobody'"):
        store.set_reader_password("nobody", "long enough", actor="Dr Admin")
    with pytest.raises(NotFoundError, match="No reader 'nobody'"):
        store.set_reader_active("nobody", False, actor="Dr Admin")
    with pytest.raises(InvalidRecordError, match='"active"'):
        store.set_reader_active(reader.uid, "no", actor="Dr Admin")  # type: ignore[arg-type]


def test_the_last_active_administrator_cannot_be_disabled(trial: Trial) -> None:
    store, admin = trial.store, trial.readers[ReaderRole.ADMIN]
    with pytest.raises(ConstraintError, match="last active administrator and cannot be disabled: add or enable"):
        store.set_reader_active(admin.uid, False, actor="Dr Admin")
    assert store.authenticate(admin.uid, PASSWORDS[ReaderRole.ADMIN]).active
    other = store.add_reader("Second Admin", ReaderRole.ADMIN, "admin pin", actor="Dr Admin")
    assert not store.set_reader_active(admin.uid, False, actor=other.name).active
    with pytest.raises(ConstraintError, match="Second Admin is the trial's last active administrator"):
        store.set_reader_active(other.uid, False, actor=other.name)


def test_a_disabled_reader_keeps_reads_and_signatures(trial: Trial) -> None:
    store, reader = trial.store, trial.readers[READER]
    session = trial.session(READER)
    baseline = trial.timepoints[0].uid
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    node = session.add_lesion("T02", LesionRole.TARGET, organ="LYMPH NODE", nodal=True)
    session.record_measurement(lesion.uid, baseline, line(40.0))
    session.set_status(node.uid, baseline, Status.NOT_ASSESSED, reason="not in the field of view")
    signed = session.sign(baseline, PASSWORDS[READER])
    store.set_reader_active(reader.uid, False, actor="Dr Admin")
    [summary] = [s for s in store.reads(SUBJECT) if s.reader_name == reader.name]
    assert summary.signed_timepoints == 1
    snapshot = session.snapshot()
    assert [lesion.label for lesion in snapshot.lesions] == ["T01", "T02"]
    assert [rt for rt in snapshot.read_timepoints if rt.timepoint_uid == baseline] == [signed]


def test_the_trial_can_be_renamed_but_keeps_its_code(trial: Trial) -> None:
    store = trial.store
    renamed = store.edit_trial(name="  SBRT and atezolizumab  ", actor="Dr Admin")
    assert (renamed.code, renamed.name, store.trial.name) == ("STEREOSARC", "SBRT and atezolizumab",
                                                              "SBRT and atezolizumab")
    entry = store.audit_entries()[-1]
    assert (entry.action, entry.actor_name) == ("edit_trial", "Dr Admin")
    count = len(store.audit_entries())
    store.edit_trial(name="SBRT and atezolizumab", actor="Dr Admin")  # the same name: nothing written
    assert len(store.audit_entries()) == count
    with pytest.raises(InvalidRecordError, match='"name"'):
        store.edit_trial(name=None, actor="Dr Admin")  # type: ignore[arg-type]


def test_revision_0003_keeps_the_readers_of_an_older_database_active(db_url: str) -> None:
    with Database.connect(db_url, create=True) as db:
        with db.engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0002")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO trials (uid, code, name, profile_toml, blind_visits, adjudicate_on, "
                                    "created_at, version) VALUES ('t1', 'OLD', '', '', false, 'bor', "
                                    "'2026-01-01T00:00:00.000000Z', 1)"))
            for uid, name, role in (("r1", "Dr Old", "central_reader_1"), ("r2", "Old Admin", "admin")):
                connection.execute(text("INSERT INTO readers (uid, trial_uid, name, role, password_hash, version) "
                                        "VALUES (:uid, 't1', :name, :role, :hash, 1)"),
                                   {"uid": uid, "name": name, "role": role, "hash": hash_password("old pin")})
        assert db.revision() == "0002"
    with TrialStore.open(db_url) as store:  # opening upgrades the schema
        assert store.db.revision() == head_revision()
        assert [(r.name, r.active) for r in store.readers()] == [("Dr Old", True), ("Old Admin", True)]
        assert store.authenticate("Dr Old", "old pin").active
        store.set_reader_active("r1", False, actor="Old Admin")
        added = store.add_reader("Dr New", ReaderRole.CENTRAL_READER_2, "new pin", actor="Old Admin")
        assert added.active
        store.add_site("FR01", actor="Old Admin")
        store.add_subject("S-1", "FR01", actor="Old Admin")
        store.reader_session(added.uid, "S-1", password="new pin")  # a read references its reader
    with Database.connect(db_url) as db:  # and back: the column goes, the readers and their reads stay
        with db.engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0002")
        with db.engine.connect() as connection:
            names = connection.execute(text("SELECT name FROM readers ORDER BY name")).scalars().all()
            reads = connection.execute(text("SELECT count(*) FROM reads")).scalar_one()
        assert (names, reads) == (["Dr New", "Dr Old", "Old Admin"], 1)
    with TrialStore.open(db_url) as store:  # up again: every reader active, as after any upgrade
        assert all(r.active for r in store.readers())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_disables_and_enables_a_reader_by_name(db_url: str, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    TrialStore.create(db_url, code="CLI").close()
    monkeypatch.setattr("sys.stdin", io.StringIO("a good password\n"))
    assert run(capsys, "trial", "reader", "add", "Dr Z", "--role", "site_radiologist", "--password-stdin",
               "--db", db_url)[0] == 0
    assert run(capsys, "trial", "reader", "disable", "Dr Z", "--db", db_url) == \
        (0, "Reader Dr Z of CLI is disabled\n", "")
    assert run(capsys, "trial", "reader", "disable", "Dr Z", "--db", db_url) == \
        (0, "Reader Dr Z of CLI is already disabled\n", "")
    with TrialStore.open(db_url) as store:
        with pytest.raises(ReaderDisabledError):
            store.authenticate("Dr Z", "a good password")
        last = store.audit_entries()[-1]
        assert (last.action, last.actor_name) == ("disable_reader", database_login(db_url))
    assert run(capsys, "trial", "reader", "enable", "Dr Z", "--db", db_url) == \
        (0, "Reader Dr Z of CLI is enabled\n", "")
    with TrialStore.open(db_url) as store:
        assert store.authenticate("Dr Z", "a good password").active
    for action in ("disable", "enable"):
        status, out, err = run(capsys, "trial", "reader", action, "Dr Nobody", "--db", db_url)
        assert (status, out) == (2, "") and err == "error: No reader 'Dr Nobody' in this trial (or not visible " \
                                                   "to this reader).\n"
