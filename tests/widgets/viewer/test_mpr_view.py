"""MprView: axial + coronal + sagittal linked by a crosshair, driven by real mouse, wheel and key events."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

from recist_app.imaging.load import load_series_from_folder
from recist_app.imaging.orientation import EdgeLetters
from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import ReformatLine
from recist_app.model.records import MeasurementPlane
from tests.widgets.conftest import Phantom
from tests.widgets.events import Button, drag, hover, release_at, wheel
from widgets.viewer.display import window_lut
from widgets.viewer.mpr_view import MprView
from widgets.viewer.overlay import UNCALIBRATED_BANNER
from widgets.viewer.reformat_pane import PLANE_COLOURS, ReformatPane

SHIFT = QtCore.Qt.KeyboardModifier.ShiftModifier
MPR_SIZE = (1200, 700)


def show_mpr(qtbot: object, volume: CtVolume, start_slice: int | None = None) -> MprView:
    view = MprView()
    qtbot.addWidget(view)  # type: ignore[attr-defined]
    view.resize(*MPR_SIZE)
    view.show()
    qtbot.waitExposed(view)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: min(p.view_box.width() for p in (view.coronal, view.sagittal)) > 0)  # type: ignore[attr-defined]
    view.set_volume(volume, start_slice)
    QtWidgets.QApplication.processEvents()
    return view


@pytest.fixture
def mpr(app: QtWidgets.QApplication, qtbot: object, phantom: Phantom) -> MprView:
    return show_mpr(qtbot, phantom.volume)


def shown_grey(pane: ReformatPane) -> np.ndarray:
    image = pane.image_item.image
    assert image is not None and image.dtype == np.uint8 and image.shape[-1] == 4
    return image[..., 0]


def click(pane: ReformatPane, point: QtCore.QPointF) -> None:
    """A left click (press and release at one point) in the pane's viewport."""
    viewport = pane.canvas.viewport()
    hover(viewport, point)
    QTest.mousePress(viewport, Button.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier, point.toPoint())
    release_at(viewport, point)


