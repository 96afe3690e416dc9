"""The parts every vector plot is built of (issue 18): a panel's axes, ticks, grid and frame, the reference lines,
legends and the footer, on a :class:`~recist_app.exports.plots.vector.Picture`.

They keep matplotlib's conventions, so that the plots read as the matplotlib ones did: ticks at 1, 2, 2.5 or 5 × 10ⁿ
(``MaxNLocator``), a typographic minus, legends filled column by column, dash patterns scaled by the line's width.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from recist_app.exports.plots.style import CATEGORY_COLOURS, GRID, PD_LINE_PCT, PR_LINE_PCT, signed_pct
from recist_app.exports.plots.vector import Picture, Shape, Stroke, text_width

#: Font sizes (points): tick labels and axis labels, panel titles, legends and small notes, footers.
TICK_PT, TITLE_PT, SMALL_PT, FOOTER_PT = 10.0, 10.0, 8.0, 6.5
#: matplotlib's dash patterns (in line widths) of its "--", "-." and ":" styles.
DASHES = {"-": (), "--": (3.7, 1.6), "-.": (6.4, 1.6, 1.0, 1.6), ":": (1.0, 1.65)}
FRAME = Stroke("#000000", 0.8)
#: Tick length, tick-to-label and label-to-axis-label gaps, the picture's edge margin.
TICK_LENGTH_PT, TICK_PAD_PT, LABEL_PAD_PT, EDGE_PT = 3.5, 3.5, 4.0, 6.0
#: The reference lines' labels stand this far right of the last panel.
REFERENCE_LABEL_PT = 3.0


@dataclass(frozen=True)
class Axes:
    """A panel: its frame in points and the data range it shows (y upwards)."""

    left: float
    top: float
    right: float
    bottom: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def x(self, value: float) -> float:
        """The horizontal position of data ``value``, in points."""
        low, high = self.x_range
        return self.left + (value - low) / (high - low) * (self.right - self.left)

    def y(self, value: float) -> float:
        """The vertical position of data ``value``, in points."""
        low, high = self.y_range
        return self.bottom - (value - low) / (high - low) * (self.bottom - self.top)

    @property
    def middle(self) -> tuple[float, float]:
        """The panel's centre, in points."""
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2


def line_stroke(colour: str, width: float, linestyle: str = "-", alpha: float = 1.0) -> Stroke:
    """A line of matplotlib's ``linestyle`` ("-", "--", "-.", ":"), its dashes scaled by its width as matplotlib's."""
    return Stroke(colour, width, tuple(dash * width for dash in DASHES[linestyle]), alpha)


def ticks(low: float, high: float, bins: int, *, whole: bool = False) -> list[float]:
    """matplotlib's ``MaxNLocator`` ticks: the smallest step of 1, 2, 2.5, 5 or 10 × 10ⁿ giving at most ``bins``
    intervals (at least 1 when ``whole``: days), its multiples within [low, high]."""
    raw = max((high - low) / bins, 1.0) if whole else (high - low) / bins
    power = 10 ** math.floor(math.log10(raw))
    step = next(s * power for s in (1, 2, 2.5, 5, 10)
                if s * power >= raw * (1 - 1e-9) and (not whole or float(s * power).is_integer()))
    first = math.ceil(low / step - 1e-9)
    return [k * step for k in range(first, math.floor(high / step + 1e-9) + 1)]


def _tick_label(value: float) -> str:
    """A tick label: whole numbers without decimals, a typographic minus."""
    text = f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:g}"
    return text.replace("-", "−")


def labelled(values: Sequence[float]) -> list[tuple[float, str]]:
    """Ticks at ``values`` with their :func:`_tick_label`."""
    return [(value, _tick_label(value)) for value in values]


def tick_labels_width(labels: Sequence[tuple[float, str]], size_pt: float = TICK_PT) -> float:
    """The widest of the tick labels, in points."""
    return max((text_width(text, size_pt) for _, text in labels), default=0.0)


def y_gutter(labels_width: float, *, y_label: bool = True, size_pt: float = TICK_PT) -> float:
    """The room left of a panel for its y tick labels (``labels_width`` wide) and, with ``y_label``, its axis label."""
    return TICK_LENGTH_PT + TICK_PAD_PT + labels_width + (LABEL_PAD_PT + size_pt * 1.2 if y_label else 0.0)


