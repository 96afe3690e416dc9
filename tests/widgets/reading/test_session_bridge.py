"""SessionBridge: panel and view signals as ReadSession commands, one undo step per reader action."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from PySide6 import QtWidgets
from pytestqt.qtbot import QtBot

from recist_app.demo.phantom import LesionTruth
from recist_app.demo.store import DEMO_READERS
from recist_app.model.caliper import CaliperKind, CaliperRecord
from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import Axis, LesionRole, Status
from recist_app.store import Login, TrialStore
from recist_app.store.errors import SignatureError, TimepointLockedError
from tests.widgets.reading_support import Demo
from widgets.reading.navigation import jump_image
from widgets.reading.session_bridge import SessionBridge


@pytest.fixture
def bridge(app: QtWidgets.QApplication, store: TrialStore, demo: Demo) -> SessionBridge:
    bridge = SessionBridge(store)
    assert bridge.open_read(reader_of(store, "Demo Reader"), "STS-001")
    return bridge


def reader_of(store: TrialStore, name: str) -> Login:
    """The demo reader ``name`` logged in (the bridge opens reads for logged-in readers only)."""
    password = {reader: secret for reader, _role, secret in DEMO_READERS}[name]
    return store.log_in(name, password)


def record(demo: Demo, visit_id: str, lesion_id: str, kind: CaliperKind, subject_id: str = "STS-001",
           stretch: float = 1.0) -> CaliperRecord:
    """A caliper on the phantom lesion's true axes (long axis stretched by ``stretch``)."""
    series = demo.images.series_of(subject_id, visit_id).truth
    truth: LesionTruth = next(t for t in series.lesions if t.lesion_id == lesion_id)
    a, b = truth.long_axis_endpoints_mm
    b = tuple(a[i] + (b[i] - a[i]) * stretch for i in range(3))
    short = truth.short_axis_endpoints_mm if kind is CaliperKind.BIDIRECTIONAL else (None, None)
    return CaliperRecord(kind, a, b, short[0], short[1], truth.slice_index, truth.sop_instance_uid,
                         series.series_instance_uid, series.frame_of_reference_uid)


def lines(bridge: SessionBridge, label: str, visit: str) -> dict[Axis, float]:
    snapshot = bridge.snapshot
    lesion, tp = snapshot.lesion(label), snapshot.timepoint(visit)
    return {m.line.axis: m.line.length_mm for m in snapshot.measurements
            if m.lesion_uid == lesion.uid and m.timepoint_uid == tp.uid}


def test_open_read_emits_snapshot_report_and_outcome(app: QtWidgets.QApplication, store: TrialStore,
                                                     qtbot: QtBot) -> None:
    bridge = SessionBridge(store)
    with qtbot.waitSignal(bridge.read_changed) as signal:
        bridge.open_read(reader_of(store, "Demo Reader"), "STS-001")
    (event,) = signal.args
    snapshot, report, outcome = event.snapshot, event.report, event.outcome
    assert {lesion.label for lesion in snapshot.lesions} == {"T01", "T02", "T03", "T04", "NT01"}
    assert [tp.overall.value for tp in report.recist.follow_ups] == ["PR", "PR", "PR"]
    assert outcome.best_response.category == "PR"
    assert not bridge.can_undo and not bridge.can_redo


def test_another_reader_sees_only_their_own_read(app: QtWidgets.QApplication, store: TrialStore) -> None:
    bridge = SessionBridge(store)
    assert bridge.open_read(reader_of(store, "Demo Central Reader 2"), "STS-001")
    assert bridge.snapshot.lesions == () and bridge.snapshot.measurements == ()
    assert bridge.snapshot.reader.name == "Demo Central Reader 2"


