"""``export_trial``: all or nothing (temporary folder, then move), progress and cancel, the FORMATS
registry, and refusals with typed errors; plus the ``export`` command line."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from recist_app.cli import main
from recist_app.exports import runner
from recist_app.exports.collect import TrialData
from recist_app.exports.errors import ExportCancelledError, ExportError
from recist_app.exports.files import ExportedFile, describe
from recist_app.exports.job import ExportJob
from recist_app.exports.parallel import parallel_map
from recist_app.exports.pool import WORKERS_VARIABLE
from recist_app.exports.runner import FORMATS, export_trial
from recist_app.model.records import ReaderRole
from recist_app.store.errors import DatabaseError
from tests.recist_app.store.scenario import SUBJECT, Trial, apply_full_read, make_trial


@pytest.fixture
def one_read(tmp_path: Path) -> Iterator[Trial]:
    """The scenario trial on SQLite with central reader 1's full read."""
    trial = make_trial(str(tmp_path / "trial.sqlite"))
    apply_full_read(trial.session(ReaderRole.CENTRAL_READER_1), trial.timepoints)
    try:
        yield trial
    finally:
        trial.store.close()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _boom(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
    (job.folder / "boom").mkdir()
    (job.folder / "boom" / "half.csv").write_text("A,B\n1,", encoding="utf-8")
    raise OSError("disk full")


def test_a_failed_export_leaves_nothing_and_keeps_the_previous_export(one_read: Trial, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FORMATS, "boom", _boom)
    out = tmp_path / "export"
    with pytest.raises(OSError, match="disk full"):
        export_trial(one_read.store, out, formats=["sdtm", "boom"])
    assert not out.exists() and _leftovers(tmp_path) == []
    first = export_trial(one_read.store, out)
    before = (out / "manifest.json").read_text(encoding="utf-8")
    with pytest.raises(OSError, match="disk full"):
        export_trial(one_read.store, out, formats=["timeline", "boom"])
    assert (out / "manifest.json").read_text(encoding="utf-8") == before and (out / "sdtm" / "rs.xpt").is_file()
    # sdtm: 11 datasets × (CSV, XPT, JSON), define.xml, subjects.csv; adam: 4 × 3 and define.xml; timeline: 4
    assert _leftovers(tmp_path) == [] and len(first.files) == 35 + 13 + 4


def test_a_new_export_replaces_a_previous_one_whole(one_read: Trial, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export_trial(one_read.store, out)
    (out / "sdtm" / "stale.csv").write_text("old", encoding="utf-8")
    result = export_trial(one_read.store, out, formats=["timeline"])
    assert not (out / "sdtm").exists() and (out / "timeline" / "timeline.xlsx").is_file()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["formats"] == ["timeline"]
    assert result.manifest == out / "manifest.json" and _leftovers(tmp_path) == []


def test_other_folders_and_files_are_never_replaced(one_read: Trial, tmp_path: Path) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportError, match="is not empty and holds no previous export"):
        export_trial(one_read.store, folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    with pytest.raises(ExportError, match="is a file"):
        export_trial(one_read.store, folder / "notes.txt")
    (tmp_path / "empty").mkdir()
    assert export_trial(one_read.store, tmp_path / "empty", formats=["sdtm"]).reads == 1


def test_progress_reaches_the_total_and_cancel_stops_with_nothing_written(one_read: Trial, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    export_trial(one_read.store, tmp_path / "a", on_progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted({d for d, _ in seen})
    cancel = threading.Event()

    def cancel_after_first(done: int, total: int) -> None:
        cancel.set()

    with pytest.raises(ExportCancelledError, match="cancelled"):
        export_trial(one_read.store, tmp_path / "b", on_progress=cancel_after_first, cancel=cancel)
    assert not (tmp_path / "b").exists() and _leftovers(tmp_path) == []
    with pytest.raises(ExportCancelledError):
        export_trial(one_read.store, tmp_path / "c", cancel=cancel)


def test_formats_registry_takes_new_formats(one_read: Trial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def plots(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
        folder = job.folder / "plots"
        folder.mkdir()
        (folder / "reads.txt").write_text(f"{len(data.reads)} read(s)\n", encoding="utf-8")
        job.step()
        job.note("plots are a test")
        return (describe(folder / "reads.txt", job.folder, "plots", None),)

    monkeypatch.setitem(FORMATS, "plots", plots)
    result = export_trial(one_read.store, tmp_path / "out", formats=["plots"])
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert [f["path"] for f in manifest["files"]] == ["plots/reads.txt"] and manifest["notes"] == ["plots are a test"]


def test_pooled_formats_start_first_and_the_pdf_waits_for_the_plots(one_read: Trial, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The plots and SRs hand their work to the pool after the export's own formats, the plots ahead, and are waited
    for only when needed (the SRs fill the workers while the PDF waits for the plots); the manifest lists the files
    in FORMATS order."""
    events: list[str] = []

    def recorded(name: str, pooled: bool) -> runner.FormatWriter:
        def write(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...] | runner.FormatEnd:
            events.append(f"start {name}" if pooled else name)
            (job.folder / f"{name}.txt").write_text(name, encoding="utf-8")
            files = (describe(job.folder / f"{name}.txt", job.folder, name, None),)

            def end() -> tuple[ExportedFile, ...]:
                events.append(f"end {name}")
                return files

            return end if pooled else files

        return write

    for name in ("sdtm", "pdf"):
        monkeypatch.setitem(FORMATS, name, recorded(name, pooled=False))
    for name in ("sr", "plots"):
        monkeypatch.setitem(FORMATS, name, recorded(name, pooled=True))
    result = export_trial(one_read.store, tmp_path / "out", formats=["pdf", "sr", "sdtm", "plots"])
    assert events == ["sdtm", "start plots", "start sr", "end plots", "pdf", "end sr"]
    assert [file.path for file in result.files] == ["sdtm.txt", "sr.txt", "plots.txt", "pdf.txt"]


def mark_later(task: tuple[Path, Path, int]) -> int:
    """A worker's task: wait, then write a file into the export's folder, making it again if it is gone (as the
    drawing formats do), and say that it ran."""
    folder, ran, value = task
    time.sleep(0.2)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{value}.png").touch()
    (ran / f"{value}").touch()
    return value


def test_a_failed_export_stops_the_work_it_handed_to_the_pool(one_read: Trial, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A format failing while the pool draws another's pictures: the tasks not started are dropped and the running
    ones end before the export's folder is removed, so none writes there after."""
    ran = tmp_path / "ran"
    ran.mkdir()

    def plots(data: TrialData, job: ExportJob) -> runner.FormatEnd:
        results = parallel_map(mark_later, [(job.folder / "plots", ran, value) for value in range(40)], job)
        return lambda: tuple(describe(job.folder / "plots" / f"{value}.png", job.folder, "plots", None)
                             for value in results)

    monkeypatch.setenv(WORKERS_VARIABLE, "2")
    monkeypatch.setitem(FORMATS, "plots", plots)
    monkeypatch.setitem(FORMATS, "boom", _boom)
    with pytest.raises(OSError, match="disk full"):
        export_trial(one_read.store, tmp_path / "out", formats=["plots", "boom"])
    started = len(list(ran.iterdir()))
    time.sleep(0.5)  # a task still running would write now, and make the removed folder again
    assert len(list(ran.iterdir())) == started < 40
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


def test_a_missing_database_is_refused_before_any_worker_starts(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong --db is said at once: no worker pool (whose start waits for the fork server's imports) is opened."""
    pools: list[object] = []
    monkeypatch.setattr(runner, "export_pool", lambda formats: pools.append(formats))
    with pytest.raises(DatabaseError, match="No trial database at"):
        export_trial(tmp_path / "none.sqlite", tmp_path / "out", formats=["plots", "pdf"])
    assert pools == [] and not (tmp_path / "out").exists()


def test_bad_arguments_raise_typed_errors(one_read: Trial, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match='"formats" must name formats among'):
        export_trial(one_read.store, tmp_path / "x", formats=["pdfs"])
    with pytest.raises(ExportError, match='"formats"'):
        export_trial(one_read.store, tmp_path / "x", formats=[])
    with pytest.raises(ExportError, match=r"unknown \['S-404'\]"):
        export_trial(one_read.store, tmp_path / "x", subjects=[SUBJECT, "S-404"])
    assert not (tmp_path / "x").exists()


def test_two_investigator_reads_of_one_subject_cannot_be_told_apart(one_read: Trial, tmp_path: Path) -> None:
    store = one_read.store
    apply_full_read(one_read.session(ReaderRole.SITE_RADIOLOGIST), one_read.timepoints)
    other = store.add_reader("Second site reader", ReaderRole.SITE_RADIOLOGIST, "pin-2")
    apply_full_read(store.reader_session(other.uid, SUBJECT, password="pin-2"), one_read.timepoints)
    with pytest.raises(ExportError, match="two reads by the INVESTIGATOR"):
        export_trial(store, tmp_path / "x")
    assert _leftovers(tmp_path) == [] and not (tmp_path / "x").exists()


def test_untouched_reads_are_skipped_and_a_path_opens_the_store(one_read: Trial, tmp_path: Path) -> None:
    one_read.session(ReaderRole.CENTRAL_READER_2)  # created, nothing recorded
    result = export_trial(str(tmp_path / "trial.sqlite"), tmp_path / "out", formats=["sdtm"])
    assert result.reads == 1 and result.subjects == (SUBJECT,)


def test_command_line(one_read: Trial, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, out = str(tmp_path / "trial.sqlite"), tmp_path / "cli"
    assert main(["export", "--db", db, "--out", str(out), "--subjects", SUBJECT, "--format", "sdtm", "timeline"]) == 0
    printed = capsys.readouterr().out
    assert "  sdtm/rs.xpt (sdtm-xpt, 32 rows)" in printed and "timeline/timeline.xlsx" in printed
    assert "export: 39 files for 1 subject(s), 1 read(s) written to" in printed
    assert main(["export", "--db", db, "--out", str(tmp_path / "bad"), "--subjects", "S-404"]) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: Argument "subjects"') and err.count("\n") == 1
    with pytest.raises(SystemExit):
        main(["export", "--db", db, "--out", str(out), "--format", "nope"])
    assert "invalid choice" in capsys.readouterr().err
    assert set(runner.FORMATS) >= {"sdtm", "timeline", "sr", "plots", "pdf"}


def test_a_trial_without_reads_exports_empty_tables(tmp_path: Path) -> None:
    trial = make_trial(str(tmp_path / "empty.sqlite"))
    try:
        result = export_trial(trial.store, tmp_path / "out")
    finally:
        trial.store.close()
    rows = {f.path: f.rows for f in result.files}
    assert rows["sdtm/tu.xpt"] == rows["sdtm/rs.csv"] == rows["timeline/timeline.csv"] == 0
    assert rows["sdtm/subjects.csv"] == 1 and result.reads == 0
