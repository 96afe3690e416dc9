"""CaliperRecord: DICOM index → patient mm and back, lengths, uncalibrated refusal (C4, C6)."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

from recist_app.imaging import geometry
from recist_app.imaging.errors import UncalibratedImageError
from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import CaliperKind, CaliperRecord, lines_from_record, record_from_lines
from recist_app.model.records import Axis, MeasurementPlane

OBLIQUE = (math.cos(0.3), math.sin(0.3), 0.0, 0.0, 0.0, -1.0)


def volume(iop: tuple[float, ...] = (1, 0, 0, 0, 1, 0), spacing: tuple[float, float] | None = (0.5, 0.8),
           slices: int = 4) -> CtVolume:
    """A small volume with known geometry: slice step 2.5 mm along the normal from (−10, −20, 30)."""
    normal = geometry.slice_normal(iop)
    positions = np.array([-10.0, -20.0, 30.0]) + np.arange(slices)[:, None] * 2.5 * normal
    return CtVolume(hu=np.zeros((slices, 16, 20), np.int16), slice_positions=positions, iop=tuple(map(float, iop)),
                    pixel_spacing=spacing, affine=None, frame_of_reference_uid="1.2.3",
                    series_uid="1.2.3.4", study_uid="1.2", sop_uids=tuple(f"1.2.3.4.{k}" for k in range(slices)),
                    frame_numbers=(1,) * slices)


def test_length_from_index_in_patient_mm_with_anisotropic_spacing() -> None:
    vol = volume()
    record = CaliperRecord.from_index(vol, 2, ((1.0, 2.0), (4.0, 6.0)))
    assert record.kind is CaliperKind.LENGTH and record.calibrated
    assert record.p1_mm == pytest.approx((-10 + 1 * 0.8, -20 + 2 * 0.5, 35.0))
    assert record.p2_mm == pytest.approx((-10 + 4 * 0.8, -20 + 6 * 0.5, 35.0))
    assert record.long_axis_mm == pytest.approx(math.hypot(3 * 0.8, 4 * 0.5))
    assert record.short_axis_mm is None and record.axes_angle_deg is None
    assert (record.slice_index, record.sop_uid, record.series_uid, record.frame_of_reference_uid) == (
        2, "1.2.3.4.2", "1.2.3.4", "1.2.3")


def test_bidirectional_lengths_and_angle() -> None:
    vol = volume(spacing=(1.0, 1.0))
    record = CaliperRecord.from_index(vol, 0, ((0, 5), (10, 5)), ((5, 2), (5, 8)))
    assert record.kind is CaliperKind.BIDIRECTIONAL
    assert (record.long_axis_mm, record.short_axis_mm) == pytest.approx((10.0, 6.0))
    assert record.axes_angle_deg == pytest.approx(90.0)


@pytest.mark.parametrize("iop", [(1, 0, 0, 0, 1, 0), OBLIQUE])
def test_round_trip_through_patient_mm(iop: tuple[float, ...]) -> None:
    vol = volume(iop)
    record = CaliperRecord.from_index(vol, 3, ((1.25, 2.5), (7.0, 11.75)), ((3.0, 9.0), (5.5, 4.0)))
    placed = record.to_index(vol)
    assert placed.k == 3
    assert np.allclose(placed.long_axis, ((1.25, 2.5), (7.0, 11.75)))
    assert np.allclose(placed.short_axis, ((3.0, 9.0), (5.5, 4.0)))
    again = CaliperRecord.from_index(vol, placed.k, placed.long_axis, placed.short_axis)
    for name in ("p1_mm", "p2_mm", "short_p1_mm", "short_p2_mm"):
        assert getattr(again, name) == pytest.approx(getattr(record, name))


def test_uncalibrated_record_has_no_mm() -> None:
    vol = volume(spacing=None)
    record = CaliperRecord.from_index(vol, 1, ((0, 0), (3, 4)), ((1, 1), (2, 2)))
    assert not record.calibrated
    assert record.kind is CaliperKind.BIDIRECTIONAL
    assert (record.p1_mm, record.p2_mm, record.short_p1_mm, record.short_p2_mm) == (None, None, None, None)
    for name in ("long_axis_mm", "short_axis_mm", "axes_angle_deg"):
        with pytest.raises(UncalibratedImageError, match=r"without Pixel Spacing \(0028,0030\).*calibrated series"):
            getattr(record, name)
    with pytest.raises(UncalibratedImageError):
        record.to_index(vol)


def test_record_of_another_series_is_not_placed() -> None:
    record = CaliperRecord.from_index(volume(), 0, ((0, 0), (3, 4)))
    other = dataclasses.replace(volume(), series_uid="9.9")
    with pytest.raises(ValueError, match=re.escape('Argument "volume" must be series 1.2.3.4, got 9.9')):
        record.to_index(other)


@pytest.mark.parametrize(("changes", "message"), [
    ({"p2_mm": None}, '"p1_mm" and "p2_mm" must both be points or both None'),
    ({"short_p2_mm": None}, '"short_p1_mm" and "short_p2_mm" must both be points or both None'),
    ({"kind": "length"}, 'Argument "short_p1_mm" must be None for a length caliper'),
    ({"short_p1_mm": None, "short_p2_mm": None}, 'Argument "short_p1_mm" must be a point for a bidirectional'),
    ({"p1_mm": None, "p2_mm": None}, 'must be None when the record has no mm'),
])
def test_inconsistent_records_are_rejected(changes: dict[str, object], message: str) -> None:
    record = CaliperRecord.from_index(volume(), 0, ((0, 0), (3, 4)), ((1, 1), (2, 2)))
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(record, **changes)


def test_slice_out_of_range_is_rejected() -> None:
    with pytest.raises(ValueError, match=r'Argument "k" must be a slice index in \[0, 4\), got 4'):
        CaliperRecord.from_index(volume(), 4, ((0, 0), (1, 1)))


def test_kind_given_as_text_is_coerced() -> None:
    record = CaliperRecord.from_index(volume(), 0, ((0, 0), (3, 4)))
    assert dataclasses.replace(record, kind="length").kind is CaliperKind.LENGTH


# A length line drawn on a coronal or sagittal reformat (VIEWER.md "Reformats": flagged, keeps its plane).


def test_a_reformat_line_spans_slices_in_patient_mm_and_keeps_its_plane() -> None:
    vol = volume(slices=6)
    record = CaliperRecord.from_reformat(vol, "coronal", (2.0, 7.0, 1.0), (12.0, 7.0, 4.0))
    assert record.plane is MeasurementPlane.CORONAL and record.kind is CaliperKind.LENGTH
    assert record.p1_mm == pytest.approx((-10 + 2 * 0.8, -20 + 7 * 0.5, 30 + 1 * 2.5))
    assert record.p2_mm == pytest.approx((-10 + 12 * 0.8, -20 + 7 * 0.5, 30 + 4 * 2.5))
    assert record.long_axis_mm == pytest.approx(math.hypot(10 * 0.8, 3 * 2.5))
    assert (record.slice_index, record.sop_uid) == (2, "1.2.3.4.2")  # the slice nearest the middle (k 2.5 → 2)
    (line,) = lines_from_record(record, nodal=False)
    assert line.plane is MeasurementPlane.CORONAL and line.axis is Axis.LONG and line.sop_uid == "1.2.3.4.2"
    back = record_from_lines([line], vol)
    assert back is not None and back.plane is MeasurementPlane.CORONAL and back.p2_mm == record.p2_mm


def test_a_reformat_line_between_slices_interpolates_their_positions() -> None:
    vol = volume(slices=4)
    record = CaliperRecord.from_reformat(vol, MeasurementPlane.SAGITTAL, (5.0, 1.0, 0.5), (5.0, 9.0, 2.25))
    assert record.p1_mm is not None and record.p2_mm is not None
    assert (record.p1_mm[2], record.p2_mm[2]) == pytest.approx((30 + 0.5 * 2.5, 30 + 2.25 * 2.5))


@pytest.mark.parametrize(("plane", "start", "end", "message"), [
    ("AXIAL", (1.0, 1.0, 1.0), (3.0, 1.0, 1.0), 'Argument "plane" must be CORONAL or SAGITTAL'),
    ("CORONAL", (1.0, 1.0, 1.0), (3.0, 1.0, 9.0), 'Arguments "start" and "end" must be volume indices'),
    ("OBLIQUE", (1.0, 1.0, 1.0), (3.0, 1.0, 1.0), "OBLIQUE"),
])
def test_impossible_reformat_lines_are_refused(plane: str, start: tuple[float, float, float],
                                               end: tuple[float, float, float], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        CaliperRecord.from_reformat(volume(), plane, start, end)


def test_a_reformat_caliper_is_a_length_caliper() -> None:
    vol = volume(spacing=(1.0, 1.0))
    record = CaliperRecord.from_index(vol, 0, ((0, 5), (10, 5)), ((5, 2), (5, 8)))
    with pytest.raises(ValueError, match="must be length for a caliper on a coronal reformat"):
        dataclasses.replace(record, plane=MeasurementPlane.CORONAL)


def test_an_uncalibrated_reformat_line_has_no_mm() -> None:
    record = CaliperRecord.from_reformat(volume(spacing=None), "SAGITTAL", (5.0, 1.0, 0.0), (5.0, 9.0, 3.0))
    assert not record.calibrated
    with pytest.raises(UncalibratedImageError):
        lines_from_record(record, nodal=False)
