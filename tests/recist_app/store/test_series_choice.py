"""The series a read uses per time point (``read_series``): stored, audited, undoable, refused on an
unlinked series or a signed time point, kept across reopening and across the 0001 → 0002 upgrade
(SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass

import pytest
from alembic import command
from sqlalchemy import inspect, select

from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import LesionRole, LineMeasurement, ReaderRole, SeriesChoice, SeriesLink
from recist_app.store import TrialStore
from recist_app.store.db import Database, _alembic_config, head_revision
from recist_app.store.errors import NotFoundError, TimepointLockedError
from recist_app.store.schema import MeasurementRow
from tests.recist_app.store.scenario import FOR_UID, PASSWORDS, SOP_UID, SUBJECT, Trial, content, make_trial

ROLE = ReaderRole.CENTRAL_READER_1
STUDY_UID = "1.2.826.0.1.3680043.8.498.20"
#: Lung_Dx-A0001's situation: two reconstructions of one acquisition, both described "5mm".
LUNG_UID, SOFT_UID, WEEK8_UID = (f"1.2.826.0.1.3680043.8.498.{n}" for n in (21, 22, 23))
#: Record uids are 32 hex digits; no message shown to a reader may hold one.
RECORD_UID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Linked:
    """The trial with series linked: two at baseline (numbers 3 and 2), one at week 8."""

    trial: Trial
    baseline: tuple[SeriesLink, ...]

    @property
    def bl(self) -> str:
        return self.trial.timepoints[0].uid

    @property
    def week8(self) -> str:
        return self.trial.timepoints[1].uid


def link_series(trial: Trial, *, numbered: bool = True) -> Linked:
    store, (bl, week8, *_) = trial.store, trial.timepoints
    soft = store.attach_series(bl.uid, study_uid=STUDY_UID, series_uid=SOFT_UID, path="/data/A0001/series3",
                               modality="CT", description="5mm", frame_of_reference_uid=FOR_UID,
                               slice_thickness_mm=5.0, series_number=3 if numbered else None)
    lung = store.attach_series(bl.uid, study_uid=STUDY_UID, series_uid=LUNG_UID, path="/data/A0001/series2",
                               modality="CT", description="5mm", frame_of_reference_uid=FOR_UID,
                               slice_thickness_mm=5.0, series_number=2 if numbered else None)
    store.attach_series(week8.uid, study_uid="1.2.826.0.1.3680043.8.498.30", series_uid=WEEK8_UID,
                        path="/data/week8", modality="CT", description="CHEST 3mm", frame_of_reference_uid=FOR_UID,
                        series_number=4 if numbered else None)
    return Linked(trial, (lung, soft))


@pytest.fixture
def linked(trial: Trial) -> Linked:
    return link_series(trial)


def on(series_uid: str, length_mm: float = 40.0) -> LineMeasurement:
    return LineMeasurement.from_points((-12.5, 30.25, -101.0), (-12.5 + length_mm, 30.25, -101.0), sop_uid=SOP_UID,
                                       series_uid=series_uid, frame_of_reference_uid=FOR_UID)


def test_choice_is_stored_audited_per_read_and_survives_reopening(linked: Linked, db_url: str,
                                                                 open_store: list[TrialStore]) -> None:
    trial, bl = linked.trial, linked.bl
    session = trial.session(ROLE)
    assert session.chosen_series(bl) is None and session.snapshot().series_choices == ()
    choice = session.choose_series(bl, SOFT_UID)
    assert (choice.timepoint_uid, choice.series_uid) == (bl, SOFT_UID) and choice.chosen_at.endswith("Z")
    assert session.chosen_series(bl) == SOFT_UID and session.chosen_series(linked.week8) is None
    snapshot = session.snapshot()
    assert snapshot.series_choices == (choice,) and snapshot.chosen_series(bl) == SOFT_UID

    last = trial.store.audit_entries()[-1]
    assert (last.action, last.actor_name, last.actor_uid, last.read_uid) == (
        "choose_series", trial.readers[ROLE].name, trial.readers[ROLE].uid, session.read_uid)
    (change,) = json.loads(last.changes_json)
    assert change["table"] == "read_series" and change["before"] is None
    assert {key: change["after"][key] for key in ("read_uid", "timepoint_uid", "series_uid")} == {
        "read_uid": session.read_uid, "timepoint_uid": bl, "series_uid": SOFT_UID}

    entries, depth = len(trial.store.audit_entries()), session.undo_depth
    assert session.choose_series(bl, SOFT_UID) == choice  # the same choice again: nothing to record
    assert (len(trial.store.audit_entries()), session.undo_depth) == (entries, depth)
    assert trial.session(ReaderRole.CENTRAL_READER_2).chosen_series(bl) is None  # per read

    trial.store.close()
    reopened = TrialStore.open(db_url)
    open_store.append(reopened)
    again = reopened.reader_session(trial.readers[ROLE].uid, SUBJECT, password=PASSWORDS[ROLE])
    assert again.chosen_series(bl) == SOFT_UID and again.snapshot().series_choices == (choice,)
    assert reopened.verify_chain().ok


def test_choosing_again_replaces_and_undo_redo_restore(linked: Linked) -> None:
    session, bl = linked.trial.session(ROLE), linked.bl
    states = [session.snapshot()]
    session.choose_series(bl, LUNG_UID)
    states.append(session.snapshot())
    session.choose_series(bl, SOFT_UID)
    states.append(session.snapshot())
    (change,) = json.loads(linked.trial.store.audit_entries()[-1].changes_json)
    assert (change["before"]["series_uid"], change["after"]["series_uid"]) == (LUNG_UID, SOFT_UID)
    assert [s.chosen_series(bl) for s in states] == [None, LUNG_UID, SOFT_UID]
    for expected in reversed(states[:-1]):
        assert session.undo() == "choose_series"
        assert session.snapshot() == expected
    for expected in states[1:]:
        assert session.redo() == "choose_series"
        assert session.snapshot() == expected
    actions = [entry.action for entry in linked.trial.store.audit_entries()][-4:]
    assert actions == ["undo choose_series", "undo choose_series", "redo choose_series", "redo choose_series"]


def test_a_series_not_linked_to_the_timepoint_is_refused(linked: Linked) -> None:
    trial, bl = linked.trial, linked.bl
    session = trial.session(ROLE)
    entries = len(trial.store.audit_entries())
    cases = [
        (bl, WEEK8_UID, 'Series 4 "CHEST 3mm" of Week 8 cannot be read at Baseline; choose one of the series of '
                        'Baseline: series 2 "5mm", series 3 "5mm".'),
        (bl, "1.2.3.4.5", "A series not imported for this subject cannot be read at Baseline; choose one of the "
                          'series of Baseline: series 2 "5mm", series 3 "5mm".'),
        (linked.week8, LUNG_UID, 'Series 2 "5mm" of Baseline cannot be read at Week 8; choose one of the series of '
                                 'Week 8: series 4 "CHEST 3mm".'),
        (trial.timepoints[2].uid, SOFT_UID, 'Series 3 "5mm" of Baseline cannot be read at Week 16; Week 16 has no '
                                            "series yet (import its images first: File > Open folder)."),
    ]
    for timepoint_uid, series_uid, message in cases:
        with pytest.raises(InvalidRecordError) as info:
            session.choose_series(timepoint_uid, series_uid)
        assert str(info.value) == message
        assert (info.value.argument, info.value.value) == ("series_uid", series_uid)
        assert not RECORD_UID.search(str(info.value)) and series_uid not in str(info.value)
    with pytest.raises(NotFoundError, match="No time point"):
        session.choose_series("no-such-timepoint", SOFT_UID)
    assert len(trial.store.audit_entries()) == entries and session.undo_depth == 0
    assert session.chosen_series(bl) is None


def test_without_series_numbers_the_descriptions_name_the_series(trial: Trial) -> None:
    linked = link_series(trial, numbered=False)
    with pytest.raises(InvalidRecordError, match=r'^Series "CHEST 3mm" of Week 8 cannot be read at Baseline; choose '
                                                 r'one of the series of Baseline: series "5mm", series "5mm"\.$'):
        trial.session(ROLE).choose_series(linked.bl, WEEK8_UID)


def test_a_signed_timepoint_is_refused_until_reopened(linked: Linked) -> None:
    trial, bl = linked.trial, linked.bl
    session = trial.session(ROLE)
    session.choose_series(bl, LUNG_UID)
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    session.record_measurement(lesion.uid, bl, on(LUNG_UID))
    session.sign(bl, PASSWORDS[ROLE])
    with pytest.raises(TimepointLockedError) as info:
        session.choose_series(bl, SOFT_UID)
    assert str(info.value) == ("Baseline is signed and read-only: reopen it with a reason before choosing another "
                               "series.")
    assert info.value.timepoint_uid == bl and not RECORD_UID.search(str(info.value))
    assert session.chosen_series(bl) == LUNG_UID
    session.reopen(bl, "soft-tissue kernel shows the node better")
    session.choose_series(bl, SOFT_UID)
    last = trial.store.audit_entries()[-1]
    assert (last.action, last.reason) == ("choose_series", "soft-tissue kernel shows the node better")
    assert session.chosen_series(bl) == SOFT_UID


def test_blinded_readers_see_their_visit_labels_in_the_refusal(db_url: str) -> None:
    trial = make_trial(db_url, blind_visits=True)
    try:
        linked = link_series(trial)
        central = trial.session(ROLE)
        seen = central.snapshot().timepoint(linked.week8).visit
        assert seen.startswith("TP")
        with pytest.raises(InvalidRecordError) as info:
            central.choose_series(linked.week8, LUNG_UID)
        assert f"the series of {seen}: series 4" in str(info.value) and "Week" not in str(info.value)
        with pytest.raises(InvalidRecordError, match=r"the series of Week 8: series 4"):
            trial.session(ReaderRole.SITE_RADIOLOGIST).choose_series(linked.week8, LUNG_UID)
    finally:
        trial.store.close()


def test_a_measurement_on_the_chosen_series_carries_its_uid(linked: Linked) -> None:
    trial, bl = linked.trial, linked.bl
    session = trial.session(ROLE)
    session.choose_series(bl, SOFT_UID)
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    chosen = session.chosen_series(bl)
    assert chosen == SOFT_UID
    measurement = session.record_measurement(lesion.uid, bl, on(chosen))
    assert measurement.line.series_uid == SOFT_UID
    (stored,) = session.snapshot().measurements
    assert stored.line.series_uid == session.snapshot().chosen_series(bl) == SOFT_UID
    with trial.store.db.read() as db_session:
        row = db_session.scalars(select(MeasurementRow).where(MeasurementRow.uid == measurement.uid)).one()
        assert (row.series_uid, row.sop_uid, row.frame_of_reference_uid) == (SOFT_UID, SOP_UID, FOR_UID)


def test_timepoint_series_lists_the_links_with_their_paths(linked: Linked) -> None:
    trial, bl = linked.trial, linked.bl
    listed = trial.store.timepoint_series(bl)
    assert [(s.series_number, s.series_uid, s.path, s.description) for s in listed] == [
        (2, LUNG_UID, "/data/A0001/series2", "5mm"), (3, SOFT_UID, "/data/A0001/series3", "5mm")]
    assert listed == linked.baseline and [s.label for s in listed] == ['series 2 "5mm"', 'series 3 "5mm"']
    assert trial.session(ROLE).timepoint_series(bl) == listed
    assert trial.store.timepoint_series(trial.timepoints[3].uid) == ()
    assert trial.store.timepoints(SUBJECT)[0].series == tuple(sorted(listed, key=lambda s: s.series_uid))
    with pytest.raises(InvalidRecordError, match='"timepoint_uid" must be a time point of the trial'):
        trial.store.timepoint_series("no-such-timepoint")
    with pytest.raises(NotFoundError, match="No time point"):
        trial.session(ROLE).timepoint_series("no-such-timepoint")
    with pytest.raises(InvalidRecordError, match='"series_number" must be a whole number'):
        trial.store.attach_series(bl, study_uid=STUDY_UID, series_uid="1.2.9", series_number="2")  # type: ignore[arg-type]


def test_upgrade_from_the_previous_head_keeps_the_data(db_url: str) -> None:
    """A trial database at revision 0001 (the previous head) opens, upgrades and keeps every row."""
    trial = make_trial(db_url)
    linked = link_series(trial, numbered=False)
    session = trial.session(ROLE)
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    session.record_measurement(lesion.uid, linked.bl, on(LUNG_UID))
    before, audit_before = session.snapshot(), trial.store.audit_entries()
    trial.store.close()
    with Database.connect(db_url) as db, db.engine.begin() as connection:  # back to what 0001 made
        command.downgrade(_alembic_config(connection), "0001")
    with Database.connect(db_url) as db:
        assert db.revision() == "0001"
        schema = inspect(db.engine)
        assert "read_series" not in schema.get_table_names()
        assert "series_number" not in {column["name"] for column in schema.get_columns("series_links")}

    with TrialStore.open(db_url) as store:
        assert store.db.revision() == head_revision()
        again = store.reader_session(trial.readers[ROLE].uid, SUBJECT, password=PASSWORDS[ROLE])
        forgotten = dataclasses.replace(before.reader, db_role=None)  # the downgrade dropped readers.db_role (0008)
        assert content(again.snapshot()) == content(dataclasses.replace(before, reader=forgotten))
        assert store.audit_entries() == audit_before and store.verify_chain().ok
        assert [s.series_number for s in store.timepoint_series(linked.bl)] == [None, None]
        assert again.choose_series(linked.bl, LUNG_UID) == SeriesChoice(linked.bl, LUNG_UID,
                                                                         again.snapshot().series_choices[0].chosen_at)
        assert again.chosen_series(linked.bl) == LUNG_UID
