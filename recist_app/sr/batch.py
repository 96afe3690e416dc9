"""The SRs of many reads (issue 7), written in the export's worker processes (issue 18).

This module stays light: the export's process plans the work here, and only the workers import the SR writer
(:mod:`recist_app.sr.writer`: highdicom and pydicom's code dictionaries, about a second).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from recist_app.exports.parallel import InWorker, parallel_map

if TYPE_CHECKING:
    from recist_app.exports.job import ExportJob
    from recist_app.model.records import ReadSnapshot

_ReadTask = tuple["ReadSnapshot", Path, bool]
_READ_SRS: InWorker[_ReadTask, tuple[list[Path], list[str]]] = InWorker("recist_app.sr.writer", "read_srs")


def write_srs(snapshots: Iterable[ReadSnapshot], out_dir: str | Path, job: ExportJob, *,
              keep_identity: bool = False) -> list[Path]:
    """Write the SR of every read × time point with content into ``out_dir``; return the paths.

    The one path that writes many documents (the ``"sr"`` format of the export runner; later,
    sending to a PACS). Reads are taken as given: pass unblinded snapshots (the trial's visit labels
    and dates). ``job`` gives the progress, the cancel and the notes: a cancel is honoured before
    each read (:class:`~recist_app.exports.errors.ExportCancelledError`), one step is counted
    per read, and a time point whose images cannot be referenced (series not attached, files
    unreadable: :class:`~recist_app.sr.errors.SrExportError`) is skipped with a note, so that the others are still
    written. Removing the files of a cancelled job is the caller's (the runner writes into a
    temporary folder). The reads are written in the job's worker processes when it has them
    (:mod:`recist_app.exports.parallel`).
    """
    return start_srs(snapshots, out_dir, job, keep_identity=keep_identity)()


def start_srs(snapshots: Iterable[ReadSnapshot], out_dir: str | Path, job: ExportJob, *,
              keep_identity: bool = False) -> Callable[[], list[Path]]:
    """:func:`write_srs` in two steps: hand the reads to the job's worker pool now; the function returned waits for
    them (counting the steps and the notes) and returns the paths. The export's own formats run in between."""
    tasks = [(snapshot, Path(out_dir), keep_identity) for snapshot in snapshots]
    results = parallel_map(_READ_SRS, tasks, job)

    def finish() -> list[Path]:
        written: list[Path] = []
        for paths, notes in results:
            written += paths
            for note in notes:
                job.note(note)
            job.step()
        return written

    return finish
