"""The columns of a stored line: its plane (migration 0006; VIEWER.md "Reformats") and who placed it (migration
0009; issue 17, "Honesty"), both stored and audited; the revisions that add them keep an older database's lines."""

from __future__ import annotations

import dataclasses
import json

import pytest
from alembic import command

from recist_app.model.records import MeasurementMethod, MeasurementPlane, ReaderRole, ReadSnapshot
from recist_app.store import TrialStore
from recist_app.store.audit_verify import verify
from recist_app.store.db import Database, _alembic_config, head_revision
from tests.recist_app.store.scenario import PASSWORDS, SUBJECT, Trial, line


def test_a_reformat_line_is_stored_with_its_plane_and_audited(trial: Trial, db_url: str,
                                                              open_store: list[TrialStore]) -> None:
    session = trial.session()
    lesion = session.add_lesion("T01", "TARGET", organ="LUNG")
    sagittal = dataclasses.replace(line(31.5), plane=MeasurementPlane.SAGITTAL)
    session.record_measurement(lesion.uid, trial.timepoints[0].uid, sagittal)
    session.record_measurement(lesion.uid, trial.timepoints[1].uid, line(25.0))
    audit = trial.store.audit_entries()
    assert [json.loads(e.changes_json)[0]["after"]["plane"] for e in audit[-2:]] == ["SAGITTAL", "AXIAL"]
    _reopened, snapshot = _reopen(trial, db_url, open_store)
    planes = {m.timepoint_uid: m.line.plane for m in snapshot.measurements}
    assert planes == {trial.timepoints[0].uid: MeasurementPlane.SAGITTAL,
                      trial.timepoints[1].uid: MeasurementPlane.AXIAL}
    assert next(m.line for m in snapshot.measurements if m.line.plane.is_reformat) == sagittal


def test_a_proposed_line_is_stored_with_its_method_and_its_edit_is_audited(trial: Trial, db_url: str,
                                                                          open_store: list[TrialStore]) -> None:
    session = trial.session()
    lesion = session.add_lesion("T01", "TARGET", organ="LUNG")
    proposed = dataclasses.replace(line(31.5), method=MeasurementMethod.PROPOSED)
    measurement = session.record_measurement(lesion.uid, trial.timepoints[0].uid, proposed)
    session.edit_measurement(measurement, dataclasses.replace(line(33.0), method=MeasurementMethod.PROPOSED_EDITED))
    session.record_measurement(lesion.uid, trial.timepoints[1].uid, line(25.0))
    changes = [json.loads(e.changes_json)[0] for e in trial.store.audit_entries()[-3:]]
    assert [c["after"]["method"] for c in changes] == ["PROPOSED", "PROPOSED EDITED", "MANUAL"]
    assert changes[1]["before"]["method"] == "PROPOSED"
    reopened, snapshot = _reopen(trial, db_url, open_store)
    methods = {m.timepoint_uid: m.line.method for m in snapshot.measurements}
    assert methods == {trial.timepoints[0].uid: MeasurementMethod.PROPOSED_EDITED,
                       trial.timepoints[1].uid: MeasurementMethod.MANUAL}
    assert verify(reopened.db).ok  # the log replays to the rows, the new column included


@pytest.mark.parametrize(("before", "field", "default"), [
    ("0005", "plane", MeasurementPlane.AXIAL),  # 0006 adds the plane
    ("0008", "method", MeasurementMethod.MANUAL),  # 0009 adds who placed the line (issue 17)
])
def test_a_revision_that_adds_a_column_keeps_the_lines_of_an_older_database(
        trial: Trial, db_url: str, open_store: list[TrialStore], before: str, field: str, default: object) -> None:
    session = trial.session()
    lesion = session.add_lesion("T01", "TARGET", organ="LUNG")
    session.record_measurement(lesion.uid, trial.timepoints[0].uid, line(40.0))
    trial.store.close()
    with Database.connect(db_url) as db, db.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), before)  # the column goes, the line stays
    reopened = TrialStore.open(db_url)  # opening upgrades the schema
    open_store.append(reopened)
    assert reopened.db.revision() == head_revision()
    reader_uid, password = trial.readers[ReaderRole.CENTRAL_READER_1].uid, PASSWORDS[ReaderRole.CENTRAL_READER_1]
    (measurement,) = reopened.reader_session(reader_uid, SUBJECT, password=password).snapshot().measurements
    assert measurement.line == line(40.0) and getattr(measurement.line, field) is default


def _reopen(trial: Trial, db_url: str, open_store: list[TrialStore]) -> tuple[TrialStore, ReadSnapshot]:
    """The store closed and opened again, and central reader 1's read as a fresh connection gives it."""
    trial.store.close()
    reopened = TrialStore.open(db_url)
    open_store.append(reopened)
    reader = trial.readers[ReaderRole.CENTRAL_READER_1]
    return reopened, reopened.reader_session(reader.uid, SUBJECT,
                                             password=PASSWORDS[ReaderRole.CENTRAL_READER_1]).snapshot()
