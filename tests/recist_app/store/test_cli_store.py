"""``main.py trial create|info``, ``subject add``, ``reads list``, ``audit export|verify`` and
``import-dicom`` on SQLite and PostgreSQL; bad input ends with exit 2 and one line."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest

from recist_app.cli import main
from recist_app.model.records import LesionRole, ReaderRole, Status
from recist_app.store import TrialStore, db_roles
from recist_app.store.audit_keys import trial_key_path
from tests.recist_app.store.scenario import PROFILE_TEXT, database_login
from tests.support import SHARED_DIR, require

LUNG = SHARED_DIR / "data" / "ct" / "lung_pet_ct_dx"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def created(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    profile = tmp_path / "profile.toml"
    profile.write_text(PROFILE_TEXT, encoding="utf-8")
    status, out, err = run(capsys, "trial", "create", "STEREOSARC", "--db", db_url, "--name", "SBRT trial",
                           "--profile", str(profile), "--blind-visits")
    assert (status, err) == (0, "") and out.startswith("Created trial STEREOSARC in ")
    if "://" not in db_url:  # SQLite: the key that signs every audit entry, and what to do with it
        with TrialStore.open(db_url) as store:
            key = trial_key_path(store.trial_uid)
        assert f"Its audit key is {key}: back it up with the database" in out and key.is_file()
    return db_url


def test_trial_create_and_info(created: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "subject", "add", "S-001", "--site", "FR01", "--arm", "SBRT", "--randomised", "2024-01-02",
               "--first-dose", "2024-01-09", "--prev-pfs-days", "120", "--db", created)[0] == 0
    status, out, _ = run(capsys, "trial", "info", "--db", created, "--json")
    info = json.loads(out)
    assert status == 0 and (info["code"], info["name"], info["profile"]) == ("STEREOSARC", "SBRT trial", "STEREOSARC")
    assert info["blind_visits"] and info["sites"] == ["FR01"]
    assert info["subjects"] == [{"subject_id": "S-001", "site": "FR01", "arm": "SBRT", "timepoints": 0}]
    assert info["audit"]["chain_ok"] and info["audit"]["entries"] == 3  # trial, site, subject
    status, text, _ = run(capsys, "trial", "info", "--db", created)
    assert status == 0 and "hash chain verified" in text and "S-001 (site FR01, arm SBRT)" in text
    with TrialStore.open(created) as store:
        subject = store.subject("S-001")
        assert (subject.randomised_on.isoformat(), subject.prev_pfs_days) == ("2024-01-02", 120)
        assert store.audit_entries()[0].actor_name == database_login(created)  # the database login, never free text


def test_bad_input_exits_2_with_one_line(created: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (("trial", "create", "STEREOSARC", "--db", created), "already exists"),
        (("subject", "add", "S-9", "--site", "FR01", "--randomised", "2024-02-30", "--db", created), '"--randomised"'),
        (("trial", "info", "--db", str(tmp_path / "missing.sqlite")), "No trial database at"),
        (("trial", "info"), 'Argument "--db"'),
        (("trial", "info", "--db", created, "--trial", "OTHER"), "does not hold trial 'OTHER'"),
        (("reads", "list", "--db", "mysql://x@y/z"), "give a SQLite file path or a postgresql://"),
        (("import-dicom", str(tmp_path), "--db", created), "none of them DICOM images"),
        (("audit", "export", "--out", str(tmp_path / "a.xml"), "--db", created), '"format" must be csv or json'),
    ]
    bad_profile = tmp_path / "bad.toml"
    bad_profile.write_text("nmae = 'x'\n", encoding="utf-8")
    cases.append((("trial", "create", "X", "--db", str(tmp_path / "x.sqlite"), "--profile", str(bad_profile)),
                  "unknown key"))
    run(capsys, "subject", "add", "S-1", "--site", "FR01", "--db", created)
    cases.append((("subject", "add", "S-1", "--site", "FR01", "--db", created), "subject 'S-1' already exists"))
    for argv, message in cases:
        status, _, err = run(capsys, *argv)
        assert status == 2, argv
        assert err.startswith("error: ") and err.count("\n") == 1 and message in err, (argv, err)


def test_reads_list_and_audit_export(created: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with TrialStore.open(created) as store:
        store.add_site("FR01")
        store.add_subject("S-001", "FR01")
        baseline = store.add_timepoint("S-001", "Baseline", date(2024, 1, 5))
        for role in (ReaderRole.CENTRAL_READER_1, ReaderRole.CENTRAL_READER_2):
            reader = store.add_reader(f"Dr {role.value}", role, "pin-1234")
            session = store.reader_session(reader.uid, "S-001", password="pin-1234")
            lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
        session.set_status(lesion.uid, baseline.uid, Status.NOT_ASSESSED, reason="image missing")
        session.sign(baseline.uid, "pin-1234")
        entries = len(store.audit_entries())
    status, out, _ = run(capsys, "reads", "list", "--db", created, "--json")
    rows = json.loads(out)
    assert status == 0 and [(r["subject_id"], r["role"], r["signed"], r["accepted"]) for r in rows] == [
        ("S-001", "central_reader_1", "0/1", False), ("S-001", "central_reader_2", "1/1", False)]
    status, text, _ = run(capsys, "reads", "list", "--db", created, "--subject", "S-001")
    assert status == 0 and text.splitlines()[0].split() == ["subject_id", "reader", "role", "signed", "accepted",
                                                            "read_uid"]
    assert len(text.splitlines()) == 3 and "T01" not in text  # reads, never their lesions
    status, out, _ = run(capsys, "audit", "export", "--db", created, "--out", str(tmp_path / "audit.json"))
    assert status == 0 and f"Wrote {entries} audit entries" in out and "hash chain verified" in out
    exported = json.loads((tmp_path / "audit.json").read_text(encoding="utf-8"))["entries"]
    assert len(exported) == entries and exported[-1]["action"] == "sign"
    assert run(capsys, "audit", "export", "--db", created, "--out", str(tmp_path / "audit.csv"))[0] == 0
    assert (tmp_path / "audit.csv").read_text(encoding="utf-8").count("\n") == entries + 1
    status, out, _ = run(capsys, "audit", "verify", "--db", created)
    assert status == 0 and out.startswith(f"audit verify: {entries} entries, ")
    assert out.endswith("everything is explained\n")  # the log explains every row of the database


@pytest.mark.shared_data
def test_import_dicom_dry_run_then_import(created: str, capsys: pytest.CaptureFixture[str]) -> None:
    require(LUNG.is_dir(), f"shared data {LUNG} is missing; clone ../shared beside the project")
    for subject in ("Lung_Dx-A0001", "Lung_Dx-A0002"):
        assert run(capsys, "subject", "add", subject, "--site", "TCIA", "--db", created)[0] == 0
    with TrialStore.open(created) as store:
        entries = len(store.audit_entries())
    status, out, err = run(capsys, "import-dicom", str(LUNG), "--dry-run", "--db", created)
    lines = out.splitlines()
    assert (status, err) == (0, "") and len(lines) == 4
    assert sum("Lung_Dx-A0001  2007-04-04" in line for line in lines) == 2
    assert "Lung_Dx-A0002  2007-04-25" in lines[2] and "attach (new time point BASELINE)" in lines[2]
    assert lines[-1].startswith("Dry run: 3 series to attach (2 new time point(s))") and "nothing written" in lines[-1]
    with TrialStore.open(created) as store:  # the dry run wrote nothing
        assert len(store.audit_entries()) == entries and store.timepoints("Lung_Dx-A0001") == ()

    status, out, _ = run(capsys, "import-dicom", str(LUNG), "--db", created)
    assert status == 0 and out.splitlines()[-1].endswith("3 series attached.")
    with TrialStore.open(created) as store:
        (first,) = store.timepoints("Lung_Dx-A0001")
        assert first.scan_date.isoformat() == "2007-04-04" and len(first.series) == 2
        link = first.series[0]
        assert link.modality == "CT" and link.slice_thickness_mm == 5.0 and Path(link.path).is_dir()
        assert link.frame_of_reference_uid
        assert {e.actor_name for e in store.audit_entries()[entries:]} == {database_login(created)}
    status, out, _ = run(capsys, "import-dicom", str(LUNG), "--dry-run", "--db", created)
    assert out.splitlines()[-1].startswith("Dry run: 0 series to attach (0 new time point(s)), 3 already attached")


@pytest.mark.shared_data
def test_unknown_patients_are_skipped_with_the_reason(created: str, capsys: pytest.CaptureFixture[str]) -> None:
    require(LUNG.is_dir(), f"shared data {LUNG} is missing; clone ../shared beside the project")
    status, out, _ = run(capsys, "import-dicom", str(LUNG / "Lung_Dx-A0002"), "--db", created)
    assert status == 0 and "skip: no subject 'Lung_Dx-A0002' in the trial" in out
    assert out.splitlines()[-1].startswith("Imported: 0 series to attach") and "1 skipped" in out


def test_trial_reader_add_reads_the_password_from_stdin(created: str, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: readers are added without a password on the command line; --json for scripts."""
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    status, out, err = run(capsys, "trial", "reader", "add", "Dr Central", "--role", "central_reader_1",
                           "--password-stdin", "--json", "--db", created)
    added = json.loads(out)
    assert (status, err) == (0, "")
    with TrialStore.open(created) as store, store.db.read() as session:  # PostgreSQL: the reader's login role
        prefix = db_roles.role_prefix("STEREOSARC", db_roles.schemas(session)[0]) \
            if store.db.dialect == "postgresql" else None
    assert (added["name"], added["role"]) == ("Dr Central", "central_reader_1")
    assert added["db_role"] is None if prefix is None else re.fullmatch(rf"{prefix}_r[0-9a-f]{{8}}", added["db_role"])
    with TrialStore.open(created) as store:
        assert store.authenticate("Dr Central", "correct horse battery").uid == added["reader_id"]
        assert store.audit_entries()[-1].actor_name == database_login(created)
    monkeypatch.setattr("sys.stdin", io.StringIO("another secret\n"))
    status, out, _ = run(capsys, "trial", "reader", "add", "Dr Adjudicator", "--role", "adjudicator",
                         "--password-stdin", "--db", created)
    login = rf"; their workstation connects as database role {prefix}_r[0-9a-f]{{8}}" if prefix else ""
    assert status == 0 and re.fullmatch(rf"Added reader Dr Adjudicator \(adjudicator\) to STEREOSARC{login}\n", out)


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (("Dr X", "--role", "central_reader_1", "--password-stdin"), "ab\n", "at least"),
    (("Dr X", "--role", "central_reader_1"), "", '"--password-stdin"'),
])
def test_trial_reader_add_refuses_bad_input(created: str, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...], stdin: str,
                                           message: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status, out, err = run(capsys, "trial", "reader", "add", *argv, "--db", created)
    assert (status, out) == (2, "") and len(err.strip().splitlines()) == 1 and message in err
    with TrialStore.open(created) as store:
        assert "Dr X" not in {reader.name for reader in store.readers()}


