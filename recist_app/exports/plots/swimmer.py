"""The swimmer plot (issue 7, drawn without matplotlib since issue 18): time on study per read with the response at
each assessment, in four panels: the protocol's RECIST 1.1 response up to the first PD (assessment stops there), the
iRECIST response with its iUPD / iCPD (in its own panel only), and the irradiated and non-irradiated subsets' target
responses up to the first PD.

Also drawn: the duration of response (a black line from the first CR or PR to PD or the last assessment), the SBRT
courses (hatched) and an arrow where follow-up goes on without progression. Up to :data:`MAX_STACKED_SWIMMERS`
reads the panels are stacked, one labelled row per read; past it they stand side by side sharing the rows, so that
100 reads still fit a page's height.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from recist_app.exports.plots.data import PlotSubset, ReadPlotData, reference_label
from recist_app.exports.plots.panels import (
    TICK_LENGTH_PT,
    TICK_PAD_PT,
    Axes,
    LegendEntry,
    MarkerSample,
    PatchSample,
    axis_labels,
    frame,
    grid_and_ticks,
    labelled,
    ticks,
)
from recist_app.exports.plots.style import CATEGORY_COLOURS, category_colour, category_marker
from recist_app.exports.plots.trial_frame import NO_DATA, PANELS, bor_entries, columns, edges, trial_frame
from recist_app.exports.plots.vector import Picture, Stroke, text_width

SBRT_COLOUR = "#b71c1c"
#: The swimmer's panel of the iRECIST overall response, after the protocol's and before the subsets'.
IRECIST_PANEL = "iRECIST overall response"
#: Up to this many reads the panels are stacked; past it they stand side by side.
MAX_STACKED_SWIMMERS = 20
_ARROW = "#333333"
_BLACK = Stroke("#000000", 0.6)
#: The opacity of a bar's fill (time on study): the marks on it stay readable.
_BAR_ALPHA = 0.3


def swimmer_picture(reads: Sequence[ReadPlotData], heading: str, note: str) -> Picture:
    """The swimmer plot of ``reads``: ``heading`` on top, ``note`` (provenance) in the footer."""
    ordered = sorted(reads, key=lambda r: (r.last_day, r.subject_id))
    many = len(ordered) > MAX_STACKED_SWIMMERS
    longest = max((r.last_day for r in ordered), default=0)
    x_range = (0.0, longest * 1.12 + 10)
    size = 0.35 if many else 1.0  # marker areas shrink with the rows
    label_pt = 5.5 if many else 7.5
    labels = [(float(y), r.subject_id if many or not r.arm else f"{r.subject_id}\n{r.arm}")
              for y, r in enumerate(ordered)]
    labels_width = max((text_width(line, label_pt) for _, text in labels for line in text.split("\n")), default=0.0)
    gutter = TICK_LENGTH_PT + TICK_PAD_PT + labels_width
    entries = _legend_entries(ordered)
    rows = (PlotSubset.ALL, None, *PANELS[1:])  # None: the iRECIST panel
    if many:
        result = trial_frame(17.0, 2.6 + 0.16 * len(ordered), heading, note, entries, 5, room_below_pt=30.0)
        left, right = edges(result, gutter, 8.0)
        places = [(panel_left, result.top + 12, panel_right, result.bottom)
                  for panel_left, panel_right in columns(left, right, 4, 14.0)]
    else:
        result = trial_frame(12.0, 2.4 + 4 * (0.55 * max(len(ordered), 1) + 0.7), heading, note, entries, 5,
                             room_below_pt=30.0)
        left, right = edges(result, gutter, 8.0)
        pitch = (result.bottom - result.top) / 4
        places = [(left, result.top + k * pitch, right, result.top + (k + 1) * pitch - 22.0) for k in range(4)]
    picture = result.picture
    x_ticks = labelled(ticks(*x_range, 9 if not many else 5, whole=True))
    for index, (place, subset) in enumerate(zip(places, rows, strict=True)):
        axes = Axes(*place, x_range, (-0.7, len(ordered) - 0.3))
        picture.group("swimmer-" + ("irecist" if subset is None else subset.name.lower()))
        shown_x = many or index == len(rows) - 1
        grid_and_ticks(picture, axes, x_ticks=[(v, t if shown_x else "") for v, t in x_ticks],
                       y_ticks=[(v, t if index == 0 or not many else "") for v, t in labels], y_grid=False,
                       size_pt=label_pt, x_size_pt=8.0 if many else 10.0)
        if shown_x:
            axis_labels(picture, axes, x_label=reference_label(reads), x_label_below_pt=28.0 if not many else 22.0,
                        size_pt=8.0 if many else 10.0)
        what = IRECIST_PANEL if subset is None else subset.panel_title + (
            ": protocol overall response" if subset is PlotSubset.ALL else ": subset target response")
        for number, line in enumerate(reversed(what.split(": ", 1) if many else [what])):
            picture.text(axes.left, axes.top - 5 - number * 10.5, line + (":" if many and number else ""),
                         8.5 if many else 10.0)
        _panel(picture, axes, ordered, subset, size, longest)
        frame(picture, axes)
    return picture


def _legend_entries(ordered: Sequence[ReadPlotData]) -> list[LegendEntry]:
    entries = [LegendEntry(c, marker=MarkerSample(category_marker(c), 8.0, CATEGORY_COLOURS[c], _BLACK))
               for c in ("CR", "PR", "SD", "PD", "NE")]
    entries.append(LegendEntry("No progression: follow-up continues", Stroke(_ARROW, 1.2),
                               MarkerSample(">", 6.0, _ARROW)))
    entries.append(LegendEntry("Duration of response (CR/PR to PD or last)", Stroke("#000000", 2.0)))
    entries.append(LegendEntry("SBRT course", patch=PatchSample(None, edge=Stroke(SBRT_COLOUR, 0.8),
                                                                hatch=SBRT_COLOUR)))
    return entries + bor_entries(ordered, patch=True, label="Bar: BOR {}", alpha=_BAR_ALPHA)


def _response_span(read: ReadPlotData) -> tuple[int, int] | None:
    """Days of the duration of response: from the first CR or PR (up to the first PD) to the first PD, else to the
    last assessment (ADTTE RSD); None without a response."""
    last = read.first_pd_day
    first = next((p.day for p in read.overall.follow_ups
                  if p.response in ("CR", "PR") and (last is None or p.day <= last)), None)
    if first is None:
        return None
    return first, last if last is not None else read.last_day


def _panel(picture: Picture, axes: Axes, ordered: Sequence[ReadPlotData], subset: PlotSubset | None, size: float,
           longest: int) -> None:
    """One panel (``subset`` None: iRECIST), a row per read: its bar, SBRT courses, responses, duration of response
    and follow-up arrow."""
    many = size < 1.0
    row_pt = axes.y(0) - axes.y(1)
    half = (0.35 if many else 0.28) * row_pt  # half a bar's height
    for y, read in enumerate(ordered):
        colour = category_colour(read.irecist_bor if subset is None else read.bor)
        on_study = axes.x(max(read.last_day, 0)) - axes.x(0)  # a read that ended before day 0 shows no bar
        picture.box(axes.x(0), axes.y(y) - half, on_study, 2 * half, colour, alpha=_BAR_ALPHA,
                    edge=Stroke(colour, 0.4 if many else 1.0, alpha=0.5),
                    note=f"{read.subject_id}: {read.last_day} days on study")
        if subset in (PlotSubset.ALL, PlotSubset.IRRADIATED):
            for window in read.sbrt:
                start, end = axes.x(window.start_day), axes.x(window.end_day + 1)
                picture.box(start, axes.y(y) - 0.28 * row_pt, end - start, 0.56 * row_pt, None, hatch=SBRT_COLOUR,
                            note=f"{read.subject_id}: SBRT of {window.lesion_id}, days {window.start_day}–"
                                 f"{window.end_day}")
        if subset is not None and not read.subset(subset).has_data:
            picture.text(axes.x(4), axes.y(y), NO_DATA[subset].lower(), 7.5, "#555555", vertical="middle")
        for day, category in _marks(read, subset):
            area = (90 if category == "CR" else 60) * size
            picture.marker(axes.x(day), axes.y(y), category_marker(category), math.sqrt(area),
                           category_colour(category), edge=Stroke("#000000", 0.6 * size),
                           note=f"{read.subject_id}, day {day}: {category}")
            if subset is None and not many and category in ("iUPD", "iCPD"):
                picture.text(axes.x(day), axes.y(y) - 8 - math.sqrt(area) / 2, category, 7.0, "#333333",
                             align="middle")
        span = _response_span(read) if subset is PlotSubset.ALL else None
        if span is not None:
            at = axes.y(y + 0.22)
            picture.line([(axes.x(span[0]), at), (axes.x(span[1]), at)], Stroke("#000000", 1.0 if many else 2.0),
                         note=f"{read.subject_id}: duration of response, day {span[0]} to day {span[1]}")
        if read.first_pd_day is None and read.pfs_censored:  # an arrow: follow-up goes on without progression
            start = max(read.last_day, 0)
            end = start + 0.05 * longest + 4
            picture.line([(axes.x(start), axes.y(y)), (axes.x(end), axes.y(y))],
                         Stroke(_ARROW, 0.6 if many else 1.2),
                         note=f"{read.subject_id}: follow-up goes on after day {read.last_day}")
            picture.marker(axes.x(end), axes.y(y), ">", math.sqrt(10 if many else 40), _ARROW)


def _marks(read: ReadPlotData, subset: PlotSubset | None) -> list[tuple[int, str | None]]:
    """The responses of the panel at each follow-up: iRECIST's all along; RECIST 1.1's up to the read's first PD."""
    if subset is None:
        return list(read.irecist_responses)
    last = read.first_pd_day
    return [(point.day, point.response) for point in read.subset(subset).follow_ups
            if last is None or point.day <= last]
