"""Who placed a line is stored and audited (issue 17, "Honesty"; migration 0009: an older database's lines stay
MANUAL, ``test_measurement_plane``)."""

from __future__ import annotations

import dataclasses
import json

from recist_app.model.records import MeasurementMethod, ReaderRole
from recist_app.store import TrialStore
from recist_app.store.audit_verify import verify
from tests.recist_app.store.scenario import PASSWORDS, SUBJECT, Trial, line


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
    trial.store.close()
    reopened = TrialStore.open(db_url)
    open_store.append(reopened)
    snapshot = reopened.reader_session(trial.readers[ReaderRole.CENTRAL_READER_1].uid, SUBJECT,
                                      password=PASSWORDS[ReaderRole.CENTRAL_READER_1]).snapshot()
    methods = {m.timepoint_uid: m.line.method for m in snapshot.measurements}
    assert methods == {trial.timepoints[0].uid: MeasurementMethod.PROPOSED_EDITED,
                       trial.timepoints[1].uid: MeasurementMethod.MANUAL}
    assert verify(reopened.db).ok  # the log replays to the rows, the new column included
