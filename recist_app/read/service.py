"""``ReadService``: one reader's read of one subject, with the rules of reading (ARCHITECTURE §1.3–1.4).

Qt-free, so the workstation, the command line, a PACS import or a test drive a read the same way.
The service owns what a read means beyond storing rows:

- lesion labels (:func:`recist_app.model.labels.next_label`: T01, NT01, NL01 …);
- caliper → lines (:func:`recist_app.model.caliper.lines_from_record`: long axis, plus the short
  axis of a bidirectional caliper; a node's length caliper is its short axis, RECIST 1.1 §4.2)
  and the statements a measurement clears;
- the SBRT course fields of an irradiated lesion (:func:`sbrt_course`);
- undo grouping: every reader action is ONE store command, so one transaction and one undo entry
  (a bidirectional caliper is never stored half).

After every command, failed ones included (views then resynchronise), the service reads the read
once (:meth:`ReadSession.evaluated`) and publishes one :class:`~recist_app.read.events.ReadChanged`
to its subscribers. Errors of a command propagate to the caller after that publication.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

from recist_app.evaluation import engine
from recist_app.imaging.errors import UncalibratedImageError
from recist_app.model import completeness
from recist_app.model.caliper import CaliperRecord, lines_from_record
from recist_app.model.errors import InvalidRecordError
from recist_app.model.labels import next_label
from recist_app.model.records import Lesion, LesionRole, LineMeasurement, ReadSnapshot
from recist_app.read.events import ReadChanged
from recist_app.store.errors import RefusedInputError
from recist_app.store.read_session import ReadSession

Subscriber = Callable[[ReadChanged], None]


class ReadService:
    """The commands and the published state of one read.

    Parameters
    ----------
    session : ReadSession
        The store's session of the read (``TrialStore.reader_session``); keep one service per
        session while the reader works, since the undo stack lives in it.

    Examples
    --------
    >>> service = ReadService(store.reader_session(store.log_in("Dr A", password), "S-001"))  # doctest: +SKIP
    >>> unsubscribe = service.subscribe(print)                              # doctest: +SKIP
    >>> service.measure_new_lesion("TARGET", baseline_uid, caliper)        # doctest: +SKIP
    """

    def __init__(self, session: ReadSession) -> None:
        self.session = session
        self._subscribers: list[Subscriber] = []
        self._state: ReadChanged | None = None

    # -- state and events ---------------------------------------------------------------------------
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` after every command; returns the function that unsubscribes."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    @property
    def state(self) -> ReadChanged:
        """The last published state (the read is read on first use)."""
        return self._state if self._state is not None else self.refresh()

    @property
    def snapshot(self) -> ReadSnapshot:
        """The read as its reader may see it."""
        return self.state.snapshot

    def refresh(self, message: str = "") -> ReadChanged:
        """Read and evaluate the read once and publish it."""
        snapshot, report = self.session.evaluated()
        self._state = ReadChanged(
            snapshot=snapshot, report=report,
            outcome=engine.outcome(snapshot, report) if report is not None else None,
            irecist_outcome=engine.irecist_outcome(snapshot, report) if report is not None else None,
            can_undo=self.session.can_undo, can_redo=self.session.can_redo, message=message)
        for callback in tuple(self._subscribers):
            callback(self._state)
        return self._state

    # -- queries ---------------------------------------------------------------------------------
    def lesion(self, lesion_uid: str) -> Lesion:
        """The lesion with this tracking UID (or label); KeyError when there is none."""
        return self.snapshot.lesion(lesion_uid)

    def is_signed(self, timepoint_uid: str) -> bool:
        """True when the time point is signed in this read (read-only)."""
        return self.state.is_signed(timepoint_uid)

    def unsigned_visits(self) -> tuple[str, ...]:
        """Visits changed since the read was opened or last signed that are not signed (none: nothing to ask)."""
        return completeness.unsigned_timepoints(self.snapshot) if self.session.can_undo else ()

    def next_label(self, role: LesionRole | str) -> str:
        """The next free label of the role: T01, T02 …, NT01 …, NL01 …"""
        return next_label((lesion.label for lesion in self.snapshot.lesions), role)

    # -- commands ----------------------------------------------------------------------------------
    def add_lesion(self, role: LesionRole | str, timepoint_uid: str | None = None, *, label: str | None = None,
                   nodal: bool = False, organ: str = "") -> Lesion:
        """Add a lesion with the next label of its role; a new lesion starts at ``timepoint_uid``."""
        lesion_role = LesionRole(role)
        with self._command() as done:
            lesion = self.session.add_lesion(
                label or self.next_label(lesion_role), lesion_role, organ=organ, nodal=nodal,
                first_timepoint_uid=timepoint_uid if lesion_role.is_new else None)
            done(f"Added {lesion.label} ({lesion.role.value.lower()})")
        return lesion

    def record_caliper(self, lesion_uid: str, timepoint_uid: str, record: CaliperRecord, fragment: int = 0) -> None:
        """Store a drawn or edited caliper as the lesion's lines at the time point (replacing them)."""
        with self._command() as done:
            lesion = self.lesion(lesion_uid)
            lines = self._lines(record, lesion.nodal, timepoint_uid)
            self.session.record_caliper(lesion_uid, timepoint_uid, lines, fragment)
            done(f"{lesion.label}: {_diameters(lines)} stored")

    def measure_new_lesion(self, role: LesionRole | str, timepoint_uid: str, record: CaliperRecord) -> Lesion:
        """Add a lesion with the next label and its caliper in one command (one undo step)."""
        lesion_role = LesionRole(role)
        with self._command() as done:
            lines = self._lines(record, False, timepoint_uid)
            lesion = self.session.add_measured_lesion(self.next_label(lesion_role), lesion_role, timepoint_uid,
                                                      lines)
            done(f"New {lesion_role.value.lower()} {lesion.label}: {_diameters(lines)} stored")
        return lesion

    def delete_caliper(self, lesion_uid: str, timepoint_uid: str, fragment: int = 0) -> None:
        """Delete the lesion's lines (one fragment) at the time point."""
        with self._command() as done:
            self.session.delete_caliper(lesion_uid, timepoint_uid, fragment)
            done(f"Deleted the caliper of {self.lesion(lesion_uid).label}")

    def edit_lesion(self, lesion_uid: str, changes: Mapping[str, Any]) -> None:
        """Change label, organ, nodal, role, first time point or previous irradiation (no-op if unchanged)."""
        with self._command():
            lesion = self.lesion(lesion_uid)
            if any(getattr(lesion, name, object()) != value for name, value in changes.items()):
                self.session.edit_lesion(lesion, **changes)

    def set_irradiation(self, lesion_uid: str, irradiated: bool, sbrt: Mapping[str, Any] | None = None) -> None:
        """Mark a lesion irradiated on study with its SBRT course (see :func:`sbrt_course`), or clear it."""
        with self._command():
            self.session.flag_irradiated(self.lesion(lesion_uid), irradiated, **sbrt_course(sbrt or {}))

    def set_status(self, lesion_uid: str, timepoint_uid: str, status: str | None,
                   radiation_induced: bool = False, reason: str = "") -> None:
        """State a lesion's status at a time point (``""`` or None: none, the lines decide; ``reason``: why
        it was not assessed)."""
        with self._command():
            replacing = next((s for s in self.snapshot.states
                              if (s.lesion_uid, s.timepoint_uid) == (lesion_uid, timepoint_uid)), None)
            self.session.set_status(lesion_uid, timepoint_uid, status or None, radiation_induced=radiation_induced,
                                    replacing=replacing, reason=reason)

    def delete_lesion(self, lesion_uid: str) -> None:
        """Delete a lesion with its lines and statuses."""
        with self._command() as done:
            lesion = self.lesion(lesion_uid)
            self.session.delete_lesion(lesion)
            done(f"Deleted {lesion.label}")

    def choose_series(self, timepoint_uid: str, series_uid: str) -> None:
        """Measure on another linked series at this time point (one audited, undoable command)."""
        with self._command() as done:
            self.session.choose_series(timepoint_uid, series_uid)
            tp = self.snapshot.timepoint(timepoint_uid)
            link = next((s for s in tp.series if s.series_uid == series_uid), None)
            done(f"{tp.visit}: reading on {link.label if link else 'the chosen series'}")

    def undo(self) -> str | None:
        """Undo the last reader action; its name, or None when there was nothing to undo."""
        with self._command() as done:
            name = self.session.undo()
            done(f"Undone: {action_words(name)}" if name else "")
        return name

    def redo(self) -> str | None:
        """Redo the last undone reader action; its name, or None."""
        with self._command() as done:
            name = self.session.redo()
            done(f"Redone: {action_words(name)}" if name else "")
        return name

    def sign(self, timepoint_uid: str, password: str, meaning: str) -> None:
        """Sign the time point with the reader's password; it is then read-only (audited)."""
        with self._command() as done:
            self.session.sign(timepoint_uid, password, meaning)
            done(f"Signed {self._visit(timepoint_uid)}")

    def reopen(self, timepoint_uid: str, reason: str) -> None:
        """Reopen a signed time point with a reason (audited)."""
        with self._command() as done:
            self.session.reopen(timepoint_uid, reason)
            done(f"Reopened {self._visit(timepoint_uid)}: {reason.strip()}")

    # -- internals -------------------------------------------------------------------------------
    @contextmanager
    def _command(self) -> Iterator[Callable[[str], None]]:
        """Run one reader action, then publish the read (also after a failure, so views resynchronise)."""
        message = [""]
        try:
            yield lambda text: message.__setitem__(0, text)
        finally:
            self.refresh(message[0])

    def _lines(self, record: CaliperRecord, nodal: bool, timepoint_uid: str) -> tuple[LineMeasurement, ...]:
        """:func:`lines_from_record`, its refusals naming the series and visit instead of the series' UID."""
        try:
            return lines_from_record(record, nodal)
        except UncalibratedImageError as exc:
            raise UncalibratedImageError(f"The caliper on {self._series_words(timepoint_uid, record.series_uid)} was "
                                         "drawn on an image without Pixel Spacing (0028,0030), so it has no "
                                         "millimetres. Measure on a calibrated series instead.") from exc
        except InvalidRecordError as exc:
            if exc.argument == "frame_of_reference_uid":
                message = (f"The image of {self._series_words(timepoint_uid, record.series_uid)} has no Frame of "
                           "Reference UID (0020,0052), so a caliper on it has no place in patient space. Measure on "
                           "another series of this time point.")
            elif exc.argument == "p2_mm":
                message = ("The caliper has no length (both ends on one point): drag from one edge of the lesion to "
                           "the other.")
            else:
                raise
            raise RefusedInputError(exc.argument, exc.value, exc.expected, message) from exc

    def _series_words(self, timepoint_uid: str, series_uid: str) -> str:
        """``series 3 "5mm" of Week 8`` (or "this series" when the time point does not link it)."""
        try:
            tp = self.snapshot.timepoint(timepoint_uid)
        except KeyError:
            return "this series"
        link = next((s for s in tp.series if s.series_uid == series_uid), None)
        return f"{link.label} of {tp.visit}" if link is not None else f"this series of {tp.visit}"

    def _visit(self, timepoint_uid: str) -> str:
        try:
            return self.snapshot.timepoint(timepoint_uid).visit
        except KeyError:
            return "the time point"


