"""Calipers drawn with real mouse events across phantom lesions of known size (VIEWER.md "Measuring")."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore
from PySide6.QtTest import QTest

from recist_app.imaging.errors import UncalibratedImageError
from recist_app.model.caliper import CaliperKind, CaliperRecord
from tests.widgets.conftest import Phantom, make_phantom, show_view
from tests.widgets.events import drag, hover, release_at, rounded
from widgets.viewer.calipers import Tool, caliper_text
from widgets.viewer.overlay import place_label
from widgets.viewer.slice_view import MeasurementItem, SliceView

Key = QtCore.Qt.Key


class Recorder:
    """Collects the view's measurement signals."""

    def __init__(self, view: SliceView) -> None:
        self.committed: list[tuple[str, CaliperRecord]] = []
        self.edited: list[tuple[str, CaliperRecord]] = []
        self.deleted: list[str] = []
        view.measurement_committed.connect(lambda key, record: self.committed.append((key, record)))
        view.measurement_edited.connect(lambda key, record: self.edited.append((key, record)))
        view.measurement_deleted.connect(self.deleted.append)


def to_screen(view: SliceView, point_mm: tuple[float, float, float]) -> QtCore.QPointF:
    """Viewport pixel (whole pixels, like a real mouse) of a patient point on the shown volume."""
    col, row, _ = view.volume.patient_to_index(point_mm)
    return rounded(view.index_to_viewport(col, row))


def draw_length(view: SliceView, a_mm: tuple[float, float, float], b_mm: tuple[float, float, float]) -> None:
    view.set_tool(Tool.LENGTH)
    drag(view.canvas.viewport(), to_screen(view, a_mm), to_screen(view, b_mm))


def draw_bidirectional(view: SliceView, long_mm: tuple, short_mm: tuple) -> None:
    view.set_tool(Tool.BIDIRECTIONAL)
    drag(view.canvas.viewport(), to_screen(view, long_mm[0]), to_screen(view, long_mm[1]))
    drag(view.canvas.viewport(), to_screen(view, short_mm[0]), to_screen(view, short_mm[1]))


def spacing(volume: object) -> float:
    return max(volume.pixel_spacing)


def handle_points(view: SliceView, key: str) -> list[QtCore.QPointF]:
    return [view.view_to_viewport(end) for end in view.measurements.caliper(key).ends()]


def test_length_caliper_across_a_lesion_gives_its_long_axis(view: SliceView, phantom: Phantom) -> None:
    truth = phantom.lesion("L1")
    view.set_slice(truth.slice_index)
    recorder = Recorder(view)
    draw_length(view, *truth.long_axis_endpoints_mm)
    assert len(recorder.committed) == 1, "one record, emitted when the drag ended"
    key, record = recorder.committed[0]
    assert record.kind is CaliperKind.LENGTH
    assert record.long_axis_mm == pytest.approx(truth.long_axis_mm, abs=spacing(phantom.volume))
    for measured, expected in zip((record.p1_mm, record.p2_mm), truth.long_axis_endpoints_mm, strict=True):
        assert math.dist(measured, expected) <= spacing(phantom.volume)
    assert (record.slice_index, record.sop_uid) == (truth.slice_index, truth.sop_instance_uid)
    assert record.series_uid == phantom.truth.series_instance_uid
    assert record.frame_of_reference_uid == phantom.truth.frame_of_reference_uid
    assert view.selected_measurement == key and view.tool is Tool.LENGTH  # the tool stays active


def test_no_record_while_dragging_only_label_updates(view: SliceView, phantom: Phantom) -> None:
    truth = phantom.lesion("L1")
    view.set_slice(truth.slice_index)
    recorder = Recorder(view)
    view.set_tool(Tool.LENGTH)
    a, b = (to_screen(view, p) for p in truth.long_axis_endpoints_mm)
    drag(view.canvas.viewport(), a, b, release=False)
    assert recorder.committed == []
    (spec, _box), = view.label_boxes()
    assert spec.text.endswith(" mm")
    release_at(view.canvas.viewport(), b)
    assert len(recorder.committed) == 1


