"""The ``plots`` export format (issue 7; ``FORMATS["plots"]`` of :mod:`recist_app.exports.runner`).

Under ``plots/`` it writes PNG (150 dpi) and SVG of each read's subject plot (``subjects/<subject>_<reader>.png``)
and, per reader, of the three trial plots (``trial/<plot>_<reader>.png``), the engine and rules versions in each
file's metadata and footer (:mod:`recist_app.exports.plots.charts` draws them).

This module stays light: the export's process names the figures here and the worker processes draw them (issue 18).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from recist_app.exports.files import ExportedFile, describe
from recist_app.exports.parallel import InWorker, parallel_map
from recist_app.exports.plots.data import ReadPlotData, by_evaluator, from_exported

if TYPE_CHECKING:
    from recist_app.exports.collect import TrialData
    from recist_app.exports.job import ExportJob

PLOTS_FOLDER = "plots"
#: The trial plots by name, with their titles.
TITLES = {"spider": "Spider plot: change from baseline in the sum of target-lesion diameters",
          "waterfall": "Waterfall plot: best change from baseline in the sum of target-lesion diameters",
          "swimmer": "Swimmer plot: time on study and responses"}
SUBJECT_PLOT = "subject plot"


@dataclass(frozen=True)
class PlotTask:
    """One figure of the ``plots`` format to draw and save as ``stem.png`` and ``stem.svg`` (in a worker process): a
    read's subject plot, or a trial plot (``kind`` a name of :data:`TITLES`) of one reader's reads."""

    stem: Path
    kind: str
    provenance: str
    reads: tuple[ReadPlotData, ...]
    title: str = ""


_DRAW: InWorker[PlotTask, list[Path]] = InWorker("recist_app.exports.plots.charts", "draw_plot")


def write_plots(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
    """The ``plots`` format: PNG and SVG of every subject plot and of each reader's trial plots."""
    return start_plots(data, job)()


def start_plots(data: TrialData, job: ExportJob) -> Callable[[], tuple[ExportedFile, ...]]:
    """:func:`write_plots` in two steps: hand the figures to the job's worker pool now; the function returned waits
    for them (a step per subject plot) and returns the files. The export's own formats run in between."""
    provenance = provenance_of(data)
    plots = [from_exported(read) for read in data.reads]
    # The trial plots first: the largest figures start while the subject plots fill the other workers.
    tasks = [PlotTask(trial_plot_png(job.folder, name, evaluator).with_suffix(""), name, provenance, group,
                      f"{title}\n{data.trial.code} · {group[0].reader_label} · {len(group)} subject(s)")
             for evaluator, group in by_evaluator(plots).items() for name, title in TITLES.items()]
    tasks += [PlotTask(subject_plot_png(job.folder, plot).with_suffix(""), SUBJECT_PLOT, provenance, (plot,))
              for plot in plots]
    results = parallel_map(_DRAW, tasks, job)

    def finish() -> tuple[ExportedFile, ...]:
        files: list[ExportedFile] = []
        for task, paths in zip(tasks, results, strict=True):
            files.extend(describe(path, job.folder, f"plot-{path.suffix[1:]}", None) for path in paths)
            if task.kind == SUBJECT_PLOT:
                job.step()
        return tuple(files)

    return finish


def provenance_of(data: TrialData) -> str:
    """The provenance every plot carries in its footer and metadata: trial, engine and rules versions, export time."""
    return f"{data.trial.code} · engine {data.engine_version} · rules {data.rules_version} · exported " \
           f"{data.exported_at} UTC"


def slug(text: str) -> str:
    """A file-name part: lower case, letters, digits and hyphens ('RADIOLOGIST 1' → 'radiologist-1')."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "read"


class _ReadIdentity(Protocol):
    """What names a read's files: a read's plot data, or the export's read itself."""

    @property
    def subject_id(self) -> str: ...
    @property
    def evaluator(self) -> str: ...
    @property
    def evaluator_id(self) -> str: ...


def read_stem(read: _ReadIdentity) -> str:
    """File stem of a read: the subject id as given and the reader ('STS-001_investigator')."""
    subject = re.sub(r"[^A-Za-z0-9.-]+", "-", read.subject_id).strip("-.") or "subject"
    return f"{subject}_{slug(read.evaluator_id or read.evaluator)}"


def trial_plot_png(folder: Path, name: str, evaluator: str) -> Path:
    """Where the ``plots`` format in export folder ``folder`` writes the PNG of trial plot ``name`` of the reads of
    ``evaluator`` (the evaluator id, or the evaluator when there is none: :func:`by_evaluator`)."""
    return folder / PLOTS_FOLDER / "trial" / f"{name}_{slug(evaluator)}.png"


def subject_plot_png(folder: Path, read: _ReadIdentity) -> Path:
    """Where the ``plots`` format in export folder ``folder`` writes the PNG of ``read``'s subject plot."""
    return folder / PLOTS_FOLDER / "subjects" / f"{read_stem(read)}.png"