def test_opens_on_the_centre_with_the_planes_through_it(mpr: MprView, phantom: Phantom) -> None:
    slices, rows, cols = phantom.volume.shape
    assert mpr.crosshair == (cols // 2, rows // 2, slices // 2)
    assert mpr.axial.slice_index == slices // 2
    assert mpr.coronal.fixed_index == rows // 2 and mpr.sagittal.fixed_index == cols // 2
    lut = window_lut(*mpr.axial.window_hu)
    hu = phantom.volume.hu
    # head at the top: rows are the slices, last (most superior) first
    np.testing.assert_array_equal(shown_grey(mpr.coronal), lut[hu[::-1, rows // 2, :].view(np.uint16)])
    np.testing.assert_array_equal(shown_grey(mpr.sagittal), lut[hu[::-1, :, cols // 2].view(np.uint16)])
    assert mpr.coronal.image_item.axisOrder == "row-major"


def test_start_slice_and_signal(app: QtWidgets.QApplication, qtbot: object, phantom: Phantom) -> None:
    view = MprView()
    qtbot.addWidget(view)  # type: ignore[attr-defined]
    seen: list[tuple[int, int, int]] = []
    view.crosshair_changed.connect(lambda *v: seen.append(v))
    view.set_volume(phantom.volume, start_slice=3)
    assert view.axial.slice_index == 3 and seen == [(128, 128, 3)]


def test_set_crosshair_moves_the_axial_slice_and_both_reformats(mpr: MprView) -> None:
    seen: list[tuple[int, int, int]] = []
    mpr.crosshair_changed.connect(lambda *v: seen.append(v))
    mpr.set_crosshair(40, 200, 5)
    assert mpr.crosshair == (40, 200, 5) and seen == [(40, 200, 5)]
    assert mpr.axial.slice_index == 5
    assert mpr.coronal.fixed_index == 200 and mpr.sagittal.fixed_index == 40
    assert mpr.coronal.voxel == mpr.sagittal.voxel == (40, 200, 5)
    mpr.set_crosshair(40, 200, 5)
    assert len(seen) == 1  # unchanged: no signal
    mpr.set_crosshair(-5, 999, 99)
    assert mpr.crosshair == (0, 255, 23)  # clamped


def test_crosshair_lines_cross_at_the_point_in_every_pane(mpr: MprView) -> None:
    mpr.set_crosshair(60, 100, 7)
    for pane in (mpr.coronal, mpr.sagittal):
        assert pane.crosshair.point == pane.voxel_to_view(60, 100, 7)
    point = mpr.axial_crosshair.point
    assert point is not None
    viewport = mpr.axial.view_to_viewport(point)
    expected = mpr.axial.index_to_viewport(60, 100)
    assert (viewport.x(), viewport.y()) == pytest.approx((expected.x(), expected.y()), abs=0.01)
    # lines in the colours of the other planes: axial red, coronal green, sagittal yellow
    assert mpr.coronal.crosshair.colours() == (PLANE_COLOURS["SAGITTAL"], PLANE_COLOURS["AXIAL"])
    assert mpr.sagittal.crosshair.colours() == (PLANE_COLOURS["CORONAL"], PLANE_COLOURS["AXIAL"])
    assert mpr.axial_crosshair.colours() == (PLANE_COLOURS["SAGITTAL"], PLANE_COLOURS["CORONAL"])
    mpr.set_crosshair_visible(False)
    assert not mpr.coronal.crosshair.isVisible() and not mpr.axial_crosshair.isVisible()


def test_clicking_in_the_coronal_pane_moves_the_axial_slice(mpr: MprView) -> None:
    row = mpr.crosshair[1]
    target = mpr.coronal.voxel_to_viewport(70, row, 4)
    assert target is not None
    click(mpr.coronal, target)
    assert mpr.crosshair == (70, row, 4)
    assert mpr.axial.slice_index == 4 and mpr.sagittal.fixed_index == 70 and mpr.coronal.fixed_index == row


def test_dragging_in_the_sagittal_pane_follows_the_mouse(mpr: MprView) -> None:
    col = mpr.crosshair[0]
    start, end = mpr.sagittal.voxel_to_viewport(col, 60, 20), mpr.sagittal.voxel_to_viewport(col, 180, 2)
    assert start is not None and end is not None
    seen: list[tuple[int, int, int]] = []
    mpr.crosshair_changed.connect(lambda *v: seen.append(v))
    drag(mpr.sagittal.canvas.viewport(), start, end)
    assert mpr.crosshair == (col, 180, 2) and mpr.axial.slice_index == 2 and mpr.coronal.fixed_index == 180
    assert len(seen) >= 3  # the other panes follow during the drag, not only at its end


def test_wheel_in_a_reformat_moves_its_plane_shift_ten(mpr: MprView) -> None:
    col, row, k = mpr.crosshair
    centre = QtCore.QPointF(mpr.coronal.canvas.viewport().rect().center())
    wheel(mpr.coronal.canvas.viewport(), centre, -1)
    assert mpr.crosshair == (col, row + 1, k) and mpr.coronal.fixed_index == row + 1
    wheel(mpr.coronal.canvas.viewport(), centre, 1, SHIFT)
    assert mpr.crosshair == (col, row - 9, k)
    wheel(mpr.sagittal.canvas.viewport(), centre, -2)
    assert mpr.crosshair == (col + 2, row - 9, k) and mpr.axial.slice_index == k


def test_axial_scrolling_moves_the_crosshair_in_the_reformats(mpr: MprView) -> None:
    col, row, k = mpr.crosshair
    before = mpr.coronal.crosshair.point
    QTest.keyClick(mpr.axial, QtCore.Qt.Key.Key_End)
    last = mpr.axial.slice_index
    assert last != k and mpr.crosshair == (col, row, last)
    after = mpr.coronal.crosshair.point
    assert before is not None and after is not None and after.x() == before.x() and after.y() != before.y()


def test_clicking_in_the_axial_view_moves_the_reformat_planes(mpr: MprView) -> None:
    k = mpr.axial.slice_index
    click(mpr.axial, mpr.axial.index_to_viewport(50, 210))  # type: ignore[arg-type]
    assert mpr.crosshair == (50, 210, k)
    assert mpr.coronal.fixed_index == 210 and mpr.sagittal.fixed_index == 50


def test_window_level_on_the_axial_view_propagates(mpr: MprView, phantom: Phantom) -> None:
    mpr.axial.set_window(400, 40)
    assert mpr.coronal.window_hu == mpr.sagittal.window_hu == (400.0, 40.0)
    start = QtCore.QPointF(mpr.axial.canvas.viewport().rect().center())
    drag(mpr.axial.canvas.viewport(), start, start + QtCore.QPointF(40, 20))
    assert mpr.coronal.window_hu == mpr.axial.window_hu != (400.0, 40.0)
    row = mpr.coronal.fixed_index
    expected = window_lut(*mpr.axial.window_hu)[phantom.volume.hu[::-1, row, :].view(np.uint16)]
    np.testing.assert_array_equal(shown_grey(mpr.coronal), expected)
    QTest.keyClick(mpr.axial, QtCore.Qt.Key.Key_I)  # inversion follows too
    assert mpr.axial.inverted and mpr.coronal.inverted and mpr.sagittal.inverted
    np.testing.assert_array_equal(shown_grey(mpr.coronal), 255 - expected)


def test_labels_letters_and_aspect_from_the_slice_gap(mpr: MprView, phantom: Phantom) -> None:
    coronal, sagittal = mpr.coronal.overlay_content(), mpr.sagittal.overlay_content()
    assert coronal.top_left == ("CORONAL",) and sagittal.top_left == ("SAGITTAL",)
    assert coronal.edges == EdgeLetters(left="R", right="L", top="H", bottom="F")
    assert sagittal.edges == EdgeLetters(left="A", right="P", top="H", bottom="F")
    assert coronal.banner is None and coronal.scale_bar is not None
    assert coronal.top_right[0] == f"Row {mpr.coronal.fixed_index + 1} / 256"
    slices, _, cols = phantom.volume.shape
    gap, _, col_mm = phantom.volume.spacing_mm
    top_left, bottom_right = (mpr.coronal.voxel_to_viewport(0, 0, slices - 1),
                              mpr.coronal.voxel_to_viewport(cols - 1, 0, 0))
    assert top_left is not None and bottom_right is not None
    height, width = bottom_right.y() - top_left.y(), bottom_right.x() - top_left.x()
    assert height / width == pytest.approx((slices - 1) * gap / ((cols - 1) * col_mm), rel=1e-6)


def test_uncalibrated_volume_says_so_and_shows_pixels(app: QtWidgets.QApplication, qtbot: object,
                                                      phantom: Phantom) -> None:
    volume = dataclasses.replace(phantom.volume, pixel_spacing=None, affine=None)
    view = show_mpr(qtbot, volume)
    for pane in (view.coronal, view.sagittal):
        content = pane.overlay_content()
        assert content.banner == UNCALIBRATED_BANNER and content.scale_bar is None
        assert not any("mm" in line for line in content.top_right)
        assert pane.plane_geometry is not None and pane.plane_geometry.spacing_mm is None
        assert pane.image_item.transform().isIdentity()  # pixels, never mm
    assert view.coronal.overlay_content().edges == EdgeLetters(left="R", right="L", top="H", bottom="F")
    view.set_crosshair(10, 20, 3)
    assert view.axial.slice_index == 3 and view.coronal.fixed_index == 20


def test_a_grab_paints_all_three_panes(mpr: MprView) -> None:
    image = mpr.grab().toImage()
    assert image.width() == MPR_SIZE[0] and image.height() == MPR_SIZE[1]
    for pane in (mpr.axial, mpr.coronal, mpr.sagittal):
        shot = pane.grab().toImage()
        centre = shot.pixelColor(shot.width() // 2, shot.height() // 2)
        assert shot.width() > 100 and centre.isValid()


@pytest.mark.shared_data
def test_real_lung_series(app: QtWidgets.QApplication, qtbot: object, shared_dir: Path) -> None:
    volume = load_series_from_folder(shared_dir / "data/ct/lung_pet_ct_dx/Lung_Dx-A0001/series2_5mm_kernel-L")
    view = show_mpr(qtbot, volume)
    view.set_crosshair(319, 351, 45)  # the left upper lobe tumour (annotation of instance 19)
    assert view.axial.slice_index == 45
    lut = window_lut(*view.axial.window_hu)
    np.testing.assert_array_equal(shown_grey(view.coronal), lut[volume.hu[::-1, 351, :].view(np.uint16)])
    assert view.coronal.overlay_content().top_right[0] == "Row 352 / 512"
    point = view.coronal.voxel_to_viewport(319, 351, 45)
    assert point is not None and point.x() > view.coronal.canvas.viewport().width() / 2  # patient's left: right
    assert point.y() < view.coronal.canvas.viewport().height() / 2  # upper lobe: upper half


def test_a_reformat_zooms_like_the_slice_view_two_times_per_200_px(mpr: MprView) -> None:
    pane = mpr.coronal
    viewport = pane.canvas.viewport()
    width = pane.view_box.viewRange()[0][1] - pane.view_box.viewRange()[0][0]
    start = QtCore.QPointF(viewport.rect().center())
    drag(viewport, start, start + QtCore.QPointF(0, -200), button=Button.RightButton, steps=8)
    zoomed = pane.view_box.viewRange()[0][1] - pane.view_box.viewRange()[0][0]
    assert zoomed == pytest.approx(width / 2, rel=0.03)


def test_with_measuring_on_a_drag_on_a_reformat_draws_a_line_on_its_plane(mpr: MprView) -> None:
    """VIEWER.md "Reformats": a line drawn on a reformat is handed out with its plane, in volume indices."""
    col, row, k = mpr.crosshair
    mpr.set_measuring(True)
    assert mpr.coronal.can_measure and "Drag to measure" in mpr.coronal.overlay_content().top_left[1]
    drawn: list[tuple[str, tuple[float, float, float], tuple[float, float, float]]] = []
    mpr.line_drawn.connect(lambda plane, start, end: drawn.append((plane, start, end)))
    start, end = mpr.coronal.voxel_to_viewport(col - 30, row, 2), mpr.coronal.voxel_to_viewport(col + 10, row, 12)
    assert start is not None and end is not None
    drag(mpr.coronal.canvas.viewport(), start, end)
    ((plane, first, last),) = drawn
    assert plane == "CORONAL" and mpr.crosshair == (col, row, k)  # no crosshair move while measuring
    assert np.allclose(first, (col - 30, row, 2), atol=0.6) and np.allclose(last, (col + 10, row, 12), atol=0.6)
    assert not mpr.coronal.line_layer.draft.isVisible()
    click(mpr.coronal, end)  # a click still moves the crosshair, and draws nothing
    assert len(drawn) == 1 and mpr.crosshair == (col + 10, row, 12)


def test_reformat_lines_are_drawn_on_their_own_plane_only(mpr: MprView) -> None:
    col, row, k = mpr.crosshair
    on_coronal = ReformatLine("t1", "T01", "TARGET", MeasurementPlane.CORONAL, (col - 5.0, row, 1.0),
                              (col + 5.0, row, 3.0), 12.3)
    on_sagittal = ReformatLine("t2", "T02", "NEW", MeasurementPlane.SAGITTAL, (col, row - 5.0, 1.0),
                               (col, row + 5.0, 1.0), 8.0)
    elsewhere = ReformatLine("t3", "T03", "TARGET", MeasurementPlane.CORONAL, (col, row + 9.0, 1.0),
                             (col + 3.0, row + 9.0, 1.0), 4.0)
    mpr.set_reformat_lines([on_coronal, on_sagittal, elsewhere])
    assert mpr.coronal.line_layer.texts == ["T01 12.3 mm · COR"]
    assert mpr.sagittal.line_layer.texts == ["T02 8.0 mm · SAG"]
    mpr.set_crosshair(col, row + 9, k)
    assert mpr.coronal.line_layer.texts == ["T03 4.0 mm · COR"]
    mpr.set_volume(mpr.volume)  # another volume (or the same, reloaded): the lines come again from the read
    assert mpr.coronal.line_layer.texts == [] and mpr.sagittal.line_layer.texts == []