def test_bidirectional_on_the_node(view: SliceView, phantom: Phantom) -> None:
    truth = phantom.lesion("N1")
    view.set_slice(truth.slice_index)
    recorder = Recorder(view)
    view.set_pending_label("N1", "TARGET")
    draw_bidirectional(view, truth.long_axis_endpoints_mm, truth.short_axis_endpoints_mm)
    assert len(recorder.committed) == 1, "committed once, after the short axis"
    _key, record = recorder.committed[0]
    assert record.kind is CaliperKind.BIDIRECTIONAL
    assert record.long_axis_mm == pytest.approx(truth.long_axis_mm, abs=spacing(phantom.volume))
    assert record.short_axis_mm == pytest.approx(truth.short_axis_mm, abs=spacing(phantom.volume))
    assert record.axes_angle_deg == pytest.approx(90.0, abs=1e-6)
    (spec, _box), = view.label_boxes()
    assert spec.text.startswith(f"N1 SA {record.short_axis_mm:.1f} mm")
    view.set_measurements([MeasurementItem("stored", record, "N1", "TARGET")])  # shown again from mm
    again = view.measurements.record_of(view.measurements.caliper("stored"))
    for name in ("p1_mm", "p2_mm", "short_p1_mm", "short_p2_mm"):
        assert getattr(again, name) == pytest.approx(getattr(record, name), abs=1e-9)


def test_short_axis_stays_perpendicular_when_the_long_axis_moves(view: SliceView, phantom: Phantom) -> None:
    truth = phantom.lesion("N1")
    view.set_slice(truth.slice_index)
    recorder = Recorder(view)
    draw_bidirectional(view, truth.long_axis_endpoints_mm, truth.short_axis_endpoints_mm)
    key, first = recorder.committed[0]
    view.set_tool(Tool.WINDOW)
    end = handle_points(view, key)[1]
    drag(view.canvas.viewport(), end, end + QtCore.QPointF(35, 10))
    assert len(recorder.edited) == 1
    edited = recorder.edited[0][1]
    assert edited.axes_angle_deg == pytest.approx(90.0, abs=1e-6)
    assert edited.short_axis_mm == pytest.approx(first.short_axis_mm, rel=1e-9)
    assert edited.long_axis_mm != pytest.approx(first.long_axis_mm)
    short_end = handle_points(view, key)[2]  # a short-axis end slides along the perpendicular
    drag(view.canvas.viewport(), short_end, short_end + QtCore.QPointF(12, 12))
    assert recorder.edited[-1][1].axes_angle_deg == pytest.approx(90.0, abs=1e-6)


def test_edit_by_dragging_a_handle(view: SliceView, phantom: Phantom) -> None:
    truth = phantom.lesion("L1")
    view.set_slice(truth.slice_index)
    recorder = Recorder(view)
    draw_length(view, *truth.long_axis_endpoints_mm)
    key, first = recorder.committed[0]
    start = handle_points(view, key)[1]
    target = start + QtCore.QPointF(0, 40)
    drag(view.canvas.viewport(), start, target)
    assert [k for k, _ in recorder.edited] == [key]
    edited = recorder.edited[0][1]
    assert edited.p1_mm == first.p1_mm
    col, row = view.viewport_to_index(target)
    expected = view.volume.index_to_patient(col, row, truth.slice_index)
    assert math.dist(edited.p2_mm, expected) < 1e-6
    assert len(recorder.committed) == 1, "an edit never makes a new measurement"


def test_delete_and_backspace_delete_the_selected_measurement(view: SliceView, phantom: Phantom) -> None:
    truth = phantom.lesion("L1")
    view.set_slice(truth.slice_index)
    recorder = Recorder(view)
    draw_length(view, *truth.long_axis_endpoints_mm)
    draw_length(view, *truth.short_axis_endpoints_mm)
    first, second = (key for key, _ in recorder.committed)
    assert view.selected_measurement == second
    QTest.keyClick(view, Key.Key_Delete)
    assert recorder.deleted == [second] and view.measurement_keys() == [first]
    QTest.keyClick(view, Key.Key_Backspace)
    assert recorder.deleted == [second], "nothing selected, nothing deleted"
    view.set_tool(Tool.WINDOW)
    middle = handle_points(view, first)
    hover(view.canvas.viewport(), (middle[0] + middle[1]) / 2)
    QTest.mouseClick(view.canvas.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     pos=rounded((middle[0] + middle[1]) / 2).toPoint())
    assert view.selected_measurement == first
    QTest.keyClick(view, Key.Key_Backspace)
    assert recorder.deleted == [second, first] and view.measurement_keys() == []


