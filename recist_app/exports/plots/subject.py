"""The per-subject plot of one read: sum of diameters and % change from baseline over time.

Left: the sum of diameters (mm) of all target lesions, of the irradiated (in-field) and of the
non-irradiated (out-of-field) ones, with the protocol response at each follow-up, the SBRT
windows shaded and the first PD marked. Right: the same three series as % change from baseline
with the −30 % / +20 % reference lines. Used by the PNG/SVG export and the PDF report.

Drawn as a :class:`~recist_app.exports.plots.vector.Picture` (issue 18): one figure per read makes this the most
drawn picture of an export, and its layout is fixed, so it does without matplotlib's layout and artists. It keeps the
look of the trial plots (:mod:`~recist_app.exports.plots.style`: colours, markers, line styles, face), and
matplotlib's conventions: 5 % margins on the days, ticks at 1, 2, 2.5 or 5 × 10ⁿ, a typographic minus.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from recist_app.exports.plots.data import PlotSubset, ReadPlotData, SubsetSeries
from recist_app.exports.plots.style import (
    CATEGORY_COLOURS,
    GRID,
    PD_LINE_PCT,
    PNG_DPI,
    PR_LINE_PCT,
    REFERENCE_NOTE,
    SUBSET_STYLES,
    as_float,
    category_colour,
    pct_limits,
    signed_pct,
    write_png,
)
from recist_app.exports.plots.vector import Picture, Stroke, text_width

SBRT_COLOUR = "#CC79A7"
WIDTH_PT, HEIGHT_PT = 792.0, 316.8  # 11 × 4.4 inches
#: Font sizes (points): ticks and axis labels, panel titles, the plot's title, legend and badges, footer.
TICK_PT, TITLE_PT, SUPTITLE_PT, SMALL_PT, FOOTER_PT = 10.0, 10.0, 11.0, 8.0, 6.5
#: matplotlib's dash patterns (in line widths) of its "--", "-." and ":" styles.
_DASHES = {"-": (), "--": (3.7, 1.6), "-.": (6.4, 1.6, 1.0, 1.6), ":": (1.0, 1.65)}
_FRAME = Stroke("#000000", 0.8)
#: Tick length, tick-to-label and label-to-axis-label gaps, the picture's edge margin, the space between the panels.
_TICK_LENGTH_PT, _TICK_PAD_PT, _LABEL_PAD_PT, _EDGE_PT, _PANEL_GAP_PT = 3.5, 3.5, 4.0, 6.0, 16.0
#: The panels' top edge; from their bottom edge, the x label's baseline and the legend's top.
_TOP_PT, _X_LABEL_PT, _LEGEND_PT = 36.0, 27.0, 36.0
#: The PD line and the subsets' lines are this wide (points).
_PD_WIDTH_PT, _SERIES_WIDTH_PT = 1.4, 1.8


@dataclass(frozen=True)
class _Axes:
    """A panel: its frame in points and the data range it shows."""

    left: float
    top: float
    right: float
    bottom: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (value - low) / (high - low) * (self.right - self.left)

    def y(self, value: float) -> float:
        low, high = self.y_range
        return self.bottom - (value - low) / (high - low) * (self.bottom - self.top)


def subject_picture(read: ReadPlotData, provenance: str) -> Picture:
    """Sum of diameters (mm) and % change from baseline of one read, split by irradiation; ``provenance`` (trial,
    versions, export time) and the reference lines' meaning in the footer."""
    shown = [s for s in read.series if s.has_data or s.subset is PlotSubset.ALL]
    sums = [(series, _points(series, "sum")) for series in shown]
    changes = [(series, _points(series, "pct")) for series in shown]
    days = [day for _, points in sums + changes for day, _ in points]
    days += [d for window in read.sbrt for d in (window.start_day, window.end_day + 1)]
    days += [read.first_pd_day] if read.first_pd_day is not None else []
    low, high = (min(days), max(days)) if days else (0.0, 1.0)
    margin = 0.05 * (high - low) if high > low else 1.0
    x_range = (low - margin, high + margin)
    top = max((value for _, points in sums for _, value in points), default=10.0)
    sum_range = (0.0, max(top * 1.22, 10.0))
    pct_range = pct_limits([value for _, points in changes for _, value in points])

    picture = Picture(WIDTH_PT, HEIGHT_PT)
    footer = textwrap.wrap(f"{provenance}. {REFERENCE_NOTE}", width=int(WIDTH_PT / (FOOTER_PT * 0.62)))
    legend = _legend_entries(read, shown)
    rows = math.ceil(len(legend) / 3)
    bottom = HEIGHT_PT - 4 - len(footer) * FOOTER_PT * 1.2 - rows * SMALL_PT * 1.7 - 6 - _LEGEND_PT
    day_ticks, sum_ticks, pct_ticks = _ticks(*x_range, 9, whole=True), _ticks(*sum_range, 9), _ticks(*pct_range, 9)
    left_width = max(text_width(_label(t), TICK_PT) for t in sum_ticks)
    right_width = max(text_width(_label(t), TICK_PT) for t in pct_ticks)
    gutter = _EDGE_PT + TICK_PT * 1.2 + _LABEL_PAD_PT + _TICK_LENGTH_PT + _TICK_PAD_PT
    left = gutter + left_width
    right = WIDTH_PT - _EDGE_PT - 3 - text_width(signed_pct(PD_LINE_PCT), SMALL_PT)
    inner = _PANEL_GAP_PT + gutter - _EDGE_PT + right_width
    panel = (right - left - inner) / 2
    x_label = f"Days since {read.reference.lower()} ({read.start_date.isoformat()})"
    panels = (_Axes(left, _TOP_PT, left + panel, bottom, x_range, sum_range),
              _Axes(right - panel, _TOP_PT, right, bottom, x_range, pct_range))

    picture.group("sums")
    _panel(picture, panels[0], day_ticks, sum_ticks, "Sum of target-lesion diameters",
           "Sum of diameters (mm)", x_label, left_width)
    _mark_events(picture, panels[0], read, label=True)
    _series(picture, panels[0], sums)
    _annotate_responses(picture, panels[0], read, top)
    _frame(picture, panels[0])
    picture.group("changes")
    _panel(picture, panels[1], day_ticks, pct_ticks, "Change from baseline in sum of diameters",
           "Change from baseline (%)", x_label, right_width)
    _mark_events(picture, panels[1], read, label=False)
    _reference_lines(picture, panels[1])
    _series(picture, panels[1], changes)
    _frame(picture, panels[1])
    picture.group("legend")
    _legend(picture, legend, bottom + _LEGEND_PT)
    picture.group("title")
    bor = f"BOR {read.bor}" + (f", confirmed BOR {read.confirmed_bor}" if read.confirmed_bor else "") + \
        (f", iBOR {read.irecist_bor}" if read.irecist_bor else "")
    picture.text(WIDTH_PT / 2, 8, f"Subject {read.subject_id} · {read.reader_label} · {bor}", SUPTITLE_PT,
                 align="middle", vertical="top")
    picture.group("footer")
    for number, line in enumerate(reversed(footer)):
        picture.text(_EDGE_PT, HEIGHT_PT - 4 - number * FOOTER_PT * 1.2, line, FOOTER_PT, "#555555", vertical="bottom")
    return picture


