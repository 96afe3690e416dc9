"""Trial plots (spider, waterfall, swimmer) and the ``plots`` export format (issue 7).

Each trial plot has three panels: all target lesions (the protocol RECIST 1.1 view), irradiated
(in-field) and non-irradiated (out-of-field) lesions. Colours are the reads' best overall
response (BOR, RECIST 1.1), the same in every plot (:mod:`~recist_app.exports.plots.style`).

- :func:`spider_figure`: % change from baseline in the sum of diameters over time, one line per
  subject, the first PD marked ✕, reference lines at −30 % and +20 %.
- :func:`waterfall_figure`: the best (smallest) % change from baseline per subject, sorted.
- :func:`swimmer_figure`: time on study per subject with the response at each assessment, the
  first PD and, on the overall panel, iRECIST iUPD / iCPD; an arrow when follow-up goes on.
- :func:`~recist_app.exports.plots.subject.subject_picture`: one read's sums and % changes (not matplotlib).

:func:`draw_plot` draws and saves one figure of the ``plots`` export format
(:mod:`recist_app.exports.plots.writer`), in a worker process. The functions returning a Figure serve
the GUI as well (embed with ``FigureCanvasQTAgg``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from assessment.rationale import pct
from recist_app.exports.plots.data import PlotSubset, ReadPlotData, reference_label
from recist_app.exports.plots.style import (
    CATEGORY_COLOURS,
    GRID,
    REFERENCE_NOTE,
    add_reference_lines,
    category_colour,
    category_key,
    category_marker,
    footer,
    new_figure,
    panels,
    pct_limits,
    save_figure,
)
from recist_app.exports.plots.subject import save_subject_plot
from recist_app.exports.plots.writer import SUBJECT_PLOT, TITLES, PlotTask

if TYPE_CHECKING:
    from matplotlib.axes import Axes

PANELS = (PlotSubset.ALL, PlotSubset.IRRADIATED, PlotSubset.NON_IRRADIATED)
SBRT_COLOUR = "#b71c1c"
BOR_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
#: Up to this many reads, the spider lines carry their subject ids.
MAX_LINE_LABELS = 20
_NO_DATA = {PlotSubset.IRRADIATED: "No irradiated target lesion", PlotSubset.NON_IRRADIATED:
            "No non-irradiated target lesion", PlotSubset.ALL: "No target lesion"}


def _bor_handles(reads: Sequence[ReadPlotData], patch: bool, subsets: bool = False) -> list[Patch | Line2D]:
    """Legend entries of the best responses present (with ``subsets``, the subsets' own best responses too)."""
    present = {category_key(r.bor) for r in reads}
    if subsets:
        present |= {category_key(best) for r in reads for s in r.series if (best := s.best_response)}
    return [Patch(facecolor=CATEGORY_COLOURS[c], edgecolor="#333333", label=c) if patch else
            Line2D([], [], color=CATEGORY_COLOURS[c], linewidth=2, label=c) for c in BOR_ORDER if c in present]


def _no_data(ax: Axes, subset: PlotSubset) -> None:
    ax.text(0.5, 0.5, f"{_NO_DATA[subset]}\nin these reads", transform=ax.transAxes, ha="center", va="center",
            fontsize=9, color="#666666")


def _end_labels(ax: Axes, ends: list[tuple[float, float, str]]) -> None:
    """Subject ids at the ends of the spider lines, nudged apart where ends coincide."""
    low, high = ax.get_ylim()
    x_low, x_high = ax.get_xlim()
    gap, x_gap = 0.045 * (high - low), 0.06 * (x_high - x_low)
    placed: list[tuple[float, float]] = []
    for x, y, label in sorted(ends, key=lambda end: (end[1], end[2])):
        text_y = y
        for other_x, other_y in placed:
            if abs(other_x - x) < x_gap and text_y - other_y < gap:
                text_y = other_y + gap
        placed.append((x, text_y))
        ax.annotate(label, xy=(x, y), xytext=(x + 0.015 * (x_high - x_low), text_y), textcoords="data",
                    va="center", fontsize=7.5, color="#222222")


def spider_figure(reads: Sequence[ReadPlotData], title: str = "") -> Figure:
    """% change from baseline over time, one line per read, three panels (all / in- / out-of-field); after the read's
    first PD (where RECIST 1.1 stops and only iRECIST goes on) the line is dashed and faded."""
    figure = new_figure(14.0, 5.6)
    axes, legend_ax = panels(figure, 1, 3, sharey=True)
    thin = len(reads) > MAX_LINE_LABELS  # many lines: thinner lines and smaller marks
    values: list[float] = []
    any_pd = any_after = False
    ends: list[list[tuple[float, float, str]]] = [[] for _ in PANELS]
    for ax, subset, panel_ends in zip(axes, PANELS, ends, strict=True):
        shown = 0
        for read in reads:
            series = read.subset(subset)
            points = [p for p in series.points if p.is_baseline or p.pct_change_baseline is not None]
            if not series.has_data or not points:
                continue
            shown += 1
            days = [p.day for p in points]
            changes = [0.0 if p.is_baseline else float(p.pct_change_baseline or 0) for p in points]
            values += changes
            last = read.first_pd_day
            until = len(days) if last is None else sum(day <= last for day in days)  # RECIST stops at the first PD
            ax.plot(days[:until], changes[:until], color=category_colour(read.bor), linewidth=0.8 if thin else 1.8,
                    marker="o", markersize=1.5 if thin else 4, zorder=3)
            if until < len(days):  # measured on after PD (iRECIST): dashed, faded
                any_after = True
                ax.plot(days[until - 1:], changes[until - 1:], color=category_colour(read.bor),
                        linewidth=0.6 if thin else 1.2, linestyle="--", alpha=0.55, marker=".",
                        markersize=1.5 if thin else 4, zorder=2)
            first_pd = series.first_pd
            if first_pd is not None and first_pd.pct_change_baseline is not None:
                any_pd = True
                ax.plot(first_pd.day, float(first_pd.pct_change_baseline), marker="X", markersize=6 if thin else 11,
                        zorder=4, color=CATEGORY_COLOURS["PD"], markeredgecolor="black",
                        markeredgewidth=0.4 if thin else 0.7)
            panel_ends.append((days[-1], changes[-1], read.subject_id))
        if not shown:
            _no_data(ax, subset)
        add_reference_lines(ax, labels=ax is axes[-1])
        ax.set_title(subset.panel_title, fontsize=10)
        ax.set_xlabel(reference_label(reads))
        ax.grid(True, **GRID)
        ax.margins(x=0.12)
    axes[0].set_ylim(*pct_limits(values))
    if len(reads) <= MAX_LINE_LABELS:
        for ax, panel_ends in zip(axes, ends, strict=True):
            _end_labels(ax, panel_ends)
    axes[0].set_ylabel("Change from baseline in sum of diameters (%)")
    handles = _bor_handles(reads, patch=False)
    if any_pd:
        handles.append(Line2D([], [], linestyle="", marker="X", markersize=9, color=CATEGORY_COLOURS["PD"],
                              markeredgecolor="black", label="First PD in this panel"))
    if any_after:
        handles.append(Line2D([], [], linestyle="--", color="#666666", label="After the first PD (iRECIST)"))
    legend_ax.legend(handles=handles, loc="center", ncol=len(handles), fontsize=8.5, frameon=False,
                     title="Line colour: best overall response (RECIST 1.1)", title_fontsize=8.5)
    figure.suptitle(title or TITLES["spider"], fontsize=12)
    return figure


#: Up to this many bars, each carries its value; up to :data:`MAX_BAR_LABELS`, the axis names each subject.
MAX_BAR_VALUES = 25
MAX_BAR_LABELS = 60


def waterfall_figure(reads: Sequence[ReadPlotData], title: str = "") -> Figure:
    """Best % change from baseline per read (smallest follow-up value), sorted; each panel's bars coloured by that
    panel's own best response (the BOR for all targets, the subset's best target response in-field and
    out-of-field). Past 25 bars the values, past 60 the subject ids give way to the bars."""
    figure = new_figure(14.0, 5.6 if len(reads) <= MAX_BAR_VALUES else 6.4)
    axes, legend_ax = panels(figure, 1, 3, sharey=True)
    values: list[float] = []
    for ax, subset in zip(axes, PANELS, strict=True):
        bars = [(read, read.subset(subset).best_pct_change) for read in reads]
        shown = sorted(((r, v) for r, v in bars if v is not None), key=lambda item: (-item[1], item[0].subject_id))
        missing = [r.subject_id for r, v in bars if v is None]
        positions = range(len(shown))
        for x, (read, value) in zip(positions, shown, strict=True):
            height = float(value)
            values.append(height)
            best = read.bor if subset is PlotSubset.ALL else read.subset(subset).best_response or read.bor
            ax.bar(x, height, width=0.7 if len(shown) <= MAX_BAR_VALUES else 0.85, color=category_colour(best),
                   edgecolor="#333333", linewidth=0.6 if len(shown) <= MAX_BAR_VALUES else 0.2, zorder=3)
            if len(shown) <= MAX_BAR_VALUES:
                ax.annotate(pct(value), xy=(x, height), xytext=(0, 3 if height >= 0 else -3),
                            textcoords="offset points", ha="center", va="bottom" if height >= 0 else "top",
                            fontsize=7.5)
        if len(shown) <= MAX_BAR_LABELS:
            ax.set_xticks(list(positions), [r.subject_id for r, _ in shown],
                          rotation=90 if len(shown) > 8 else 0, fontsize=8 if len(shown) <= MAX_BAR_VALUES else 5.5)
        else:
            ax.set_xticks([])
            ax.set_xlabel(f"{len(shown)} subjects, sorted by change")
        if not shown:
            _no_data(ax, subset)
        if missing:
            listed = ", ".join(missing[:12]) + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")
            ax.text(0.01, 0.01, f"Not shown (no value): {listed}", transform=ax.transAxes, fontsize=7,
                    color="#555555", va="bottom", wrap=True)
        add_reference_lines(ax, labels=ax is axes[-1])
        ax.set_title(subset.panel_title, fontsize=10)
        if len(shown) <= MAX_BAR_LABELS:
            ax.set_xlabel("Subject")
        ax.set_xlim(-0.8, max(len(shown), 3) - 0.2)
        ax.grid(True, axis="y", **GRID)
    low, high = pct_limits(values)
    room = 0.1 * (high - low)
    axes[0].set_ylim(low - room, high + room)
    axes[0].set_ylabel("Best change from baseline in sum of diameters (%)")
    legend_ax.legend(handles=_bor_handles(reads, patch=True, subsets=True), loc="center", ncol=6, fontsize=8.5,
                     frameon=False, title="Bar colour: the panel's best response (RECIST 1.1 overall; in-field and "
                                          "out-of-field: the subset's best target response)", title_fontsize=8.5)
    figure.suptitle(title or TITLES["waterfall"], fontsize=12)
    return figure


#: The swimmer's panel of the iRECIST overall response, after the protocol's and before the subsets'.
IRECIST_PANEL = "iRECIST overall response"


#: Up to this many subjects the swimmer's panels are stacked, one subject per labelled row; past it they stand side
#: by side sharing the subjects' rows, so that 100 subjects still fit a page's height.
MAX_STACKED_SWIMMERS = 20


def swimmer_figure(reads: Sequence[ReadPlotData], title: str = "") -> Figure:
    """Time on study per read with the response at each assessment: the protocol's RECIST 1.1 response up to the
    first PD (assessment stops there), the iRECIST response with its iUPD / iCPD (in its own panel only), and the
    irradiated and non-irradiated subsets' target responses up to the first PD; the duration of response (a black
    line from the first CR or PR to PD or the last assessment), the SBRT courses (hatched) and an arrow where
    follow-up goes on without progression."""
    ordered = sorted(reads, key=lambda r: (r.last_day, r.subject_id))
    many = len(ordered) > MAX_STACKED_SWIMMERS
    if many:
        figure = new_figure(17.0, 2.6 + 0.16 * len(ordered))
        axes, legend_ax = panels(figure, 1, 4, sharey=True, legend_in=0.8)
    else:
        figure = new_figure(12.0, 2.4 + 4 * (0.55 * max(len(ordered), 1) + 0.7))
        axes, legend_ax = panels(figure, 4, 1, sharex=True, legend_in=0.8)
    size = 0.35 if many else 1.0  # marker areas shrink with the rows
    longest = max((r.last_day for r in ordered), default=0)
    rows = (PlotSubset.ALL, None, *PANELS[1:])  # None: the iRECIST panel
    for ax, subset in zip(axes, rows, strict=True):
        _swimmer_panel(ax, ordered, subset, size, longest)
        labels = [r.subject_id if many or not r.arm else f"{r.subject_id}\n{r.arm}" for r in ordered]
        ax.set_yticks(range(len(ordered)), labels, fontsize=7.5 if not many else 5.5)
        ax.set_ylim(-0.7, len(ordered) - 0.3)
        what = IRECIST_PANEL if subset is None else subset.panel_title + (
            ": protocol overall response" if subset is PlotSubset.ALL else ": subset target response")
        ax.set_title(what if not many else what.replace(": ", ":\n", 1), loc="left", fontsize=10 if not many else 8.5)
        ax.grid(True, axis="x", **GRID)
        if many:
            ax.set_xlim(0, longest * 1.12 + 10)
            ax.set_xlabel(reference_label(reads), fontsize=8)
    axes[-1].set_xlim(0, longest * 1.12 + 10)
    axes[-1].set_xlabel(reference_label(reads))
    handles: list[Patch | Line2D] = [Line2D([], [], linestyle="", marker=category_marker(c), markersize=8,
                                            color=CATEGORY_COLOURS[c], markeredgecolor="black", label=c)
                                     for c in ("CR", "PR", "SD", "PD", "NE")]
    handles.append(Line2D([], [], linestyle="", marker=r"$\rightarrow$", markersize=12, color="#333333",
                          label="No progression: follow-up continues"))
    handles.append(Line2D([], [], color="black", linewidth=2.0, label="Duration of response (CR/PR to PD or last)"))
    handles.append(Patch(facecolor="none", hatch="////", edgecolor=SBRT_COLOUR, label="SBRT course"))
    handles += [Patch(facecolor=h.get_facecolor(), alpha=0.3, edgecolor=h.get_edgecolor(),
                      label=f"Bar: BOR {h.get_label()}")
                for h in _bor_handles(ordered, patch=True) if isinstance(h, Patch)]
    legend_ax.legend(handles=handles, loc="center", ncol=5, fontsize=8, frameon=False)
    figure.suptitle(title or TITLES["swimmer"], fontsize=12)
    return figure


def _response_span(read: ReadPlotData) -> tuple[int, int] | None:
    """Days of the duration of response: from the first CR or PR (up to the first PD) to the first PD, else to the
    last assessment (ADTTE RSD); None without a response."""
    last = read.first_pd_day
    first = next((p.day for p in read.overall.follow_ups
                  if p.response in ("CR", "PR") and (last is None or p.day <= last)), None)
    if first is None:
        return None
    return first, last if last is not None else read.last_day


#: Ids of the swimmer's line collections (in the SVG too): the duration of response, the follow-up arrows' shafts.
DURATION_OF_RESPONSE, FOLLOW_UP_GOES_ON = "duration-of-response", "follow-up-goes-on"


def _swimmer_panel(ax: Axes, ordered: Sequence[ReadPlotData], subset: PlotSubset | None, size: float,
                   longest: int) -> None:
    """One swimmer panel (``subset`` None: iRECIST), a row per read, each kind of mark drawn in one call: a hundred
    rows are a few collections, not thousands of artists (issue 18)."""
    many = size < 1.0
    colours = [category_colour(read.irecist_bor if subset is None else read.bor) for read in ordered]
    ax.barh(range(len(ordered)), [read.last_day for read in ordered], left=0, height=0.7 if many else 0.56,
            color=colours, alpha=0.30, edgecolor=colours, linewidth=0.4 if many else 1.0, zorder=2)
    if subset in (PlotSubset.ALL, PlotSubset.IRRADIATED):
        windows = [(y, window) for y, read in enumerate(ordered) for window in read.sbrt]
        if windows:
            ax.barh([y for y, _ in windows], [w.end_day - w.start_day + 1 for _, w in windows],
                    left=[w.start_day for _, w in windows], height=0.56, color="none", hatch="////",
                    edgecolor=SBRT_COLOUR, linewidth=0, zorder=3)
    marks: list[tuple[int, int, str | None, float]] = []  # day, row, category, marker area
    for y, read in enumerate(ordered):
        if subset is None:
            marks += [(day, y, category, 60 * size) for day, category in read.irecist_responses]
            if not many:
                for day, category in read.irecist_responses:
                    if category in ("iUPD", "iCPD"):
                        ax.annotate(category, xy=(day, y), xytext=(0, 8), textcoords="offset points", ha="center",
                                    fontsize=7, color="#333333")
        else:
            marks += _recist_marks(ax, read, subset, y, size)
    for marker in dict.fromkeys(category_marker(category) for _, _, category, _ in marks):
        chosen = [mark for mark in marks if category_marker(mark[2]) == marker]
        ax.scatter([day for day, *_ in chosen], [y for _, y, *_ in chosen], marker=marker,
                   s=[area for *_, area in chosen], color=[category_colour(category) for _, _, category, _ in chosen],
                   edgecolors="black", linewidths=0.6 * size, zorder=4)
    if subset is PlotSubset.ALL:
        spans = [(y, span) for y, read in enumerate(ordered) if (span := _response_span(read)) is not None]
        if spans:
            ax.hlines([y + 0.22 for y, _ in spans], [span[0] for _, span in spans], [span[1] for _, span in spans],
                      color="black", linewidth=1.0 if many else 2.0, zorder=5, gid=DURATION_OF_RESPONSE)
    going_on = [(y, read.last_day) for y, read in enumerate(ordered)
                if read.first_pd_day is None and read.pfs_censored]
    if going_on:  # an arrow: follow-up goes on without progression
        ends = [day + 0.05 * longest + 4 for _, day in going_on]
        ax.hlines([y for y, _ in going_on], [day for _, day in going_on], ends, color="#333333",
                  linewidth=0.6 if many else 1.2, zorder=3, gid=FOLLOW_UP_GOES_ON)
        ax.scatter(ends, [y for y, _ in going_on], marker=">", s=10 if many else 40, color="#333333", linewidths=0,
                   zorder=3)


def _recist_marks(ax: Axes, read: ReadPlotData, subset: PlotSubset, y: int,
                  size: float) -> list[tuple[int, int, str | None, float]]:
    """The RECIST 1.1 responses of ``subset`` at each follow-up up to the read's first PD, as (day, row, category,
    marker area); a subset without data says so on its row."""
    series = read.subset(subset)
    if not series.has_data:
        ax.text(4, y, _NO_DATA[subset].lower(), va="center", fontsize=7.5, color="#555555", zorder=3)
    last = read.first_pd_day
    return [(point.day, y, point.response, size * (90 if point.response == "CR" else 60))
            for point in series.follow_ups if last is None or point.day <= last]


TRIAL_PLOTS = {"spider": spider_figure, "waterfall": waterfall_figure, "swimmer": swimmer_figure}


def draw_plot(task: PlotTask) -> list[Path]:
    """Draw ``task``'s figure and save it as PNG and SVG (a worker's task of
    :func:`~recist_app.exports.plots.writer.write_plots`); return the two paths."""
    if task.kind == SUBJECT_PLOT:
        (read,) = task.reads
        return list(save_subject_plot(read, task.stem, task.provenance))
    figure = provenanced(TRIAL_PLOTS[task.kind](task.reads, task.title), task.provenance,
                         reference_note=task.kind != "swimmer")
    paths = list(save_figure(figure, task.stem, f"{task.kind}; {task.provenance}"))
    figure.clear()
    return paths


def provenanced(figure: Figure, provenance: str, *, reference_note: bool = True) -> Figure:
    """``figure`` with ``provenance`` (and the reference lines' meaning) in its footer."""
    footer(figure, f"{provenance}. {REFERENCE_NOTE if reference_note else ''}")
    return figure
