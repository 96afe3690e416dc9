"""The look shared by every plot and the PDF: colour-blind-safe colours, markers, figures, saving.

Colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), safe for the
common colour-vision deficiencies; every category also differs by marker or line style, so a
grey-scale print still reads. A response category has ONE colour in every plot (``PR`` green in
the spider, waterfall, swimmer and the subject timeline; iRECIST ``iPR`` as ``PR``).

The plots are :class:`~recist_app.exports.plots.vector.Picture` objects, written as PNG and SVG (issue 18).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TypedDict

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from assessment import thresholds
from recist_app.exports.plots.data import PlotSubset
from recist_app.exports.plots.vector import Shape

#: Okabe–Ito colours by response category (RECIST 1.1 names; iRECIST maps onto them).
CATEGORY_COLOURS = {"CR": "#0072B2", "PR": "#009E73", "SD": "#E69F00", "NON-CR/NON-PD": "#F0E442",
                    "PD": "#D55E00", "NE": "#999999"}
#: Marker of each category on time lines (swimmer, timeline): differs in shape, not only colour.
CATEGORY_MARKERS: dict[str, Shape] = {"CR": "*", "PR": "^", "SD": "o", "NON-CR/NON-PD": "D", "PD": "X", "NE": "s"}
_IRECIST = {"iCR": "CR", "iPR": "PR", "iSD": "SD", "NON-iCR/NON-iUPD": "NON-CR/NON-PD", "iUPD": "PD", "iCPD": "PD"}


class LineStyle(TypedDict):
    """How one subset's line is drawn (matplotlib's names: colour, line style, marker)."""

    color: str
    linestyle: str
    marker: Shape


class GridStyle(TypedDict):
    """The light grid of every plot: colour and line width (points)."""

    color: str
    linewidth: float


#: Line style of each subset of target lesions.
SUBSET_STYLES: dict[PlotSubset, LineStyle] = {
    PlotSubset.ALL: {"color": "#000000", "linestyle": "-", "marker": "o"},
    PlotSubset.IRRADIATED: {"color": "#CC79A7", "linestyle": "--", "marker": "s"},
    PlotSubset.NON_IRRADIATED: {"color": "#56B4E9", "linestyle": "-.", "marker": "^"},
}
#: Reference lines (% change from baseline): the PR threshold and the PD threshold's size.
PR_LINE_PCT = float((thresholds.PR_FRACTION_OF_BASELINE - 1) * 100)
PD_LINE_PCT = float((thresholds.PD_FRACTION_OF_NADIR - 1) * 100)


def signed_pct(value: float) -> str:
    """'−30 %' / '+20 %' with a typographic minus, as the rationales print them."""
    return f"{value:+.0f} %".replace("-", "−")


REFERENCE_NOTE = (f"Dashed lines: {signed_pct(PR_LINE_PCT)} from baseline (PR threshold) and {signed_pct(PD_LINE_PCT)} "
                  "(PD threshold; RECIST 1.1 measures PD from the nadir and also needs ≥ 5 mm).")
PNG_DPI = 150
GRID: GridStyle = {"color": "#DDDDDD", "linewidth": 0.6}


def category_key(category: str | None) -> str:
    """The RECIST 1.1 key of a category (``iPR`` → ``PR``; unknown → ``NE``)."""
    if category is None:
        return "NE"
    category = _IRECIST.get(category, category)
    return category if category in CATEGORY_COLOURS else "NE"


def category_colour(category: str | None) -> str:
    """The one colour of a response category in every plot."""
    return CATEGORY_COLOURS[category_key(category)]


def category_marker(category: str | None) -> Shape:
    """The marker of a response category."""
    return CATEGORY_MARKERS[category_key(category)]


def pct_limits(values: list[float]) -> tuple[float, float]:
    """Y limits of a % change axis: always showing both reference lines, with some room."""
    low = min([PR_LINE_PCT - 10, *values])
    high = max([PD_LINE_PCT + 10, *values])
    pad = 0.08 * (high - low)
    return max(low - pad, -105.0), high + pad


def as_float(value: Decimal | None) -> float | None:
    """A Decimal for plotting (None stays None)."""
    return None if value is None else float(value)


def write_png(picture: Image.Image, path: Path, description: str) -> None:
    """``picture`` as a PNG at :data:`PNG_DPI`, ``description`` and the software in its text chunks."""
    text = PngInfo()
    text.add_text("Description", description)
    text.add_text("Software", "recist-workstation")
    picture.save(path, format="PNG", pnginfo=text, dpi=(PNG_DPI, PNG_DPI))


