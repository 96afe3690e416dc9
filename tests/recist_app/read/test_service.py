"""The Qt-free read service (issue 11): the rules of a read, driven headless as the workstation drives them."""

from __future__ import annotations

from datetime import date

import pytest

from assessment.domain import Status
from recist_app.imaging.errors import UncalibratedImageError
from recist_app.model.caliper import CaliperKind, CaliperRecord
from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import Axis, LesionRole, ReaderRole
from recist_app.read import ReadChanged, ReadService, sbrt_course
from tests.recist_app.store.scenario import (
    FOR_UID,
    PASSWORDS,
    SERIES_UID,
    SOP_UID,
    Trial,
)

ORIGIN = (-12.5, 30.25, -101.0)


def caliper(long_mm: float, short_mm: float | None = None) -> CaliperRecord:
    """A caliper on the scenario's series: long axis along x, short axis along y (bidirectional)."""
    x, y, z = ORIGIN
    short = ((x, y, z), (x, y + short_mm, z)) if short_mm is not None else (None, None)
    kind = CaliperKind.LENGTH if short_mm is None else CaliperKind.BIDIRECTIONAL
    return CaliperRecord(kind, (x, y, z), (x + long_mm, y, z), short[0], short[1], 0, SOP_UID, SERIES_UID, FOR_UID)


@pytest.fixture
def service(trial: Trial) -> ReadService:
    return ReadService(trial.session(ReaderRole.CENTRAL_READER_1))


def axes_at(service: ReadService, label: str, timepoint_uid: str) -> dict[Axis, float]:
    snapshot = service.snapshot
    lesion = snapshot.lesion(label)
    return {m.line.axis: round(m.line.length_mm, 3) for m in snapshot.measurements
            if m.lesion_uid == lesion.uid and m.timepoint_uid == timepoint_uid}


def test_a_bidirectional_caliper_is_one_command_and_one_undo_step(service: ReadService, trial: Trial) -> None:
    baseline = trial.timepoints[0].uid
    lesion = service.measure_new_lesion("TARGET", baseline, caliper(30.0))
    assert lesion.label == "T01"
    depth = service.session.undo_depth
    service.record_caliper(lesion.uid, baseline, caliper(32.0, 21.0))
    assert service.session.undo_depth == depth + 1
    assert axes_at(service, "T01", baseline) == {Axis.LONG: 32.0, Axis.SHORT: 21.0}
    assert service.undo() == "record_caliper"
    assert axes_at(service, "T01", baseline) == {Axis.LONG: 30.0}
    assert service.redo() == "record_caliper"
    assert axes_at(service, "T01", baseline) == {Axis.LONG: 32.0, Axis.SHORT: 21.0}


def test_a_length_caliper_replaces_both_lines_and_a_node_gets_its_short_axis(service: ReadService,
                                                                            trial: Trial) -> None:
    baseline = trial.timepoints[0].uid
    lesion = service.measure_new_lesion("TARGET", baseline, caliper(30.0, 20.0))
    service.record_caliper(lesion.uid, baseline, caliper(31.0))
    assert axes_at(service, "T01", baseline) == {Axis.LONG: 31.0}
    node = service.add_lesion("TARGET", nodal=True, organ="LYMPH NODE")
    service.record_caliper(node.uid, baseline, caliper(16.0))
    assert axes_at(service, node.label, baseline) == {Axis.SHORT: 16.0}


def test_new_lesion_labels_follow_the_highest_number_of_their_role(service: ReadService, trial: Trial) -> None:
    baseline, week8 = trial.timepoints[0].uid, trial.timepoints[1].uid
    assert [service.add_lesion("TARGET").label for _ in range(2)] == ["T01", "T02"]
    service.edit_lesion(service.snapshot.lesion("T01").uid, {"label": "T07"})
    assert service.add_lesion("TARGET").label == "T08"
    assert service.add_lesion("NON-TARGET").label == "NT01"
    assert service.measure_new_lesion(LesionRole.NEW, week8, caliper(12.0)).label == "NL01"
    assert service.snapshot.lesion("NL01").first_timepoint_uid == week8 != baseline


def test_measuring_clears_a_contradicted_status_but_keeps_the_radiation_mark(service: ReadService,
                                                                            trial: Trial) -> None:
    baseline, week8 = trial.timepoints[0].uid, trial.timepoints[1].uid
    lesion = service.measure_new_lesion("TARGET", baseline, caliper(30.0))
    service.set_irradiation(lesion.uid, True, {"start": "2024-01-10", "dose": "45", "fractions": "3"})
    service.set_status(lesion.uid, week8, Status.DISAPPEARED.value, radiation_induced=True)
    service.record_caliper(lesion.uid, week8, caliper(8.0))
    (state,) = [s for s in service.snapshot.states if s.timepoint_uid == week8]
    assert state.status is None and state.radiation_induced
    assert axes_at(service, "T01", week8) == {Axis.LONG: 8.0}


