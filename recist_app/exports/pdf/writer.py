"""The ``pdf`` export format (issue 7; ``FORMATS["pdf"]`` of :mod:`recist_app.exports.runner`).

``pdf/<subject>_<reader>.pdf`` per read and ``pdf/trial_report.pdf`` with all of them, bookmarked, after the trial
summary (response and PFS by arm; issue 18). :mod:`recist_app.exports.pdf.report` draws the pages.

This module stays light: the export's process plans the work here and joins the parts at the end; the worker
processes draw every page and picture, so that only they import ReportLab (issue 18).
"""

from __future__ import annotations

import dataclasses
import importlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from recist_app.exports.files import ExportedFile, describe
from recist_app.exports.parallel import InWorker, parallel_map
from recist_app.exports.plots.data import ReadPlotData, by_evaluator, from_exported
from recist_app.exports.plots.writer import TITLES, read_stem, subject_plot_png, trial_plot_png
from recist_app.exports.trial_summary import trial_summary

if TYPE_CHECKING:
    from recist_app.exports.collect import ExportedRead, TrialData
    from recist_app.exports.job import ExportJob

PDF_FOLDER = "pdf"
TRIAL_REPORT = "trial_report.pdf"
REPORT_TITLE = "Tumour response report"


@dataclass(frozen=True)
class TrialPlotTask:
    """One trial plot of the summary (a name of :data:`~recist_app.exports.plots.writer.TITLES`) over the analysed
    reads, to draw as JPEG bytes."""

    name: str
    reads: tuple[ReadPlotData, ...]
    title: str


@dataclass(frozen=True)
class ReadPdfTask:
    """One read's PDF at ``path``: its pictures, then its pages (``data``: what they need of the trial; ``plot_png``:
    the ``plots`` format's subject plot, when it drew it)."""

    read: ExportedRead
    path: Path
    data: TrialData
    plot_png: Path | None = None


@dataclass(frozen=True)
class SummaryPdfTask:
    """The trial summary's pages at ``path``, with its plots as JPEG ``pictures`` or the ``plots`` format's ``pngs``."""

    data: TrialData
    path: Path
    pictures: tuple[bytes, ...] = ()
    pngs: tuple[Path, ...] = ()


PdfTask = TrialPlotTask | ReadPdfTask | SummaryPdfTask
#: What a task gives back: a plot's JPEG, a read's PDF and its notes, the summary's PDF.
PdfResult = bytes | tuple[Path, tuple[str, ...]] | Path
_RUN: InWorker[PdfTask, PdfResult] = InWorker("recist_app.exports.pdf.report", "run_task")


def write_pdf(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
    """The ``pdf`` format: one PDF per read and the trial summary, drawn in the worker processes
    (:func:`parallel_map`), then the trial report: the summary's pages and every read's PDF joined as they are,
    their bookmarks kept."""
    folder = job.folder / PDF_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    light = dataclasses.replace(data, reads=(), subjects=())  # what a read's pages need of the trial
    reads = [ReadPdfTask(read, folder / f"{read_stem(read)}.pdf", light, _drawn(subject_plot_png(job.folder, read)))
             for read in data.reads]
    if not reads:
        return ()
    with tempfile.TemporaryDirectory(prefix="recist-pdf-") as scratch:
        summary = Path(scratch) / "summary.pdf"
        drawn = drawn_summary_plots(data, job.folder)
        plots = [] if drawn is not None else summary_plots(data)
        first: list[PdfTask] = [SummaryPdfTask(data, summary, pngs=tuple(drawn))] if drawn is not None else [*plots]
        results = parallel_map(_RUN, [*first, *reads], job)  # the largest work first
        importlib.import_module("pypdf")  # for the join at the end, imported while the workers draw (0.1 s)
        pictures = tuple(cast(bytes, next(results)) for _ in plots)
        summary_drawn = parallel_map(_RUN, [SummaryPdfTask(data, summary, pictures)], job) if plots else iter(())
        paths: list[Path] = []
        for result in results:
            if isinstance(result, tuple):  # a read's PDF (the other result is the summary's)
                path, notes = result
                for note in notes:
                    job.note(note)
                paths.append(path)
                job.step()
        files = [describe(path, job.folder, "pdf", None) for path in paths]
        list(summary_drawn)
        job.check()
        report = folder / TRIAL_REPORT
        join_pdfs(report, [summary, *paths], f"{REPORT_TITLE}: {data.trial.code}", data)
    return (*files, describe(report, job.folder, "pdf", None))


def summary_plots(data: TrialData) -> list[TrialPlotTask]:
    """The spider, waterfall and swimmer plots of the trial summary: of the reads it analyses."""
    reads = tuple(from_exported(data.read_of(*key)) for key in trial_summary(data).analysed)
    return [TrialPlotTask(name, reads, f"{title}\n{data.trial.code} · {len(reads)} subject(s)")
            for name, title in TITLES.items()]


def drawn_summary_plots(data: TrialData, folder: Path) -> list[Path] | None:
    """The PNGs of the summary's plots when the ``plots`` format in export folder ``folder`` drew them already: when
    one reader's trial plots cover exactly the reads the summary analyses (a trial read by its investigators)."""
    analysed = set(trial_summary(data).analysed)
    for evaluator, group in by_evaluator(from_exported(read) for read in data.reads).items():
        if {(read.subject_id, read.evaluator, read.evaluator_id) for read in group} == analysed:
            pngs = [trial_plot_png(folder, name, evaluator) for name in TITLES]
            return pngs if all(png.is_file() for png in pngs) else None
    return None


def _drawn(png: Path) -> Path | None:
    """``png`` when the export's ``plots`` format has written it (it runs first: the PDF reuses its subject plots)."""
    return png if png.is_file() else None


def join_pdfs(path: Path, parts: Sequence[Path], title: str, data: TrialData) -> None:
    """``parts`` one after another in ``path``, each part's bookmarks under its own (pypdf copies pages and images
    as they are: nothing is drawn or compressed again)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(str(part), import_outline=True)
    writer.add_metadata({"/Title": title, "/Author": "recist-workstation",
                         "/Subject": f"{data.trial.code} tumour response",
                         "/Creator": f"recist-workstation (engine {data.engine_version})"})
    with open(path, "wb") as handle:
        writer.write(handle)