def grid_and_ticks(picture: Picture, axes: Axes, *, x_ticks: Sequence[tuple[float, str]] = (),
                   y_ticks: Sequence[tuple[float, str]] = (), x_grid: bool = True, y_grid: bool = True,
                   size_pt: float = TICK_PT, x_size_pt: float | None = None, upward_x_labels: bool = False) -> None:
    """Grid lines, tick marks and tick labels (a label "" marks the tick without a label, as on a shared axis); the x
    labels ``x_size_pt`` large when given."""
    grid = Stroke(GRID["color"], GRID["linewidth"])
    x_size = size_pt if x_size_pt is None else x_size_pt
    for value, text in x_ticks:
        x = axes.x(value)
        if x_grid:
            picture.line([(x, axes.top), (x, axes.bottom)], grid)
        picture.line([(x, axes.bottom), (x, axes.bottom + TICK_LENGTH_PT)], FRAME)
        if text and upward_x_labels:
            picture.text(x, axes.bottom + TICK_LENGTH_PT + TICK_PAD_PT, text, x_size, align="end",
                         vertical="middle", upward=True)
        elif text:
            picture.text(x, axes.bottom + TICK_LENGTH_PT + TICK_PAD_PT, text, x_size, align="middle",
                         vertical="top")
    for value, text in y_ticks:
        y = axes.y(value)
        if y_grid:
            picture.line([(axes.left, y), (axes.right, y)], grid)
        picture.line([(axes.left - TICK_LENGTH_PT, y), (axes.left, y)], FRAME)
        lines = text.split("\n")
        for number, line in enumerate(lines):  # several lines centred on the tick
            picture.text(axes.left - TICK_LENGTH_PT - TICK_PAD_PT, y + (number - (len(lines) - 1) / 2) * size_pt * 1.2,
                         line, size_pt, align="end", vertical="middle")


def axis_labels(picture: Picture, axes: Axes, *, x_label: str = "", x_label_below_pt: float = 27.0,
                y_label: str = "", y_labels_width: float = 0.0, size_pt: float = TICK_PT) -> None:
    """The x axis label ``x_label_below_pt`` under the panel (its baseline), the y axis label upward, left of tick
    labels ``y_labels_width`` wide."""
    centre_x, centre_y = axes.middle
    if x_label:
        picture.text(centre_x, axes.bottom + x_label_below_pt, x_label, size_pt, align="middle")
    if y_label:
        x = axes.left - TICK_LENGTH_PT - TICK_PAD_PT - y_labels_width - LABEL_PAD_PT
        picture.text(x, centre_y, y_label, size_pt, align="middle", upward=True)


def frame(picture: Picture, axes: Axes) -> None:
    """The panel's black frame."""
    picture.line([(axes.left, axes.top), (axes.right, axes.top), (axes.right, axes.bottom), (axes.left, axes.bottom),
                  (axes.left, axes.top)], FRAME)


def reference_lines(picture: Picture, axes: Axes, *, labels: bool = True) -> None:
    """Dashed lines at −30 % and +20 % change from baseline (labelled right of the panel), the zero line."""
    for value in (PR_LINE_PCT, PD_LINE_PCT):
        colour = CATEGORY_COLOURS["PR"] if value < 0 else CATEGORY_COLOURS["PD"]
        y = axes.y(value)
        picture.line([(axes.left, y), (axes.right, y)], Stroke(colour, 1.0, (5.0, 3.0)), note=signed_pct(value))
        if labels:
            picture.text(axes.right + REFERENCE_LABEL_PT, y, signed_pct(value), SMALL_PT, colour, vertical="middle")
    y = axes.y(0)
    picture.line([(axes.left, y), (axes.right, y)], Stroke("#666666", 0.8))


def reference_labels_width() -> float:
    """The room right of the last panel for the reference lines' labels."""
    return REFERENCE_LABEL_PT + text_width(signed_pct(PD_LINE_PCT), SMALL_PT)


def no_data(picture: Picture, axes: Axes, text: str) -> None:
    """Grey text in the middle of a panel with nothing to show."""
    x, y = axes.middle
    for number, line in enumerate(text.split("\n")):
        picture.text(x, y + (number - 0.5) * 9 * 1.2, line, 9.0, "#666666", align="middle", vertical="middle")


@dataclass(frozen=True)
class MarkerSample:
    """A marker in a legend sample: shape, size (points), colour, edge."""

    shape: Shape
    size: float
    colour: str
    edge: Stroke | None = None