def test_calipers_become_lines_long_short_or_node_short(bridge: SessionBridge, demo: Demo) -> None:
    snapshot = bridge.snapshot
    baseline = snapshot.timepoint("BASELINE").uid
    t01 = snapshot.lesion("T01").uid
    old = {m.line.axis: m.uid for m in snapshot.measurements if m.lesion_uid == t01 and m.timepoint_uid == baseline}
    bridge.store_caliper(t01, baseline, record(demo, "V0", "T01", CaliperKind.LENGTH, stretch=1.1))
    assert lines(bridge, "T01", "BASELINE") == {Axis.LONG: pytest.approx(32 * 1.1, abs=0.05)}  # short dropped
    kept = {m.line.axis: m.uid for m in bridge.snapshot.measurements
            if m.lesion_uid == t01 and m.timepoint_uid == baseline}
    assert kept == {Axis.LONG: old[Axis.LONG]}  # the long line was edited, not replaced

    t03 = snapshot.lesion("T03").uid  # a lymph node: a length caliper is its short axis
    bridge.store_caliper(t03, baseline, record(demo, "V0", "T03", CaliperKind.LENGTH))
    assert lines(bridge, "T03", "BASELINE") == {Axis.SHORT: pytest.approx(26, abs=0.05)}
    bridge.store_caliper(t03, baseline, record(demo, "V0", "T03", CaliperKind.BIDIRECTIONAL))
    assert lines(bridge, "T03", "BASELINE") == {Axis.LONG: pytest.approx(26, abs=0.05),
                                                Axis.SHORT: pytest.approx(18, abs=0.05)}


def test_one_undo_step_per_reader_action(bridge: SessionBridge, demo: Demo, qtbot: QtBot) -> None:
    snapshot = bridge.snapshot
    baseline, t03 = snapshot.timepoint("BASELINE").uid, snapshot.lesion("T03").uid
    before = lines(bridge, "T03", "BASELINE")
    bridge.store_caliper(t03, baseline, record(demo, "V0", "T03", CaliperKind.BIDIRECTIONAL, stretch=1.2))
    changed = lines(bridge, "T03", "BASELINE")
    assert changed[Axis.LONG] == pytest.approx(26 * 1.2, abs=0.05)
    assert bridge.can_undo
    with qtbot.waitSignal(bridge.message) as message:
        bridge.undo()  # both lines: one store command, one step
    assert message.args[0] == "Undone: record caliper"
    assert lines(bridge, "T03", "BASELINE") == pytest.approx(before)
    assert not bridge.can_undo and bridge.can_redo
    bridge.redo()
    assert lines(bridge, "T03", "BASELINE") == pytest.approx(changed)


def test_new_lesions_get_the_next_label(bridge: SessionBridge, demo: Demo) -> None:
    snapshot = bridge.snapshot
    assert bridge.next_label("TARGET") == "T05" and bridge.next_label("NON-TARGET") == "NT02"
    assert bridge.next_label("NEW") == "NL01"
    baseline, week8 = snapshot.timepoint("BASELINE").uid, snapshot.timepoint("WEEK 8").uid
    target = bridge.measure_new_lesion("TARGET", baseline, record(demo, "V0", "T02", CaliperKind.LENGTH))
    assert target.label == "T05" and target.role is LesionRole.TARGET
    new = bridge.measure_new_lesion("NEW", week8, record(demo, "V1", "T02", CaliperKind.LENGTH))
    assert new.label == "NL01" and new.first_timepoint_uid == week8
    assert bridge.report.recist.timepoints[1].overall.value == "PD"  # an unequivocal new lesion
    bridge.undo()
    assert [lesion.label for lesion in bridge.snapshot.lesions if lesion.label == "NL01"] == []
    added = bridge.add_lesion("NON-TARGET")
    assert added.label == "NT02" and added.first_timepoint_uid == baseline


def test_measuring_clears_a_disappeared_status_in_the_same_step(bridge: SessionBridge, demo: Demo) -> None:
    snapshot = bridge.snapshot
    week16, t02 = snapshot.timepoint("WEEK 16").uid, snapshot.lesion("T02").uid
    assert any(s.lesion_uid == t02 and s.timepoint_uid == week16 and s.status is Status.DISAPPEARED
               for s in snapshot.states)
    bridge.store_caliper(t02, week16, record(demo, "V2", "T04", CaliperKind.LENGTH))  # somewhere on week 16
    assert not any(s.lesion_uid == t02 and s.timepoint_uid == week16 for s in bridge.snapshot.states)
    bridge.undo()
    assert any(s.lesion_uid == t02 and s.timepoint_uid == week16 and s.status is Status.DISAPPEARED
               for s in bridge.snapshot.states)
    assert lines(bridge, "T02", "WEEK 16") == {}
    bridge.set_status(t02, week16, "")
    assert not any(s.lesion_uid == t02 and s.timepoint_uid == week16 for s in bridge.snapshot.states)


