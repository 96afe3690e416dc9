"""What the three trial plots (spider, waterfall, swimmer) share: the picture's frame (title, panels, legend, footer),
the panels of all targets and of the in-field and out-of-field subsets, the legend of best responses (issue 18).

Each trial plot has three views of the target lesions: all of them (the protocol RECIST 1.1 view), the irradiated
(in-field) and the non-irradiated (out-of-field) ones. Colours are the reads' best overall response (BOR, RECIST
1.1), the same in every plot (:mod:`~recist_app.exports.plots.style`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from recist_app.exports.plots.data import PlotSubset, ReadPlotData
from recist_app.exports.plots.panels import (
    EDGE_PT,
    LegendEntry,
    PatchSample,
    footer,
    footer_height,
    legend,
    legend_height,
    title,
)
from recist_app.exports.plots.style import CATEGORY_COLOURS, category_key
from recist_app.exports.plots.vector import Picture, Stroke

PANELS = (PlotSubset.ALL, PlotSubset.IRRADIATED, PlotSubset.NON_IRRADIATED)
BOR_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
NO_DATA = {PlotSubset.IRRADIATED: "No irradiated target lesion", PlotSubset.NON_IRRADIATED:
           "No non-irradiated target lesion", PlotSubset.ALL: "No target lesion"}
#: Points per inch: the trial plots keep the sizes in inches of their matplotlib versions.
INCH_PT = 72.0
#: The legends' font size (points).
LEGEND_PT = 8.5
#: The room between the title and the panels' top edge (their own titles stand in it).
_PANEL_TITLE_PT = 22.0


@dataclass(frozen=True)
class Frame:
    """A trial plot's picture with its title, legend and footer drawn, and the room left for its panels."""

    picture: Picture
    top: float
    bottom: float


def trial_frame(width_in: float, height_in: float, heading: str, note: str, entries: Sequence[LegendEntry],
                columns: int, *, legend_title: str = "", room_below_pt: float = 0.0) -> Frame:
    """A picture of ``width_in`` × ``height_in`` inches: ``heading`` at the top; at the bottom the footer (``note``)
    and above it the legend; the panels go between, ``room_below_pt`` left under them for tick and axis labels."""
    picture = Picture(width_in * INCH_PT, height_in * INCH_PT)
    picture.group("title")
    top = title(picture, heading) + _PANEL_TITLE_PT
    picture.group("footer")
    footer(picture, note)
    picture.group("legend")
    legend_top = picture.height_pt - footer_height(note, picture.width_pt) - 6 \
        - legend_height(len(entries), columns, bool(legend_title), LEGEND_PT)
    legend(picture, entries, legend_top, picture.width_pt / 2, columns, legend_title, LEGEND_PT)
    return Frame(picture, top, legend_top - 6 - room_below_pt)


def columns(left: float, right: float, count: int, gap: float) -> list[tuple[float, float]]:
    """The left and right edges of ``count`` panels side by side between ``left`` and ``right``, ``gap`` apart."""
    width = (right - left - gap * (count - 1)) / count
    return [(left + k * (width + gap), left + k * (width + gap) + width) for k in range(count)]


def bor_entries(reads: Sequence[ReadPlotData], *, patch: bool, subsets: bool = False, label: str = "{}",
                alpha: float = 1.0) -> list[LegendEntry]:
    """Legend entries of the best responses present (with ``subsets``, the subsets' own best responses too): a box
    (``patch``, its fill at ``alpha``) or a line of each one's colour, labelled by ``label`` formatted with the
    category."""
    present = {category_key(r.bor) for r in reads}
    if subsets:
        present |= {category_key(best) for r in reads for s in r.series if (best := s.best_response)}
    edge = Stroke("#333333", 0.6) if alpha >= 1 else None
    return [LegendEntry(label.format(c), patch=PatchSample(CATEGORY_COLOURS[c], alpha,
                                                           edge or Stroke(CATEGORY_COLOURS[c], 1.0, alpha=0.5)))
            if patch else LegendEntry(label.format(c), Stroke(CATEGORY_COLOURS[c], 2.0))
            for c in BOR_ORDER if c in present]


def edges(frame: Frame, left_room: float, right_room: float) -> tuple[float, float]:
    """The left and right edges of the panels' row: ``left_room`` and ``right_room`` kept for labels."""
    return EDGE_PT + left_room, frame.picture.width_pt - EDGE_PT - right_room
