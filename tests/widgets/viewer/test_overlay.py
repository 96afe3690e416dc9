"""Overlay text, scale bar and corner blocks (widgets.viewer.overlay)."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtGui

from widgets.viewer import overlay
from widgets.viewer.overlay import OverlayInfo, ProbeReading


def test_corner_texts() -> None:
    assert overlay.top_left_lines(OverlayInfo("S-01", "20240131", "CHEST 1.25")) == ("S-01", "2024-01-31", "CHEST 1.25")
    assert overlay.top_left_lines(OverlayInfo(subject_id="S-01")) == ("S-01",)
    assert overlay.top_right_lines(1, 300, -12.345, 1.25) == ("Im 1 / 300", "Loc −12.35 mm", "Thk 1.25 mm")
    assert overlay.top_right_lines(5, 5, None, None) == ("Im 5 / 5",)
    assert overlay.bottom_left_lines(1500, -600, "Lung", 1.5, False) == ("W 1500  L −600  (Lung)", "Zoom 1.50×")
    assert overlay.bottom_left_lines(1, 0, None, 1.0, True)[-1] == "Inverted"


def test_probe_text() -> None:
    probe = ProbeReading(-1000, 12, 34, (1.0, -2.25, 3.0))
    assert overlay.bottom_right_lines(probe) == ("HU −1000", "LPS 1.0, −2.2, 3.0 mm", "Pixel 12, 34")
    assert overlay.bottom_right_lines(ProbeReading(40, 1, 2, None)) == ("HU 40", "Pixel 1, 2")
    assert overlay.bottom_right_lines(None) == ()


def test_signed_uses_a_typographic_minus_and_no_negative_zero() -> None:
    assert overlay.signed(-600) == "−600"
    assert overlay.signed(-0.04, 1) == "0.0"


@pytest.mark.parametrize(("mm_per_px", "width", "length_mm"), [
    (0.5, 800, 50.0),  # 100 mm would be 200 px > 22 % of 800 px
    (0.1, 800, 10.0),
    (2.0, 800, 200.0),
    (0.25, 300, 10.0),
])
def test_scale_bar_picks_the_longest_nice_length(mm_per_px: float, width: float, length_mm: float) -> None:
    bar = overlay.scale_bar(mm_per_px, width)
    assert bar is not None and bar.length_mm == length_mm
    assert bar.length_px == pytest.approx(length_mm / mm_per_px)
    assert bar.length_px <= width * overlay.SCALE_BAR_MAX_FRACTION


def test_no_scale_bar_when_nothing_fits() -> None:
    assert overlay.scale_bar(10.0, 20) is None  # 20 mm would be 2 px
    assert overlay.scale_bar(1.0, 100) is None  # 20 mm would be 20 px, under the minimum
    assert overlay.scale_bar(0.0, 800) is None


def test_left_corner_text_is_cut_short_of_the_right_corner(app: object) -> None:
    """Narrow panes (compare 1×3 at 1366 px): the description ends with "…" instead of running under "Im n / N"."""
    image = QtGui.QImage(220, 160, QtGui.QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QtGui.QPainter(image)
    rect = QtCore.QRectF(image.rect())
    font = overlay.overlay_font()
    right = overlay._block(painter, rect, ("Im 22 / 40", "Loc 7.50 mm"), font, True, False, 1.0)
    room = rect.width() - 2 * overlay.MARGIN_PX - overlay.CORNER_GAP_PX - right.width()
    left = overlay._block(painter, rect, ("STEREOSARC demo CT WEEK 16 with a long description",), font, False,
                          False, 1.0, room)
    painter.end()
    assert left.right() + overlay.CORNER_GAP_PX <= right.left() + 0.5
