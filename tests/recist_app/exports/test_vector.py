"""The small vector picture of the subject plots (issue 18): what is placed in points is where the SVG says and where
the PNG draws it."""

from __future__ import annotations

from xml.etree import ElementTree

import numpy as np
import pytest

from recist_app.exports.plots.panels import ticks
from recist_app.exports.plots.vector import CAP_HEIGHT_EM, HATCH_SPACING_PT, Picture, Shape, Stroke, text_width

SVG = "{http://www.w3.org/2000/svg}"
DPI = 72.0  # one pixel per point


def _pixels(picture: Picture) -> np.ndarray:
    return np.asarray(picture.png(DPI), dtype=int)


def test_a_box_a_marker_and_a_line_land_where_they_are_placed() -> None:
    picture = Picture(200, 100)
    picture.box(10, 10, 40, 20, "#0072B2")
    picture.marker(100, 50, "o", 10, "#D55E00")
    picture.line([(120, 80), (190, 80)], Stroke("#009E73", 4))
    pixels = _pixels(picture)
    assert pixels.shape == (100, 200, 3)
    assert tuple(pixels[20, 30]) == (0, 0x72, 0xB2) and tuple(pixels[5, 5]) == (255, 255, 255)
    assert tuple(pixels[50, 100]) == (0xD5, 0x5E, 0) and tuple(pixels[50, 110]) == (255, 255, 255)
    assert tuple(pixels[80, 150]) == (0, 0x9E, 0x73) and tuple(pixels[70, 150]) == (255, 255, 255)


def test_a_dashed_line_has_its_gaps_and_a_solid_one_none() -> None:
    picture = Picture(200, 40)
    picture.line([(0, 10), (200, 10)], Stroke("#000000", 2))
    picture.line([(0, 30), (200, 30)], Stroke("#000000", 2, (10, 10)))
    pixels = _pixels(picture)[..., 0]
    solid, dashed = pixels[10] < 128, pixels[30] < 128
    assert solid.all()
    assert dashed[2:8].all() and not dashed[12:18].any() and dashed[22:28].all()  # 10 on, 10 off
    assert 0.4 < dashed.mean() < 0.6


def test_a_translucent_box_lets_what_lies_under_it_show() -> None:
    picture = Picture(100, 100)
    picture.line([(50, 0), (50, 100)], Stroke("#000000", 2))
    picture.box(20, 20, 60, 60, "#CC79A7", alpha=0.18)
    pixels = _pixels(picture)
    shaded, line_in_box = pixels[40, 30], pixels[40, 50]
    assert 200 < shaded.min() < 255 and line_in_box.max() < 100  # tinted white; the line still dark


def test_upward_text_reads_from_the_bottom_up_from_its_anchor() -> None:
    picture = Picture(100, 200)
    picture.text(50, 20, "SBRT T01", 10, align="end", vertical="top", upward=True)
    dark = np.argwhere(_pixels(picture)[..., 0] < 128)
    (top, left), (bottom, right) = dark.min(axis=0), dark.max(axis=0)
    advance = text_width("SBRT T01", 10)  # the ink is a little shorter: the glyphs' side bearings
    assert 19 <= top <= 23 and advance - 6 <= bottom - top <= advance  # hangs down from y = 20
    assert 49 <= left <= 52 and right - left == pytest.approx(CAP_HEIGHT_EM * 10, abs=2.5)  # capitals right of x


def test_the_svg_holds_the_same_shapes_with_text_as_text() -> None:
    picture = Picture(200, 100)
    picture.group("panel")
    picture.box(10, 10, 40, 20, "#0072B2", radius=2)
    picture.marker(100, 50, "^", 10, "#D55E00")
    picture.line([(120, 80), (190, 80)], Stroke("#009E73", 4, (3, 1), alpha=0.5))
    picture.text(100, 90, "−30 % < & >", 8, align="middle", bold=True)
    root = ElementTree.fromstring(picture.svg("A title", "engine 0.1.0 & rules"))
    assert root.get("width") == "200pt" and root.get("viewBox") == "0 0 200 100"
    assert root.findtext(f"{SVG}title") == "A title" and root.findtext(f"{SVG}desc") == "engine 0.1.0 & rules"
    (group,) = root.iter(f"{SVG}g")
    assert group.get("id") == "panel" and [e.tag.removeprefix(SVG) for e in group] == \
        ["rect", "polygon", "polyline", "text"]
    rect, triangle, line, text = group
    assert (rect.get("x"), rect.get("width"), rect.get("rx")) == ("10", "40", "2")
    assert triangle.get("points") == "100,44.5 105.5,55.5 94.5,55.5"
    assert (line.get("stroke-dasharray"), line.get("stroke-opacity")) == ("3,1", "0.5")
    assert text.text == "−30 % < & >" and text.get("text-anchor") == "middle" and text.get("font-weight") == "bold"


