"""Issue 5 acceptance: the audit trail records every command (who, when, before → after), its hash
chain verifies, and a row tampered with through raw SQL is detected (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import LesionRole, ReaderRole
from recist_app.store import audit
from recist_app.store.unit_of_work import digest
from tests.recist_app.store.scenario import Trial, apply_full_read

DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
    "postgresql": ["DROP TRIGGER audit_log_no_change ON audit_log"],
}


def _execute(trial: Trial, *statements: str) -> None:
    with trial.store.db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_every_command_is_audited_with_before_and_after(trial: Trial) -> None:
    session = trial.session(ReaderRole.CENTRAL_READER_1)
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    session.edit_lesion(lesion, organ="LIVER")
    last = trial.store.audit_entries()[-1]
    assert (last.action, last.actor_name, last.read_uid) == ("edit_lesion", "Reader central_reader_1", session.read_uid)
    (change,) = json.loads(last.changes_json)
    assert (change["table"], change["key"]) == ("lesions", lesion.uid)
    assert (change["before"]["organ"], change["after"]["organ"]) == ("LUNG", "LIVER")
    assert last.at_utc.endswith("Z") and len(last.hash) == 64
    actions = [entry.action for entry in trial.store.audit_entries()]
    assert actions[:2] == ["create_trial", "add_site"] and "add_reader" in actions and "create_read" in actions


def test_chain_verifies_and_a_tampered_row_is_detected(trial: Trial) -> None:
    apply_full_read(trial.session(), trial.timepoints)
    report = trial.store.verify_chain()
    assert report.ok and report.entries == len(trial.store.audit_entries()) > 20
    target = trial.store.audit_entries()[9].seq
    # The append-only triggers refuse an UPDATE or DELETE outright ...
    with pytest.raises(DBAPIError, match="append-only"):
        _execute(trial, f"UPDATE audit_log SET actor_name = 'mallory' WHERE seq = {target}")
    with pytest.raises(DBAPIError, match="append-only"):
        _execute(trial, f"DELETE FROM audit_log WHERE seq = {target}")
    assert trial.store.verify_chain().ok
    # ... and someone able to drop them is still caught by the hash chain.
    _execute(trial, *DROP_TRIGGERS[trial.store.db.dialect])
    _execute(trial, f"UPDATE audit_log SET reason = 'nothing happened' WHERE seq = {target}")
    tampered = trial.store.verify_chain()
    assert (tampered.ok, tampered.bad_seq) == (False, target) and "altered" in tampered.problem


def test_a_rehashed_row_breaks_the_link_to_its_successor(trial: Trial) -> None:
    apply_full_read(trial.session(), trial.timepoints)
    _execute(trial, *DROP_TRIGGERS[trial.store.db.dialect])
    entry = trial.store.audit_entries()[4]
    forged = audit.AuditEntry(**{**entry.__dict__, "actor_name": "mallory"})
    _execute(trial, f"UPDATE audit_log SET actor_name = 'mallory', hash = '{audit.entry_hash(forged)}' "
                    f"WHERE seq = {entry.seq}")
    report = trial.store.verify_chain()
    assert (report.ok, report.bad_seq) == (False, entry.seq + 1) and "does not link" in report.problem


def test_removed_entries_are_detected(trial: Trial) -> None:
    trial.session().add_lesion("T01", LesionRole.TARGET)
    _execute(trial, *DROP_TRIGGERS[trial.store.db.dialect])
    count = len(trial.store.audit_entries())
    _execute(trial, f"DELETE FROM audit_log WHERE seq = {count}")
    assert not trial.store.verify_chain().ok  # the head still names the removed last entry
    _execute(trial, "DELETE FROM audit_log WHERE seq = 3")
    report = trial.store.verify_chain()
    assert (report.ok, report.bad_seq) == (False, 4) and "missing" in report.problem


def test_export_csv_and_json(trial: Trial, tmp_path: Path) -> None:
    trial.session().add_lesion("T01", LesionRole.TARGET)
    entries = trial.store.audit_entries()
    assert trial.store.export_audit(tmp_path / "audit.csv") == "csv"
    with open(tmp_path / "audit.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["seq"]) for row in rows] == [entry.seq for entry in entries]
    assert rows[-1]["hash"] == entries[-1].hash and json.loads(rows[-1]["changes_json"])[0]["table"] == "lesions"
    assert trial.store.export_audit(tmp_path / "audit.txt", "json") == "json"
    exported = json.loads((tmp_path / "audit.txt").read_text(encoding="utf-8"))["entries"]
    assert [e["hash"] for e in exported] == [entry.hash for entry in entries]
    # The export is enough to re-verify the chain offline.
    previous = audit.GENESIS_HASH
    for row in exported:
        content = audit.canonical_json([row["seq"], row["at_utc"], row["actor_uid"], row["actor_name"], row["action"],
                                        row["read_uid"], audit.canonical_json(row["changes"]), row["reason"]])
        assert row["prev_hash"] == previous
        assert hashlib.sha256((content + previous).encode()).hexdigest() == row["hash"]
        previous = row["hash"]
    with pytest.raises(InvalidRecordError, match='Argument "format" must be csv or json'):
        trial.store.export_audit(tmp_path / "audit.xml")


def test_the_audit_names_a_series_by_its_uid_not_by_its_folder(trial: Trial, tmp_path: Path) -> None:
    """Issue 14: a folder may be named after the patient; the audit keeps its SHA-256 only."""
    folder = "/pacs/export/DOE_JANE_1960/CT_chest"
    trial.store.attach_series(trial.timepoints[1].uid, study_uid="1.2.3", series_uid="1.2.3.9", path=folder)
    assert trial.store.timepoints("S-001")[1].series[-1].path == folder  # the data keeps it
    (change,) = json.loads(trial.store.audit_entries()[-1].changes_json)
    assert change["after"]["series_uid"] == "1.2.3.9" and change["after"]["path"] == digest(folder)
    for name in ("audit.csv", "audit.json"):
        trial.store.export_audit(tmp_path / name)
        assert "DOE_JANE" not in (tmp_path / name).read_text(encoding="utf-8")
    assert trial.store.verify_chain().ok
