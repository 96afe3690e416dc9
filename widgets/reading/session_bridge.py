"""``SessionBridge``: the Qt side of one reader's read (ARCHITECTURE §1.3 step 6, §1.4).

The rules of a read live in the core's :class:`~recist_app.read.ReadService` (labels, caliper →
lines, statuses cleared by measuring, SBRT fields, one command per reader action). The bridge keeps
one service per reader × subject (their undo stacks live there), forwards the panels' and the slice
view's requests to it through the one error boundary (:func:`widgets.error_display.show_errors`,
C13), and relays each published :class:`~recist_app.read.ReadChanged` as the Qt signal
:attr:`SessionBridge.read_changed` (views hold no domain state of their own, C12).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from functools import partial
from typing import Any, TypeVar

from PySide6 import QtCore, QtWidgets

from assessment.irecist_outcome import IrecistOutcome
from assessment.outcome import ReadOutcome
from assessment.read_report import ReadReport
from recist_app.model.caliper import CaliperRecord
from recist_app.model.records import Lesion, LesionRole, ReadSnapshot
from recist_app.read import ReadChanged, ReadService
from recist_app.store import Login, TrialStore

ErrorBoundary = Callable[[str], AbstractContextManager[None]]
T = TypeVar("T")


class SessionBridge(QtCore.QObject):
    """The current read of the logged-in reader, as Qt signals and slots.

    Parameters
    ----------
    store : TrialStore
        The open trial.
    errors : callable, optional
        ``errors(title)`` → context manager showing errors (default: :func:`widgets.error_display.show_errors`
        with ``parent``).
    parent : QObject, optional

    Signals
    -------
    read_changed(ReadChanged)
        After opening a read and after every command (also a failed one: views resynchronise).
    read_closed()
    history_changed(bool can_undo, bool can_redo)
    message(str)
        One line for the status bar ("Undone: record caliper").
    """

    read_changed = QtCore.Signal(object)
    read_closed = QtCore.Signal()
    history_changed = QtCore.Signal(bool, bool)
    message = QtCore.Signal(str)

    def __init__(self, store: TrialStore, errors: ErrorBoundary | None = None,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._errors = errors or _default_errors(parent)
        self._services: dict[tuple[str, str], ReadService] = {}
        self._service: ReadService | None = None
        self._state: ReadChanged | None = None

    # -- the read ------------------------------------------------------------------------------
    def open_read(self, login: Login, subject_id: str) -> bool:
        """Open (creating on first use) the logged-in reader's read of ``subject_id``; True when open."""
        key = (login.reader.uid, subject_id)
        with self._errors(f"Could not open the read of {subject_id}"):
            if key not in self._services:
                service = ReadService(self.store.reader_session(login, subject_id))
                service.subscribe(partial(self._relay, service))
                self._services[key] = service
            self._service = self._services[key]
            self._service.refresh()
            return True
        return False

    def close_read(self) -> None:
        """Forget the current read (another reader logs in): every cached service is dropped."""
        self._services.clear()
        self._service, self._state = None, None
        self.read_closed.emit()
        self.history_changed.emit(False, False)

    @property
    def session(self) -> ReadService | None:
        """The open read's service, or None."""
        return self._service

    @property
    def state(self) -> ReadChanged | None:
        """The last published state of the open read, or None."""
        return self._state

    @property
    def snapshot(self) -> ReadSnapshot | None:
        """The read as its reader may see it (blinded where the trial says), or None."""
        return self._state.snapshot if self._state is not None else None

    @property
    def report(self) -> ReadReport | None:
        """The engine's results of the read, or None."""
        return self._state.report if self._state is not None else None

    @property
    def outcome(self) -> ReadOutcome | None:
        """BOR, confirmed BOR and PFS of the read, or None."""
        return self._state.outcome if self._state is not None else None

    @property
    def irecist_outcome(self) -> IrecistOutcome | None:
        """iBOR, iRECIST progression and iPFS of the read, or None."""
        return self._state.irecist_outcome if self._state is not None else None

    def refresh(self) -> None:
        """Re-read and re-evaluate the read; emit :attr:`read_changed`."""
        self._require().refresh()

    # -- queries ---------------------------------------------------------------------------------
    def lesion(self, lesion_uid: str) -> Lesion:
        """The lesion of the current read with this tracking UID (KeyError if none)."""
        return self._require().lesion(lesion_uid)

    def unsigned_work(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``(subject_id, visits)`` of every read changed in this session with visits left unsigned."""
        work = ((subject_id, service.unsigned_visits()) for (_, subject_id), service in self._services.items())
        return tuple((subject_id, visits) for subject_id, visits in work if visits)

    def is_signed(self, timepoint_uid: str) -> bool:
        """True when the time point is signed in this read (read-only)."""
        return self._state is not None and self._state.is_signed(timepoint_uid)

    def next_label(self, role: LesionRole | str) -> str:
        """The next free label of the role: T01, T02 …, NT01 …, NL01 …"""
        return self._require().next_label(role)

    # -- commands: each is one store command, shown through the error boundary ---------------------------
    def add_lesion(self, role: str, timepoint_uid: str | None = None, *, label: str | None = None,
                   nodal: bool = False, organ: str = "") -> Lesion | None:
        """Add a lesion with the next label; new lesions start at ``timepoint_uid`` (a follow-up)."""
        return self._run(f"Could not add a {LesionRole(role).value.lower()} lesion",
                         lambda s: s.add_lesion(role, timepoint_uid, label=label, nodal=nodal, organ=organ))

    def store_caliper(self, lesion_uid: str, timepoint_uid: str, record: CaliperRecord, fragment: int = 0) -> bool:
        """Store a drawn or edited caliper as the lesion's lines at the time point (replacing them)."""
        return self._did("Could not store the measurement",
                         lambda s: s.record_caliper(lesion_uid, timepoint_uid, record, fragment))

    def measure_new_lesion(self, role: str, timepoint_uid: str, record: CaliperRecord) -> Lesion | None:
        """Add a lesion with the next label and store the caliper as its lines: one undo step."""
        return self._run(f"Could not add a {LesionRole(role).value.lower()} lesion",
                         lambda s: s.measure_new_lesion(role, timepoint_uid, record))

    def delete_caliper(self, lesion_uid: str, timepoint_uid: str, fragment: int = 0) -> None:
        """Delete the lesion's lines (one fragment) at the time point."""
        self._did("Could not delete the measurement", lambda s: s.delete_caliper(lesion_uid, timepoint_uid, fragment))

    def edit_lesion(self, lesion_uid: str, changes: Mapping[str, Any]) -> None:
        """Change label, organ, nodal, role, first time point or previous irradiation."""
        self._did("Could not change the lesion", lambda s: s.edit_lesion(lesion_uid, changes))

    def set_irradiation(self, lesion_uid: str, irradiated: bool, sbrt: Mapping[str, Any] | None = None) -> None:
        """Mark a lesion irradiated on study with its SBRT course (:func:`recist_app.read.sbrt_course`)."""
        self._did("Could not change the irradiation", lambda s: s.set_irradiation(lesion_uid, irradiated, sbrt))

    def set_status(self, lesion_uid: str, timepoint_uid: str, status: str, radiation_induced: bool = False,
                   reason: str = "") -> None:
        """State a lesion's status at a time point (``""``: none, the lines decide)."""
        self._did("Could not set the status",
                  lambda s: s.set_status(lesion_uid, timepoint_uid, status, radiation_induced, reason))

    def delete_lesion(self, lesion_uid: str) -> None:
        """Delete a lesion with its lines and statuses."""
        self._did("Could not delete the lesion", lambda s: s.delete_lesion(lesion_uid))

    @property
    def can_undo(self) -> bool:
        """True when an action of this read can be undone."""
        return self._state is not None and self._state.can_undo

    @property
    def can_redo(self) -> bool:
        """True when an undone action can be redone."""
        return self._state is not None and self._state.can_redo

    def undo(self) -> None:
        """Undo the last reader action."""
        if self._service is not None:
            self._did("Could not undo", lambda s: s.undo())

    def redo(self) -> None:
        """Redo the last undone reader action."""
        if self._service is not None:
            self._did("Could not redo", lambda s: s.redo())

    def choose_series(self, timepoint_uid: str, series_uid: str) -> bool:
        """Read the time point on another of its series (audited); True when chosen."""
        return self._did("Could not choose the series", lambda s: s.choose_series(timepoint_uid, series_uid))

    def sign(self, timepoint_uid: str, password: str, meaning: str) -> bool:
        """Sign the time point with the reader's password; True when signed (it is then read-only)."""
        return self._did("Could not sign the time point", lambda s: s.sign(timepoint_uid, password, meaning))

    def reopen(self, timepoint_uid: str, reason: str) -> bool:
        """Reopen a signed time point with a reason (audited); True when reopened."""
        return self._did("Could not reopen the time point", lambda s: s.reopen(timepoint_uid, reason))

    # -- internals -------------------------------------------------------------------------------
    def _run(self, title: str, command: Callable[[ReadService], T]) -> T | None:
        """Run one command of the read service inside the error boundary; None when it failed."""
        with self._errors(title):
            return command(self._require())
        return None

    def _did(self, title: str, command: Callable[[ReadService], object]) -> bool:
        """Run one command inside the error boundary; True when it succeeded."""
        with self._errors(title):
            command(self._require())
            return True
        return False

    def _relay(self, source: ReadService, event: ReadChanged) -> None:
        """Re-emit the open read's events as Qt signals (a cached service of another read stays quiet)."""
        if source is not self._service:
            return
        self._state = event
        if event.message:
            self.message.emit(event.message)
        self.read_changed.emit(event)
        self.history_changed.emit(event.can_undo, event.can_redo)

    def _require(self) -> ReadService:
        if self._service is None:
            raise RuntimeError("No read is open; call open_read first.")
        return self._service


def _default_errors(parent: QtCore.QObject | None) -> ErrorBoundary:
    def errors(title: str) -> AbstractContextManager[None]:
        from widgets.error_display import show_errors

        widget = parent if isinstance(parent, QtWidgets.QWidget) else None
        return show_errors(title, widget)
    return errors