def save_subject_plot(read: ReadPlotData, stem: Path, provenance: str) -> tuple[Path, Path]:
    """Write ``stem.png`` (:data:`PNG_DPI`) and ``stem.svg`` of ``read``'s subject plot, the provenance in their
    metadata and footer."""
    picture = subject_picture(read, provenance)
    description = f"subject plot {read.subject_id}; {provenance}"
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    stem.parent.mkdir(parents=True, exist_ok=True)
    write_png(picture.png(PNG_DPI), png, description)
    svg.write_text(picture.svg(f"Subject {read.subject_id}", description), encoding="utf-8")
    return png, svg


def subject_png(read: ReadPlotData, provenance: str) -> Image.Image:
    """``read``'s subject plot drawn at :data:`PNG_DPI` (for the PDF when the ``plots`` format did not draw it)."""
    return subject_picture(read, provenance).png(PNG_DPI)


def _stroke(colour: str, width: float, linestyle: str) -> Stroke:
    """A line of matplotlib's ``linestyle`` ("-", "--", "-.", ":"), its dashes scaled by its width as matplotlib's."""
    return Stroke(colour, width, tuple(dash * width for dash in _DASHES[linestyle]))


def _points(series: SubsetSeries, value: str) -> list[tuple[float, float]]:
    points = []
    for point in series.points:
        number = 0.0 if value == "pct" and point.is_baseline else \
            as_float(point.pct_change_baseline if value == "pct" else point.sum_mm)
        if number is not None:
            points.append((float(point.day), number))
    return points


