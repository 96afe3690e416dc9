"""Issue 5 acceptance: a full read round-trips through the store, and the engine's results from the
stored read equal those computed in memory from the same records (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from assessment import ENGINE_VERSION, RULES_VERSION
from assessment.domain import Response
from recist_app.evaluation.engine import engine_read, evaluate, outcome
from recist_app.evaluation.lesion_values import diameter_mm
from recist_app.model.records import Axis, LesionRole, ReaderRole, Status
from recist_app.store import TrialStore
from tests.recist_app.store.scenario import (
    LESIONS,
    LINES,
    PASSWORDS,
    SBRT,
    STATES,
    SUBJECT,
    Trial,
    apply_full_read,
    in_memory_snapshot,
    line,
)


def test_full_read_round_trips_and_engine_results_match_in_memory(trial: Trial, db_url: str,
                                                                   open_store: list[TrialStore]) -> None:
    apply_full_read(trial.session(), trial.timepoints)
    trial.store.close()
    reopened = TrialStore.open(db_url)  # a fresh engine: nothing comes from a cache in memory
    open_store.append(reopened)
    reader = trial.readers[ReaderRole.CENTRAL_READER_1]
    stored = reopened.reader_session(reader.uid, SUBJECT, password=PASSWORDS[reader.role])
    snapshot = stored.snapshot()
    memory = in_memory_snapshot(reopened, reader, reopened.timepoints(SUBJECT))

    # The records: every lesion field, every point (floats exactly), every state.
    strip = {"uid": "", "read_uid": ""}
    assert [dataclasses.replace(lesion, **strip) for lesion in snapshot.lesions] == \
        sorted((dataclasses.replace(lesion, **strip) for lesion in memory.lesions), key=lambda lesion: lesion.label)
    t03 = snapshot.lesion("T03")
    assert (t03.irradiated, t03.sbrt_start, t03.sbrt_end, t03.sbrt_dose_gy, t03.sbrt_fractions) == (True, *SBRT)
    label = {lesion.uid: lesion.label for lesion in snapshot.lesions}
    visit = {tp.uid: n for n, tp in enumerate(snapshot.timepoints)}
    def key(item: tuple[str, int, object]) -> tuple[str, int, str]:
        return item[0], item[1], str(item[2])

    stored_lines = sorted(((label[m.lesion_uid], visit[m.timepoint_uid], m.line) for m in snapshot.measurements),
                          key=key)
    expected_lines = sorted(((lbl, v, line(length, axis)) for (lbl, v), lines in LINES.items()
                             for axis, length in lines), key=key)
    assert stored_lines == expected_lines
    assert {(label[s.lesion_uid], visit[s.timepoint_uid]): (s.status, s.radiation_induced) for s in snapshot.states} \
        == STATES

    # The engine: the stored read gives exactly the in-memory results (RECIST 1.1, iRECIST, subsets).
    report = stored.evaluate()
    assert report == evaluate(memory)
    assert outcome(snapshot, report) == outcome(memory, evaluate(memory))
    overall = [tp.overall for tp in report.recist.timepoints]
    assert [tp.sum_mm for tp in report.recist.timepoints] == [Decimal("90.0"), Decimal("63.0"), Decimal("58.0"),
                                                              Decimal("65.0")]
    assert overall[1:] == [Response.PR, Response.PR, Response.PD]
    assert report.recist.first_pd_date == reopened.timepoints(SUBJECT)[3].scan_date
    assert report.subsets is not None  # T03 is irradiated on study: the subsets are reported beside


def test_engine_input_uses_short_axis_for_nodes_and_rounds_to_a_tenth(trial: Trial) -> None:
    session = trial.session()
    apply_full_read(session, trial.timepoints)
    read = engine_read(trial.session(ReaderRole.CENTRAL_READER_1)
                       .snapshot())
    baseline = read.timepoints[0]
    assert baseline.observation("T02").diameter_mm == Decimal("20.0")  # short axis, not the 31 mm long axis
    assert diameter_mm(line(24.96)) == Decimal("25.0") and diameter_mm(line(24.94)) == Decimal("24.9")
    assert diameter_mm(line(24.95)) == Decimal("25.0")  # half up, as a reader rounds
    assert read.timepoints[2].observation("T03").radiation_induced
    assert [lesion.lesion_id for lesion in read.lesions if lesion.irradiated] == ["T03"]
    assert {lesion.lesion_id for lesion in read.lesions} == {spec.label for spec in LESIONS}
    assert "N01" not in read.timepoints[2].by_lesion  # a new lesion has no observation before it appeared


def test_cached_results_carry_versions_and_are_recomputed_when_the_read_changes(trial: Trial) -> None:
    session = trial.session()
    lesions = apply_full_read(session, trial.timepoints)
    first = session.results()
    assert [r.timepoint_uid for r in first] == [tp.uid for tp in trial.timepoints]
    assert {(r.engine_version, r.rules_version) for r in first} == {(ENGINE_VERSION, RULES_VERSION)}
    assert [r.recist_overall for r in first][1:] == ["PR", "PR", "PD"]
    assert session.results() == first  # fresh: served from the cache
    session.set_status(lesions["N01"].uid, trial.timepoints[3].uid, Status.EQUIVOCAL,
                       replacing=next(s for s in session.snapshot().states if s.lesion_uid == lesions["N01"].uid))
    second = session.results()
    assert second[3].recist_overall != "PD" and second[3].input_sha256 != first[3].input_sha256
    assert second[3].recist_overall == session.evaluate().recist.timepoints[3].overall.value


def test_new_lesion_records_keep_role_and_first_time_point(trial: Trial) -> None:
    session = trial.session()
    lesions = apply_full_read(session, trial.timepoints)
    assert lesions["N01"].role is LesionRole.NEW and lesions["N01"].first_timepoint_uid == trial.timepoints[3].uid
    assert lesions["T01"].uid.startswith("2.25.")  # a DICOM tracking UID
    measurement = session.snapshot().measurements[0]
    assert measurement.line.axis in (Axis.LONG, Axis.SHORT) and measurement.recorded_at.endswith("Z")
