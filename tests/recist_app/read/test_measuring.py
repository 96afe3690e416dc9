"""The measuring tool in a read (issue 17, recist_app.read.measuring): the proposal is the measurement as a caliper
with the lesion's outline; accepting it says whether the reader moved it; a node proposed and stored counts its
short axis."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from recist_app.evaluation.lesion_values import LesionValues
from recist_app.imaging.segmentation.contour import NoLesionFoundError
from recist_app.model.caliper import CaliperKind
from recist_app.model.records import Axis, MeasurementMethod, ReaderRole
from recist_app.read import ReadService
from recist_app.read.measuring import CaliperProposal, accepted, lesion_under, outline, propose
from tests.recist_app.imaging.segmentation.lesions import CASES, LesionImage, lesion_image, volume_of
from tests.recist_app.store.scenario import FOR_UID, SERIES_UID, SOP_UID, Trial

NODE = next(case for case in CASES if case.name == "node")


def _proposal() -> tuple[LesionImage, CaliperProposal]:
    image = lesion_image(CASES[0])
    column, row = image.centre
    return image, propose(volume_of(image.hu, image.spacing_mm), 0, (column - 3, row), (column + 3, row))


def test_the_proposal_is_the_measurement_as_a_bidirectional_caliper_with_its_outline() -> None:
    image, proposal = _proposal()
    record, m = proposal.record, proposal.measurement
    assert record.kind is CaliperKind.BIDIRECTIONAL and record.method is MeasurementMethod.PROPOSED
    assert (record.p1_mm, record.p2_mm) == m.long_axis_endpoints_mm
    assert record.long_axis_mm == pytest.approx(image.long_axis_mm, abs=image.spacing_mm[0])
    assert record.short_axis_mm == pytest.approx(m.short_axis_mm)
    ends = np.array([end for segment in proposal.outline for end in segment])
    assert np.all((ends * 2) % 2 == 1)  # every edge lies half a pixel off the centres it separates
    rows, columns = np.nonzero(m.region.mask)
    row0, column0 = m.region.origin
    assert ends[:, 0].min() == column0 + columns.min() - 0.5 and ends[:, 0].max() == column0 + columns.max() + 0.5
    assert ends[:, 1].min() == row0 + rows.min() - 0.5 and ends[:, 1].max() == row0 + rows.max() + 0.5
    assert "Enter accepts" in proposal.text and f"{m.long_axis_mm:.1f} × {m.short_axis_mm:.1f} mm" in proposal.text


def test_the_outline_of_a_square_of_four_pixels_is_its_eight_edges() -> None:
    found = outline(np.ones((2, 2), dtype=bool), (10, 20))  # rows 10–11, columns 20–21
    assert sorted(found) == sorted([
        ((19.5, 9.5), (20.5, 9.5)), ((20.5, 9.5), (21.5, 9.5)), ((19.5, 11.5), (20.5, 11.5)),
        ((20.5, 11.5), (21.5, 11.5)), ((19.5, 9.5), (19.5, 10.5)), ((19.5, 10.5), (19.5, 11.5)),
        ((21.5, 9.5), (21.5, 10.5)), ((21.5, 10.5), (21.5, 11.5))])


def test_accepted_as_proposed_unless_an_end_was_moved() -> None:
    _image, proposal = _proposal()
    record = proposal.record
    assert accepted(proposal, record).method is MeasurementMethod.PROPOSED
    swapped = dataclasses.replace(record, short_p1_mm=record.short_p2_mm, short_p2_mm=record.short_p1_mm)
    assert accepted(proposal, swapped).method is MeasurementMethod.PROPOSED  # the view orders the ends its own way
    assert record.p2_mm is not None
    moved = dataclasses.replace(record, p2_mm=(record.p2_mm[0] + 0.5, record.p2_mm[1], record.p2_mm[2]))
    kept = accepted(proposal, moved)
    assert kept.method is MeasurementMethod.PROPOSED_EDITED and kept.p2_mm == moved.p2_mm


def test_a_stroke_on_no_lesion_is_refused_with_the_reason() -> None:
    image = lesion_image(CASES[0])
    column, row = (image.hu.shape[1] - 1) / 2 - 80.0 / image.spacing_mm[0], (image.hu.shape[0] - 1) / 2
    with pytest.raises(NoLesionFoundError, match="air or lung"):  # the other lung, 80 mm right of the middle
        propose(volume_of(image.hu, image.spacing_mm), 0, (column - 5, row), (column + 5, row))


def test_the_lesion_under_a_stroke_is_the_one_measured_there(trial: Trial) -> None:
    image, proposal = _proposal()
    volume = volume_of(image.hu, image.spacing_mm)
    service = ReadService(trial.session(ReaderRole.CENTRAL_READER_1))
    baseline = trial.timepoints[0].uid
    here = dataclasses.replace(proposal.record, sop_uid=volume.sop_uids[0], series_uid=volume.series_uid,
                               frame_of_reference_uid=volume.frame_of_reference_uid or "")
    elsewhere = dataclasses.replace(here, p1_mm=(0.0, 0.0, 0.0), p2_mm=(6.0, 0.0, 0.0), short_p1_mm=(3.0, -2.0, 0.0),
                                    short_p2_mm=(3.0, 2.0, 0.0))  # a caliper in the image's corner
    other = service.measure_new_lesion("TARGET", baseline, elsewhere)
    assert lesion_under(proposal, service.snapshot, baseline, volume) is None
    measured = service.measure_new_lesion("TARGET", baseline, here)
    assert lesion_under(proposal, service.snapshot, baseline, volume) == measured.uid != other.uid
    assert lesion_under(proposal, service.snapshot, trial.timepoints[1].uid, volume) is None  # not at that visit


def test_a_node_proposed_and_stored_counts_its_short_axis(trial: Trial) -> None:
    """Nodal targets report the short axis (RULES §1.2): the caliper keeps both axes, the engine sums the short."""
    image = lesion_image(NODE)
    column, row = image.centre
    proposal = propose(volume_of(image.hu, image.spacing_mm), 0, (column, row - 3), (column, row + 3))
    record = dataclasses.replace(accepted(proposal, proposal.record), sop_uid=SOP_UID, series_uid=SERIES_UID,
                                 frame_of_reference_uid=FOR_UID)  # as if drawn on the scenario's series
    service = ReadService(trial.session(ReaderRole.CENTRAL_READER_1))
    baseline = trial.timepoints[0].uid
    lesion = service.session.add_lesion("T01", "TARGET", organ="LYMPH NODE, SUBCARINAL", nodal=True)
    service.record_caliper(lesion.uid, baseline, record)
    snapshot = service.snapshot
    value = LesionValues(snapshot).value(snapshot.lesion("T01"), baseline)
    assert value.line is not None and value.line.line.axis is Axis.SHORT
    assert value.line.line.length_mm == pytest.approx(image.short_axis_mm, abs=image.spacing_mm[0])
    assert value.line.line.method is MeasurementMethod.PROPOSED
    assert {m.line.axis for m in snapshot.measurements} == {Axis.LONG, Axis.SHORT}
