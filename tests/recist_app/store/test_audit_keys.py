"""Issue 14: the audit keys (SQLite: per entry; PostgreSQL: the owner's, for checkpoints), the server's
append function, checkpoints, and the ``audit checkpoint`` / ``audit verify`` handlers."""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from recist_app.cli.commands import audit_checks
from recist_app.cli.errors import OutputPathError
from recist_app.cli.store_options import add_db_options
from recist_app.store import TrialStore, audit, audit_keys
from recist_app.store.audit_checkpoint import CheckpointFileError
from recist_app.store.audit_keys import KEY_DIR_ENV, OWNER_KEY_ENV, AuditKeyError
from recist_app.store.audit_verify import take_checkpoint, verify
from tests.recist_app.store.scenario import Trial
from tests.recist_app.store.test_audit_tamper import Statement, tamper

AWKWARD = "O'Brien \"Doc\" \\ back\nslash\ttab \x01 é 漢字 😀 \u2028 </script>"


@pytest.fixture(autouse=True)
def key_dir(audit_keys_in_tmp: Path) -> Path:
    """Every test here uses a temporary key folder and no owner's key (tests/recist_app/store/conftest.py)."""
    return audit_keys_in_tmp


def cli() -> argparse.ArgumentParser:
    """``audit`` wired as cli/commands/audit.py is to wire it (the lines given to the lead)."""
    parser = argparse.ArgumentParser(prog="audit")
    actions = parser.add_subparsers(dest="audit_action", required=True)
    audit_checks.add_checkpoint_parser(actions)
    verify_parser = actions.add_parser("verify")
    add_db_options(verify_parser)
    audit_checks.add_verify_options(verify_parser)
    verify_parser.set_defaults(handler=audit_checks.run_verify)
    return parser


def run(*argv: str) -> tuple[int, str]:
    args = cli().parse_args(argv)
    out = io.StringIO()
    return args.handler(args, out), out.getvalue()


def db_args(trial: Trial, db_url: str, owner_key: Path) -> list[str]:
    return ["--db", db_url, *(["--key", str(owner_key)] if trial.store.db.dialect == "postgresql" else [])]


