"""SliceView driven by real wheel, mouse and key events (VIEWER.md "Mouse", "Keys", "On the image")."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore
from PySide6.QtTest import QTest

from tests.widgets.conftest import Phantom, show_view
from tests.widgets.events import Button, drag, hover, wheel
from widgets.viewer.calipers import Tool
from widgets.viewer.display import window_lut
from widgets.viewer.slice_view import DEFAULT_KEY_BINDINGS, SliceView
from widgets.viewer.window_presets import BONE, BRAIN, LIVER, LUNG, SOFT_TISSUE

Key = QtCore.Qt.Key
SHIFT = QtCore.Qt.KeyboardModifier.ShiftModifier


def centre(view: SliceView) -> QtCore.QPointF:
    return QtCore.QPointF(view.canvas.viewport().rect().center())


def shown_grey(view: SliceView) -> np.ndarray:
    image = view.image_item.image
    assert image is not None and image.dtype == np.uint8 and image.shape[-1] == 4
    assert np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(image[..., 0], image[..., 2])
    assert (image[..., 3] == 255).all()
    return image[..., 0]


def test_opens_on_the_middle_slice_fitted_with_the_header_window(view: SliceView, phantom: Phantom) -> None:
    assert view.slice_index == phantom.volume.shape[0] // 2
    centre_hu, width_hu = phantom.volume.window_presets[0]
    assert view.window_hu == (width_hu, centre_hu)
    corner = view.index_to_viewport(-0.5, -0.5)
    far = view.index_to_viewport(255.5, 255.5)
    viewport = view.canvas.viewport().rect()
    assert corner.y() == pytest.approx(0, abs=1) and far.y() == pytest.approx(viewport.height(), abs=1)
    assert corner.x() >= -1 and far.x() <= viewport.width() + 1


def test_without_a_header_window_soft_tissue_is_used(qtbot: object, app: object, phantom: Phantom) -> None:
    view = show_view(qtbot, dataclasses.replace(phantom.volume, window_presets=()))
    assert view.window_hu == (SOFT_TISSUE.width_hu, SOFT_TISSUE.level_hu)


def test_image_is_row_major_and_not_converted_to_float(view: SliceView, phantom: Phantom) -> None:
    grey = shown_grey(view)
    assert grey.shape == phantom.volume.shape[1:]
    assert view.image_item.image.dtype == np.uint8  # 32-bit grey pixels, never float
    assert view.image_item.axisOrder == "row-major"
    expected = window_lut(*view.window_hu)[phantom.volume.hu[view.slice_index].view(np.uint16)]
    assert np.array_equal(grey, expected)


def test_wheel_scrolls_one_slice_per_notch_and_ten_with_shift(view: SliceView) -> None:
    seen: list[int] = []
    view.slice_changed.connect(seen.append)
    start = view.slice_index
    wheel(view.canvas.viewport(), centre(view), -1)
    assert view.slice_index == start + 1
    wheel(view.canvas.viewport(), centre(view), 2)
    assert view.slice_index == start - 1
    wheel(view.canvas.viewport(), centre(view), -1, SHIFT)
    assert view.slice_index == start + 9
    wheel(view.canvas.viewport(), centre(view), -5, SHIFT)
    assert view.slice_index == view.volume.shape[0] - 1  # clamped
    assert seen == [start + 1, start - 1, start + 9, view.volume.shape[0] - 1]


def test_arrow_home_end_keys(view: SliceView, phantom: Phantom) -> None:
    start = view.slice_index
    QTest.keyClick(view, Key.Key_Down)
    assert view.slice_index == start + 1
    QTest.keyClick(view, Key.Key_Up)
    QTest.keyClick(view, Key.Key_Up)
    assert view.slice_index == start - 1
    QTest.keyClick(view, Key.Key_Home)
    assert view.slice_index == 0
    QTest.keyClick(view, Key.Key_Up)
    assert view.slice_index == 0
    QTest.keyClick(view, Key.Key_End)
    assert view.slice_index == phantom.volume.shape[0] - 1


def test_slice_change_shows_that_slice(view: SliceView, phantom: Phantom) -> None:
    QTest.keyClick(view, Key.Key_Home)
    assert np.array_equal(shown_grey(view), window_lut(*view.window_hu)[phantom.volume.hu[0].view(np.uint16)])


def test_left_drag_right_widens_and_down_raises_level(view: SliceView) -> None:
    width, level = view.window_hu
    seen: list[tuple[float, float]] = []
    view.window_changed.connect(lambda w, lv: seen.append((w, lv)))
    start = centre(view)
    drag(view.canvas.viewport(), start, start + QtCore.QPointF(50, 0))
    assert view.window_hu[0] > width + 100 and view.window_hu[1] == level
    width = view.window_hu[0]
    drag(view.canvas.viewport(), start, start + QtCore.QPointF(0, 30))
    assert view.window_hu[0] == width and view.window_hu[1] > level + 60
    assert seen and seen[-1] == view.window_hu


def test_window_width_never_below_one(view: SliceView) -> None:
    start = centre(view)
    drag(view.canvas.viewport(), start, start + QtCore.QPointF(-390, 0))
    assert view.window_hu[0] == 1.0


@pytest.mark.parametrize(("key", "preset"), [(Key.Key_1, SOFT_TISSUE), (Key.Key_2, LUNG), (Key.Key_3, LIVER),
                                             (Key.Key_4, BONE), (Key.Key_5, BRAIN)])
def test_preset_keys(view: SliceView, key: QtCore.Qt.Key, preset: object) -> None:
    view.set_window(123, 45)
    QTest.keyClick(view, key)
    assert view.window_hu == (preset.width_hu, preset.level_hu)
    assert preset.label in view.overlay_content().bottom_left[0]


def test_lung_preset_shows_lung_grey_levels(view: SliceView) -> None:
    """Air (−1000 HU) is black in soft tissue and grey-ish in lung window."""
    QTest.keyClick(view, Key.Key_2)
    lut = window_lut(*view.window_hu)
    assert lut[np.int16(-1000).view(np.uint16)] > 0
    assert window_lut(400, 40)[np.int16(-1000).view(np.uint16)] == 0


def test_invert_key(view: SliceView) -> None:
    before = shown_grey(view).copy()
    QTest.keyClick(view, Key.Key_I)
    assert view.inverted
    assert np.array_equal(shown_grey(view), 255 - before)
    assert "Inverted" in view.overlay_content().bottom_left
    QTest.keyClick(view, Key.Key_I)
    assert np.array_equal(shown_grey(view), before)


def test_right_drag_zooms_middle_drag_pans_equals_fits(view: SliceView) -> None:
    fitted = view.zoom
    start = centre(view)
    drag(view.canvas.viewport(), start, start + QtCore.QPointF(0, -60), button=Button.RightButton)
    assert view.zoom > fitted * 1.2
    before = view.index_to_viewport(128, 128)
    drag(view.canvas.viewport(), start, start + QtCore.QPointF(40, 25), button=Button.MiddleButton)
    after = view.index_to_viewport(128, 128)
    assert after.x() - before.x() == pytest.approx(40, abs=1.5)
    assert after.y() - before.y() == pytest.approx(25, abs=1.5)
    assert view.window_hu == (400.0, 40.0)  # neither changed the window
    QTest.keyClick(view, Key.Key_Equal)
    assert view.zoom == pytest.approx(fitted, rel=1e-6)


@pytest.mark.parametrize(("dy", "factor"), [(-200, 2.0), (-100, 2 ** 0.5), (200, 0.5)])
def test_right_drag_doubles_the_zoom_per_200_px_up(view: SliceView, dy: int, factor: float) -> None:
    fitted = view.zoom
    start = centre(view)
    drag(view.canvas.viewport(), start, start + QtCore.QPointF(0, dy), button=Button.RightButton, steps=8)
    assert view.zoom == pytest.approx(fitted * factor, rel=0.03)


def test_space_resets_zoom_window_and_inversion(view: SliceView) -> None:
    fitted = view.zoom
    view.view_box.scaleBy((0.5, 0.5))
    view.set_window(100, 0)
    view.set_inverted(True)
    QTest.keyClick(view, Key.Key_Space)
    assert view.zoom == pytest.approx(fitted, rel=1e-6)
    assert view.window_hu == (400.0, 40.0) and not view.inverted


def test_tool_keys_toggle_and_undo_redo_are_signals(view: SliceView, qtbot: object) -> None:
    QTest.keyClick(view, Key.Key_D)
    assert view.tool is Tool.LENGTH
    QTest.keyClick(view, Key.Key_O)
    assert view.tool is Tool.BIDIRECTIONAL
    QTest.keyClick(view, Key.Key_O)
    assert view.tool is Tool.WINDOW
    with qtbot.waitSignal(view.undo_requested, timeout=500):
        QTest.keyClick(view, Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(view.redo_requested, timeout=500):
        QTest.keyClick(view, Key.Key_Y, QtCore.Qt.KeyboardModifier.ControlModifier)


def test_key_bindings_are_configurable(app: object, qtbot: object, phantom: Phantom) -> None:
    view = SliceView(key_bindings={"next_slice": ("J",), "previous_slice": ("K",)})
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.set_volume(phantom.volume)
    start = view.slice_index
    QTest.keyClick(view, Key.Key_J)
    assert view.slice_index == start + 1
    QTest.keyClick(view, Key.Key_K)
    assert view.slice_index == start
    QTest.keyClick(view, Key.Key_Down)  # an override replaces that action's keys
    assert view.slice_index == start
    QTest.keyClick(view, Key.Key_End)  # the other actions keep their defaults
    assert view.slice_index == phantom.volume.shape[0] - 1
    assert DEFAULT_KEY_BINDINGS["next_slice"] == ("Down",)


def test_click_gives_the_view_keyboard_focus(view: SliceView) -> None:
    """A click on the image makes the view its window's focus widget, so keys reach it (the canvas
    takes no focus; a focus proxy from the canvas to the view crashed shiboken on teardown)."""
    view.clearFocus()
    assert view.window().focusWidget() is not view
    QTest.mouseClick(view.canvas.viewport(), Button.LeftButton, pos=centre(view).toPoint())
    assert view.window().focusWidget() is view


def test_overlay_corners(view: SliceView, phantom: Phantom) -> None:
    content = view.overlay_content()
    assert content.top_left == ("PHANTOM-001", "2025-01-01", "Synthetic chest CT")
    k = view.slice_index
    z = float(phantom.volume.slice_positions[k][2])  # axial: the normal is +z
    assert content.top_right == (f"Im {k + 1} / 24", f"Loc {z:.2f} mm".replace("-", "−"), "Thk 2.50 mm")
    assert content.bottom_left[0] == "W 400  L 40  (Soft tissue)"
    assert content.bottom_left[1] == f"Zoom {view.zoom:.2f}×"
    assert (content.edges.left, content.edges.right, content.edges.top, content.edges.bottom) == ("R", "L", "A", "P")
    assert content.scale_bar is not None and content.banner is None
    mm_per_px = view.view_box.viewPixelSize()[0]
    assert content.scale_bar.length_px == pytest.approx(content.scale_bar.length_mm / mm_per_px)


def test_hu_probe_under_the_cursor(view: SliceView, phantom: Phantom) -> None:
    col, row = 100, 140
    hover(view.canvas.viewport(), view.index_to_viewport(col + 0.2, row - 0.2))
    probe = view.probe()
    assert probe is not None and (probe.col, probe.row) == (col, row)
    assert probe.hu == int(phantom.volume.hu[view.slice_index, row, col])
    expected = phantom.volume.index_to_patient(col, row, view.slice_index)
    assert probe.position_mm == pytest.approx(tuple(expected))
    assert view.overlay_content().bottom_right[0] == f"HU {probe.hu}".replace("-", "−")
    hover(view.canvas.viewport(), QtCore.QPointF(3, 3))  # off the image (letterbox)
    assert view.probe() is None or view.index_to_viewport(0, 0).x() <= 3


def test_row_major_is_global_config(app: object) -> None:
    """create_app sets it; the view passes axisOrder explicitly anyway (ARCHITECTURE §3)."""
    assert pg.getConfigOption("imageAxisOrder") == "row-major"


def test_read_only_view_keeps_navigation_but_never_changes_calipers(view: SliceView, phantom: Phantom,
                                                                      qtbot: object) -> None:
    from recist_app.model.caliper import CaliperRecord
    from widgets.viewer.slice_view import MeasurementItem

    truth = phantom.lesion("L1")
    volume = phantom.volume
    long_index = [volume.patient_to_index(p)[:2] for p in truth.long_axis_endpoints_mm]
    record = CaliperRecord.from_index(volume, truth.slice_index, tuple(long_index))
    view.set_measurements([MeasurementItem("m-1", record, "T1", "TARGET")])
    view.show_record(record)
    view.select_measurement("m-1")
    changes: list[object] = []
    for signal in (view.measurement_committed, view.measurement_edited, view.measurement_deleted):
        signal.connect(lambda *args: changes.append(args))
    view.set_read_only(True)
    assert view.read_only and view.measurements.read_only
    viewport = view.canvas.viewport()
    ends = [view.view_to_viewport(end) for end in view.measurements.caliper("m-1").ends()]

    width, level = view.window_hu  # a drag on a handle is window / level, not an edit
    drag(viewport, ends[1], ends[1] + QtCore.QPointF(40, 0))
    assert view.window_hu == pytest.approx((width + 160, level))
    assert view.measurements.record_of(view.measurements.caliper("m-1")) == record
    view.set_tool(Tool.LENGTH)  # no drawing, even with a measuring tool on
    drag(viewport, centre(view), centre(view) + QtCore.QPointF(30, 30))
    assert view.measurement_keys() == ["m-1"]
    QTest.keyClick(view, Key.Key_Delete)  # no delete
    assert view.measurement_keys() == ["m-1"] and view.selected_measurement == "m-1"
    assert changes == []

    start = view.slice_index  # scrolling and zoom still work
    wheel(viewport, centre(view), -1)
    assert view.slice_index == start + 1
    zoom = view.zoom
    drag(viewport, centre(view), centre(view) + QtCore.QPointF(0, -40), button=Button.RightButton)
    assert view.zoom != pytest.approx(zoom)

    view.set_read_only(False)  # thawed: drawing and editing again
    view.show_record(record)
    drag(viewport, centre(view), centre(view) + QtCore.QPointF(30, 30))
    assert len(view.measurement_keys()) == 2 and len(changes) == 1
