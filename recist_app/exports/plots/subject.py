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

from collections.abc import Sequence

from PIL import Image

from recist_app.exports.plots.data import PlotSubset, ReadPlotData, SubsetSeries
from recist_app.exports.plots.panels import (
    EDGE_PT,
    SMALL_PT,
    TITLE_PT,
    Axes,
    LegendEntry,
    MarkerSample,
    axis_labels,
    footer,
    footer_height,
    frame,
    grid_and_ticks,
    labelled,
    legend,
    legend_height,
    line_stroke,
    reference_labels_width,
    reference_lines,
    tick_labels_width,
    ticks,
    title,
    y_gutter,
)
from recist_app.exports.plots.style import (
    CATEGORY_COLOURS,
    PNG_DPI,
    REFERENCE_NOTE,
    SUBSET_STYLES,
    as_float,
    category_colour,
    pct_limits,
)
from recist_app.exports.plots.vector import Picture, Stroke, text_width

SBRT_COLOUR = "#CC79A7"
WIDTH_PT, HEIGHT_PT = 792.0, 316.8  # 11 × 4.4 inches
SUPTITLE_PT = 11.0
#: The space between the panels; the panels' top edge; from their bottom edge, the x label's baseline and the
#: legend's top.
_PANEL_GAP_PT, _TOP_PT, _X_LABEL_PT, _LEGEND_PT = 16.0, 36.0, 27.0, 36.0
#: The PD line and the subsets' lines are this wide (points).
_PD_WIDTH_PT, _SERIES_WIDTH_PT = 1.4, 1.8


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
    note = f"{provenance}. {REFERENCE_NOTE}"
    entries = _legend_entries(read, shown)
    bottom = HEIGHT_PT - footer_height(note, WIDTH_PT) - legend_height(len(entries), 3) - 6 - _LEGEND_PT
    day_ticks = labelled(ticks(*x_range, 9, whole=True))
    sum_ticks, pct_ticks = labelled(ticks(*sum_range, 9)), labelled(ticks(*pct_range, 9))
    left_width, right_width = tick_labels_width(sum_ticks), tick_labels_width(pct_ticks)
    left = EDGE_PT + y_gutter(left_width)
    right = WIDTH_PT - EDGE_PT - reference_labels_width()
    panel = (right - left - _PANEL_GAP_PT - y_gutter(right_width)) / 2
    x_label = f"Days since {read.reference.lower()} ({read.start_date.isoformat()})"
    panels = (Axes(left, _TOP_PT, left + panel, bottom, x_range, sum_range),
              Axes(right - panel, _TOP_PT, right, bottom, x_range, pct_range))

    picture.group("sums")
    _panel(picture, panels[0], day_ticks, sum_ticks, "Sum of target-lesion diameters", "Sum of diameters (mm)",
           x_label, left_width)
    _mark_events(picture, panels[0], read, label=True)
    _series(picture, panels[0], sums)
    _annotate_responses(picture, panels[0], read, top)
    frame(picture, panels[0])
    picture.group("changes")
    _panel(picture, panels[1], day_ticks, pct_ticks, "Change from baseline in sum of diameters",
           "Change from baseline (%)", x_label, right_width)
    _mark_events(picture, panels[1], read, label=False)
    reference_lines(picture, panels[1])
    _series(picture, panels[1], changes)
    frame(picture, panels[1])
    picture.group("legend")
    legend(picture, entries, bottom + _LEGEND_PT, WIDTH_PT / 2, 3)
    picture.group("title")
    bor = f"BOR {read.bor}" + (f", confirmed BOR {read.confirmed_bor}" if read.confirmed_bor else "") + \
        (f", iBOR {read.irecist_bor}" if read.irecist_bor else "")
    title(picture, f"Subject {read.subject_id} · {read.reader_label} · {bor}", SUPTITLE_PT)
    picture.group("footer")
    footer(picture, note)
    return picture


