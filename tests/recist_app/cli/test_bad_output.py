"""Issue 13: ``--out`` of ``assess``, ``bor`` and ``audit export`` naming an existing file or folder of
the wrong kind, or an unwritable place, ends with exit 2 and one line naming the path; never a
traceback (``recist_app.cli.output_paths``). Tests run as root too, so "unwritable" is a path
under an existing file, or an OSError injected while writing.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from recist_app.cli.commands import assess as assess_command
from recist_app.cli.commands import bor as bor_command
from tests.recist_app.cli.contract import assert_refused, run_cli
from tests.recist_app.cli.test_bad_sdtm_assess import files, study
from tests.recist_app.cli.test_bor_cli import RS_COLUMNS, rs_row, write_csv


def assess_argv(tmp_path: Path, out: Path) -> list[str]:
    argv = files(tmp_path, *study())
    argv[argv.index("--out") + 1] = str(out)
    return argv


def bor_argv(tmp_path: Path, out: Path) -> list[str]:
    rs = write_csv(tmp_path / "rs.csv", RS_COLUMNS, [rs_row("S-1", "2014-03-06", "PR")])
    subjects = write_csv(tmp_path / "subjects.csv", ["USUBJID", "RANDDT", "TRTSDT"],
                         [{"USUBJID": "S-1", "RANDDT": "2014-01-02", "TRTSDT": "2014-01-02"}])
    return ["bor", "--rs", str(rs), "--subjects", str(subjects), "--out", str(out)]


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "existing.txt"
    path.write_text("keep me\n", encoding="utf-8")
    return path


def test_assess_out_naming_an_existing_file(tmp_path: Path, a_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, *assess_argv(tmp_path, a_file))
    assert_refused(result, a_file, None, "names an existing file, not a folder")
    assert a_file.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("make_argv", [assess_argv, bor_argv], ids=["assess", "bor"])
def test_out_under_a_file_is_refused(tmp_path: Path, a_file: Path, capsys: pytest.CaptureFixture[str],
                                     make_argv) -> None:
    out = a_file / "sub" / "out.csv"
    assert_refused(run_cli(capsys, *make_argv(tmp_path, out)), out, None, f"{a_file} is a file")


def test_bor_out_naming_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    assert_refused(run_cli(capsys, *bor_argv(tmp_path, folder)), folder, None, "names a folder")
    assert list(folder.iterdir()) == []


def test_bor_out_naming_an_existing_file_replaces_it(tmp_path: Path, a_file: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, *bor_argv(tmp_path, a_file))[0] == 0
    assert a_file.read_text(encoding="utf-8").startswith("USUBJID,RSEVAL,RSEVALID,PARAMCD")


@pytest.mark.parametrize(("module", "make_argv", "name"), [(assess_command, assess_argv, "out"),
                                                          (bor_command, bor_argv, "bor.csv")], ids=["assess", "bor"])
def test_write_failure_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                   module, make_argv, name: str) -> None:
    def disk_full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(module, "write_csv" if module is assess_command else "write_table", disk_full)
    out = tmp_path / name
    assert_refused(run_cli(capsys, *make_argv(tmp_path, out)), out, None, "No space left on device")


# --- audit export ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trial_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("audit") / "trial.sqlite")
    from recist_app.cli import main

    assert main(["trial", "create", "T1", "--db", db, "--name", "Audit test"]) == 0
    return db


def test_audit_export_into_a_missing_folder_creates_it(tmp_path: Path, trial_db: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "new" / "folder" / "audit.csv"
    code, stdout, err = run_cli(capsys, "audit", "export", "--db", trial_db, "--out", str(out))
    assert (code, err) == (0, "")
    assert f"audit entries to {out}" in stdout
    assert out.is_file() and out.read_text(encoding="utf-8").count("\n") >= 2  # a header and an entry


@pytest.mark.parametrize("where", ["under_a_file", "a_folder"])
def test_audit_export_to_an_impossible_place(tmp_path: Path, trial_db: str, a_file: Path, where: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = a_file / "audit.csv" if where == "under_a_file" else tmp_path
    assert_refused(run_cli(capsys, "audit", "export", "--db", trial_db, "--out", str(out)), out, None,
                   "is a file" if where == "under_a_file" else "names a folder")