def test_escape_cancels_the_measurement_in_progress(view: SliceView, phantom: Phantom) -> None:
    truth = phantom.lesion("N1")
    view.set_slice(truth.slice_index)
    recorder = Recorder(view)
    view.set_tool(Tool.LENGTH)
    a, b = (to_screen(view, p) for p in truth.long_axis_endpoints_mm)
    drag(view.canvas.viewport(), a, b, release=False)
    QTest.keyClick(view, Key.Key_Escape)
    release_at(view.canvas.viewport(), b)
    assert recorder.committed == [] and view.measurement_keys() == [] and view.label_boxes() == []
    view.set_tool(Tool.BIDIRECTIONAL)  # Esc between the long and the short axis
    drag(view.canvas.viewport(), a, b)
    assert view.measurements.in_progress
    QTest.keyClick(view, Key.Key_Escape)
    assert not view.measurements.in_progress and recorder.committed == []


def test_a_short_axis_drag_along_the_long_axis_is_not_committed(view: SliceView, phantom: Phantom) -> None:
    truth = phantom.lesion("N1")
    view.set_slice(truth.slice_index)
    recorder = Recorder(view)
    long_ends = [to_screen(view, p) for p in truth.long_axis_endpoints_mm]
    view.set_tool(Tool.BIDIRECTIONAL)
    drag(view.canvas.viewport(), *long_ends)
    drag(view.canvas.viewport(), long_ends[0] + QtCore.QPointF(0, 10), long_ends[1] - QtCore.QPointF(0, 10))
    assert recorder.committed == [] and view.measurements.in_progress, "still waiting for a short axis"
    drag(view.canvas.viewport(), *(to_screen(view, p) for p in truth.short_axis_endpoints_mm))
    assert len(recorder.committed) == 1 and recorder.committed[0][1].short_axis_mm > 10


def test_labels_never_hide_the_caliper_ends(view: SliceView, phantom: Phantom) -> None:
    """No label covers an end of any caliper, labels do not overlap, and all stay in the view."""
    truth = phantom.lesion("N1")
    view.set_slice(truth.slice_index)
    draw_bidirectional(view, truth.long_axis_endpoints_mm, truth.short_axis_endpoints_mm)
    node_top = min((view.view_to_viewport(end) for end in view.measurements.caliper("new-1").ends()),
                   key=lambda p: p.y())
    view.set_tool(Tool.LENGTH)
    # a line ending just left of the node: its label would sit right on the node's ends
    drag(view.canvas.viewport(), node_top + QtCore.QPointF(-90, 25), node_top + QtCore.QPointF(-14, 0))
    viewport = QtCore.QRectF(view.canvas.viewport().rect())
    right_edge = QtCore.QPointF(viewport.width() - 12, viewport.height() / 2)
    drag(view.canvas.viewport(), right_edge - QtCore.QPointF(60, 40), right_edge)  # near the border: flips
    boxes = view.label_boxes()
    assert len(boxes) == 3
    ends = [view.view_to_viewport(end) for spec, _ in boxes for end in spec.ends]
    for spec, box in boxes:
        for point in ends:
            assert not box.adjusted(-4, -4, 4, 4).contains(point), (spec.text, box, point)
        assert viewport.contains(box), "label inside the view"
    rects = [box for _, box in boxes]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])


def test_place_label_prefers_the_right_then_left_above_below() -> None:
    bounds = QtCore.QRectF(0, 0, 400, 300)
    size = QtCore.QSizeF(80, 20)
    ends = [QtCore.QPointF(100, 100), QtCore.QPointF(150, 120)]
    assert place_label(ends, size, bounds).left() == 160
    ends = [QtCore.QPointF(300, 100), QtCore.QPointF(390, 295)]
    box = place_label(ends, size, bounds)
    assert box.right() == 290 and box.bottom() <= 300
    ends = [QtCore.QPointF(100, 100), QtCore.QPointF(150, 120)]
    blocked = place_label(ends, size, bounds, avoid=[QtCore.QPointF(170, 120)])
    assert blocked.right() == 90, "an end of another caliper on the right: go left"
    boxed_in = place_label(ends, size, bounds, avoid=[QtCore.QPointF(170, 120), QtCore.QPointF(60, 100)])
    assert boxed_in.bottom() == 90, "both sides taken: go above"


