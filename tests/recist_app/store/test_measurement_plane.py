"""A line measured on a reformat is stored with its plane (migration 0006; VIEWER.md "Reformats"); the revisions
that add a column of the lines (0006 the plane, 0009 the method) keep an older database's lines."""

from __future__ import annotations

import dataclasses
import json

import pytest
from alembic import command

from recist_app.model.records import MeasurementMethod, MeasurementPlane, ReaderRole
from recist_app.store import TrialStore
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
    trial.store.close()
    reopened = TrialStore.open(db_url)
    open_store.append(reopened)
    snapshot = reopened.reader_session(trial.readers[ReaderRole.CENTRAL_READER_1].uid, SUBJECT,
                                      password=PASSWORDS[ReaderRole.CENTRAL_READER_1]).snapshot()
    planes = {m.timepoint_uid: m.line.plane for m in snapshot.measurements}
    assert planes == {trial.timepoints[0].uid: MeasurementPlane.SAGITTAL,
                      trial.timepoints[1].uid: MeasurementPlane.AXIAL}
    assert next(m.line for m in snapshot.measurements if m.line.plane.is_reformat) == sagittal


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
