"""The small vector picture of the subject plots (issue 18): what is placed in points is where the SVG says and where
the PNG draws it."""

from __future__ import annotations

from xml.etree import ElementTree

import numpy as np
import pytest

from recist_app.exports.plots.vector import CAP_HEIGHT_EM, Picture, Stroke, text_width

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
def test_the_subject_plots_ticks_are_matplotlibs(low: float, high: float, whole: bool) -> None:
    """The subject plot (drawn without matplotlib) keeps the ticks of ``MaxNLocator``, as the trial plots have."""
    from matplotlib.ticker import MaxNLocator

    from recist_app.exports.plots.subject import _ticks

    expected = MaxNLocator(nbins=9, steps=[1, 2, 2.5, 5, 10], integer=whole).tick_values(low, high)
    assert _ticks(low, high, 9, whole=whole) == pytest.approx([t for t in expected if low <= t <= high])