@dataclass(frozen=True)
class PatchSample:
    """A box in a legend sample, as the boxes it stands for: fill and its opacity, edge, hatching colour."""

    fill: str | None
    alpha: float = 1.0
    edge: Stroke | None = None
    hatch: str | None = None


@dataclass(frozen=True)
class LegendEntry:
    """A legend's label and its sample: a line (``stroke``), a marker on it or alone, or a box (``patch``)."""

    label: str
    stroke: Stroke | None = None
    marker: MarkerSample | None = None
    patch: PatchSample | None = None


def legend_height(entries: int, columns: int, title: bool = False, size_pt: float = SMALL_PT) -> float:
    """The height of a legend of ``entries`` in ``columns``, with its title or not."""
    return math.ceil(entries / max(columns, 1)) * size_pt * 1.7 + (size_pt * 1.7 if title else 0.0)


def legend(picture: Picture, entries: Sequence[LegendEntry], top: float, centre_x: float, columns: int,
           title: str = "", size_pt: float = SMALL_PT) -> None:
    """``entries`` in ``columns`` filled top to bottom (the first ones one longer when needed), centred on
    ``centre_x`` under ``title``, as matplotlib's ``legend(ncol=…)``: a sample two ems long before each label."""
    pitch = size_pt * 1.7
    if title:
        picture.text(centre_x, top + pitch / 2, title, size_pt, align="middle", vertical="middle")
        top += pitch
    count = max(min(columns, len(entries)), 1)
    rows, longer = divmod(len(entries), count)
    sizes = [rows + 1] * longer + [rows] * (count - longer)
    starts = [sum(sizes[:k]) for k in range(count)]
    chosen = [list(entries[start:start + size]) for start, size in zip(starts, sizes, strict=True) if size]
    sample, gap, spacing = 2 * size_pt, 0.8 * size_pt, 2 * size_pt
    widths = [sample + gap + max(text_width(e.label, size_pt) for e in column) for column in chosen]
    x = centre_x - (sum(widths) + spacing * (len(chosen) - 1)) / 2
    for column, width in zip(chosen, widths, strict=True):
        for row, entry in enumerate(column):
            y = top + row * pitch + pitch / 2
            _sample(picture, entry, x, y, sample, size_pt)
            picture.text(x + sample + gap, y, entry.label, size_pt, vertical="middle")
        x += width + spacing


def _sample(picture: Picture, entry: LegendEntry, x: float, y: float, length: float, size_pt: float) -> None:
    if entry.patch is not None:
        height = 0.7 * size_pt
        patch = entry.patch
        picture.box(x, y - height / 2, length, height, patch.fill, alpha=patch.alpha, edge=patch.edge,
                    hatch=patch.hatch)
    if entry.stroke is not None:
        picture.line([(x, y), (x + length, y)], entry.stroke)
    if entry.marker is not None:
        marker = entry.marker  # an arrow's head at the line's end, any other marker in its middle
        at = x + length if marker.shape == ">" and entry.stroke is not None else x + length / 2
        picture.marker(at, y, marker.shape, marker.size, marker.colour, edge=marker.edge)


def footer(picture: Picture, text: str, size_pt: float = FOOTER_PT) -> None:
    """``text`` (provenance, the reference lines' meaning) wrapped to the picture's width at its bottom left
    (:func:`footer_height` high)."""
    for number, line in enumerate(reversed(_footer_lines(text, picture.width_pt, size_pt))):
        picture.text(EDGE_PT, picture.height_pt - 4 - number * size_pt * 1.2, line, size_pt, "#555555",
                     vertical="bottom")


def footer_height(text: str, width_pt: float, size_pt: float = FOOTER_PT) -> float:
    """The height :func:`footer` takes for ``text`` on a picture ``width_pt`` wide."""
    return 4 + len(_footer_lines(text, width_pt, size_pt)) * size_pt * 1.2


def _footer_lines(text: str, width_pt: float, size_pt: float) -> list[str]:
    """``text`` wrapped to ``width_pt`` (DejaVu Sans averages 0.62 em a character)."""
    return textwrap.wrap(text, width=int(width_pt / (size_pt * 0.62)))


def title(picture: Picture, text: str, size_pt: float = 12.0) -> float:
    """The plot's title, centred at the top (one or more lines); returns the height it takes."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        picture.text(picture.width_pt / 2, 8 + number * size_pt * 1.2, line, size_pt, align="middle", vertical="top")
    return 8 + len(lines) * size_pt * 1.2
