"""The waterfall plot (issue 7, drawn without matplotlib since issue 18): the best (smallest) % change from baseline
of each read, sorted, in three panels (all targets, in-field, out-of-field).

Each panel's bars take that panel's own best response: the BOR for all targets, the subset's best target response
in-field and out-of-field (ADRS BORIRR / BORNIR). Past :data:`MAX_BAR_VALUES` bars the values, past
:data:`MAX_BAR_LABELS` the subject ids give way to the bars; reads without a value are listed under the bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from assessment.rationale import pct
from recist_app.exports.plots.data import PlotSubset, ReadPlotData
from recist_app.exports.plots.panels import (
    TITLE_PT,
    Axes,
    axis_labels,
    frame,
    grid_and_ticks,
    labelled,
    no_data,
    reference_labels_width,
    reference_lines,
    tick_labels_width,
    ticks,
    y_gutter,
)
from recist_app.exports.plots.style import category_colour, pct_limits
from recist_app.exports.plots.trial_frame import NO_DATA, PANELS, bor_entries, columns, edges, trial_frame
from recist_app.exports.plots.vector import Picture, Stroke, text_width

#: Up to this many bars, each carries its value; up to :data:`MAX_BAR_LABELS`, the axis names each subject.
MAX_BAR_VALUES = 25
MAX_BAR_LABELS = 60
#: Past this many bars, the subject ids stand upright.
MAX_LEVEL_LABELS = 8
_NOT_SHOWN_LISTED = 12


def waterfall_picture(reads: Sequence[ReadPlotData], heading: str, note: str) -> Picture:
    """The waterfall plot of ``reads``: ``heading`` on top, ``note`` (provenance) in the footer."""
    bars = [_bars(reads, subset) for subset in PANELS]
    most = max(len(panel) for panel in bars)
    label_pt = 8.0 if most <= MAX_BAR_VALUES else 5.5
    upright = most > MAX_LEVEL_LABELS
    longest = max((text_width(read.subject_id, label_pt) for read in reads), default=0.0)
    below = (longest if upright else label_pt * 1.2) if most <= MAX_BAR_LABELS else 0.0
    low, high = pct_limits([float(value) for panel in bars for _, value in panel])
    room = 0.1 * (high - low)
    y_range = (low - room, high + room)
    y_ticks = labelled(ticks(*y_range, 8))
    result = trial_frame(14.0, 5.6 if most <= MAX_BAR_VALUES else 6.4, heading, note,
                         bor_entries(reads, patch=True, subsets=True), 6,
                         legend_title="Bar colour: the panel's best response (RECIST 1.1 overall; in-field and "
                                      "out-of-field: the subset's best target response)",
                         room_below_pt=below + 30.0)
    picture = result.picture
    labels_width = tick_labels_width(y_ticks)
    left, right = edges(result, y_gutter(labels_width), reference_labels_width())
    for index, ((panel_left, panel_right), subset, shown) in enumerate(
            zip(columns(left, right, 3, 12.0), PANELS, bars, strict=True)):
        axes = Axes(panel_left, result.top, panel_right, result.bottom, (-0.8, max(len(shown), 3) - 0.2), y_range)
        picture.group(f"waterfall-{subset.name.lower()}")
        x_ticks = [(float(x), read.subject_id) for x, (read, _) in enumerate(shown)] \
            if len(shown) <= MAX_BAR_LABELS else []
        grid_and_ticks(picture, axes, x_ticks=x_ticks, y_ticks=[(v, t if index == 0 else "") for v, t in y_ticks],
                       x_grid=False, x_size_pt=label_pt, upward_x_labels=upright)
        x_label = "Subject" if len(shown) <= MAX_BAR_LABELS else f"{len(shown)} subjects, sorted by change"
        axis_labels(picture, axes, x_label=x_label, x_label_below_pt=below + 24.0, y_labels_width=labels_width,
                    y_label="Best change from baseline in sum of diameters (%)" if index == 0 else "")
        picture.text(axes.middle[0], axes.top - 6, subset.panel_title, TITLE_PT, align="middle")
        reference_lines(picture, axes, labels=index == len(PANELS) - 1)
        _draw_bars(picture, axes, subset, shown)
        if not shown:
            no_data(picture, axes, f"{NO_DATA[subset]}\nin these reads")
        missing = [read.subject_id for read in reads if read.subset(subset).best_pct_change is None]
        if missing:
            listed = ", ".join(missing[:_NOT_SHOWN_LISTED]) + \
                (f" and {len(missing) - _NOT_SHOWN_LISTED} more" if len(missing) > _NOT_SHOWN_LISTED else "")
            picture.text(axes.left + 4, axes.bottom - 4, f"Not shown (no value): {listed}", 7.0, "#555555",
                         vertical="bottom")
        frame(picture, axes)
    return picture


def _bars(reads: Sequence[ReadPlotData], subset: PlotSubset) -> list[tuple[ReadPlotData, Decimal]]:
    """The reads with a value in this panel, from the largest change to the smallest (ties by subject id)."""
    values = [(read, read.subset(subset).best_pct_change) for read in reads]
    return sorted(((read, value) for read, value in values if value is not None),
                  key=lambda item: (-item[1], item[0].subject_id))


def _draw_bars(picture: Picture, axes: Axes, subset: PlotSubset, shown: Sequence[tuple[ReadPlotData, Decimal]]
               ) -> None:
    """A bar per read from zero to its value, in the panel's best response's colour, its value at its end."""
    few = len(shown) <= MAX_BAR_VALUES
    half = (0.7 if few else 0.85) / 2
    zero = axes.y(0)
    for x, (read, value) in enumerate(shown):
        best = read.bor if subset is PlotSubset.ALL else read.subset(subset).best_response or read.bor
        end = axes.y(float(value))
        picture.box(axes.x(x - half), min(zero, end), axes.x(x + half) - axes.x(x - half), abs(end - zero),
                    category_colour(best), edge=Stroke("#333333", 0.6) if few else None,  # many: their gaps part them
                    note=f"{read.subject_id}: {pct(value)} ({best})")
        if few:
            picture.text(axes.x(x), end - 3 if value >= 0 else end + 3, pct(value), 7.5, align="middle",
                         vertical="bottom" if value >= 0 else "top")