def test_irradiation_from_the_panel_dict(bridge: SessionBridge, qtbot: QtBot) -> None:
    t02 = bridge.snapshot.lesion("T02").uid
    bridge.set_irradiation(t02, True, {"sbrt_start": "2024-01-15", "sbrt_end": "2024-01-19", "dose_gy": "45",
                                       "fractions": 3})
    lesion = bridge.lesion(t02)
    assert lesion.irradiated and lesion.sbrt_start == date(2024, 1, 15) and lesion.sbrt_dose_gy == 45.0
    with qtbot.waitSignal(bridge.read_changed), pytest.raises(InvalidRecordError, match=r"SBRT date .* is not a date"):
        bridge.set_irradiation(t02, True, {"sbrt_start": "15/01/2024"})  # views resynchronise after a failure too
    box = next(w for w in QtWidgets.QApplication.topLevelWidgets() if w.objectName() == "errorBox" and w.isVisible())
    assert box.windowTitle() == "Could not change the irradiation"
    assert isinstance(box, QtWidgets.QMessageBox) and not box.detailedText()  # no traceback in the dialog
    log = Path(os.environ["RECIST_LOG_DIR"]) / "workstation.log"
    assert box.informativeText() == f"Details are in the log file {log}."
    assert "Traceback" in log.read_text(encoding="utf-8") and "InvalidRecordError" not in box.text()
    box.close()
    bridge.set_irradiation(t02, False)
    assert not bridge.lesion(t02).irradiated
    bridge.edit_lesion(t02, {"organ": "LUNG, LEFT LOWER LOBE"})
    assert bridge.lesion(t02).organ == "LUNG, LEFT LOWER LOBE"


def test_sign_locks_and_reopen_unlocks(bridge: SessionBridge, demo: Demo) -> None:
    snapshot = bridge.snapshot
    week8, t01 = snapshot.timepoint("WEEK 8").uid, snapshot.lesion("T01").uid
    with pytest.raises(SignatureError):
        bridge.sign(week8, "wrong", "I approve.")
    assert bridge.sign(week8, "demo", "I approve.")
    assert bridge.is_signed(week8)
    depth = bridge.can_undo
    with pytest.raises(TimepointLockedError):
        bridge.store_caliper(t01, week8, record(demo, "V1", "T01", CaliperKind.LENGTH))
    assert bridge.can_undo == depth
    for widget in QtWidgets.QApplication.topLevelWidgets():
        if widget.objectName() == "errorBox":
            widget.close()
    assert bridge.reopen(week8, "query 3")
    assert not bridge.is_signed(week8)
    assert bridge.store_caliper(t01, week8, record(demo, "V1", "T01", CaliperKind.LENGTH))


def test_the_image_a_series_opens_on_is_known_before_it_loads(bridge: SessionBridge, demo: Demo) -> None:
    """Issue 15: a series on a PACS fetches first the image its view will open on (navigation.jump_image): the
    lesion asked for, else the first target measured there; nothing for another series."""
    snapshot = bridge.snapshot
    baseline, t03 = snapshot.timepoint("BASELINE"), snapshot.lesion("T03")
    series = demo.images.series_of("STS-001", "V0").truth
    bridge.store_caliper(t03.uid, baseline.uid, record(demo, "V0", "T03", CaliperKind.BIDIRECTIONAL))
    snapshot = bridge.snapshot
    t03_image = next(t.sop_instance_uid for t in series.lesions if t.lesion_id == "T03")
    assert jump_image(snapshot, baseline.uid, t03.uid, series.series_instance_uid) == t03_image
    t01 = snapshot.lesion("T01")
    first_target = next(m.line.sop_uid for m in snapshot.measurements
                        if m.lesion_uid == t01.uid and m.timepoint_uid == baseline.uid)
    assert jump_image(snapshot, baseline.uid, "", series.series_instance_uid) == first_target
    assert jump_image(snapshot, baseline.uid, t03.uid, "1.2.3.another.series") == ""
