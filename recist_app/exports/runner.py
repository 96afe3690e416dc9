"""``export_trial``: the trial database → one export folder, written whole or not at all (issue 7).

Layout of the output folder::

    manifest.json     trial, subjects, reads, engine and rules versions, export time, and every
                      file with its format, rows and SHA-256
    sdtm/             dm, tu, tr, rs, supptu, supptr (.csv, .xpt, .json), define.xml, subjects.csv   (format "sdtm")
    adam/             adsl, adrs, adtte, adtr (.csv, .xpt, .json), define.xml   (format "adam")
    timeline/         timeline.csv, outcomes.csv, dictionary.csv, timeline.xlsx (format "timeline")

Other formats register in :data:`FORMATS` (``"sr"``, ``"pdf"``, ``"plots"``): a callable
``(data, job) -> tuple[ExportedFile, ...]`` writing under ``job.folder / <its folder>`` (see
:mod:`recist_app.exports.job`). A format whose work goes to the worker pool may instead hand it over and return the
function that waits for it, so that the pool goes from one format's work to the next without waiting
(:data:`START_ORDER`).

Versions in every file: CSVs must stay machine-readable tables (``assess`` and ``bor`` read them
back), so no comment line goes into them; the engine and rules versions and the export time are
in ``manifest.json``, which names every file with its SHA-256, and in the XLSX workbook's
properties and ``about`` sheet.

Atomicity (:mod:`recist_app.exports.swap`): everything is written into a working folder beside the
output folder (``.NAME.<pid>.xxxx.partial``), fsynced, and swapped into place in one step at the end;
an error or a cancel removes it, so a failed export leaves no half-written files, and a killed one
leaves the old export or the new one, never neither (its leftovers go at the next export). An
existing output folder is replaced only when it is empty or a previous export (it holds
``manifest.json``).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recist_app.exports import swap
from recist_app.exports.errors import ExportError
from recist_app.exports.files import ExportedFile, describe
from recist_app.exports.job import ExportJob, ProgressCallback
from recist_app.exports.pool import WorkerPool, export_pool

if TYPE_CHECKING:
    from recist_app.exports.collect import TrialData
    from recist_app.store import TrialStore

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
DEFAULT_FORMATS = ("sdtm", "adam", "timeline")
FormatEnd = Callable[[], tuple[ExportedFile, ...]]
#: A format: ``(data, job)`` → its files; or, for a format whose work goes to the worker pool, the function that waits
#: for that work and returns its files (the export's other formats run meanwhile).
FormatWriter = Callable[["TrialData", ExportJob], tuple[ExportedFile, ...] | FormatEnd]
#: The order the formats start in (others after): the export's own first, written while the worker pool's fork
#: server imports the drawing libraries; then the pool's, the plots ahead of the SRs, so that the SRs keep the
#: workers busy while the PDF waits for the plots it reuses (:data:`NEEDS`).
START_ORDER = ("sdtm", "adam", "timeline", "plots", "sr", "pdf")
#: What a format needs written before it starts: the PDF reuses the pictures of ``plots``.
NEEDS = {"pdf": ("plots",)}

#: The process's file-creation mask (read once: os.umask can only be read by setting it).
_UMASK = os.umask(0)
os.umask(_UMASK)


def _sdtm(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
    from recist_app.sdtm.writer import write_sdtm

    return write_sdtm(data, job)


def _adam(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
    from recist_app.adam.writer import write_adam

    return write_adam(data, job)


def _timeline(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
    from recist_app.exports.timeline_workbook import write_timeline

    return write_timeline(data, job)


def _sr(data: TrialData, job: ExportJob) -> FormatEnd:
    """``sr/``: one DICOM SR per read × time point with content (:func:`recist_app.sr.batch.write_srs`)."""
    from recist_app.sr.batch import start_srs

    written = start_srs((read.snapshot for read in data.reads), job.folder / "sr", job,
                        keep_identity=job.keep_identity)

    def files() -> tuple[ExportedFile, ...]:
        paths = written()
        if job.keep_identity and paths:
            job.note("The SR files carry the patients' identity from the source images (for the site's PACS): "
                     "do not send them to the statistics team.")
        return tuple(describe(path, job.folder, "sr", None) for path in paths)

    return files


def _plots(data: TrialData, job: ExportJob) -> FormatEnd:
    from recist_app.exports.plots.writer import start_plots

    return start_plots(data, job)


def _pdf(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
    from recist_app.exports.pdf.writer import write_pdf

    return write_pdf(data, job)


#: Export formats by name; each writes its own sub-folder of the export.
FORMATS: dict[str, FormatWriter] = {"sdtm": _sdtm, "adam": _adam, "timeline": _timeline, "sr": _sr, "plots": _plots,
                                    "pdf": _pdf}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the folder, its files, what it covered and the notes for the user."""

    out_dir: Path
    manifest: Path
    files: tuple[ExportedFile, ...]
    formats: tuple[str, ...]
    subjects: tuple[str, ...]
    reads: int
    exported_at: str
    engine_version: str
    rules_version: str
    notes: tuple[str, ...] = ()