def test_trial_reader_add_refuses_a_duplicate_name(created: str, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for expected in (0, 2):
        monkeypatch.setattr("sys.stdin", io.StringIO("a good password\n"))
        status, _, err = run(capsys, "trial", "reader", "add", "Dr Y", "--role", "admin", "--password-stdin",
                             "--db", created)
        assert status == expected
    assert "Dr Y" in err and len(err.strip().splitlines()) == 1


def test_trial_info_counts_time_points_with_images(created: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 12: ``timepoints`` counts the time points that have images (0 for a subject still without)."""
    with TrialStore.open(created) as store:
        store.add_site("FR01")
        store.add_subject("S-002", "FR01")
        planned = store.add_timepoint("S-002", "BASELINE", date(2024, 1, 5))
        store.add_timepoint("S-002", "WEEK 6", date(2024, 2, 16))
        store.attach_series(planned.uid, study_uid="1.2.3", series_uid="1.2.3.4", path="/nowhere")
    info = json.loads(run(capsys, "trial", "info", "--db", created, "--json")[1])
    assert info["subjects"] == [{"subject_id": "S-002", "site": "FR01", "arm": "", "timepoints": 1}]


COVID = SHARED_DIR / "data" / "ct" / "covid19_ny_sbu_A002304_two_timepoints"


@pytest.mark.shared_data
def test_import_dicom_adds_unknown_patients_as_subjects(created: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 12: ``--add-subjects --site`` makes each Patient ID a subject; each study date one time point,
    the earliest the baseline; a subject registered before its images keeps 0 time points."""
    require(LUNG.is_dir() and COVID.is_dir(), "shared data is missing; clone ../shared beside the project")
    assert run(capsys, "subject", "add", "STS-WAITING", "--site", "FR01", "--db", created)[0] == 0
    status, out, err = run(capsys, "import-dicom", str(LUNG), str(COVID), "--add-subjects", "--site", "TCIA",
                           "--db", created)
    assert (status, err) == (0, "") and "new subject at TCIA" in out and "→ skip" not in out
    info = json.loads(run(capsys, "trial", "info", "--db", created, "--json")[1])
    assert info["sites"] == ["FR01", "TCIA"]
    assert {(s["subject_id"], s["site"], s["timepoints"]) for s in info["subjects"]} == {
        ("STS-WAITING", "FR01", 0), ("Lung_Dx-A0001", "TCIA", 1), ("Lung_Dx-A0002", "TCIA", 1),
        ("A002304", "TCIA", 2)}
    with TrialStore.open(created) as store:
        visits = [(tp.visit, tp.scan_date.isoformat(), len(tp.series)) for tp in store.timepoints("A002304")]
        assert sorted(visits, key=lambda v: v[1]) == [("BASELINE", "1900-12-31", 3), ("UNSCHEDULED", "1901-01-12", 3)]


def test_import_dicom_add_subjects_needs_a_site(created: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "import-dicom", str(tmp_path), "--add-subjects", "--db", created)
    assert (status, out) == (2, "") and '"--site"' in err and len(err.strip().splitlines()) == 1