def test_stored_records_show_again_and_follow_the_slice(view: SliceView, phantom: Phantom) -> None:
    truth = phantom.lesion("L1")
    volume = phantom.volume
    long_index = [volume.patient_to_index(p)[:2] for p in truth.long_axis_endpoints_mm]
    record = CaliperRecord.from_index(volume, truth.slice_index, tuple(long_index))
    view.set_measurements([MeasurementItem("m-1", record, "T1", "TARGET")])
    assert view.measurement_keys() == ["m-1"]
    view.set_slice(0)
    assert view.label_boxes() == [] and not view.measurements.caliper("m-1").isVisible()
    view.show_record(record)
    assert view.slice_index == truth.slice_index
    (spec, _box), = view.label_boxes()
    assert spec.text == f"T1 {record.long_axis_mm:.1f} mm" == caliper_text("T1", record)
    shown = [view.viewport_to_index(view.view_to_viewport(end)) for end in spec.ends]
    assert np.allclose(shown, long_index, atol=1e-6)
    assert view.measurements.record_of(view.measurements.caliper("m-1")) == record  # exact round trip
    with pytest.raises(ValueError, match='Argument "key" must be new'):
        view.add_measurement("m-1", record)


def test_anisotropic_pixel_spacing(app: object, qtbot: object, tmp_path: Path) -> None:
    """1.5625 × 2.083 mm pixels: the image keeps its physical aspect and calipers stay in mm."""
    phantom = make_phantom(tmp_path / "aniso", columns=192)
    row_mm, col_mm = phantom.volume.pixel_spacing
    assert col_mm / row_mm == pytest.approx(256 / 192)
    view = show_view(qtbot, phantom.volume)
    origin, across, down = (view.index_to_viewport(*p) for p in ((-0.5, -0.5), (191.5, -0.5), (-0.5, 255.5)))
    assert (across.x() - origin.x()) == pytest.approx(down.y() - origin.y(), rel=1e-3)  # 400 mm × 400 mm
    recorder = Recorder(view)
    for lesion_id in ("L1", "N1"):  # horizontal and vertical long axes
        truth = phantom.lesion(lesion_id)
        view.set_slice(truth.slice_index)
        draw_length(view, *truth.long_axis_endpoints_mm)
        assert recorder.committed[-1][1].long_axis_mm == pytest.approx(truth.long_axis_mm, abs=col_mm)
    truth = phantom.lesion("N1")
    view.set_measurements([])  # a press on an existing caliper's handle would edit it instead
    draw_bidirectional(view, truth.long_axis_endpoints_mm, truth.short_axis_endpoints_mm)
    record = recorder.committed[-1][1]
    assert record.short_axis_mm == pytest.approx(truth.short_axis_mm, abs=col_mm)
    assert record.axes_angle_deg == pytest.approx(90.0, abs=1e-6)


def test_uncalibrated_volume_shows_the_banner_and_never_mm(app: object, qtbot: object, phantom: Phantom) -> None:
    volume = dataclasses.replace(phantom.volume, pixel_spacing=None, affine=None)
    view = show_view(qtbot, volume)
    content = view.overlay_content()
    assert content.banner == "UNCALIBRATED — no mm"
    assert content.scale_bar is None
    hover(view.canvas.viewport(), view.index_to_viewport(128, 128))
    content = view.overlay_content()
    lines = content.top_left + content.top_right + content.bottom_left + content.bottom_right
    assert content.bottom_right[0].startswith("HU ") and not any("mm" in line for line in lines)
    origin, across, down = (view.index_to_viewport(*p) for p in ((-0.5, -0.5), (255.5, -0.5), (-0.5, 255.5)))
    assert across.x() - origin.x() == pytest.approx(down.y() - origin.y(), rel=1e-3)  # pixel units, square
    recorder = Recorder(view)
    view.set_tool(Tool.LENGTH)
    drag(view.canvas.viewport(), view.index_to_viewport(100, 100), view.index_to_viewport(150, 100))
    (_key, record), = recorder.committed
    assert not record.calibrated and record.p1_mm is None
    with pytest.raises(UncalibratedImageError, match=r"Pixel Spacing \(0028,0030\)"):
        _ = record.long_axis_mm
    (spec, _box), = view.label_boxes()
    assert "mm" not in spec.text.replace("no mm", "") and "uncalibrated" in spec.text
    with pytest.raises(UncalibratedImageError):
        view.add_measurement("again", record)
