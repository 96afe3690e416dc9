"""Issue "A worklist": the reader's reads and the adjudicator's tasks, from read-only queries (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from recist_app.model.records import AdjudicationTask, LesionRole, ReaderRole, Timepoint
from recist_app.read.worklist import (
    WorkItem,
    WorkStatus,
    adjudication_worklist,
    next_item,
    reader_worklist,
)
from recist_app.store import ReadSession, TrialStore
from recist_app.store.errors import NotFoundError, PermissionDeniedError
from tests.recist_app.store.scenario import (
    FOR_UID,
    PASSWORDS,
    SERIES_UID,
    SUBJECT,
    VISITS,
    Trial,
    apply_full_read,
    line,
    make_trial,
)

R1, R2, SITE, ADJ, ADMIN = (ReaderRole.CENTRAL_READER_1, ReaderRole.CENTRAL_READER_2, ReaderRole.SITE_RADIOLOGIST,
                            ReaderRole.ADJUDICATOR, ReaderRole.ADMIN)


def attach_images(store: TrialStore, timepoints: tuple[Timepoint, ...]) -> None:
    """A CT series per time point (the worklist counts time points with images); the scenario's lines
    are drawn on ``SERIES_UID``, so every time point links that UID."""
    for n, tp in enumerate(timepoints):
        store.attach_series(tp.uid, study_uid=f"1.2.826.0.1.3680043.8.498.10{n}", series_uid=SERIES_UID,
                            modality="CT",
                            description=f"CT {tp.visit}", frame_of_reference_uid=FOR_UID)


def sign(session: ReadSession, timepoints: tuple[Timepoint, ...], role: ReaderRole) -> None:
    for tp in timepoints:
        session.sign(tp.uid, PASSWORDS[role])


def footprint(store: TrialStore) -> tuple[int, int]:
    """Reads and audit entries: a read-only query changes neither."""
    return len(store.reads()), len(store.audit_entries())


@pytest.fixture
def imaged(trial: Trial) -> Trial:
    attach_images(trial.store, trial.timepoints)
    return trial


@pytest.fixture
def blinded(db_url: str) -> Iterator[Trial]:
    trial = make_trial(db_url, blind_visits=True)
    attach_images(trial.store, trial.timepoints)
    try:
        yield trial
    finally:
        trial.store.close()


def only(trial: Trial, role: ReaderRole) -> WorkItem:
    (item,) = reader_worklist(trial.store, trial.readers[role])
    return item


# -- reader worklist -----------------------------------------------------------------------------------


def test_a_subject_nobody_read_yet_is_not_started_at_baseline(imaged: Trial) -> None:
    item = only(imaged, R1)
    baseline = imaged.timepoints[0]
    assert (item.subject_id, item.site, item.status) == (SUBJECT, "FR01", WorkStatus.NOT_STARTED)
    assert (item.next_timepoint_uid, item.next_visit, item.next_scan_date) == (baseline.uid, "Baseline",
                                                                               date(2024, 1, 5))
    assert item.next_is_baseline and (item.timepoints, item.signed) == (4, 0)
    assert item.read_uid is None and item.due is None
    assert item.last_timepoint_uid == imaged.timepoints[-1].uid


def test_the_due_date_set_by_the_administrator_is_on_every_readers_item(imaged: Trial) -> None:
    subject = imaged.store.set_reads_due(SUBJECT, date(2024, 3, 1), actor="Ada Admin")
    assert subject.reads_due_on == date(2024, 3, 1)
    entry = imaged.store.audit_entries()[-1]
    assert (entry.action, entry.actor_name) == ("set_reads_due", "Ada Admin")
    assert only(imaged, R1).due == only(imaged, ReaderRole.CENTRAL_READER_2).due == date(2024, 3, 1)
    before = len(imaged.store.audit_entries())
    imaged.store.set_reads_due(SUBJECT, date(2024, 3, 1))  # the same date: nothing to audit
    assert len(imaged.store.audit_entries()) == before
    assert imaged.store.set_reads_due(SUBJECT, None).reads_due_on is None and only(imaged, R1).due is None


def test_statuses_follow_the_read_as_it_is_started_and_signed(imaged: Trial) -> None:
    session = imaged.session(R1)
    empty = only(imaged, R1)
    assert (empty.status, empty.read_uid) == (WorkStatus.NOT_STARTED, session.read_uid)  # an empty read
    apply_full_read(session, imaged.timepoints)
    started = only(imaged, R1)
    assert (started.status, started.next_visit, started.signed) == (WorkStatus.IN_PROGRESS, "Baseline", 0)
    sign(session, imaged.timepoints[:1], R1)
    baseline_signed = only(imaged, R1)
    assert (baseline_signed.status, baseline_signed.next_visit, baseline_signed.signed) == (
        WorkStatus.IN_PROGRESS, "Week 8", 1)
    assert not baseline_signed.next_is_baseline and baseline_signed.next_timepoint_uid == imaged.timepoints[1].uid
    sign(session, imaged.timepoints[1:], R1)
    done = only(imaged, R1)
    assert (done.status, done.next_timepoint_uid, done.next_visit, done.signed) == (WorkStatus.SIGNED, None, "", 4)
    assert done.open_timepoint_uid == imaged.timepoints[-1].uid
    assert next_item([done]) is None
    assert only(imaged, R2).status is WorkStatus.NOT_STARTED  # another reader's read is not theirs


def test_only_time_points_with_images_are_to_be_read(trial: Trial) -> None:
    attach_images(trial.store, trial.timepoints[:3])  # the last scan's images have not arrived
    session = trial.session(SITE)
    apply_full_read(session, trial.timepoints)
    sign(session, trial.timepoints[:3], SITE)
    item = only(trial, SITE)
    assert (item.status, item.timepoints, item.signed, item.next_timepoint_uid) == (WorkStatus.SIGNED, 3, 3, None)
    assert item.last_timepoint_uid == trial.timepoints[2].uid


def test_a_subject_without_images_waits(trial: Trial) -> None:
    item = only(trial, R1)
    assert (item.status, item.timepoints, item.next_timepoint_uid, item.open_timepoint_uid) == (
        WorkStatus.NOT_STARTED, 0, None, None)
    assert next_item([item]) is None


def test_the_worklist_creates_no_read_and_writes_nothing(imaged: Trial) -> None:
    imaged.session(SITE)
    before = footprint(imaged.store)
    for role in ReaderRole:
        reader_worklist(imaged.store, imaged.readers[role])
    assert footprint(imaged.store) == before == (1, before[1])


def test_blinded_central_readers_see_their_own_labels_and_no_dates(blinded: Trial) -> None:
    item = only(blinded, R1)
    assert (item.next_visit, item.next_scan_date) == ("Baseline", None)
    session = blinded.session(R1)
    sign(session, blinded.timepoints[:1], R1)  # an empty baseline may be signed
    item = only(blinded, R1)
    seen = {tp.uid: tp.visit for tp in session.snapshot().timepoints}
    assert item.next_timepoint_uid is not None and item.next_visit == "TP1" == seen[item.next_timepoint_uid]
    assert item.next_scan_date is None
    first_follow_up = next(tp for tp in session.snapshot().timepoints if tp.visit == "TP1")
    assert item.next_timepoint_uid == first_follow_up.uid
    site = only(blinded, SITE)  # the site radiologist is never blinded
    assert (site.next_visit, site.next_scan_date) == ("Baseline", date(2024, 1, 5))


def test_blinded_order_is_the_readers_own_before_their_read_exists(blinded: Trial) -> None:
    """The label the worklist gives before the read exists is the one the read will show."""
    before = reader_worklist(blinded.store, blinded.readers[R2])
    session = blinded.session(R2)
    assert reader_worklist(blinded.store, blinded.readers[R2])[0].last_timepoint_uid == before[0].last_timepoint_uid
    assert before[0].last_timepoint_uid == session.snapshot().timepoints[-1].uid


def test_roles_without_reads_have_no_worklist_and_a_taken_central_read_is_not_offered(imaged: Trial) -> None:
    assert reader_worklist(imaged.store, imaged.readers[ADJ]) == ()
    assert reader_worklist(imaged.store, imaged.readers[ADMIN]) == ()
    imaged.session(R1)
    other = imaged.store.add_reader("Another reader 1", R1, "pin-another")
    assert reader_worklist(imaged.store, other) == ()
    stranger = type(other)("not-a-reader", "Nobody", R1)
    with pytest.raises(NotFoundError, match="No reader 'not-a-reader'"):
        reader_worklist(imaged.store, stranger)


def _item(subject_id: str, status: WorkStatus, nxt: str | None = "tp") -> WorkItem:
    return WorkItem(subject_id, "FR01", status, nxt, "WEEK 8" if nxt else "", None, False, 2, 0, "tp", None)


def test_next_item_prefers_a_read_in_progress_then_the_first_not_started() -> None:
    items = [_item("S-1", WorkStatus.SIGNED, None), _item("S-2", WorkStatus.NOT_STARTED, None),
             _item("S-3", WorkStatus.NOT_STARTED), _item("S-4", WorkStatus.IN_PROGRESS)]
    assert next_item(items) == items[3]
    assert next_item(items[:3]) == items[2]
    assert next_item(items[:2]) is None
    assert next_item([]) is None


# -- adjudication ------------------------------------------------------------------------------------------


def stable_read(session: ReadSession, timepoints: tuple[Timepoint, ...], *, shrink: bool = True) -> None:
    """The full read without the new lesion N01; with ``shrink``, T01 barely shrinks (SD, never PR)."""
    lesions = apply_full_read(session, timepoints)
    session.delete_lesion(session.snapshot().lesion("N01"))
    if shrink:
        for tp in timepoints[1:3]:
            measurement = next(m for m in session.snapshot().measurements
                               if m.lesion_uid == lesions["T01"].uid and m.timepoint_uid == tp.uid)
            session.edit_measurement(measurement, line(38.0))


def disagree(trial: Trial, subject_id: str = SUBJECT, timepoints: tuple[Timepoint, ...] | None = None,
             *, shrink: bool = True) -> AdjudicationTask:
    """Both central reads signed, reader 2 without the new lesion: the task it opens."""
    timepoints = timepoints or trial.timepoints
    one = trial.store.reader_session(trial.readers[R1].uid, subject_id, password=PASSWORDS[R1])
    two = trial.store.reader_session(trial.readers[R2].uid, subject_id, password=PASSWORDS[R2])
    apply_full_read(one, timepoints)
    stable_read(two, timepoints, shrink=shrink)
    created: list[AdjudicationTask] = []
    two.on_adjudication = created.append
    sign(one, timepoints, R1)
    sign(two, timepoints, R2)
    (task,) = created
    return task


def test_both_reads_side_by_side_part_where_the_categories_first_differ(trial: Trial) -> None:
    task = disagree(trial)
    before = footprint(trial.store)
    (item,) = adjudication_worklist(trial.store, trial.readers[ADJ])
    assert footprint(trial.store) == before
    assert (item.task, item.subject_id, item.state, item.is_open, item.accepted_side) == (
        task, SUBJECT, "open", True, None)
    comparison = item.comparison
    assert comparison.disagreement == task.disagreement
    one, two = comparison.sides
    assert (one.reader_role, two.reader_role) == (R1, R2)
    assert (one.read_uid, two.read_uid) == task.read_uids
    assert [lesion.label for lesion in one.lesions] == ["N01", "NT01", "T01", "T02", "T03"]
    assert [lesion.label for lesion in two.lesions] == ["NT01", "T01", "T02", "T03"]
    assert (two.lesions[2].role, two.lesions[2].organ, two.lesions[2].nodal) == (LesionRole.TARGET, "LYMPH NODE",
                                                                                True)
    assert [v.visit for v in one.timepoints] == [visit for visit, _ in VISITS]
    assert [(v.category, str(v.sum_mm)) for v in one.timepoints[1:]] == [("PR", "63.0"), ("PR", "58.0"),
                                                                         ("PD", "65.0")]
    assert [(v.category, str(v.sum_mm)) for v in two.timepoints[1:]] == [("SD", "73.0"), ("SD", "70.0"),
                                                                         ("SD", "65.0")]
    assert one.timepoints[0].is_baseline and (one.timepoints[0].category, str(one.timepoints[0].sum_mm)) == (
        "", "90.0")
    assert (comparison.parting_visit, comparison.parting_timepoint_uid) == ("Week 8", trial.timepoints[1].uid)
    assert (one.best_response, two.best_response) == ("PR", "SD")
    assert (one.pd_visit, two.pd_visit) == ("Week 24", None)
    assert one.verdict(trial.timepoints[3].uid).category == "PD"
    with pytest.raises(KeyError):
        one.verdict("no-such-time-point")


def test_reads_that_part_only_on_progression_part_there(trial: Trial) -> None:
    disagree(trial, shrink=False)  # the same sums: only reader 1's new lesion at Week 24 makes PD
    (item,) = adjudication_worklist(trial.store, trial.readers[ADJ])
    one, two = item.comparison.sides
    assert item.comparison.parting_visit == "Week 24"
    assert (one.verdict(trial.timepoints[3].uid).category, two.verdict(trial.timepoints[3].uid).category) == (
        "PD", "SD")
    assert "date of progression: 2024-06-21 vs none" in item.comparison.disagreement


def test_a_blinded_adjudicator_sees_the_parting_visit_by_its_blinded_label(blinded: Trial) -> None:
    task = disagree(blinded, shrink=False)
    (item,) = adjudication_worklist(blinded.store, blinded.readers[ADJ])
    adjudicator = blinded.store.adjudicator_session(blinded.readers[ADJ].uid)
    seen = {tp.uid: tp.visit for tp in adjudicator.snapshots(task.uid)[0].timepoints}
    week_24 = blinded.timepoints[3].uid
    assert item.comparison.parting_timepoint_uid == week_24
    assert item.comparison.parting_visit == seen[week_24] and seen[week_24].startswith("TP")
    one, two = item.comparison.sides
    assert [v.visit for v in one.timepoints] == [v.visit for v in two.timepoints] == list(seen.values())
    assert one.pd_visit == seen[week_24]


def test_open_tasks_come_first_and_a_resolved_task_names_the_accepted_read(trial: Trial) -> None:
    first = disagree(trial)
    trial.store.add_subject("S-002", "FR01", randomised_on=date(2024, 1, 2))
    second_tps = tuple(trial.store.add_timepoint("S-002", visit, day) for visit, day in VISITS)
    second = disagree(trial, "S-002", second_tps)
    adjudicator = trial.store.adjudicator_session(trial.readers[ADJ].uid)
    adjudicator.resolve(first.uid, first.read_uids[1], "no new lesion", PASSWORDS[ADJ])
    items = adjudication_worklist(trial.store, trial.readers[ADJ])
    assert [(i.task.uid, i.subject_id, i.state) for i in items] == [(second.uid, "S-002", "open"),
                                                                     (first.uid, SUBJECT, "resolved")]
    assert items[1].accepted_side == 1 and items[0].accepted_side is None


def test_only_the_adjudicator_has_an_adjudication_worklist(trial: Trial) -> None:
    with pytest.raises(PermissionDeniedError, match="may not adjudicate"):
        adjudication_worklist(trial.store, trial.readers[R1])
    assert adjudication_worklist(trial.store, trial.readers[ADJ]) == ()
