"""Issue 17 in the workstation: a stroke across a lesion shows the measuring tool's proposal; Enter stores it as one
audited change with its method, an end dragged first makes it an edited proposal, Esc stores nothing; at a
follow-up, M re-measures a target from its prior caliper; a stroke on no lesion says so."""

from __future__ import annotations

import json

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from recist_app.demo.phantom import LesionTruth
from recist_app.demo.store import DEMO_READERS
from recist_app.model.records import Axis, MeasurementMethod
from recist_app.store import TrialStore
from tests.widgets.events import drag
from tests.widgets.reading_support import Demo, click_timepoint, log_in, to_screen
from widgets.main_window import MainWindow
from widgets.viewer.calipers import Tool
from widgets.viewer.slice_view import SliceView

Key = QtCore.Qt.Key
CENTRAL_1 = "Demo Central Reader 1"
PASSWORD = {name: secret for name, _role, secret in DEMO_READERS}[CENTRAL_1]


def _point(a: tuple[float, ...], b: tuple[float, ...], t: float) -> tuple[float, float, float]:
    x, y, z = (a[i] + t * (b[i] - a[i]) for i in range(3))
    return (x, y, z)


def _stroke(qtbot: QtBot, window: MainWindow, view: SliceView, ends: tuple[tuple[float, ...], tuple[float, ...]],
            span: tuple[float, float] = (0.25, 0.7)) -> None:
    """A rough stroke inside the lesion along part of its long axis, then wait for what the tool says."""
    a, b = ends
    window.statusBar().clearMessage()
    drag(view.canvas.viewport(), to_screen(view, _point(a, b, span[0])), to_screen(view, _point(a, b, span[1])))
    qtbot.waitUntil(lambda: bool(window.statusBar().currentMessage()))


def _audit(window: MainWindow) -> int:
    assert window.store is not None
    return len(window.store.audit_entries())


def _lines(window: MainWindow, label: str, visit: str) -> dict[Axis, tuple[float, MeasurementMethod]]:
    with TrialStore.open(window.db) as store:
        snapshot = store.reader_session(store.log_in(CENTRAL_1, PASSWORD), "STS-001").snapshot()
        lesion, tp = snapshot.lesion(label), snapshot.timepoint(visit)
        return {m.line.axis: (m.line.length_mm, m.line.method) for m in snapshot.measurements
                if m.lesion_uid == lesion.uid and m.timepoint_uid == tp.uid}


def _t01_stroked_at_baseline(qtbot: QtBot, window: MainWindow, demo: Demo) -> tuple[SliceView, LesionTruth]:
    """Central reader 1 strokes STS-001's T01 at baseline and accepts: a new target; the view and T01's truth."""
    log_in(window, demo.reader(CENTRAL_1))
    reading = window.reading
    view = click_timepoint(qtbot, window, "STS-001", "BASELINE")
    truth = demo.truth("STS-001", "V0", "T01")
    view.set_slice(truth.slice_index)
    window.main_actions.stroke_tool.trigger()
    _stroke(qtbot, window, view, truth.long_axis_endpoints_mm)
    qtbot.keyClick(view, Key.Key_Return)
    qtbot.waitUntil(lambda: bool(reading.bridge.snapshot.lesions) and not reading._sync_scheduled)
    return view, truth


def _spacing(view: SliceView) -> float:
    assert view.volume is not None and view.volume.pixel_spacing is not None
    return max(view.volume.pixel_spacing)


def test_a_stroke_proposes_esc_rejects_and_enter_stores_one_audited_measurement(window: MainWindow, demo: Demo,
                                                                                qtbot: QtBot) -> None:
    log_in(window, demo.reader(CENTRAL_1))
    reading = window.reading
    view = click_timepoint(qtbot, window, "STS-001", "BASELINE")
    truth = demo.truth("STS-001", "V0", "T01")
    view.set_slice(truth.slice_index)
    qtbot.keyClick(view, Key.Key_S)
    assert view.tool is Tool.STROKE and window.main_actions.stroke_tool.isChecked()
    before = _audit(window)

    _stroke(qtbot, window, view, truth.long_axis_endpoints_mm)
    proposal = view.measurements.proposal
    assert proposal is not None, window.statusBar().currentMessage()
    assert "Enter accepts" in window.statusBar().currentMessage()
    assert proposal.record.long_axis_mm == pytest.approx(truth.long_axis_mm, abs=_spacing(view))
    assert any("SA" in label.text and "proposed" in label.text for label in view.labels())  # a bidirectional
    qtbot.keyClick(view, Key.Key_Escape)
    assert view.measurements.proposal is None and reading.bridge.snapshot.lesions == () and _audit(window) == before

    _stroke(qtbot, window, view, truth.long_axis_endpoints_mm)
    proposal = view.measurements.proposal
    assert proposal is not None
    qtbot.keyClick(view, Key.Key_Return)
    qtbot.waitUntil(lambda: bool(reading.bridge.snapshot.lesions) and not reading._sync_scheduled)
    assert view.measurements.proposal is None
    stored = _lines(window, "T01", "BASELINE")
    assert {axis: method for axis, (_, method) in stored.items()} == {Axis.LONG: MeasurementMethod.PROPOSED,
                                                                      Axis.SHORT: MeasurementMethod.PROPOSED}
    assert stored[Axis.LONG][0] == pytest.approx(proposal.record.long_axis_mm, abs=1e-6)
    assert window.store is not None
    (entry,) = window.store.audit_entries()[before:]  # one transaction: the new target and both of its lines
    changes = json.loads(entry.changes_json)
    assert sorted(c["after"]["method"] for c in changes if "axis" in (c.get("after") or {})) == ["PROPOSED"] * 2


