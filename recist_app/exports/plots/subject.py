"""The per-subject plot of one read: sum of diameters and % change from baseline over time.

Left: the sum of diameters (mm) of all target lesions, of the irradiated (in-field) and of the
non-irradiated (out-of-field) ones, with the protocol response at each follow-up, the SBRT
windows shaded and the first PD marked. Right: the same three series as % change from baseline
with the −30 % / +20 % reference lines. Used by the PNG/SVG export and the PDF report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from recist_app.exports.plots.data import PlotSubset, ReadPlotData, SubsetSeries
from recist_app.exports.plots.style import (
    CATEGORY_COLOURS,
    GRID,
    SUBSET_STYLES,
    add_reference_lines,
    as_float,
    category_colour,
    new_figure,
    panels,
    pct_limits,
)

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

SBRT_COLOUR = "#CC79A7"


def _points(series: SubsetSeries, value: str) -> tuple[list[int], list[float]]:
    days, values = [], []
    for point in series.points:
        number = 0.0 if value == "pct" and point.is_baseline else \
            as_float(point.pct_change_baseline if value == "pct" else point.sum_mm)
        if number is not None:
            days.append(point.day)
            values.append(number)
    return days, values


def _legend_label(series: SubsetSeries) -> str:
    names = ", ".join(series.lesion_ids)
    return f"{series.subset.panel_title.split(' (')[0]} ({names})" if names else series.subset.panel_title


def subject_figure(read: ReadPlotData, title: str | None = None, *, width_in: float = 11.0,
                   height_in: float = 4.4) -> Figure:
    """Sum of diameters (mm) and % change from baseline of one read, split by irradiation."""
    figure = new_figure(width_in, height_in)
    (sums, changes), legend_ax = panels(figure, 1, 2)
    shown = [s for s in read.series if s.has_data or s.subset is PlotSubset.ALL]
    for series in shown:
        style = SUBSET_STYLES[series.subset]
        days, values = _points(series, "sum")
        sums.plot(days, values, linewidth=1.8, markersize=6, label=_legend_label(series), **style)
        days, values = _points(series, "pct")
        changes.plot(days, values, linewidth=1.8, markersize=6, **style)
    _annotate_responses(sums, read)
    _mark_events(sums, read)
    _mark_events(changes, read, label=False)
    sums.set_ylabel("Sum of diameters (mm)")
    sums.set_ylim(bottom=0, top=max(_top(read) * 1.22, 10.0))
    sums.set_title("Sum of target-lesion diameters", loc="left", fontsize=10)
    values = [v for s in shown for v in _points(s, "pct")[1]]
    changes.set_ylim(*pct_limits(values))
    add_reference_lines(changes)
    changes.set_ylabel("Change from baseline (%)")
    changes.set_title("Change from baseline in sum of diameters", loc="left", fontsize=10)
    for ax in (sums, changes):
        ax.set_xlabel(f"Days since {read.reference.lower()} ({read.start_date.isoformat()})")
        ax.grid(True, **GRID)
        ax.set_axisbelow(True)
    handles, labels = sums.get_legend_handles_labels()
    extra: list[Artist] = []
    extra_labels: list[str] = []
    if read.first_pd_day is not None:
        extra.append(Line2D([], [], color=CATEGORY_COLOURS["PD"], linestyle=":", linewidth=1.4))
        extra_labels.append(f"First PD (RECIST 1.1), day {read.first_pd_day}")
    if read.sbrt:
        extra.append(Line2D([], [], color=SBRT_COLOUR, alpha=0.35, linewidth=8))
        extra_labels.append("SBRT (stereotactic radiotherapy)")
    legend_ax.legend(handles + extra, labels + extra_labels, loc="center", ncol=3, fontsize=8, frameon=False)
    bor = f"BOR {read.bor}" + (f", confirmed BOR {read.confirmed_bor}" if read.confirmed_bor else "") + \
        (f", iBOR {read.irecist_bor}" if read.irecist_bor else "")
    figure.suptitle(title or f"Subject {read.subject_id} · {read.reader_label} · {bor}", fontsize=11)
    return figure


def _top(read: ReadPlotData) -> float:
    return max((v for s in read.series for v in _points(s, "sum")[1]), default=10.0)


def _annotate_responses(ax: Axes, read: ReadPlotData) -> None:
    """The protocol response above each follow-up of the overall series."""
    for point in read.overall.follow_ups:
        if point.response is None:
            continue
        y = as_float(point.sum_mm)
        y = _top(read) * 0.5 if y is None else y
        ax.annotate(point.response, xy=(point.day, y), xytext=(0, 9), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8, fontweight="bold", color="white",
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": category_colour(point.response),
                          "edgecolor": "none"})


def _mark_events(ax: Axes, read: ReadPlotData, *, label: bool = True) -> None:
    """SBRT windows shaded, the first PD as a dotted vertical line."""
    for window in read.sbrt:
        ax.axvspan(window.start_day, window.end_day + 1, color=SBRT_COLOUR, alpha=0.18, linewidth=0)
        if label:
            ax.annotate(f"SBRT {window.lesion_id}", xy=(window.end_day + 1, 1), xycoords=("data", "axes fraction"),
                        xytext=(2, -3), textcoords="offset points", rotation=90, ha="left", va="top", fontsize=7,
                        color="#7A3F66")
    if read.first_pd_day is not None:
        ax.axvline(read.first_pd_day, color=CATEGORY_COLOURS["PD"], linestyle=":", linewidth=1.4)