def export_trial(db: str | Path | TrialStore, out_dir: str | Path, *, subjects: Sequence[str] | None = None,
                 formats: Sequence[str] = DEFAULT_FORMATS, on_progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None, trial_code: str | None = None,
                 keep_identity: bool = False) -> ExportResult:
    """Export a trial (all subjects, or ``subjects``) in ``formats`` into ``out_dir``.

    Parameters
    ----------
    db : str, Path or TrialStore
        A SQLite file, a ``postgresql://`` URL, or an open store (left open). From a worker thread,
        give the path or URL: the export then opens its own connections.
    out_dir : str or Path
        The output folder; replaced whole when it is empty or holds a previous export.
    subjects : sequence of str, optional
        Subject ids to export (all when None).
    formats : sequence of str
        Names of :data:`FORMATS` (default ``sdtm`` and ``timeline``).
    on_progress : callable, optional
        Called with ``(done, total)`` steps as the export advances, in the thread running the export
        (a GUI re-emits it as a signal).
    cancel : threading.Event, optional
        When set, the export stops at the next step with :class:`ExportCancelledError`.
    trial_code : str, optional
        The trial, when the database holds several.
    keep_identity : bool
        DICOM SR files keep the patient and study identity of the source images (to send back to the
        site's PACS); by default they are pseudonymised (:func:`recist_app.sr.writer.pseudonymise`).

    Raises
    ------
    ExportError
        On an unknown format or subject, an output folder that is not an export, or content SDTM
        cannot hold (:class:`CdiscTermError`, :class:`XptConstraintError`); nothing is left behind.
    """
    chosen = _formats(formats)
    out = Path(out_dir).expanduser().absolute()
    swap.recover(out)
    _check_target(out)
    pool = None if _missing_file(db) else export_pool(chosen)  # starts while the store is read and the data derived
    try:
        if isinstance(db, str | Path):
            from recist_app.store import TrialStore

            with TrialStore.open(db, trial_code) as store:
                return _export(store, out, subjects, chosen, on_progress, cancel, keep_identity, pool)
        return _export(db, out, subjects, chosen, on_progress, cancel, keep_identity, pool)
    finally:
        if pool is not None:
            pool.close()


def _missing_file(db: str | Path | TrialStore) -> bool:
    """A database path (not a URL) with no file there: the store refuses it at once, with no pool to wait for."""
    return isinstance(db, str | Path) and "://" not in str(db) and not Path(db).expanduser().is_file()


