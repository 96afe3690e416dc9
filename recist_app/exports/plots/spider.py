"""The spider plot (issue 7, drawn without matplotlib since issue 18): % change from baseline in the sum of
diameters over time, one line per read, in three panels (all targets, in-field, out-of-field).

The line is solid up to the read's first PD (where RECIST 1.1 stops), then dashed and faded (only iRECIST goes on);
the first PD in the panel is marked ✕; reference lines at −30 % and +20 %. Up to :data:`MAX_LINE_LABELS` reads, the
lines carry their subject ids; past it, they are thinner.
"""

from __future__ import annotations

from collections.abc import Sequence

from assessment.rationale import pct
from recist_app.exports.plots.data import PlotSubset, ReadPlotData, reference_label
from recist_app.exports.plots.panels import (
    TITLE_PT,
    Axes,
    LegendEntry,
    MarkerSample,
    axis_labels,
    frame,
    grid_and_ticks,
    labelled,
    line_stroke,
    no_data,
    reference_labels_width,
    reference_lines,
    tick_labels_width,
    ticks,
    y_gutter,
)
from recist_app.exports.plots.style import CATEGORY_COLOURS, category_colour, pct_limits
from recist_app.exports.plots.trial_frame import NO_DATA, PANELS, bor_entries, columns, edges, trial_frame
from recist_app.exports.plots.vector import Picture, Stroke, over_white

#: Up to this many reads, the spider lines carry their subject ids.
MAX_LINE_LABELS = 20
_PD_EDGE = "#000000"
#: The opacity of a line after the read's first PD.
_FADED = 0.55


def spider_picture(reads: Sequence[ReadPlotData], heading: str, note: str) -> Picture:
    """The spider plot of ``reads``: ``heading`` on top, ``note`` (provenance) in the footer."""
    thin = len(reads) > MAX_LINE_LABELS
    lines = [[_points(read, subset) for read in reads] for subset in PANELS]
    values = [value for panel in lines for points in panel for _, value in points]
    days = [day for panel in lines for points in panel for day, _ in points] or [0.0, 1.0]
    low, high = min(days), max(days)
    x_range = (low - 0.12 * (high - low or 1), high + 0.12 * (high - low or 1))
    y_range = pct_limits(values)
    y_ticks, x_ticks = labelled(ticks(*y_range, 8)), labelled(ticks(*x_range, 9, whole=True))
    any_pd = any(read.subset(subset).first_pd is not None for read in reads for subset in PANELS)
    any_after = any(_until(read, points) < len(points)
                    for panel in lines for read, points in zip(reads, panel, strict=True))
    entries = bor_entries(reads, patch=False)
    if any_pd:
        entries.append(LegendEntry("First PD in this panel", marker=MarkerSample("X", 9.0, CATEGORY_COLOURS["PD"],
                                                                                 Stroke(_PD_EDGE, 0.7))))
    if any_after:
        entries.append(LegendEntry("After the first PD (iRECIST)", line_stroke("#666666", 1.5, "--")))
    result = trial_frame(14.0, 5.6, heading, note, entries, max(len(entries), 1),
                         legend_title="Line colour: best overall response (RECIST 1.1)", room_below_pt=34.0)
    picture = result.picture
    labels_width = tick_labels_width(y_ticks)
    left, right = edges(result, y_gutter(labels_width), reference_labels_width())
    for index, ((panel_left, panel_right), subset, panel) in enumerate(
            zip(columns(left, right, 3, 12.0), PANELS, lines, strict=True)):
        axes = Axes(panel_left, result.top, panel_right, result.bottom, x_range, y_range)
        picture.group(f"spider-{subset.name.lower()}")
        grid_and_ticks(picture, axes, x_ticks=x_ticks, y_ticks=[(v, t if index == 0 else "") for v, t in y_ticks])
        axis_labels(picture, axes, x_label=reference_label(reads), y_labels_width=labels_width,
                    y_label="Change from baseline in sum of diameters (%)" if index == 0 else "")
        picture.text(axes.middle[0], axes.top - 6, subset.panel_title, TITLE_PT, align="middle")
        reference_lines(picture, axes, labels=index == len(PANELS) - 1)
        ends = [_read_line(picture, axes, read, points, thin) for read, points in zip(reads, panel, strict=True)
                if len(points) > 0]
        for read in reads:
            _first_pd(picture, axes, read, subset, thin)
        if not ends:
            no_data(picture, axes, f"{NO_DATA[subset]}\nin these reads")
        if not thin:
            _end_labels(picture, axes, ends)
        frame(picture, axes)
    return picture