def test_an_end_moved_before_enter_makes_an_edited_proposal(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(CENTRAL_1))
    view = click_timepoint(qtbot, window, "STS-001", "BASELINE")
    truth = demo.truth("STS-001", "V0", "T01")
    view.set_slice(truth.slice_index)
    window.main_actions.stroke_tool.trigger()
    _stroke(qtbot, window, view, truth.long_axis_endpoints_mm, (0.7, 0.3))
    proposal = view.measurements.proposal
    assert proposal is not None, window.statusBar().currentMessage()
    ends = [view.view_to_viewport(p) for p in view.measurements._proposed.ends()]  # type: ignore[union-attr]
    drag(view.canvas.viewport(), ends[1], ends[1] + QtCore.QPointF(12, 0))
    qtbot.keyClick(view, Key.Key_Return)
    reading = window.reading
    qtbot.waitUntil(lambda: bool(reading.bridge.snapshot.lesions) and not reading._sync_scheduled)
    stored = _lines(window, "T01", "BASELINE")
    assert {method for _, method in stored.values()} == {MeasurementMethod.PROPOSED_EDITED}
    assert abs(stored[Axis.LONG][0] - proposal.record.long_axis_mm) > 1.0


def test_at_follow_up_m_re_measures_a_target_from_its_prior(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    view, _truth = _t01_stroked_at_baseline(qtbot, window, demo)
    reading = window.reading
    lesion = reading.bridge.snapshot.lesion("T01")

    view = click_timepoint(qtbot, window, "STS-001", "WEEK 8")
    reading.activate_lesion(lesion.uid, reading.tp_uid)  # not measured here: its prior is drawn as a ghost
    assert view.ghost_record is not None
    follow = demo.truth("STS-001", "V1", "T01")
    qtbot.keyClick(view, Key.Key_M)
    proposal = view.measurements.proposal
    assert proposal is not None, window.statusBar().currentMessage()
    assert proposal.record.long_axis_mm == pytest.approx(follow.long_axis_mm, abs=_spacing(view))
    qtbot.keyClick(view, Key.Key_Return)
    qtbot.waitUntil(lambda: bool(_lines(window, "T01", "WEEK 8")))
    stored = _lines(window, "T01", "WEEK 8")
    assert stored[Axis.LONG][0] == pytest.approx(follow.long_axis_mm, abs=_spacing(view))
    assert stored[Axis.LONG][1] is MeasurementMethod.PROPOSED
    assert view.ghost_record is None  # measured now: the prior's ghost goes


def test_a_stroke_on_a_lesion_measured_there_replaces_its_caliper(window: MainWindow, demo: Demo,
                                                                  qtbot: QtBot) -> None:
    """No lesion chosen, a stroke on one already measured on this image re-measures it: never a second lesion."""
    view, truth = _t01_stroked_at_baseline(qtbot, window, demo)
    reading = window.reading
    assert not reading.selected_lesion  # the caliper went to the new target, and the choice was cleared
    _stroke(qtbot, window, view, truth.long_axis_endpoints_mm, (0.6, 0.2))
    assert window.statusBar().currentMessage().startswith("T01 (measured here): Proposed")
    qtbot.keyClick(view, Key.Key_Return)
    qtbot.waitUntil(lambda: not reading._sync_scheduled)
    assert [lesion.label for lesion in reading.bridge.snapshot.lesions] == ["T01"]
    assert {method for _, method in _lines(window, "T01", "BASELINE").values()} == {MeasurementMethod.PROPOSED}


def test_with_the_stroke_tool_a_press_on_a_stored_caliper_strokes_and_never_drags_it(
        window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    view, _truth = _t01_stroked_at_baseline(qtbot, window, demo)
    reading = window.reading
    lesion = reading.bridge.snapshot.lesion("T01")
    before = _lines(window, "T01", "BASELINE")
    caliper = view.measurements.caliper(lesion.uid)
    assert not any(handle.isVisible() for handle in caliper.getHandles())  # held: the stroke owns the left button
    end = view.view_to_viewport(caliper.ends()[1])
    drag(view.canvas.viewport(), end, end + QtCore.QPointF(-25, 3))
    qtbot.waitUntil(lambda: bool(window.statusBar().currentMessage()))
    assert _lines(window, "T01", "BASELINE") == before  # not dragged
    window.main_actions.window_tool.trigger()
    assert all(handle.isVisible() for handle in caliper.getHandles()[:caliper.end_count()])  # editable again


def test_a_stroke_on_no_lesion_says_so_and_stores_nothing(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(CENTRAL_1))
    view = click_timepoint(qtbot, window, "STS-001", "BASELINE")
    window.main_actions.stroke_tool.trigger()
    before = _audit(window)
    window.statusBar().clearMessage()
    drag(view.canvas.viewport(), view.index_to_viewport(2, 2), view.index_to_viewport(8, 4))  # air, outside the body
    qtbot.waitUntil(lambda: bool(window.statusBar().currentMessage()))
    assert view.measurements.proposal is None and "lesion" in window.statusBar().currentMessage().lower()
    qtbot.keyClick(view, Key.Key_Return)
    assert _audit(window) == before and window.reading.bridge.snapshot.lesions == ()