def subject_png(read: ReadPlotData, provenance: str) -> Image.Image:
    """``read``'s subject plot drawn at :data:`PNG_DPI` (for the PDF when the ``plots`` format did not draw it)."""
    return subject_picture(read, provenance).png(PNG_DPI)


def _points(series: SubsetSeries, value: str) -> list[tuple[float, float]]:
    points = []
    for point in series.points:
        number = 0.0 if value == "pct" and point.is_baseline else \
            as_float(point.pct_change_baseline if value == "pct" else point.sum_mm)
        if number is not None:
            points.append((float(point.day), number))
    return points


def _panel(picture: Picture, axes: Axes, x_ticks: Sequence[tuple[float, str]], y_ticks: Sequence[tuple[float, str]],
           title_text: str, y_label: str, x_label: str, y_ticks_width: float) -> None:
    """Grid, ticks, tick labels, axis labels and title of a panel."""
    grid_and_ticks(picture, axes, x_ticks=x_ticks, y_ticks=y_ticks)
    axis_labels(picture, axes, x_label=x_label, x_label_below_pt=_X_LABEL_PT, y_label=y_label,
                y_labels_width=y_ticks_width)
    picture.text(axes.left, axes.top - 6, title_text, TITLE_PT)


def _series(picture: Picture, axes: Axes, series: Sequence[tuple[SubsetSeries, list[tuple[float, float]]]]) -> None:
    """Each subset's line and markers (all targets black, solid, round)."""
    for subset, points in series:
        style = SUBSET_STYLES[subset.subset]
        placed = [(axes.x(day), axes.y(value)) for day, value in points]
        if len(placed) > 1:
            picture.line(placed, line_stroke(style["color"], _SERIES_WIDTH_PT, style["linestyle"]))
        for x, y in placed:
            picture.marker(x, y, style["marker"], 6.0, style["color"])


def _annotate_responses(picture: Picture, axes: Axes, read: ReadPlotData, top: float) -> None:
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


def _mark_events(picture: Picture, axes: Axes, read: ReadPlotData, *, label: bool) -> None:
    """SBRT windows shaded (and named on the left panel), the first PD as a dotted vertical line."""
    for window in read.sbrt:
        start = max(axes.x(window.start_day), axes.left)
        end = min(axes.x(window.end_day + 1), axes.right)
        if end <= start:  # outside the days shown
            continue
        picture.box(start, axes.top, end - start, axes.bottom - axes.top, SBRT_COLOUR, alpha=0.18)
        if label:
            picture.text(end + 2, axes.top + 3, f"SBRT {window.lesion_id}", 7.0, "#7A3F66", align="end",
                         vertical="top", upward=True)
    if read.first_pd_day is not None:
        x = axes.x(read.first_pd_day)
        picture.line([(x, axes.top), (x, axes.bottom)],
                     line_stroke(CATEGORY_COLOURS["PD"], _PD_WIDTH_PT, ":"))


def _legend_entries(read: ReadPlotData, shown: Sequence[SubsetSeries]) -> list[LegendEntry]:
    entries = []
    for series in shown:
        style = SUBSET_STYLES[series.subset]
        names = ", ".join(series.lesion_ids)
        label = f"{series.subset.panel_title.split(' (')[0]} ({names})" if names else series.subset.panel_title
        entries.append(LegendEntry(label, line_stroke(style["color"], _SERIES_WIDTH_PT, style["linestyle"]),
                                   MarkerSample(style["marker"], 6.0, style["color"])))
    if read.first_pd_day is not None:
        entries.append(LegendEntry(f"First PD (RECIST 1.1), day {read.first_pd_day}",
                                   line_stroke(CATEGORY_COLOURS["PD"], _PD_WIDTH_PT, ":")))
    if read.sbrt:
        entries.append(LegendEntry("SBRT (stereotactic radiotherapy)", Stroke(SBRT_COLOUR, 8.0, alpha=0.35)))
    return entries