def _points(read: ReadPlotData, subset: PlotSubset) -> list[tuple[float, float]]:
    """The (day, % change) of a read's series in a panel (0 at baseline); none when the subset has no data."""
    series = read.subset(subset)
    if not series.has_data:
        return []
    return [(float(p.day), 0.0 if p.is_baseline else float(p.pct_change_baseline or 0)) for p in series.points
            if p.is_baseline or p.pct_change_baseline is not None]


def _until(read: ReadPlotData, points: Sequence[tuple[float, float]]) -> int:
    """How many of ``points`` RECIST 1.1 assesses: up to the read's first PD."""
    last = read.first_pd_day
    return len(points) if last is None else sum(day <= last for day, _ in points)


def _read_line(picture: Picture, axes: Axes, read: ReadPlotData, points: Sequence[tuple[float, float]],
               thin: bool) -> tuple[float, float, str]:
    """A read's line, solid up to its first PD and dashed and faded after it; returns where it ends, in points."""
    colour = category_colour(read.bor)
    placed = [(axes.x(day), axes.y(value)) for day, value in points]
    until = _until(read, points)
    note = f"{read.subject_id} (BOR {read.bor})"
    if until < len(placed):  # measured on after PD (iRECIST): dashed, faded
        picture.line(placed[max(until - 1, 0):], line_stroke(colour, 0.6 if thin else 1.2, "--", alpha=_FADED),
                     note=f"{note}, after the first PD")
        for x, y in placed[until:]:
            picture.marker(x, y, "o", 1.0 if thin else 2.0, over_white(colour, _FADED))
    if until > 1:
        picture.line(placed[:until], Stroke(colour, 0.8 if thin else 1.8), note=note)
    for (x, y), (day, value) in zip(placed[:until], points, strict=False):
        change = f"{value:+.1f} %".replace("-", "−")
        picture.marker(x, y, "o", 1.5 if thin else 4.0, colour, note=f"{read.subject_id}, day {day:.0f}: {change}")
    x, y = placed[-1]
    return x, y, read.subject_id


def _first_pd(picture: Picture, axes: Axes, read: ReadPlotData, subset: PlotSubset, thin: bool) -> None:
    """A ✕ at the read's first PD in this panel."""
    first_pd = read.subset(subset).first_pd
    if first_pd is None or first_pd.pct_change_baseline is None:
        return
    picture.marker(axes.x(first_pd.day), axes.y(float(first_pd.pct_change_baseline)), "X", 6.0 if thin else 11.0,
                   CATEGORY_COLOURS["PD"], edge=Stroke(_PD_EDGE, 0.4 if thin else 0.7),
                   note=f"{read.subject_id}: first PD, day {first_pd.day}, {pct(first_pd.pct_change_baseline)}")


def _end_labels(picture: Picture, axes: Axes, ends: list[tuple[float, float, str]]) -> None:
    """Subject ids at the ends of the lines, nudged apart where ends coincide."""
    gap, x_gap = 0.045 * (axes.bottom - axes.top), 0.06 * (axes.right - axes.left)
    placed: list[tuple[float, float]] = []
    for x, y, label in sorted(ends, key=lambda end: (-end[1], end[2])):  # from the bottom up
        text_y = y
        for other_x, other_y in placed:
            if abs(other_x - x) < x_gap and other_y - text_y < gap:
                text_y = other_y - gap
        placed.append((x, text_y))
        picture.text(x + 0.015 * (axes.right - axes.left), text_y, label, 7.5, "#222222", vertical="middle")
