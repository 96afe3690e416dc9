"""Issue 5 acceptance (central review): a reader's queries never return another reader's rows — enforced
in the repository, not only hidden in the UI — and blinded visits (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from recist_app.model.records import Lesion, LesionRole, ReaderRole, Status, Timepoint
from recist_app.store import ReadSession
from recist_app.store.errors import NotFoundError
from recist_app.store.repository import Repository, Scope
from recist_app.store.snapshots import BASELINE_LABEL, blinded
from tests.recist_app.store.scenario import (
    SUBJECT,
    Trial,
    apply_full_read,
    line,
    make_trial,
)

R1, R2 = ReaderRole.CENTRAL_READER_1, ReaderRole.CENTRAL_READER_2


@dataclass(frozen=True)
class TwoReads:
    """A blinded trial with both central reads recorded; reader 2 has cached results and a signature."""

    trial: Trial
    one: ReadSession
    two: ReadSession
    mine: dict[str, Lesion]
    theirs: dict[str, Lesion]


@pytest.fixture
def two_reads(db_url: str) -> Iterator[TwoReads]:
    trial = make_trial(db_url, blind_visits=True)
    try:
        one, two = trial.session(R1), trial.session(R2)
        mine, theirs = apply_full_read(one, trial.timepoints), apply_full_read(two, trial.timepoints)
        two.results()  # reader 2 has cached results and signatures too
        two.sign(trial.timepoints[0].uid, "pin-central_reader_2")
        yield TwoReads(trial, one, two, mine, theirs)
    finally:
        trial.store.close()


def test_a_readers_snapshot_holds_none_of_the_other_read(two_reads: TwoReads) -> None:
    snapshot = two_reads.one.snapshot()
    assert {lesion.uid for lesion in snapshot.lesions} == {lesion.uid for lesion in two_reads.mine.values()}
    assert not {lesion.uid for lesion in two_reads.theirs.values()} & {m.lesion_uid for m in snapshot.measurements}
    assert snapshot.read_timepoints == ()  # reader 2's signature is not visible


def test_the_repository_scope_hides_the_other_read_from_a_reader(two_reads: TwoReads) -> None:
    """Enforced in the repository (every query filtered by the reader's scope), not only in the UI."""
    trial, one, theirs = two_reads.trial, two_reads.one, two_reads.theirs
    with trial.store.db.read() as session:
        repo = Repository(session, trial.store.trial_uid, Scope(trial.readers[R1].uid, R1))
        their_read = next(s.read.uid for s in trial.store.reads(SUBJECT) if s.reader_role is R2)
        assert [row.uid for row in repo.reads()] == [one.read_uid]
        assert repo.lesions(their_read) == [] and repo.measurements(their_read) == []
        assert repo.states(their_read) == [] and repo.results(their_read) == []
        assert repo.read_timepoints(their_read) == [] and repo.tasks() == []
        with pytest.raises(NotFoundError, match="not visible to this reader"):
            repo.read(their_read)
        with pytest.raises(NotFoundError):
            repo.lesion(theirs["T01"].uid, their_read)
        with pytest.raises(NotFoundError):
            repo.lesion(theirs["T01"].uid, one.read_uid)  # nor through one's own read


def test_the_adjudicator_scope_sees_both_reads(two_reads: TwoReads) -> None:
    trial = two_reads.trial
    with trial.store.db.read() as session:
        their_read = next(s.read.uid for s in trial.store.reads(SUBJECT) if s.reader_role is R2)
        adjudicator = Repository(session, trial.store.trial_uid,
                                 Scope(trial.readers[ReaderRole.ADJUDICATOR].uid, ReaderRole.ADJUDICATOR))
        assert len(adjudicator.reads()) == 2 and len(adjudicator.lesions(their_read)) == len(two_reads.theirs)


def test_commands_cannot_reach_the_other_read(two_reads: TwoReads) -> None:
    one, two, theirs, timepoints = two_reads.one, two_reads.two, two_reads.theirs, two_reads.trial.timepoints
    their_measurement = next(m for m in two.snapshot().measurements if m.lesion_uid == theirs["T01"].uid)
    with pytest.raises(NotFoundError):
        one.record_measurement(theirs["T01"].uid, timepoints[1].uid, line(5.0), fragment=3)
    with pytest.raises(NotFoundError):
        one.set_status(theirs["NT01"].uid, timepoints[1].uid, Status.ABSENT)
    with pytest.raises(NotFoundError):
        one.edit_lesion(theirs["T02"], organ="HACKED")
    with pytest.raises(NotFoundError):
        one.delete_measurement(their_measurement)
    assert two.snapshot().lesion("T02").organ == "LYMPH NODE"


def test_blinded_visits_for_central_readers_only(db_url: str) -> None:
    trial = make_trial(db_url, blind_visits=True)
    try:
        central = trial.session(R1)
        seen = central.snapshot().timepoints
        assert seen[0].visit == BASELINE_LABEL and seen[0].uid == trial.timepoints[0].uid
        assert sorted(tp.visit for tp in seen[1:]) == ["TP1", "TP2", "TP3"]
        assert all(tp.scan_date is None and tp.blinded for tp in seen)
        assert {tp.uid for tp in seen} == {tp.uid for tp in trial.timepoints}
        assert trial.session(R1).snapshot().timepoints == seen  # reproducible
        site = trial.session(ReaderRole.SITE_RADIOLOGIST).snapshot().timepoints
        assert [tp.scan_date for tp in site] == [tp.scan_date for tp in trial.timepoints]
        central.add_lesion("T01", LesionRole.TARGET)  # the engine still gets the real dates
        assert [tp.date for tp in central.evaluate().recist.timepoints] == [tp.scan_date for tp in trial.timepoints]
    finally:
        trial.store.close()


def _timepoints(count: int) -> tuple[Timepoint, ...]:
    return tuple(Timepoint(f"tp{n:02d}", "s", f"V{n}", date(2024, 1, 1 + n), n == 0) for n in range(count))


def test_blinded_order_is_random_per_seed_reproducible_and_stable() -> None:
    timepoints = _timepoints(6)
    orders = {tuple(tp.uid for tp in blinded(timepoints, f"seed-{n}")) for n in range(20)}
    assert all(order[0] == "tp00" and sorted(order) == sorted(tp.uid for tp in timepoints) for order in orders)
    assert len(orders) > 10  # randomised: 20 seeds give many different orders
    assert blinded(timepoints, "seed-1") == blinded(timepoints, "seed-1")
    before = [tp.uid for tp in blinded(timepoints[:5], "seed-1")]
    after = [tp.uid for tp in blinded(timepoints, "seed-1")]
    assert [uid for uid in after if uid in before] == before  # a new follow-up does not reorder the others
