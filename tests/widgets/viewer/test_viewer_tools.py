"""Reading aids of the slice view driven by real events (VIEWER.md "Tools readers reach for"):
the elliptical ROI with HU statistics, cine, and the right-click window menu."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

from recist_app.imaging.roi_stats import EmptyRoi, RoiStats, ellipse_stats
from tests.widgets.conftest import Phantom, show_view
from tests.widgets.events import Button, drag, hover, release_at, rounded, wheel
from widgets.viewer.calipers import ROI_KEY_PREFIX, Tool, roi_text
from widgets.viewer.cine import CINE_DEFAULT_FPS
from widgets.viewer.slice_view import DEFAULT_KEY_BINDINGS, SliceView
from widgets.viewer.window_presets import PRESETS, header_window_text, preset_menu_text

Key = QtCore.Qt.Key


def centre(view: SliceView) -> QtCore.QPointF:
    return QtCore.QPointF(view.canvas.viewport().rect().center())


def lesion_box(view: SliceView, phantom: Phantom, lesion_id: str = "L1",
               margin: float = 1.3) -> tuple[QtCore.QPointF, QtCore.QPointF]:
    """Viewport corners of a box around a lesion (on whole pixels, like a mouse), its slice shown."""
    truth = phantom.lesion(lesion_id)
    view.set_slice(truth.slice_index)
    col, row, _ = phantom.volume.patient_to_index(truth.centre_mm)
    half = truth.long_axis_mm / 2 / phantom.volume.pixel_spacing[1] * margin
    return (rounded(view.index_to_viewport(col - half, row - half)),
            rounded(view.index_to_viewport(col + half, row + half)))


def expected_stats(view: SliceView, start: QtCore.QPointF, end: QtCore.QPointF) -> RoiStats | EmptyRoi:
    """``ellipse_stats`` of the ellipse inscribed in the viewport box start–end, on the slice shown."""
    (c0, r0), (c1, r1) = view.viewport_to_index(start), view.viewport_to_index(end)
    volume = view.volume
    return ellipse_stats(volume.hu[view.slice_index], ((c0 + c1) / 2, (r0 + r1) / 2),
                         (abs(c1 - c0) / 2, abs(r1 - r0) / 2), volume.pixel_spacing)


def brute_force(hu: np.ndarray, centre_index: tuple[float, float], axes: tuple[float, float]) -> np.ndarray:
    """Every pixel whose centre is inside the ellipse, by testing all of them."""
    rows, cols = np.mgrid[0:hu.shape[0], 0:hu.shape[1]]
    inside = ((cols - centre_index[0]) / axes[0]) ** 2 + ((rows - centre_index[1]) / axes[1]) ** 2 <= 1.0
    return hu[inside]


def draw_ellipse(view: SliceView, start: QtCore.QPointF, end: QtCore.QPointF) -> str:
    view.set_tool(Tool.ELLIPSE)
    before = set(view.roi_keys())
    drag(view.canvas.viewport(), start, end)
    (key,) = set(view.roi_keys()) - before
    return key


def roi_labels(view: SliceView) -> list[str]:
    return [spec.text for spec, _box in view.label_boxes() if spec.text.startswith(("Mean", "No pixel"))]


# -- elliptical ROI -----------------------------------------------------------------------------------------
def test_e_key_toggles_the_ellipse_tool(view: SliceView) -> None:
    assert DEFAULT_KEY_BINDINGS["ellipse_tool"] == ("E",)
    QTest.keyClick(view, Key.Key_E)
    assert view.tool is Tool.ELLIPSE
    QTest.keyClick(view, Key.Key_E)
    assert view.tool is Tool.WINDOW


def test_drawn_ellipse_label_shows_the_hu_statistics_of_its_region(view: SliceView, phantom: Phantom) -> None:
    committed: list[object] = []
    view.measurement_committed.connect(lambda *args: committed.append(args))
    start, end = lesion_box(view, phantom)
    width, level = view.window_hu
    key = draw_ellipse(view, start, end)
    assert key.startswith(ROI_KEY_PREFIX) and view.rois.selected_key == key
    assert committed == [] and view.measurement_keys() == []  # not part of the read
    assert view.window_hu == (width, level)  # the drag drew, it did not window

    stats = view.roi_stats(key)
    assert stats == expected_stats(view, start, end)
    assert isinstance(stats, RoiStats)
    centre_index, axes = view.rois.ellipse_index(view.rois.roi(key))
    region = brute_force(phantom.volume.hu[view.slice_index], centre_index, axes)
    assert stats.pixel_count == region.size > 100
    assert stats.mean_hu == pytest.approx(region.astype(np.float64).mean())
    assert stats.sd_hu == pytest.approx(region.astype(np.float64).std())
    assert (stats.min_hu, stats.max_hu) == (region.min(), region.max())
    row_mm, col_mm = phantom.volume.pixel_spacing
    assert stats.area_mm2 == pytest.approx(region.size * row_mm * col_mm)
    assert math.pi * axes[0] * axes[1] * 0.9 < stats.pixel_count < math.pi * axes[0] * axes[1] * 1.1

    (text,) = roi_labels(view)
    assert text == roi_text(stats)
    assert f"Mean {stats.mean_hu:.1f} HU".replace("-", "−") in text and f"SD {stats.sd_hu:.1f}" in text
    assert f"Min {stats.min_hu}".replace("-", "−") in text and f"Max {stats.max_hu} HU".replace("-", "−") in text
    assert f"Area {stats.area_mm2:.1f} mm²  ({stats.pixel_count} px)" in text
    assert view.tool is Tool.ELLIPSE  # the tool stays on


def test_ellipse_label_keeps_clear_of_the_ellipse(view: SliceView, phantom: Phantom) -> None:
    start, end = lesion_box(view, phantom)
    draw_ellipse(view, start, end)
    ((_spec, box),) = view.label_boxes()
    assert box.left() > max(start.x(), end.x())  # right of the ellipse


def test_ellipse_moves_by_its_body_and_resizes_by_a_handle(view: SliceView, phantom: Phantom) -> None:
    start, end = lesion_box(view, phantom)
    key = draw_ellipse(view, start, end)
    roi = view.rois.roi(key)
    first = view.roi_stats(key)
    box_px = QtCore.QRectF(view.view_to_viewport(roi.box().topLeft()), view.view_to_viewport(roi.box().bottomRight()))
    view.set_tool(Tool.WINDOW)  # the body is dragged whatever the tool
    drag(view.canvas.viewport(), box_px.center(), box_px.center() + QtCore.QPointF(40, 0))
    moved = QtCore.QRectF(view.view_to_viewport(roi.box().topLeft()), view.view_to_viewport(roi.box().bottomRight()))
    assert moved.left() - box_px.left() == pytest.approx(40, abs=1.5)
    assert moved.width() == pytest.approx(box_px.width(), abs=0.01)
    assert view.roi_stats(key) != first
    assert roi_labels(view) == [roi_text(view.roi_stats(key))]

    right = view.view_to_viewport(roi.points()[0])
    drag(view.canvas.viewport(), right, right + QtCore.QPointF(24, 0))
    resized = QtCore.QRectF(view.view_to_viewport(roi.box().topLeft()), view.view_to_viewport(roi.box().bottomRight()))
    assert resized.left() == pytest.approx(moved.left(), abs=0.01)
    assert resized.width() == pytest.approx(moved.width() + 24, abs=1.5)
    assert resized.height() == pytest.approx(moved.height(), abs=0.01)
    stats = view.roi_stats(key)
    assert isinstance(stats, RoiStats) and stats.pixel_count > first.pixel_count


def test_select_and_delete_an_ellipse_leaves_calipers_alone(view: SliceView, phantom: Phantom) -> None:
    deleted: list[str] = []
    view.measurement_deleted.connect(deleted.append)
    truth = phantom.lesion("L1")
    start, end = lesion_box(view, phantom)
    view.set_tool(Tool.LENGTH)
    caliper_start = start + QtCore.QPointF(0, -30)
    drag(view.canvas.viewport(), caliper_start, caliper_start + QtCore.QPointF(60, 0))
    (caliper,) = view.measurement_keys()
    assert view.selected_measurement == caliper
    key = draw_ellipse(view, start, end)
    assert view.rois.selected_key == key and view.selected_measurement == ""  # one selection at a time
    QTest.mouseClick(view.canvas.viewport(), Button.LeftButton, pos=QtCore.QPoint(5, 5))  # background
    assert view.rois.selected_key == ""
    middle = (start + end) / 2
    hover(view.canvas.viewport(), middle)
    QTest.mouseClick(view.canvas.viewport(), Button.LeftButton, pos=middle.toPoint())
    assert view.rois.selected_key == key
    QTest.keyClick(view, Key.Key_Delete)
    assert view.roi_keys() == [] and roi_labels(view) == []
    assert view.measurement_keys() == [caliper] and deleted == []
    assert view.slice_index == truth.slice_index


def test_escape_cancels_the_ellipse_being_drawn(view: SliceView, phantom: Phantom) -> None:
    start, end = lesion_box(view, phantom)
    view.set_tool(Tool.ELLIPSE)
    drag(view.canvas.viewport(), start, end, release=False)
    assert view.rois.in_progress and len(roi_labels(view)) == 1  # the label follows the drawing
    QTest.keyClick(view, Key.Key_Escape)
    release_at(view.canvas.viewport(), end)
    assert not view.rois.in_progress and view.roi_keys() == [] and roi_labels(view) == []


def test_ellipses_live_per_slice_and_go_with_the_volume(view: SliceView, phantom: Phantom) -> None:
    start, end = lesion_box(view, phantom)
    key = draw_ellipse(view, start, end)
    k = view.slice_index
    wheel(view.canvas.viewport(), centre(view), -1)
    assert view.slice_index != k and not view.rois.roi(key).isVisible() and roi_labels(view) == []
    wheel(view.canvas.viewport(), centre(view), 1)
    assert view.rois.roi(key).isVisible() and len(roi_labels(view)) == 1
    view.set_volume(phantom.volume)
    assert view.roi_keys() == []


def test_ellipse_on_a_read_only_view(view: SliceView, phantom: Phantom) -> None:
    """An ROI changes nothing stored, so it is allowed on a signed (read-only) time point."""
    view.set_read_only(True)
    QTest.keyClick(view, Key.Key_E)
    assert view.tool is Tool.ELLIPSE
    start, end = lesion_box(view, phantom)
    key = draw_ellipse(view, start, end)
    assert isinstance(view.roi_stats(key), RoiStats)
    QTest.keyClick(view, Key.Key_Delete)
    assert view.roi_keys() == []
    view.set_tool(Tool.LENGTH)  # calipers stay frozen: a left drag is window / level
    width, _ = view.window_hu
    drag(view.canvas.viewport(), start, start + QtCore.QPointF(20, 0))
    assert view.measurement_keys() == [] and view.window_hu[0] == pytest.approx(width + 80)


def test_ellipse_on_an_uncalibrated_image_has_no_mm(app: object, qtbot: object, phantom: Phantom) -> None:
    view = show_view(qtbot, dataclasses.replace(phantom.volume, pixel_spacing=None, affine=None))
    start, end = rounded(view.index_to_viewport(100, 100)), rounded(view.index_to_viewport(140, 130))
    key = draw_ellipse(view, start, end)
    stats = view.roi_stats(key)
    assert isinstance(stats, RoiStats) and stats.area_mm2 is None
    (text,) = roi_labels(view)
    assert f"Area {stats.pixel_count} px" in text and "mm" not in text


def test_ellipse_drawn_past_the_edge_stays_on_the_image(view: SliceView) -> None:
    corner = view.index_to_viewport(-0.5, -0.5)
    start = rounded(view.index_to_viewport(20, 20))
    key = draw_ellipse(view, start, corner - QtCore.QPointF(30, 30))
    centre_index, axes = view.rois.ellipse_index(view.rois.roi(key))
    assert centre_index[0] - axes[0] == pytest.approx(-0.5, abs=1e-6)  # clamped to the image's edge
    assert view.roi_stats(key) == expected_stats(view, start, corner)


# -- cine ---------------------------------------------------------------------------------------------------
def test_c_plays_cine_through_the_images_in_pacs_order(view: SliceView, qtbot: object) -> None:
    changes: list[tuple[bool, float]] = []
    view.cine_changed.connect(lambda on, fps: changes.append((on, fps)))
    assert view.cine_fps == CINE_DEFAULT_FPS == 10.0 and not view.cine_playing
    QTest.keyClick(view, Key.Key_C)
    assert view.cine_playing and changes == [(True, 10.0)]
    assert "Cine 10 fps" in view.overlay_content().bottom_left
    QTest.keyClick(view, Key.Key_C)
    assert not view.cine_playing and changes[-1] == (False, 10.0)
    assert not any(line.startswith("Cine") for line in view.overlay_content().bottom_left)

    numbers: list[int] = []
    view.slice_changed.connect(lambda _k: numbers.append(view.image_number))
    start = view.image_number
    view.set_cine(True, 60)
    qtbot.waitUntil(lambda: len(numbers) >= 5, timeout=3000)
    view.set_cine(False)
    assert numbers[:5] == [start + 1, start + 2, start + 3, start + 4, start + 5]  # one image on per frame


def test_cine_wraps_from_the_last_image_to_the_first(view: SliceView, qtbot: object) -> None:
    QTest.keyClick(view, Key.Key_End)
    last = view.image_number
    numbers: list[int] = []
    view.slice_changed.connect(lambda _k: numbers.append(view.image_number))
    view.set_cine(True, 60)
    qtbot.waitUntil(lambda: len(numbers) >= 2, timeout=3000)
    view.set_cine(False)
    assert last == view.volume.shape[0] and numbers[:2] == [1, 2]


@pytest.mark.parametrize("stop", ["wheel", "key", "volume", "hide"])
def test_navigation_or_a_new_volume_stops_cine(view: SliceView, phantom: Phantom, qtbot: object, stop: str) -> None:
    view.set_cine(True, 30)
    with qtbot.waitSignal(view.slice_changed, timeout=2000):
        pass
    with qtbot.waitSignal(view.cine_changed, timeout=500) as blocker:
        if stop == "wheel":
            wheel(view.canvas.viewport(), centre(view), -1)
        elif stop == "key":
            QTest.keyClick(view, Key.Key_Down)
        elif stop == "volume":
            view.set_volume(phantom.volume)
        else:
            view.hide()
    assert blocker.args == [False, 30.0] and not view.cine_playing
    k = view.slice_index
    QTest.qWait(120)
    assert view.slice_index == k


def test_window_keys_do_not_stop_cine(view: SliceView) -> None:
    view.set_cine(True)
    QTest.keyClick(view, Key.Key_2)
    QTest.keyClick(view, Key.Key_I)
    assert view.cine_playing
    view.set_cine(False)


def test_brackets_change_the_cine_rate_within_1_to_60(view: SliceView) -> None:
    assert DEFAULT_KEY_BINDINGS["cine_slower"] == ("[",) and DEFAULT_KEY_BINDINGS["cine_faster"] == ("]",)
    QTest.keyClick(view, Key.Key_C)
    QTest.keyClick(view, Key.Key_BracketRight)
    assert view.cine_fps == 12.0 and view.cine_playing
    assert "Cine 12 fps" in view.overlay_content().bottom_left
    QTest.keyClick(view, Key.Key_BracketLeft)
    QTest.keyClick(view, Key.Key_BracketLeft)
    assert view.cine_fps == 8.0
    view.set_cine(False)
    QTest.keyClick(view, Key.Key_BracketRight)  # the rate can be set before playing
    assert view.cine_fps == 10.0 and not view.cine_playing
    view.set_cine(False, 500)
    assert view.cine_fps == 60.0
    QTest.keyClick(view, Key.Key_BracketRight)
    assert view.cine_fps == 60.0
    view.set_cine(False, 0.2)
    assert view.cine_fps == 1.0
    QTest.keyClick(view, Key.Key_BracketLeft)
    assert view.cine_fps == 1.0
    with pytest.raises(ValueError, match='Argument "fps" must be a finite number'):
        view.set_cine(True, float("nan"))


def test_cine_needs_a_volume(app: object, qtbot: object) -> None:
    view = SliceView()
    qtbot.addWidget(view)
    view.set_cine(True)
    assert not view.cine_playing


# -- window menu ----------------------------------------------------------------------------------------------
def menu_actions(view: SliceView) -> dict[str, QtWidgets.QWidgetAction]:
    return {action.text(): action for action in view.window_menu().actions() if not action.isSeparator()}


def test_window_menu_lists_presets_header_windows_invert_and_reset(app: object, qtbot: object,
                                                                    phantom: Phantom) -> None:
    header = ((40.0, 350.0), (-600.0, 1500.0), (300.5, 2000.0))
    view = show_view(qtbot, dataclasses.replace(phantom.volume, window_presets=header))
    actions = menu_actions(view)
    assert view.window_menu().title() == "Window"
    expected = ([preset_menu_text(p) for p in PRESETS]
                + [header_window_text(i, c, w) for i, (c, w) in enumerate(header, start=1)]
                + ["Invert (I)", "Reset (Space)"])
    assert list(actions) == expected
    assert "Lung (2)  W 1500 L −600" in actions and "Mediastinum  W 350 L 50" in actions
    assert "Header 1: W 350 L 40" in actions and "Header 3: W 2000 L 300.5" in actions
    assert actions["Header 1: W 350 L 40"].isChecked()  # the window shown, the header's first

    actions["Lung (2)  W 1500 L −600"].trigger()
    assert view.window_hu == (1500.0, -600.0)
    assert menu_actions(view)["Lung (2)  W 1500 L −600"].isChecked()
    menu_actions(view)["Header 3: W 2000 L 300.5"].trigger()
    assert view.window_hu == (2000.0, 300.5)
    menu_actions(view)["Invert (I)"].trigger()
    assert view.inverted and menu_actions(view)["Invert (I)"].isChecked()
    view.view_box.scaleBy((0.5, 0.5))
    menu_actions(view)["Reset (Space)"].trigger()
    assert view.window_hu == (350.0, 40.0) and not view.inverted


def test_right_click_opens_the_window_menu_and_right_drag_still_zooms(view: SliceView, qtbot: object) -> None:
    viewport = view.canvas.viewport()
    fitted = view.zoom
    drag(viewport, centre(view), centre(view) + QtCore.QPointF(0, -60), button=Button.RightButton)
    assert view.zoom > fitted * 1.2
    assert QtWidgets.QApplication.activePopupWidget() is None  # a drag is no click

    hover(viewport, centre(view))
    QTest.mouseClick(viewport, Button.RightButton, pos=centre(view).toPoint())
    qtbot.waitUntil(lambda: isinstance(QtWidgets.QApplication.activePopupWidget(), QtWidgets.QMenu), timeout=1000)
    menu = QtWidgets.QApplication.activePopupWidget()
    assert menu.title() == "Window" and any(a.text().startswith("Bone (4)") for a in menu.actions())
    next(a for a in menu.actions() if a.text().startswith("Bone (4)")).trigger()
    menu.close()
    assert view.window_hu == (2500.0, 480.0)
