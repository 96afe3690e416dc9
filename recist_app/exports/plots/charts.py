"""The figures of the ``plots`` export format (issue 7), drawn in a worker process: the trial plots (spider,
waterfall, swimmer) of one reader's reads and each read's subject plot.

Every figure is a :class:`~recist_app.exports.plots.vector.Picture` (issue 18: matplotlib laid out and drew each in
about a second, for a layout that does not change), written as PNG (:data:`~recist_app.exports.plots.style.PNG_DPI`)
and SVG with the provenance in its footer and metadata.

- :func:`~recist_app.exports.plots.spider.spider_picture`: % change from baseline over time, one line per read.
- :func:`~recist_app.exports.plots.waterfall.waterfall_picture`: the best % change from baseline per read, sorted.
- :func:`~recist_app.exports.plots.swimmer.swimmer_picture`: time on study with the response at each assessment.
- :func:`~recist_app.exports.plots.subject.subject_picture`: one read's sums and % changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from recist_app.exports.plots.data import ReadPlotData
from recist_app.exports.plots.spider import spider_picture
from recist_app.exports.plots.style import PNG_DPI, REFERENCE_NOTE, write_png
from recist_app.exports.plots.subject import subject_picture
from recist_app.exports.plots.swimmer import swimmer_picture
from recist_app.exports.plots.vector import Picture
from recist_app.exports.plots.waterfall import waterfall_picture
from recist_app.exports.plots.writer import SUBJECT_PLOT, PlotTask

#: The trial plots by name (:data:`~recist_app.exports.plots.writer.TITLES`): reads, title, footer → picture.
TRIAL_PLOTS: dict[str, Callable[[Sequence[ReadPlotData], str, str], Picture]] = {
    "spider": spider_picture, "waterfall": waterfall_picture, "swimmer": swimmer_picture}


def trial_plot(name: str, reads: Sequence[ReadPlotData], title: str, provenance: str) -> Picture:
    """Trial plot ``name`` of ``reads``, ``provenance`` (and, but for the swimmer, the reference lines' meaning) in
    its footer."""
    parts = (f"{provenance}." if provenance else "", REFERENCE_NOTE if name != "swimmer" else "")
    return TRIAL_PLOTS[name](reads, title, " ".join(part for part in parts if part))


def draw_plot(task: PlotTask) -> list[Path]:
    """Draw ``task``'s figure and save it as PNG and SVG (a worker's task of
    :func:`~recist_app.exports.plots.writer.write_plots`); return the two paths."""
    if task.kind == SUBJECT_PLOT:
        (read,) = task.reads
        picture, name = subject_picture(read, task.provenance), f"Subject {read.subject_id}"
        description = f"subject plot {read.subject_id}; {task.provenance}"
    else:
        picture, name = trial_plot(task.kind, task.reads, task.title, task.provenance), task.title.split("\n")[0]
        description = f"{task.kind}; {task.provenance}"
    return list(save_picture(picture, task.stem, name, description))


def save_picture(picture: Picture, stem: Path, title: str, description: str) -> tuple[Path, Path]:
    """Write ``stem.png`` (:data:`PNG_DPI`) and ``stem.svg`` of ``picture``, ``description`` in their metadata."""
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    stem.parent.mkdir(parents=True, exist_ok=True)
    write_png(picture.png(PNG_DPI), png, description)
    svg.write_text(picture.svg(title, description), encoding="utf-8")
    return png, svg
