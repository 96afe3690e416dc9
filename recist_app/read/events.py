"""What the read service publishes after every command (ARCHITECTURE §1.4 "Events").

One frozen event carries everything a view shows of a read, computed from one read of the
database (:meth:`~recist_app.store.read_session.ReadSession.evaluated`), so views hold no domain
state of their own (C12) and never ask the store again.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessment.irecist_outcome import IrecistOutcome
from assessment.outcome import ReadOutcome
from assessment.read_report import ReadReport
from recist_app.model.records import ReadSnapshot


@dataclass(frozen=True)
class ReadChanged:
    """The read after a command (or after opening it).

    Attributes
    ----------
    snapshot : ReadSnapshot
        The read as its reader may see it (blinded where the trial says).
    report : ReadReport or None
        RECIST 1.1, iRECIST and subset results of the read; None while the read has no time point
        (a subject registered before its images arrive).
    outcome : ReadOutcome or None
        BOR, confirmed BOR and PFS; None while the read has no time point.
    irecist_outcome : IrecistOutcome or None
        iBOR, iRECIST progression and iPFS; None while the read has no time point.
    can_undo, can_redo : bool
        Whether :meth:`ReadService.undo` / :meth:`ReadService.redo` have something to do.
    message : str
        One line on what the command did ("T01: 32.1 × 20.4 mm stored"); empty after a failed
        command or a plain refresh.
    """

    snapshot: ReadSnapshot
    report: ReadReport | None
    outcome: ReadOutcome | None
    irecist_outcome: IrecistOutcome | None
    can_undo: bool
    can_redo: bool
    message: str = ""

    def is_signed(self, timepoint_uid: str) -> bool:
        """True when the time point is signed in this read (read-only)."""
        return any(rt.timepoint_uid == timepoint_uid and rt.signed for rt in self.snapshot.read_timepoints)