def _export(store: TrialStore, out: Path, subject_ids: Sequence[str] | None, formats: tuple[str, ...],
            on_progress: ProgressCallback | None, cancel: threading.Event | None, keep_identity: bool,
            pool: WorkerPool | None) -> ExportResult:
    from recist_app.exports.collect import build_trial_data, select_subjects  # after the pool has started

    exported_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    trial, profile = store.trial, store.profile
    subjects = select_subjects(store.subjects(), subject_ids)
    snapshots = store.read_snapshots(subject.subject_id for subject in subjects)
    temporary = swap.working_folder(out)
    try:
        os.chmod(temporary, 0o777 & ~_UMASK)
        job = ExportJob(temporary, len(snapshots) * (1 + len(formats)) + 1, on_progress, cancel,
                        keep_identity=keep_identity, pool=pool)
        job.check()
        data = build_trial_data(trial, profile, subjects, snapshots, exported_at, job.step)
        files = _write_formats(data, job, formats, len(snapshots))
        notes = tuple(dict.fromkeys((*data.notes, *job.notes)))
        _write_manifest(temporary / MANIFEST, data, formats, files, notes)
        job.check()
        _check_target(out)
        swap.publish(temporary, out)
    except BaseException:
        job.stop_work()
        swap.discard(temporary)
        raise
    job.advance_to(job.total)
    return ExportResult(out, out / MANIFEST, tuple(files), formats, tuple(s.subject_id for s in subjects),
                        len(data.reads), exported_at, data.engine_version, data.rules_version, notes)


def _write_formats(data: TrialData, job: ExportJob, formats: tuple[str, ...], steps: int) -> list[ExportedFile]:
    """Every format's files, in ``formats`` order. The formats start in :data:`START_ORDER`, each after what it
    :data:`NEEDS`; a format whose work went to the pool ends when a later one needs it, or at the end. A format counts
    up to ``steps`` progress steps (topped up when it ends)."""
    steps_before = job.done
    pending: dict[str, FormatEnd] = {}
    written: dict[str, tuple[ExportedFile, ...]] = {}

    def ended(name: str, files: tuple[ExportedFile, ...]) -> None:
        written[name] = files
        job.check()
        job.advance_to(steps_before + len(written) * steps)

    rank = {name: index for index, name in enumerate(START_ORDER)}
    for name in sorted(formats, key=lambda name: rank.get(name, len(rank))):
        for needed in NEEDS.get(name, ()):
            if needed in pending:
                ended(needed, pending.pop(needed)())
        result = FORMATS[name](data, job)
        if callable(result):
            pending[name] = result
        else:
            ended(name, result)
    for name, end in pending.items():
        ended(name, end())
    return [file for name in formats for file in written[name]]


def _formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The formats asked for, in :data:`FORMATS` order (the PDF reuses the pictures of ``plots``)."""
    chosen = tuple(name for name in FORMATS if name in formats)
    unknown = [name for name in formats if name not in FORMATS]
    if not chosen or unknown:
        raise ExportError(f'Argument "formats" must name formats among {sorted(FORMATS)}, got {list(formats)!r}.')
    return chosen


def _check_target(out: Path) -> None:
    """Refuse an output path that is a file, or a non-empty folder that is not a previous export."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"the output {out} is a file; give a folder for the export.")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise ExportError(f"the output folder {out} is not empty and holds no previous export ({MANIFEST}); "
                          "give an empty or new folder, so that no other file is replaced.")


def _write_manifest(path: Path, data: TrialData, formats: tuple[str, ...], files: list[ExportedFile],
                    notes: tuple[str, ...]) -> None:
    manifest: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "trial": {"code": data.trial.code, "name": data.trial.name},
        "engine_version": data.engine_version,
        "rules_version": data.rules_version,
        "exported_at": data.exported_at,
        "profile": {"reference_date": data.profile.reference_date,
                    "sha256": sha256(data.trial.profile_toml.encode("utf-8")).hexdigest()},
        "formats": list(formats),
        "subjects": [subject.subject_id for subject in data.subjects],
        "reads": [{"USUBJID": r.subject_id, "EVAL": r.evaluator, "EVALID": r.evaluator_id, "accepted": r.accepted,
                   "signed_timepoints": len(r.signed_timepoint_uids), "timepoints": len(r.visit_numbers)}
                  for r in data.reads],
        "files": [{"path": f.path, "format": f.format, "rows": f.rows, "sha256": f.sha256, "size_bytes": f.size_bytes}
                  for f in files],
        "notes": list(notes),
    }
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
