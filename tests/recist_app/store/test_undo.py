"""Issue 5 acceptance: undo/redo per read restore exact state (snapshots compared), on both engines."""

from __future__ import annotations

from datetime import date

import pytest

from recist_app.model.records import Axis, LesionRole, ReaderRole, Status
from recist_app.store import TrialStore
from recist_app.store.errors import ConflictError
from tests.recist_app.store.scenario import PASSWORDS, SUBJECT, Trial, apply_full_read, line


def test_every_command_undoes_and_redoes_to_the_exact_snapshot(trial: Trial) -> None:
    session = trial.session()
    lesions = apply_full_read(session, trial.timepoints)
    states = [session.snapshot()]
    t01, t02 = lesions["T01"], lesions["T02"]
    tp1 = trial.timepoints[1]
    session.edit_lesion(t01, organ="PLEURA", label="T01b")
    states.append(session.snapshot())
    measurement = next(m for m in states[-1].measurements if m.lesion_uid == t02.uid and m.timepoint_uid == tp1.uid)
    session.edit_measurement(measurement, line(17.5, Axis.SHORT, origin=(1.0, 2.0, 3.0)))
    states.append(session.snapshot())
    session.set_status(t02.uid, trial.timepoints[2].uid, Status.TOO_SMALL)
    states.append(session.snapshot())
    session.flag_irradiated(session.snapshot().lesion("T01b"), sbrt_start=date(2024, 2, 1), dose_gy=30.0, fractions=5)
    states.append(session.snapshot())
    session.delete_lesion(session.snapshot().lesion("T03"))  # cascades to its lines and states
    states.append(session.snapshot())
    session.assign_series(trial.timepoints[3].uid, study_uid="1.2.3", series_uid="1.2.3.4", path="/data/s4")
    states.append(session.snapshot())
    assert len({len(s.measurements) for s in states}) > 1 and len(states[-2].lesions) == len(states[0].lesions) - 1

    for expected in reversed(states[:-1]):
        assert session.undo() is not None
        assert session.snapshot() == expected
    assert session.can_redo and session.can_undo  # the scenario's commands are still below
    for expected in states[1:]:
        assert session.redo() is not None
        assert session.snapshot() == expected
    assert session.redo() is None and session.can_undo


def test_undo_and_redo_are_audited_commands(trial: Trial) -> None:
    session = trial.session()
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    session.undo()
    session.redo()
    actions = [entry.action for entry in trial.store.audit_entries()][-3:]
    assert actions == ["add_lesion", "undo add_lesion", "redo add_lesion"]
    assert session.snapshot().lesions[0].uid == lesion.uid  # the tracking UID survives undo/redo


def test_a_new_command_clears_redo_and_undo_is_per_read(trial: Trial) -> None:
    first = trial.session(ReaderRole.CENTRAL_READER_1)
    second = trial.session(ReaderRole.CENTRAL_READER_2)
    first.add_lesion("T01", LesionRole.TARGET)
    second.add_lesion("T01", LesionRole.TARGET)
    first.undo()
    assert first.can_redo
    first.add_lesion("T09", LesionRole.TARGET)
    assert not first.can_redo and first.redo() is None
    assert [lesion.label for lesion in second.snapshot().lesions] == ["T01"]  # the other read is untouched
    assert second.undo() == "add_lesion" and second.snapshot().lesions == ()


def test_undo_refuses_when_someone_else_changed_the_rows(trial: Trial, db_url: str,
                                                         open_store: list[TrialStore]) -> None:
    session = trial.session()
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    session.edit_lesion(lesion, organ="LIVER")
    other = TrialStore.open(db_url)  # the same reader on a second workstation
    open_store.append(other)
    remote = other.reader_session(trial.readers[ReaderRole.CENTRAL_READER_1].uid, SUBJECT,
                                  password=PASSWORDS[ReaderRole.CENTRAL_READER_1])
    remote.edit_lesion(remote.snapshot().lesion("T01"), organ="BONE")
    with pytest.raises(ConflictError, match="changed by someone else"):
        session.undo()
    assert session.snapshot().lesion("T01").organ == "BONE" and session.can_undo


def test_undo_depth_counts_only_commands_that_changed_rows(trial: Trial) -> None:
    session = trial.session()
    assert session.undo_depth == 0
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    before = session.undo_depth
    session.record_measurement(lesion.uid, trial.timepoints[0].uid, line(21.0))
    session.record_measurement(lesion.uid, trial.timepoints[0].uid, line(14.0, Axis.SHORT))
    session.edit_lesion(session.snapshot().lesion("T01"))  # no change: not pushed
    assert session.undo_depth - before == 2
    session.undo()
    session.undo()
    assert session.undo_depth == before and not session.snapshot().measurements
    session.redo()
    assert session.undo_depth == before + 1


def test_a_caliper_is_one_undo_entry_replacing_the_lines_of_its_fragment(trial: Trial) -> None:
    session = trial.session()
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    baseline = trial.timepoints[0].uid
    before = session.undo_depth
    session.record_caliper(lesion.uid, baseline, (line(21.0), line(14.0, Axis.SHORT)))
    session.record_caliper(lesion.uid, baseline, (line(22.0),))
    assert session.undo_depth == before + 2
    assert [(m.line.axis, round(m.line.length_mm, 3)) for m in session.snapshot().measurements] == [(Axis.LONG, 22.0)]
    assert session.undo() == "record_caliper"
    assert sorted(m.line.axis for m in session.snapshot().measurements) == [Axis.LONG, Axis.SHORT]
    session.undo()
    assert session.snapshot().measurements == () and session.undo_depth == before
