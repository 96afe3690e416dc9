"""``recist_app.evaluation.engine``: read-model records → engine observations (statuses, axes, fragments)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recist_app.evaluation.engine import engine_read
from recist_app.model.records import (
    Axis,
    Lesion,
    LesionRole,
    LesionState,
    Measurement,
    Read,
    Reader,
    ReaderRole,
    ReadSnapshot,
    Status,
    Subject,
    Timepoint,
    Trial,
)
from tests.recist_app.store.scenario import line

TPS = (Timepoint("bl", "s", "Baseline", date(2024, 1, 5), True), Timepoint("w8", "s", "Week 8", date(2024, 3, 1)))


def _snapshot(lesions: list[Lesion], measurements: list[Measurement], states: list[LesionState]) -> ReadSnapshot:
    return ReadSnapshot(Trial("t", "T", "trial"), Subject("s", "S-1", "FR01"),
                        Reader("r", "Dr", ReaderRole.CENTRAL_READER_2), Read("read", "s", "r"), TPS,
                        tuple(lesions), tuple(measurements), tuple(states))


def _lesion(label: str, role: LesionRole = LesionRole.TARGET, nodal: bool = False, first: str = "bl") -> Lesion:
    return Lesion(f"u-{label}", "read", label, role, first, nodal=nodal)


def test_statuses_fragments_and_axes_map_to_engine_observations() -> None:
    lesions = [_lesion("T01"), _lesion("T02"), _lesion("T03", nodal=True), _lesion("T04"), _lesion("T05")]
    measurements = [
        Measurement("m1", "u-T01", "bl", line(20.0)), Measurement("m2", "u-T02", "bl", line(15.0)),
        Measurement("m3", "u-T03", "bl", line(12.0, Axis.SHORT)), Measurement("m4", "u-T04", "bl", line(11.0)),
        Measurement("m5", "u-T05", "bl", line(10.0)),
        Measurement("f1", "u-T01", "w8", line(6.0), fragment=1),
        Measurement("f2", "u-T01", "w8", line(7.5), fragment=2),
        Measurement("m6", "u-T03", "w8", line(9.0, Axis.LONG)),  # a node measured on its long axis only
    ]
    states = [LesionState("s1", "u-T01", "w8", Status.SPLIT),
              LesionState("s2", "u-T02", "w8", Status.MERGED, merged_into_uid="u-T01"),
              LesionState("s3", "u-T04", "w8", Status.TOO_SMALL), LesionState("s4", "u-T05", "w8", Status.DISAPPEARED)]
    read = engine_read(_snapshot(lesions, measurements, states))
    assert (read.evaluator, read.evaluator_id, read.study_id) == ("INDEPENDENT ASSESSOR", "RADIOLOGIST 2", "T")
    week8 = read.timepoints[1]
    t01 = week8.observation("T01")
    assert t01.status is Status.SPLIT and t01.fragments_mm == (Decimal("6.0"), Decimal("7.5"))
    assert t01.value_mm == Decimal("13.5")
    assert (week8.observation("T02").status, week8.observation("T02").merged_into) == (Status.MERGED, "T01")
    assert week8.observation("T03").status is Status.NOT_ASSESSED
    assert week8.observation("T04").value_mm == Decimal(5) and week8.observation("T05").value_mm == Decimal(0)
    assert read.timepoints[0].observation("T03").diameter_mm == Decimal("12.0")


def test_lesions_enter_the_engine_in_order_of_appearance_whatever_the_record_order() -> None:
    lesions = [_lesion("N01", LesionRole.NEW, first="w8"), _lesion("T02"), _lesion("T01")]
    states = [LesionState("s1", "u-N01", "w8", Status.PRESENT)]
    measurements = [Measurement("a", "u-T01", "bl", line(20.0)), Measurement("b", "u-T02", "bl", line(20.0))]
    forward = engine_read(_snapshot(lesions, measurements, states))
    backward = engine_read(_snapshot(lesions[::-1], measurements[::-1], states))
    assert [lesion.lesion_id for lesion in forward.lesions] == ["T01", "T02", "N01"]
    assert forward == backward
    assert "N01" not in forward.timepoints[0].by_lesion and forward.slice_thickness_mm is None