#: Store commands (``ReadSession`` action names) in the reader's words, for "Undone: …" / "Redone: …".
ACTION_WORDS = {"flag_irradiated": "irradiation", "add_measured_lesion": "new measured lesion",
                "set_status": "status", "assign_series": "series link", "choose_series": "series choice",
                "confirm_cr": "CR confirmation"}


def action_words(action: str) -> str:
    """A store command's name as the status bar says it (``record_caliper`` → "record caliper")."""
    return ACTION_WORDS.get(action, action.replace("_", " "))


def sbrt_course(values: Mapping[str, Any]) -> dict[str, Any]:
    """``ReadSession.flag_irradiated`` keywords from an SBRT course as a form gives it.

    Accepted keys: ``sbrt_start``/``start``, ``sbrt_end``/``end`` (``date`` or ISO ``YYYY-MM-DD``
    text), ``dose_gy``/``sbrt_dose_gy``/``dose`` (Gy) and ``fractions``/``sbrt_fractions``; empty
    values count as absent.

    Raises
    ------
    InvalidRecordError
        When a date is not ``YYYY-MM-DD`` or a number does not parse.
    """
    def pick(*names: str) -> Any:
        return next((values[n] for n in names if values.get(n) not in (None, "")), None)

    def day(value: Any) -> date | None:
        try:
            return date.fromisoformat(value) if isinstance(value, str) else value
        except ValueError:
            raise RefusedInputError("sbrt date", value, "a date as YYYY-MM-DD",
                                    f"The SBRT date {value!r} is not a date: write it as YYYY-MM-DD.") from None

    def number(name: str, value: Any, kind: type[float] | type[int]) -> float | int | None:
        try:
            return kind(value) if value is not None else None
        except (TypeError, ValueError):
            what = "SBRT dose in Gy" if name == "dose_gy" else "number of SBRT fractions"
            raise RefusedInputError(name, value, "a number",
                                    f"The {what} {value!r} is not a number: write it in digits.") from None

    return {"sbrt_start": day(pick("sbrt_start", "start")), "sbrt_end": day(pick("sbrt_end", "end")),
            "dose_gy": number("dose_gy", pick("dose_gy", "sbrt_dose_gy", "dose"), float),
            "fractions": number("fractions", pick("fractions", "sbrt_fractions"), int)}


def _diameters(lines: tuple[LineMeasurement, ...]) -> str:
    """``"32.1 × 20.4"``, and where the lines were measured when not on an axial image."""
    text = " × ".join(f"{line.length_mm:.1f}" for line in lines) + " mm"
    planes = {line.plane for line in lines if line.plane.is_reformat}
    return text + "".join(f" (on the {plane.value.lower()} reformat)" for plane in planes)