def _ticks(low: float, high: float, bins: int, *, whole: bool = False) -> list[float]:
    """matplotlib's ``MaxNLocator`` ticks: the smallest step of 1, 2, 2.5, 5 or 10 × 10ⁿ giving at most ``bins``
    intervals (at least 1 when ``whole``: days), its multiples within [low, high]."""
    raw = max((high - low) / bins, 1.0) if whole else (high - low) / bins
    power = 10 ** math.floor(math.log10(raw))
    step = next(s * power for s in (1, 2, 2.5, 5, 10)
                if s * power >= raw * (1 - 1e-9) and (not whole or float(s * power).is_integer()))
    first = math.ceil(low / step - 1e-9)
    return [k * step for k in range(first, math.floor(high / step + 1e-9) + 1)]


def _label(value: float) -> str:
    """A tick label: whole numbers without decimals, a typographic minus."""
    text = f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:g}"
    return text.replace("-", "−")


def _panel(picture: Picture, axes: _Axes, x_ticks: Sequence[float], y_ticks: Sequence[float], title: str,
           y_label: str, x_label: str, y_ticks_width: float) -> None:
    """Grid, ticks, tick labels, axis labels and title of a panel."""
    grid = Stroke(GRID["color"], GRID["linewidth"])
    tick = _FRAME
    for value in x_ticks:
        x = axes.x(value)
        picture.line([(x, axes.top), (x, axes.bottom)], grid)
        picture.line([(x, axes.bottom), (x, axes.bottom + _TICK_LENGTH_PT)], tick)
        picture.text(x, axes.bottom + _TICK_LENGTH_PT + _TICK_PAD_PT, _label(value), TICK_PT, align="middle",
                     vertical="top")
    for value in y_ticks:
        y = axes.y(value)
        picture.line([(axes.left, y), (axes.right, y)], grid)
        picture.line([(axes.left - _TICK_LENGTH_PT, y), (axes.left, y)], tick)
        picture.text(axes.left - _TICK_LENGTH_PT - _TICK_PAD_PT, y, _label(value), TICK_PT, align="end",
                     vertical="middle")
    picture.text((axes.left + axes.right) / 2, axes.bottom + _X_LABEL_PT, x_label, TICK_PT, align="middle")
    label_x = axes.left - _TICK_LENGTH_PT - _TICK_PAD_PT - y_ticks_width - _LABEL_PAD_PT
    picture.text(label_x, (axes.top + axes.bottom) / 2, y_label, TICK_PT, align="middle", upward=True)
    picture.text(axes.left, axes.top - 6, title, TITLE_PT)


def _frame(picture: Picture, axes: _Axes) -> None:
    picture.line([(axes.left, axes.top), (axes.right, axes.top), (axes.right, axes.bottom), (axes.left, axes.bottom),
                  (axes.left, axes.top)], _FRAME)


def _series(picture: Picture, axes: _Axes, series: Sequence[tuple[SubsetSeries, list[tuple[float, float]]]]) -> None:
    """Each subset's line and markers (all targets black, solid, round)."""
    for subset, points in series:
        style = SUBSET_STYLES[subset.subset]
        placed = [(axes.x(day), axes.y(value)) for day, value in points]
        if len(placed) > 1:
            picture.line(placed, _stroke(style["color"], _SERIES_WIDTH_PT, style["linestyle"]))
        for x, y in placed:
            picture.marker(x, y, style["marker"], 6.0, style["color"])  # type: ignore[arg-type]


def _annotate_responses(picture: Picture, axes: _Axes, read: ReadPlotData, top: float) -> None:
    """The protocol response above each follow-up of the overall series, white on its category's colour."""
    for point in read.overall.follow_ups:
        if point.response is None:
            continue
        value = as_float(point.sum_mm)
        x, y = axes.x(point.day), axes.y(top * 0.5 if value is None else value)
        width, pad = text_width(point.response, SMALL_PT, bold=True), 0.2 * SMALL_PT
        height = SMALL_PT * 1.16
        picture.box(x - width / 2 - pad, y - 9 - height - pad, width + 2 * pad, height + 2 * pad,
                    category_colour(point.response), radius=pad)
        picture.text(x, y - 9, point.response, SMALL_PT, "#ffffff", align="middle", vertical="bottom", bold=True)