def test_every_command_publishes_one_event_even_when_it_fails(service: ReadService, trial: Trial) -> None:
    events: list[ReadChanged] = []
    service.refresh()
    unsubscribe = service.subscribe(events.append)
    baseline = trial.timepoints[0].uid
    lesion = service.measure_new_lesion("TARGET", baseline, caliper(30.0))
    assert len(events) == 1 and events[0].message == "New target T01: 30.0 mm stored"
    assert events[0].can_undo and not events[0].can_redo
    with pytest.raises(InvalidRecordError, match=r"The SBRT date '10/01/2024' is not a date: write it as YYYY-MM-DD\."):
        service.set_irradiation(lesion.uid, True, {"sbrt_start": "10/01/2024"})
    assert len(events) == 2 and events[1].message == ""
    unsubscribe()
    service.delete_caliper(lesion.uid, baseline)
    assert len(events) == 2
    assert service.state.snapshot.measurements == ()


def test_an_uncalibrated_caliper_is_refused_and_nothing_is_stored(service: ReadService, trial: Trial) -> None:
    uncalibrated = CaliperRecord(CaliperKind.LENGTH, None, None, None, None, 0, SOP_UID, SERIES_UID, FOR_UID)
    with pytest.raises(UncalibratedImageError, match="Pixel Spacing"):
        service.measure_new_lesion("TARGET", trial.timepoints[0].uid, uncalibrated)
    assert service.snapshot.lesions == ()
    assert not service.state.can_undo


def test_sign_and_reopen_through_the_service(service: ReadService, trial: Trial) -> None:
    baseline = trial.timepoints[0].uid
    lesion = service.measure_new_lesion("TARGET", baseline, caliper(30.0))
    service.edit_lesion(lesion.uid, {"organ": "LUNG"})  # signing needs every lesion located
    service.sign(baseline, PASSWORDS[ReaderRole.CENTRAL_READER_1], "reviewed")
    assert service.is_signed(baseline) and service.state.message == "Signed Baseline"
    service.reopen(baseline, "typo in T01")
    assert not service.is_signed(baseline)


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"sbrt_start": "2024-01-10", "sbrt_end": "2024-01-19", "dose_gy": "45", "fractions": 3},
         {"sbrt_start": date(2024, 1, 10), "sbrt_end": date(2024, 1, 19), "dose_gy": 45.0, "fractions": 3}),
        ({"start": date(2024, 1, 10), "end": "", "dose": 30, "sbrt_fractions": "5"},
         {"sbrt_start": date(2024, 1, 10), "sbrt_end": None, "dose_gy": 30.0, "fractions": 5}),
        ({}, {"sbrt_start": None, "sbrt_end": None, "dose_gy": None, "fractions": None}),
    ],
)
def test_sbrt_course_reads_the_form_spellings(form: dict[str, object], expected: dict[str, object]) -> None:
    assert sbrt_course(form) == expected


@pytest.mark.parametrize(("form", "match"), [({"start": "10/01/2024"}, "The SBRT date '10/01/2024' is not a date"),
                                             ({"dose": "lots"}, "The SBRT dose in Gy 'lots' is not a number")])
def test_sbrt_course_rejects_what_does_not_parse(form: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidRecordError, match=match):
        sbrt_course(form)


def test_a_subject_registered_before_its_images_opens_with_no_report(trial: Trial) -> None:
    """Issue 12: subjects are registered before their images arrive; their read opens empty, never an error."""
    trial.store.add_subject("STS-099", "FR01")
    reader = trial.readers[ReaderRole.CENTRAL_READER_1]
    service = ReadService(trial.store.reader_session(reader.uid, "STS-099", password=PASSWORDS[reader.role]))
    state = service.refresh()
    assert state.snapshot.timepoints == ()
    assert (state.report, state.outcome, state.irecist_outcome) == (None, None, None)
    assert service.session.results() == ()


def test_a_signature_closes_the_undo_history(service: ReadService, trial: Trial) -> None:
    """Issue 12: nothing signed can be undone (reopening with a reason is the way back)."""
    baseline = trial.timepoints[0].uid
    lesion = service.measure_new_lesion("TARGET", baseline, caliper(30.0))
    service.edit_lesion(lesion.uid, {"organ": "LUNG"})
    service.measure_new_lesion("TARGET", baseline, caliper(20.0))
    service.undo()
    assert service.state.can_undo and service.state.can_redo
    service.sign(baseline, PASSWORDS[ReaderRole.CENTRAL_READER_1], "read")
    assert (service.state.can_undo, service.state.can_redo) == (False, False)
    assert service.undo() is None and service.redo() is None
    assert [lesion.label for lesion in service.snapshot.lesions] == ["T01"]