@pytest.mark.parametrize(("low", "high", "whole"), [(0, 127, False), (-45.6, 35.1, False), (0, 1.3, False),
                                                    (-9.2, 185.0, True), (-0.05, 1.05, True), (0, 22, True),
                                                    (-105, 412.5, False), (3.5, 4.25, False)])
def test_the_plots_ticks_are_matplotlibs(low: float, high: float, whole: bool) -> None:
    """The plots (drawn without matplotlib) keep the ticks of its ``MaxNLocator``."""
    from matplotlib.ticker import MaxNLocator

    expected = MaxNLocator(nbins=9, steps=[1, 2, 2.5, 5, 10], integer=whole).tick_values(low, high)
    assert ticks(low, high, 9, whole=whole) == pytest.approx([t for t in expected if low <= t <= high])


@pytest.mark.parametrize("shape", ["o", "s", "^", ">", "D", "*", "X"])
def test_each_marker_is_filled_at_its_centre_and_edged_as_asked(shape: Shape) -> None:
    """The swimmer's and spider's markers (matplotlib's shapes): the fill at the centre, the black edge on the
    outline, white outside; the SVG has the same outline."""
    picture = Picture(100, 100)
    picture.marker(50, 50, shape, 40, "#009E73", edge=Stroke("#000000", 3), note=f"marker {shape}")
    pixels = _pixels(picture)
    assert tuple(pixels[50, 50]) == (0, 0x9E, 0x73), shape
    assert tuple(pixels[2, 2]) == (255, 255, 255) and tuple(pixels[97, 97]) == (255, 255, 255), shape
    dark = (pixels.max(axis=-1) < 60).sum()  # the edge: about the outline's length × 3 points
    assert 100 < dark < 1200, (shape, dark)
    (element,) = [e for e in ElementTree.fromstring(picture.svg("t", "d")).iter() if e.get("stroke") == "#000000"]
    assert element.get("fill") == "#009E73" and element.find(f"{SVG}title").text == f"marker {shape}"


def test_a_hatched_outlined_box_has_its_lines_inside_and_its_edge_around() -> None:
    """The swimmer's SBRT course: 45° lines rising to the right, kept inside the box; the edge on its border."""
    picture = Picture(120, 60)
    picture.box(20, 10, 80, 40, None, hatch="#b71c1c", edge=Stroke("#000000", 1))
    pixels = _pixels(picture)
    red = (pixels[..., 0] > 120) & (pixels[..., 1] < 100)
    rows, columns = np.nonzero(red)
    assert columns.min() >= 20 and columns.max() <= 100 and rows.min() >= 10 and rows.max() <= 50
    assert red[11:49, 21:99].mean() > 0.15 and not red[:9].any() and not red[:, :19].any()
    middle = red[30, 21:99].nonzero()[0]  # a row crosses a line every 3.6 points
    assert 15 <= len(np.split(middle, np.nonzero(np.diff(middle) > 1)[0] + 1)) <= 25
    assert pixels[9:12, 60].min() < 140 and pixels[49:52, 60].min() < 140  # the edge, half a pixel either side
    root = ElementTree.fromstring(picture.svg("t", "d"))
    hatches = [e for e in root.iter(f"{SVG}polyline") if e.get("stroke") == "#b71c1c"]
    assert len(hatches) == int((80 + 40) / HATCH_SPACING_PT)  # one line per spacing along the width and the height


def test_a_box_of_negative_size_extends_left_and_up_in_both_outputs() -> None:
    """A bar to a negative value (a swimmer's read that ended before day 0) is drawn, not refused."""
    picture = Picture(100, 60)
    picture.box(80, 50, -40, -30, "#0072B2")
    pixels = _pixels(picture)
    assert tuple(pixels[35, 60]) == (0, 0x72, 0xB2) and tuple(pixels[35, 90]) == (255, 255, 255)
    root = ElementTree.fromstring(picture.svg("t", "d"))
    (rect,) = [element for element in root.iter(f"{SVG}rect") if element.get("fill") != "#ffffff"]
    assert (rect.get("x"), rect.get("y"), rect.get("width"), rect.get("height")) == ("40", "20", "40", "30")