def test_sqlite_signs_every_entry_with_a_key_made_0600_beside_the_users_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key_dir: Path) -> None:
    assert audit_keys.key_dir() == key_dir
    monkeypatch.delenv(KEY_DIR_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert audit_keys.key_dir() == tmp_path / "data" / "recist-workstation" / "audit-keys"
    with TrialStore.create(tmp_path / "t.sqlite", code="KEYED") as store:
        store.add_site("FR01")
        path = audit_keys.trial_key_path(store.trial_uid)
        assert path.parent == audit_keys.key_dir()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        key = audit_keys.load(path)
        assert (key.trial_uid, key.keyed_from_seq, key.keyed_from_hash) == (store.trial_uid, 0, audit.GENESIS_HASH)
        with store.db.engine.connect() as connection:
            rows = connection.execute(text("SELECT hash, mac FROM audit_log ORDER BY seq")).all()
        assert len(rows) == 2 and all(mac == key.mac(digest) for digest, mac in rows)
        assert verify(store.db).ok


def test_the_server_chains_entries_exactly_as_python_verifies_them(db_url: str) -> None:
    """PostgreSQL appends through the owner's function (SECURITY DEFINER, server time); its SHA-256 is
    byte for byte the one :func:`audit.entry_hash` computes, even for quotes, controls and emoji."""
    with TrialStore.create(db_url, code="CHAIN", name=AWKWARD, actor=AWKWARD) as store:
        store.add_site("FR01", AWKWARD, actor=AWKWARD)
        with store.db.write() as session:
            audit.append(session, actor_uid="x", actor_name=AWKWARD, action="note", read_uid=AWKWARD, reason=AWKWARD)
        entries = store.audit_entries()
        assert store.verify_chain().ok and len(entries) == 3
        assert entries[1].actor_name == AWKWARD and AWKWARD in json.loads(entries[1].changes_json)[0]["after"]["name"]
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", e.at_utc) for e in entries)
        with store.db.engine.connect() as connection:
            macs = connection.execute(text("SELECT mac FROM audit_log")).scalars().all()
            if store.db.dialect == "postgresql":
                assert macs == [None] * 3  # the owner's key signs checkpoints, not entries
                definer = connection.execute(text("SELECT prosecdef FROM pg_proc WHERE proname = 'audit_append' "
                                                  "AND pronamespace = current_schema()::regnamespace"))
                assert definer.scalar_one() is True
            else:
                assert all(mac and len(mac) == 64 for mac in macs)


def test_a_missing_key_is_a_typed_error_never_a_pass(trial: Trial, tmp_path: Path) -> None:
    db = trial.store.db
    if db.dialect == "postgresql":
        with pytest.raises(AuditKeyError, match="checkpoints are signed with the owner's key: give --key FILE or "
                                                f"set {OWNER_KEY_ENV}"):
            take_checkpoint(db)
        checkpoint = take_checkpoint(db, key_file=tmp_path / "owner.key")
        with pytest.raises(AuditKeyError, match="A checkpoint is checked with the owner's key"):
            verify(db, checkpoint=checkpoint)
        with pytest.raises(AuditKeyError, match=r"No audit key at .*absent\.key: restore the key file"):
            verify(db, checkpoint=checkpoint, key_file=tmp_path / "absent.key")
        assert verify(db, checkpoint=checkpoint, key_file=tmp_path / "owner.key").ok
        return
    path = audit_keys.trial_key_path(trial.store.trial_uid)
    shutil.move(path, tmp_path / "aside.key")
    with pytest.raises(AuditKeyError, match=r"No audit key at .*: restore the key file from your backup"):
        verify(db)
    count = len(trial.store.audit_entries())
    with pytest.raises(AuditKeyError, match=r"The audit key of this trial is missing \(expected at .*\): restore it "
                                            f"from your backup or set {KEY_DIR_ENV} to its folder; nothing was saved"):
        trial.store.add_site("FR02")
    assert len(trial.store.audit_entries()) == count and [s.code for s in trial.store.sites()] == ["FR01"]
    assert verify(db, key_file=tmp_path / "aside.key").ok  # a key kept elsewhere is given with --key


def test_a_key_of_another_trial_or_a_damaged_key_is_refused(tmp_path: Path) -> None:
    with TrialStore.create(tmp_path / "one.sqlite", code="ONE") as one, \
            TrialStore.create(tmp_path / "two.sqlite", code="TWO") as two:
        other = audit_keys.trial_key_path(two.trial_uid)
        with pytest.raises(AuditKeyError, match="is the audit key of another trial; give this trial's key"):
            verify(one.db, key_file=other)
        other.write_text('{"format": "recist-audit-key/1", "key": "00ff"}', encoding="utf-8")
        with pytest.raises(AuditKeyError, match="is too short"):
            verify(two.db)
        other.write_text("not a key", encoding="utf-8")
        with pytest.raises(AuditKeyError, match="is not an audit key file of this workstation"):
            verify(two.db)


def test_a_log_begun_before_keys_is_keyed_from_its_head(tmp_path: Path) -> None:
    """A database from before 0007: its entries have no ``mac`` and it has no key. The next write makes the
    key, anchored at the head then; a rewrite of the entries before the anchor is still caught."""
    with TrialStore.create(tmp_path / "old.sqlite", code="OLD") as store:
        store.add_site("FR01")
        trial = Trial(store, (), {})
        tamper(trial, "UPDATE audit_log SET mac = NULL")
        audit_keys.trial_key_path(store.trial_uid).unlink()
        with pytest.raises(AuditKeyError, match=r"has no key yet .*: run `audit checkpoint` to make one"):
            verify(store.db)
        take_checkpoint(store.db)  # the remedy the message names; the next write would do the same
        key = audit_keys.load(audit_keys.trial_key_path(store.trial_uid))
        assert (key.keyed_from_seq, key.keyed_from_hash) == (2, store.audit_entries()[1].hash)
        store.add_site("FR02")  # signed with that key
        report = verify(store.db)
        assert report.ok and report.notes == ("entries 1–2 predate the audit key: their chain is checked, and the key "
                                              "file anchors their last hash",)
        entries = list(store.audit_entries())
        forged = audit.AuditEntry(**{**entries[0].__dict__, "actor_name": "mallory"})
        statements: list[Statement] = []
        previous = audit.GENESIS_HASH
        for entry in entries:
            source = forged if entry.seq == 1 else entry
            digest = audit.entry_hash(audit.AuditEntry(**{**source.__dict__, "prev_hash": previous}))
            statements.append(("UPDATE audit_log SET actor_name = :name, prev_hash = :prev, hash = :hash WHERE seq = "
                               ":seq", {"name": source.actor_name, "prev": previous, "hash": digest, "seq": entry.seq}))
            previous = digest
        tamper(trial, *statements, ("UPDATE audit_head SET hash = :hash WHERE id = 1", {"hash": previous}))
        assert store.verify_chain().ok
        found = [f.message for f in verify(store.db).findings]
        assert found == ["entry 2 is not the one the audit key was made after: the log before it was rewritten or cut",
                         "entry 3 (add_site) does not match its key signature: it was rewritten without the key"]


def test_checkpoint_then_verify_through_the_handlers(trial: Trial, db_url: str, tmp_path: Path) -> None:
    owner_key = tmp_path / "owner" / "owner.key"
    common = db_args(trial, db_url, owner_key)
    target = tmp_path / "worm" / "checkpoint.json"
    status, out = run("checkpoint", *common, "--out", str(target))
    head = trial.store.audit_entries()[-1]
    assert status == 0 and out.startswith(f"Checkpoint of audit entry {head.seq} ({head.hash[:16]}…, ")
    written = json.loads(target.read_text(encoding="utf-8"))
    assert (written["seq"], written["hash"], written["format"]) == (head.seq, head.hash, "recist-audit-checkpoint/1")
    if trial.store.db.dialect == "postgresql":  # made by the first checkpoint, for the owner only
        assert stat.S_IMODE(owner_key.stat().st_mode) == 0o600
    with pytest.raises(OutputPathError, match="a checkpoint is never overwritten"):
        run("checkpoint", *common, "--out", str(target))
    status, out = run("checkpoint", *common)
    assert status == 0 and json.loads(out)["seq"] == head.seq
    trial.store.add_site("FR02")  # the log grows: it still extends the checkpoint
    status, out = run("verify", *common, "--checkpoint", str(target))
    assert status == 0 and out.endswith("everything is explained\n")
    assert f"checkpoint: entry {head.seq} of {written['at_utc']}: extended by the log\n" in out
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**written, "at_utc": "2030-01-01T00:00:00.000000Z"}), encoding="utf-8")
    status, out = run("verify", *common, "--checkpoint", str(forged))
    assert status == 1 and "NOT extended by the log" in out
    assert "  the checkpoint's signature does not match its content: the checkpoint file was altered\n" in out
    other = audit_keys.create(tmp_path / "other.key")
    status, out = run("verify", "--db", db_url, "--key", str(other.path), "--checkpoint", str(target))
    assert status == 1 and f"the checkpoint was signed with another key (fingerprint {written['key']}, this key " \
                           f"{other.fingerprint})" in out
    forged.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(CheckpointFileError, match="is not an audit checkpoint"):
        run("verify", *common, "--checkpoint", str(forged))


def test_verify_lists_what_is_not_explained(trial: Trial, db_url: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    tamper(trial, "UPDATE subjects SET arm = 'PLACEBO'")
    status, out = run("verify", "--db", db_url)
    subject = trial.store.subject("S-001")
    assert status == 1 and out.splitlines()[-2:] == [
        "NOT EXPLAINED (1):",
        f"  subject {subject.uid} differs from what entry 3 (add_subject) left: arm is 'PLACEBO', the log says "
        "'SBRT+ATEZO'"]
    tamper(trial, "DELETE FROM audit_log", f"UPDATE audit_head SET seq = 0, hash = '{audit.GENESIS_HASH}'")
    monkeypatch.setattr(audit_checks, "MAX_LISTED", 2)
    status, out = run("verify", "--db", db_url)
    lines = out.splitlines()
    assert status == 1 and lines[0] == "audit verify: 0 entries, 12 data rows, 0 cached results"
    assert lines[-4:-2] == ["NOT EXPLAINED (13):", "  the audit log is empty, yet the database holds 12 data rows"]
    assert lines[-2].endswith("is in the database, but no audit entry created it") and lines[-1] == "  … and 11 more"
