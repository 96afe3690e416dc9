"""``SessionBridge``: the Qt side of one reader's read (ARCHITECTURE §1.3 step 6, §1.4).

The bridge owns the :class:`~recist_app.store.ReadSession` of the subject being read and turns
the panels' and the slice view's signals into its commands: lesions, caliper lines
(:mod:`widgets.reading.calipers`: a caliper becomes ``LineMeasurement.from_points`` lines, long axis,
plus the short axis for bidirectional calipers; a node's length caliper is its short axis),
statuses, irradiation, undo/redo, signature and reopening. ReadSession writes each command in one
transaction with its audit row. After every command the read is re-read and re-evaluated and
:attr:`SessionBridge.read_changed` carries ``(snapshot, report, outcome)`` to every view (they
hold no domain state of their own, C12); :attr:`SessionBridge.irecist_outcome` (iBOR) is set with it. Errors go through the main window's one error boundary
(:func:`widgets.main_window.show_errors`, C13).

Undo works on what the reader did, not on store commands: a bidirectional caliper is two lines
(two commands), undone and redone together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6 import QtCore, QtWidgets

from assessment.irecist_outcome import IrecistOutcome
from assessment.outcome import ReadOutcome
from assessment.read_report import ReadReport
from recist_app.evaluation import engine
from recist_app.model.caliper import CaliperRecord
from recist_app.model.records import Lesion, LesionRole, Reader, ReadSnapshot, Status
from recist_app.store import ReadSession, TrialStore
from recist_app.store.errors import InvalidRecordError
from widgets.reading import calipers as read_calipers

#: Label prefix of each lesion role (T01, NT01, NL01 as in the demo and SDTM TULNKID).
LABEL_PREFIX = {LesionRole.TARGET: "T", LesionRole.NON_TARGET: "NT", LesionRole.NEW: "NL",
                LesionRole.NEW_TARGET: "NL", LesionRole.NEW_NON_TARGET: "NL"}
#: Statuses a new measurement replaces (the reader measured the lesion after all).
CLEARED_BY_MEASURING = frozenset({Status.TOO_SMALL, Status.DISAPPEARED, Status.NOT_ASSESSED, Status.ABSENT})

ErrorBoundary = Callable[[str], AbstractContextManager[None]]


@dataclass
class _History:
    """Undo/redo of one read in reader actions: how many store commands each action made."""

    undo: list[int] = field(default_factory=list)
    redo: list[int] = field(default_factory=list)


class SessionBridge(QtCore.QObject):
    """The current read of the logged-in reader, as Qt signals and slots.

    Parameters
    ----------
    store : TrialStore
        The open trial.
    errors : callable, optional
        ``errors(title)`` → context manager showing store errors (default: ``show_errors`` of the
        main window with ``parent``).
    parent : QObject, optional

    Signals
    -------
    read_changed(ReadSnapshot, ReadReport, ReadOutcome or None)
        After opening a read and after every command (also a failed one: views resynchronise).
    read_closed()
    history_changed(bool can_undo, bool can_redo)
    message(str)
        One line for the status bar ("Undone: record measurement").
    """

    read_changed = QtCore.Signal(object, object, object)
    read_closed = QtCore.Signal()
    history_changed = QtCore.Signal(bool, bool)
    message = QtCore.Signal(str)

    def __init__(self, store: TrialStore, errors: ErrorBoundary | None = None,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._errors = errors or _default_errors(parent)
        self._sessions: dict[tuple[str, str], ReadSession] = {}
        self._histories: dict[str, _History] = {}
        self._session: ReadSession | None = None
        self._snapshot: ReadSnapshot | None = None
        self._report: ReadReport | None = None
        self._outcome: ReadOutcome | None = None
        self._irecist_outcome: IrecistOutcome | None = None

    # -- the read ------------------------------------------------------------------------------
    def open_read(self, reader: Reader, subject_id: str) -> bool:
        """Open (creating on first use) ``reader``'s read of ``subject_id``; True when open."""
        key = (reader.uid, subject_id)
        with self._errors(f"Could not open the read of {subject_id}"):
            if key not in self._sessions:
                self._sessions[key] = self.store.reader_session(reader.uid, subject_id)
            self._session = self._sessions[key]
            self._histories.setdefault(self._session.read_uid, _History())
            self.refresh()
            return True
        return False

    def close_read(self) -> None:
        """Forget the current read (another reader logs in): every cached session is dropped."""
        self._sessions.clear()
        self._histories.clear()
        self._session, self._snapshot, self._report, self._outcome = None, None, None, None
        self._irecist_outcome = None
        self.read_closed.emit()
        self.history_changed.emit(False, False)

    @property
    def session(self) -> ReadSession | None:
        """The open read's session, or None."""
        return self._session

    @property
    def snapshot(self) -> ReadSnapshot | None:
        """The read as its reader may see it (blinded where the trial says), or None."""
        return self._snapshot

    @property
    def report(self) -> ReadReport | None:
        """The engine's results of the read, or None."""
        return self._report

    @property
    def outcome(self) -> ReadOutcome | None:
        """BOR, confirmed BOR and PFS of the read, or None."""
        return self._outcome

    @property
    def irecist_outcome(self) -> IrecistOutcome | None:
        """iBOR, iRECIST progression and iPFS of the read, or None (set before :attr:`read_changed`)."""
        return self._irecist_outcome

    def refresh(self) -> None:
        """Re-read and re-evaluate the read; emit :attr:`read_changed`."""
        session = self._require()
        self._snapshot = session.snapshot()
        self._report = session.evaluate()
        has_timepoints = bool(self._report.recist.timepoints)
        self._outcome = engine.outcome(self._snapshot, self._report) if has_timepoints else None
        self._irecist_outcome = engine.irecist_outcome(self._snapshot, self._report) if has_timepoints else None
        self.read_changed.emit(self._snapshot, self._report, self._outcome)
        self.history_changed.emit(self.can_undo, self.can_redo)

    # -- queries ---------------------------------------------------------------------------------
    def lesion(self, lesion_uid: str) -> Lesion:
        """The lesion of the current read with this tracking UID (KeyError if none)."""
        return self._require_snapshot().lesion(lesion_uid)

    def is_signed(self, timepoint_uid: str) -> bool:
        """True when the time point is signed in this read (read-only)."""
        snapshot = self._snapshot
        return snapshot is not None and any(rt.timepoint_uid == timepoint_uid and rt.signed
                                            for rt in snapshot.read_timepoints)

    def next_label(self, role: LesionRole | str) -> str:
        """The next free label of the role: T01, T02 …, NT01 …, NL01 …"""
        prefix = LABEL_PREFIX[LesionRole(role)]
        used = {lesion.label for lesion in self._require_snapshot().lesions}
        numbers = [int(label[len(prefix):]) for label in used
                   if label.startswith(prefix) and label[len(prefix):].isdigit()]
        number = max(numbers, default=0) + 1
        while f"{prefix}{number:02d}" in used:
            number += 1
        return f"{prefix}{number:02d}"

    # -- commands ----------------------------------------------------------------------------------
    def add_lesion(self, role: str, timepoint_uid: str | None = None, *, label: str | None = None,
                   nodal: bool = False, organ: str = "") -> Lesion | None:
        """Add a lesion with the next label; new lesions start at ``timepoint_uid`` (a follow-up)."""
        lesion_role = LesionRole(role)
        with self._command(f"Could not add a {lesion_role.value.lower()} lesion") as session:
            first = timepoint_uid if lesion_role.is_new else None
            lesion = session.add_lesion(label or self.next_label(lesion_role), lesion_role, organ=organ,
                                        nodal=nodal, first_timepoint_uid=first)
            self.message.emit(f"Added {lesion.label} ({lesion.role.value.lower()})")
            return lesion
        return None

    def store_caliper(self, lesion_uid: str, timepoint_uid: str, record: CaliperRecord, fragment: int = 0) -> bool:
        """Store a drawn or edited caliper as the lesion's lines at the time point (replacing them)."""
        with self._command("Could not store the measurement") as session:
            lesion = self.lesion(lesion_uid)
            lines = read_calipers.lines_from_record(record, lesion.nodal)
            snapshot = self._require_snapshot()
            old_lines = read_calipers.lesion_lines(snapshot, lesion_uid, timepoint_uid, fragment)
            existing = {m.line.axis: m for m in old_lines}
            for line in lines:
                old = existing.pop(line.axis, None)
                if old is None:
                    session.record_measurement(lesion_uid, timepoint_uid, line, fragment)
                else:
                    session.edit_measurement(old, line)
            for stale in existing.values():
                session.delete_measurement(stale)
            state = next((s for s in snapshot.states if (s.lesion_uid, s.timepoint_uid) == (lesion_uid, timepoint_uid)),
                         None)
            if state is not None and state.status in CLEARED_BY_MEASURING:
                session.set_status(lesion_uid, timepoint_uid, None, radiation_induced=state.radiation_induced,
                                   replacing=state)
            diameters = " × ".join(f"{line.length_mm:.1f}" for line in lines)
            self.message.emit(f"{lesion.label}: {diameters} mm stored")
            return True
        return False

    def measure_new_lesion(self, role: str, timepoint_uid: str, record: CaliperRecord) -> Lesion | None:
        """Add a lesion with the next label and store the caliper as its lines: one undo step."""
        lesion_role = LesionRole(role)
        with self._command(f"Could not add a {lesion_role.value.lower()} lesion") as session:
            lines = read_calipers.lines_from_record(record, nodal=False)
            first = timepoint_uid if lesion_role.is_new else None
            lesion = session.add_lesion(self.next_label(lesion_role), lesion_role, first_timepoint_uid=first)
            for line in lines:
                session.record_measurement(lesion.uid, timepoint_uid, line)
            diameters = " × ".join(f"{line.length_mm:.1f}" for line in lines)
            self.message.emit(f"New {lesion_role.value.lower()} {lesion.label}: {diameters} mm stored")
            return lesion
        return None

    def delete_caliper(self, lesion_uid: str, timepoint_uid: str, fragment: int = 0) -> None:
        """Delete the lesion's lines (one fragment) at the time point."""
        with self._command("Could not delete the measurement") as session:
            for measurement in read_calipers.lesion_lines(self._require_snapshot(), lesion_uid, timepoint_uid,
                                                          fragment):
                session.delete_measurement(measurement)

    def edit_lesion(self, lesion_uid: str, changes: dict[str, Any]) -> None:
        """Change label, organ, nodal, role, first time point or previous irradiation."""
        with self._command("Could not change the lesion") as session:
            lesion = self.lesion(lesion_uid)
            if any(getattr(lesion, name, object()) != value for name, value in changes.items()):
                session.edit_lesion(lesion, **changes)

    def set_irradiation(self, lesion_uid: str, irradiated: bool, sbrt: dict[str, Any] | None = None) -> None:
        """Mark a lesion irradiated on study with its SBRT course (``sbrt_start``, ``sbrt_end``,
        ``dose_gy``, ``fractions``; dates as ``date`` or ISO text), or clear the mark."""
        with self._command("Could not change the irradiation") as session:
            course = _sbrt(sbrt or {})
            session.flag_irradiated(self.lesion(lesion_uid), irradiated, **course)

    def set_status(self, lesion_uid: str, timepoint_uid: str, status: str, radiation_induced: bool = False) -> None:
        """State a lesion's status at a time point (``""``: none, the lines decide)."""
        with self._command("Could not set the status") as session:
            replacing = next((s for s in self._require_snapshot().states
                              if (s.lesion_uid, s.timepoint_uid) == (lesion_uid, timepoint_uid)), None)
            session.set_status(lesion_uid, timepoint_uid, status or None, radiation_induced=radiation_induced,
                               replacing=replacing)

    def delete_lesion(self, lesion_uid: str) -> None:
        """Delete a lesion with its lines and statuses."""
        with self._command("Could not delete the lesion") as session:
            lesion = self.lesion(lesion_uid)
            session.delete_lesion(lesion)
            self.message.emit(f"Deleted {lesion.label}")

    # -- undo / redo ---------------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        """True when an action of this read can be undone."""
        return self._session is not None and bool(self._history().undo)

    @property
    def can_redo(self) -> bool:
        """True when an undone action can be redone."""
        return self._session is not None and bool(self._history().redo)

    def undo(self) -> None:
        """Undo the last action (all its store commands)."""
        self._replay(undo=True)

    def redo(self) -> None:
        """Redo the last undone action."""
        self._replay(undo=False)

    def _replay(self, undo: bool) -> None:
        if self._session is None:
            return
        session, history = self._session, self._history()
        source, target = (history.undo, history.redo) if undo else (history.redo, history.undo)
        if not source:
            return
        count, done, names = source.pop(), 0, []
        try:
            with self._errors("Could not undo" if undo else "Could not redo"):
                for _ in range(count):
                    name = session.undo() if undo else session.redo()
                    if name is None:
                        break
                    done += 1
                    names.append(name.replace("_", " "))
        finally:
            if done:
                target.append(done)
            if done < count and (session.can_undo if undo else session.can_redo):
                source.append(count - done)
            if names:
                self.message.emit(f"{'Undone' if undo else 'Redone'}: {', '.join(dict.fromkeys(names))}")
            self.refresh()

    # -- sign-off ---------------------------------------------------------------------------------
    def sign(self, timepoint_uid: str, password: str, meaning: str) -> bool:
        """Sign the time point with the reader's password; True when signed (it is then read-only)."""
        with self._command("Could not sign the time point") as session:
            session.sign(timepoint_uid, password, meaning)
            self.message.emit(f"Signed {self._visit(timepoint_uid)}")
            return True
        return False

    def reopen(self, timepoint_uid: str, reason: str) -> bool:
        """Reopen a signed time point with a reason (audited); True when reopened."""
        with self._command("Could not reopen the time point") as session:
            session.reopen(timepoint_uid, reason)
            self.message.emit(f"Reopened {self._visit(timepoint_uid)}: {reason.strip()}")
            return True
        return False

    # -- internals -------------------------------------------------------------------------------
    def _require(self) -> ReadSession:
        if self._session is None:
            raise RuntimeError("No read is open; call open_read first.")
        return self._session

    def _require_snapshot(self) -> ReadSnapshot:
        if self._snapshot is None:
            raise RuntimeError("No read is open; call open_read first.")
        return self._snapshot

    def _history(self) -> _History:
        return self._histories.setdefault(self._require().read_uid, _History())

    def _visit(self, timepoint_uid: str) -> str:
        try:
            return self._require_snapshot().timepoint(timepoint_uid).visit
        except KeyError:
            return timepoint_uid

    @contextmanager
    def _command(self, title: str) -> Iterator[ReadSession]:
        """One reader action: its store commands form one undo step; refresh afterwards, even on error."""
        session = self._require()
        before = session.undo_depth
        try:
            with self._errors(title):
                yield session
        finally:
            pushed = session.undo_depth - before
            if pushed > 0:
                history = self._history()
                history.undo.append(pushed)
                history.redo.clear()
            self.refresh()


def _sbrt(values: dict[str, Any]) -> dict[str, Any]:
    """``flag_irradiated`` keywords from the lesion panel's SBRT dict (a few spellings accepted)."""
    def pick(*names: str) -> Any:
        return next((values[n] for n in names if values.get(n) not in (None, "")), None)

    def day(value: Any) -> date | None:
        try:
            return date.fromisoformat(value) if isinstance(value, str) else value
        except ValueError:
            raise InvalidRecordError("sbrt date", value, "a date as YYYY-MM-DD") from None

    dose, fractions = pick("dose_gy", "sbrt_dose_gy", "dose"), pick("fractions", "sbrt_fractions")
    return {"sbrt_start": day(pick("sbrt_start", "start")), "sbrt_end": day(pick("sbrt_end", "end")),
            "dose_gy": float(dose) if dose is not None else None,
            "fractions": int(fractions) if fractions is not None else None}


def _default_errors(parent: QtCore.QObject | None) -> ErrorBoundary:
    def errors(title: str) -> AbstractContextManager[None]:
        from widgets.main_window import show_errors

        widget = parent if isinstance(parent, QtWidgets.QWidget) else None
        return show_errors(title, widget)
    return errors