def _mark_events(picture: Picture, axes: _Axes, read: ReadPlotData, *, label: bool) -> None:
    """SBRT windows shaded (and named on the left panel), the first PD as a dotted vertical line."""
    for window in read.sbrt:
        start = max(axes.x(window.start_day), axes.left)
        end = min(axes.x(window.end_day + 1), axes.right)
        picture.box(start, axes.top, end - start, axes.bottom - axes.top, SBRT_COLOUR, alpha=0.18)
        if label:
            picture.text(end + 2, axes.top + 3, f"SBRT {window.lesion_id}", 7.0, "#7A3F66", align="end",
                         vertical="top", upward=True)
    if read.first_pd_day is not None:
        x = axes.x(read.first_pd_day)
        picture.line([(x, axes.top), (x, axes.bottom)],
                     _stroke(CATEGORY_COLOURS["PD"], _PD_WIDTH_PT, ":"))


def _reference_lines(picture: Picture, axes: _Axes) -> None:
    """Dashed lines at −30 % and +20 % change from baseline, labelled beside the panel; the zero line."""
    for value in (PR_LINE_PCT, PD_LINE_PCT):
        colour = CATEGORY_COLOURS["PR"] if value < 0 else CATEGORY_COLOURS["PD"]
        y = axes.y(value)
        picture.line([(axes.left, y), (axes.right, y)], Stroke(colour, 1.0, (5.0, 3.0)))
        picture.text(axes.right + 3, y, signed_pct(value), SMALL_PT, colour, vertical="middle")
    y = axes.y(0)
    picture.line([(axes.left, y), (axes.right, y)], Stroke("#666666", 0.8))


@dataclass(frozen=True)
class _LegendEntry:
    label: str
    stroke: Stroke
    marker: str = ""


def _legend_entries(read: ReadPlotData, shown: Sequence[SubsetSeries]) -> list[_LegendEntry]:
    entries = []
    for series in shown:
        style = SUBSET_STYLES[series.subset]
        names = ", ".join(series.lesion_ids)
        label = f"{series.subset.panel_title.split(' (')[0]} ({names})" if names else series.subset.panel_title
        entries.append(_LegendEntry(label, _stroke(style["color"], _SERIES_WIDTH_PT, style["linestyle"]),
                                    style["marker"]))
    if read.first_pd_day is not None:
        entries.append(_LegendEntry(f"First PD (RECIST 1.1), day {read.first_pd_day}",
                                    _stroke(CATEGORY_COLOURS["PD"], _PD_WIDTH_PT, ":")))
    if read.sbrt:
        entries.append(_LegendEntry("SBRT (stereotactic radiotherapy)", Stroke(SBRT_COLOUR, 8.0, alpha=0.35)))
    return entries


def _legend(picture: Picture, entries: Sequence[_LegendEntry], top: float) -> None:
    """Three columns filled top to bottom (the first ones one longer when needed), centred under the panels, as
    matplotlib's ``legend(ncol=3)``: a 16-point sample of each line (with its marker) before its label."""
    rows, longer = divmod(len(entries), 3)
    sizes = [rows + 1] * longer + [rows] * (3 - longer)
    starts = [sum(sizes[:k]) for k in range(3)]
    columns = [list(entries[start:start + size]) for start, size in zip(starts, sizes, strict=True) if size]
    sample, gap, spacing, pitch = 2 * SMALL_PT, 0.8 * SMALL_PT, 2 * SMALL_PT, SMALL_PT * 1.7
    widths = [sample + gap + max(text_width(e.label, SMALL_PT) for e in column) for column in columns]
    x = (WIDTH_PT - sum(widths) - spacing * (len(columns) - 1)) / 2
    for column, width in zip(columns, widths, strict=True):
        for row, entry in enumerate(column):
            y = top + row * pitch + pitch / 2
            picture.line([(x, y), (x + sample, y)], entry.stroke)
            if entry.marker:
                picture.marker(x + sample / 2, y, entry.marker, 6.0, entry.stroke.colour)  # type: ignore[arg-type]
            picture.text(x + sample + gap, y, entry.label, SMALL_PT, vertical="middle")
        x += width + spacing
