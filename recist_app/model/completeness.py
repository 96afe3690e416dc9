"""What a time point still lacks before it can be signed (issue 12 "Integrity of a read").

A signature says the read of a time point is complete. RECIST 1.1 needs every lesion located
(organ or site, RULES §1.3), every target measured or stated (too small, disappeared, merged,
split, or not assessed with a reason; RULES §1.4) and every non-target given a status (RULES §1.5). The list is
in the reader's words: the lesion label and what to do; signing is refused until it is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessment.domain import LesionRole, Status
from recist_app.model.records import ReadSnapshot

#: Statements that stand for a target's measurement at a time point (RULES §1.4).
TARGET_STATEMENTS = frozenset({Status.TOO_SMALL, Status.DISAPPEARED, Status.MERGED, Status.SPLIT,
                               Status.NOT_ASSESSED})


@dataclass(frozen=True)
class Gap:
    """One thing missing: the lesion's label and what to do, in the reader's words."""

    label: str
    what: str

    def __str__(self) -> str:
        return f"{self.label}: {self.what}"


def gaps_before_signing(snapshot: ReadSnapshot, timepoint_uid: str) -> tuple[Gap, ...]:
    """What the time point lacks, lesion by lesion (label order); empty when it may be signed."""
    order = [tp.uid for tp in snapshot.timepoints]
    here = order.index(timepoint_uid)
    visit = snapshot.timepoints[here].visit
    measured = {m.lesion_uid for m in snapshot.measurements if m.timepoint_uid == timepoint_uid}
    status = {s.lesion_uid: s.status for s in snapshot.states if s.timepoint_uid == timepoint_uid}
    reasons = {s.lesion_uid: s.reason for s in snapshot.states if s.timepoint_uid == timepoint_uid}
    gaps = []
    for lesion in sorted(snapshot.lesions, key=lambda lesion: lesion.label):
        if lesion.first_timepoint_uid in order and order.index(lesion.first_timepoint_uid) > here:
            continue  # found later
        if not lesion.organ.strip():
            gaps.append(Gap(lesion.label, "no organ or site: choose one in the lesion table"))
        if lesion.role is LesionRole.TARGET and lesion.uid not in measured \
                and status.get(lesion.uid) not in TARGET_STATEMENTS:
            gaps.append(Gap(lesion.label, f"not measured at {visit}: measure it, or state why (too small, "
                                          "disappeared, merged or not assessed)"))
        if lesion.role is LesionRole.TARGET and status.get(lesion.uid) is Status.NOT_ASSESSED \
                and not reasons.get(lesion.uid):
            gaps.append(Gap(lesion.label, f"not assessed at {visit} without a reason: give the reason "
                                          "(status menu > Not assessed…)"))
        if lesion.role is LesionRole.NON_TARGET and status.get(lesion.uid) is None:
            gaps.append(Gap(lesion.label, f"no status at {visit}: set present, absent, unequivocal "
                                          "progression or not assessed"))
    return tuple(gaps)


def unsigned_timepoints(snapshot: ReadSnapshot) -> tuple[str, ...]:
    """Visits of the read's time points that hold its work (lesions, measurements, statements) unsigned."""
    signed = {rt.timepoint_uid for rt in snapshot.read_timepoints if rt.signed}
    worked = ({m.timepoint_uid for m in snapshot.measurements} | {s.timepoint_uid for s in snapshot.states}
              | {lesion.first_timepoint_uid for lesion in snapshot.lesions})
    return tuple(tp.visit for tp in snapshot.timepoints if tp.uid in worked - signed)
