"""The look shared by every plot and the PDF: colour-blind-safe colours, markers, figures, saving.

Colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), safe for the
common colour-vision deficiencies; every category also differs by marker or line style, so a
grey-scale print still reads. A response category has ONE colour in every plot (``PR`` green in
the spider, waterfall, swimmer and the subject timeline; iRECIST ``iPR`` as ``PR``).

Figures are :class:`matplotlib.figure.Figure` objects with their own Agg canvas: no pyplot, no
global backend switch, so plots render without a display and can be embedded in a Qt view.
"""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from assessment import thresholds
from recist_app.exports.plots.data import PlotSubset

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Okabe–Ito colours by response category (RECIST 1.1 names; iRECIST maps onto them).
CATEGORY_COLOURS = {"CR": "#0072B2", "PR": "#009E73", "SD": "#E69F00", "NON-CR/NON-PD": "#F0E442",
                    "PD": "#D55E00", "NE": "#999999"}
#: Marker of each category on time lines (swimmer, timeline): differs in shape, not only colour.
CATEGORY_MARKERS = {"CR": "*", "PR": "^", "SD": "o", "NON-CR/NON-PD": "D", "PD": "X", "NE": "s"}
_IRECIST = {"iCR": "CR", "iPR": "PR", "iSD": "SD", "NON-iCR/NON-iUPD": "NON-CR/NON-PD", "iUPD": "PD", "iCPD": "PD"}


class LineStyle(TypedDict):
    """Keyword arguments of ``Axes.plot`` that draw one subset's line."""

    color: str
    linestyle: str
    marker: str


class GridStyle(TypedDict):
    """Keyword arguments of ``Axes.grid`` for the light grid of every plot."""

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


def category_marker(category: str | None) -> str:
    """The marker of a response category."""
    return CATEGORY_MARKERS[category_key(category)]


def new_figure(width_in: float, height_in: float) -> Figure:
    """A figure with its own Agg canvas and constrained layout (nothing clipped, no pyplot)."""
    figure = Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def panels(figure: Figure, rows: int, columns: int, *, sharex: bool = False, sharey: bool = False,
           legend_in: float = 0.55) -> tuple[list[Axes], Axes]:
    """A grid of axes plus a full-width legend row under them (``legend_in`` inches high, axis off).

    The legend lives in its own axes so that the constrained layout keeps it, the axes and the
    footer apart. Shared axes show tick labels only on the outer panels.
    """
    height_in = figure.get_size_inches()[1]
    row_in = max((height_in - legend_in) / rows, 0.5)
    grid = figure.add_gridspec(rows + 1, columns, height_ratios=[row_in] * rows + [legend_in])
    axes: list[Axes] = []
    for row in range(rows):
        for column in range(columns):
            first = axes[0] if axes else None
            ax = figure.add_subplot(grid[row, column], sharex=first if sharex else None,
                                    sharey=first if sharey else None)
            if sharey and column > 0:
                ax.tick_params(labelleft=False)
            if sharex and row < rows - 1:
                ax.tick_params(labelbottom=False)
            axes.append(ax)
    legend_ax = figure.add_subplot(grid[rows, :])
    legend_ax.axis("off")
    return axes, legend_ax


def add_reference_lines(ax: Axes, *, vertical: bool = False, labels: bool = True) -> None:
    """Dashed lines at −30 % and +20 % change from baseline, labelled at the axis edge."""
    for value, text in ((PR_LINE_PCT, signed_pct(PR_LINE_PCT)), (PD_LINE_PCT, signed_pct(PD_LINE_PCT))):
        colour = CATEGORY_COLOURS["PR"] if value < 0 else CATEGORY_COLOURS["PD"]
        if vertical:
            ax.axvline(value, color=colour, linestyle=(0, (5, 3)), linewidth=1.0, zorder=1)
        else:
            ax.axhline(value, color=colour, linestyle=(0, (5, 3)), linewidth=1.0, zorder=1)
            if labels:
                ax.annotate(text, xy=(1, value), xycoords=("axes fraction", "data"), xytext=(3, 0),
                            textcoords="offset points", va="center", ha="left", fontsize=8, color=colour)
    (ax.axvline if vertical else ax.axhline)(0, color="#666666", linewidth=0.8, zorder=1)


def pct_limits(values: list[float]) -> tuple[float, float]:
    """Y limits of a % change axis: always showing both reference lines, with some room."""
    low = min([PR_LINE_PCT - 10, *values])
    high = max([PD_LINE_PCT + 10, *values])
    pad = 0.08 * (high - low)
    return max(low - pad, -105.0), high + pad


def as_float(value: Decimal | None) -> float | None:
    """A Decimal for plotting (None stays None)."""
    return None if value is None else float(value)


def footer(figure: Figure, text: str, fontsize: float = 6.5) -> None:
    """Provenance (trial, engine and rules versions, export time) under the plot, wrapped to its width.

    Written as the figure's ``supxlabel``, so that the constrained layout keeps it clear of the
    axes and legends.
    """
    width_in = figure.get_size_inches()[0]
    lines = textwrap.wrap(text, width=max(40, int(width_in * 72 / (fontsize * 0.62))))
    figure.supxlabel("\n".join(lines), x=0.006, ha="left", fontsize=fontsize, color="#555555")


def raster(figure: Figure, dpi: float = PNG_DPI) -> Image.Image:
    """``figure`` drawn once by Agg at ``dpi`` (its layout done then), as an RGB picture to encode as PNG or JPEG with
    Pillow (``savefig`` would lay the figure out and draw it again for each file)."""
    figure.set_dpi(dpi)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    size = canvas.get_width_height(physical=True)
    return Image.frombuffer("RGBA", size, canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")


def write_png(picture: Image.Image, path: Path, description: str) -> None:
    """``picture`` as a PNG at :data:`PNG_DPI`, ``description`` and the software in its text chunks."""
    text = PngInfo()
    text.add_text("Description", description)
    text.add_text("Software", "recist-workstation")
    picture.save(path, format="PNG", pnginfo=text, dpi=(PNG_DPI, PNG_DPI))


def save_figure(figure: Figure, stem: Path, description: str) -> tuple[Path, Path]:
    """Write ``stem.png`` (:data:`PNG_DPI`) and ``stem.svg``; ``description`` goes into their metadata."""
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    stem.parent.mkdir(parents=True, exist_ok=True)
    write_png(raster(figure), png, description)
    figure.set_layout_engine("none")  # the SVG keeps the PNG's layout: laying out again would cost a third
    with rc_context({"svg.fonttype": "none"}):  # text as text: editable, searchable, and a quarter faster than paths
        figure.savefig(svg, facecolor="white", metadata={"Description": description, "Date": None,
                                                         "Creator": "recist-workstation"})
    return png, svg
