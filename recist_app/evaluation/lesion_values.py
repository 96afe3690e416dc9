"""What a lesion contributes at a time point: the one rule (RECIST 1.1 §4.2; RULES §1.2, §1.4).

The engine adapter (:mod:`recist_app.evaluation.engine`), the SDTM writer
(:mod:`recist_app.sdtm.lesions`), the PDF key images and the lesion grid of the viewer take a
lesion's value from here, so that they never disagree:

- the reader's stated status decides over lines (RULES §1.4): split → the fragments on the
  lesion's RECIST axis, summed (a split without such fragments is not assessed); merged → 0 mm,
  the survivor carries the mass; too small, disappeared, not assessed and the qualitative states
  (present, absent, …) as stated;
- with no statement the lines decide: the line (fragment 0) on the lesion's RECIST axis
  (:attr:`~recist_app.model.records.Lesion.recist_axis`: the short axis of a node, else the long
  axis) is measured; lines without it (a node with a long axis only) are not assessed; nothing
  recorded is no value at all.

A diameter is the line's length rounded half up to 0.1 mm (:func:`diameter_mm`), as readers
record diameters, as an exact :class:`~decimal.Decimal` for the engine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from recist_app.model.records import (
    Lesion,
    LesionState,
    LineMeasurement,
    Measurement,
    ReadSnapshot,
    Status,
)

#: Precision of a recorded diameter (RECIST readers record millimetres to one decimal).
DIAMETER_STEP_MM = Decimal("0.1")


def diameter_mm(line: LineMeasurement) -> Decimal:
    """The line's length as the reader records it: Decimal mm rounded half up to 0.1 mm."""
    return Decimal(repr(line.length_mm)).quantize(DIAMETER_STEP_MM, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LesionValue:
    """What one lesion contributes at one time point (the rule: see the module docstring).

    Attributes
    ----------
    status : Status or None
        ``MEASURED`` (``line`` counts), ``SPLIT`` (``fragments`` are summed), ``MERGED``, another
        stated status, or ``NOT_ASSESSED``; None when nothing was recorded.
    stated : Status or None
        The reader's statement, when there is one (it decides over the lines).
    line : Measurement or None
        The line on the lesion's RECIST axis (fragment 0), when the lines decide.
    other : Measurement or None
        The line on the other axis (fragment 0), when the lines decide: shown and exported beside.
    fragments : tuple of (int, Measurement)
        A split lesion's fragments on its RECIST axis in fragment order, each with its number
        (1, 2 … in that order when a line carries no fragment number).
    merged_into_uid : str or None
        The survivor of a merged lesion.
    radiation_induced : bool
        The reader's statement that the change is radiation-induced (RULES §7 A9), where it
        qualifies the value: a measured, split or stated lesion (never a merge or a value the
        lines cannot give).
    has_lines : bool
        True when any line was recorded at the time point, whether it counts or not.
    """

    status: Status | None
    stated: Status | None = None
    line: Measurement | None = None
    other: Measurement | None = None
    fragments: tuple[tuple[int, Measurement], ...] = ()
    merged_into_uid: str | None = None
    radiation_induced: bool = False
    has_lines: bool = False

    @property
    def diameter_mm(self) -> Decimal | None:
        """The measured diameter (:func:`diameter_mm` of :attr:`line`), None when no line counts."""
        return diameter_mm(self.line.line) if self.line is not None and self.status is Status.MEASURED else None

    @property
    def fragments_mm(self) -> tuple[Decimal, ...]:
        """The diameters of a split lesion's fragments, in fragment order."""
        return tuple(diameter_mm(m.line) for _, m in self.fragments)


def recist_line(lesion: Lesion, lines: Iterable[Measurement]) -> Measurement | None:
    """The line (fragment 0) on ``lesion``'s RECIST axis among ``lines``, if any."""
    axis = lesion.recist_axis
    return next((m for m in lines if m.line.axis is axis and m.fragment == 0), None)


def lesion_value(lesion: Lesion, state: LesionState | None, lines: Iterable[Measurement]) -> LesionValue:
    """What ``lesion`` contributes at one time point from the reader's ``state`` and ``lines`` there."""
    lines = tuple(lines)
    stated = state.status if state is not None else None
    induced = state.radiation_induced if state is not None else False
    has_lines = bool(lines)
    if stated is Status.SPLIT:
        fragments = split_fragments(lesion, lines)
        if not fragments:
            return LesionValue(Status.NOT_ASSESSED, stated, has_lines=has_lines)
        return LesionValue(Status.SPLIT, stated, fragments=fragments, radiation_induced=induced, has_lines=has_lines)
    if stated is Status.MERGED:
        return LesionValue(Status.MERGED, stated, merged_into_uid=state.merged_into_uid if state else None,
                           has_lines=has_lines)
    if stated is not None:
        return LesionValue(stated, stated, radiation_induced=induced, has_lines=has_lines)
    line = recist_line(lesion, lines)
    other = next((m for m in lines if m.line.axis is not lesion.recist_axis and m.fragment == 0), None)
    if line is not None:
        return LesionValue(Status.MEASURED, line=line, other=other, radiation_induced=induced, has_lines=True)
    status = Status.NOT_ASSESSED if has_lines or induced else None
    return LesionValue(status, other=other, has_lines=has_lines)


def split_fragments(lesion: Lesion, lines: Iterable[Measurement]) -> tuple[tuple[int, Measurement], ...]:
    """A split lesion's lines on its RECIST axis in fragment order, numbered by their fragment
    number, or 1, 2 … in that order when any line has none (RULES §1.4: the fragments are summed)."""
    axis = lesion.recist_axis
    parts = sorted((m for m in lines if m.line.axis is axis), key=lambda m: m.fragment)
    if any(m.fragment == 0 for m in parts):
        return tuple(enumerate(parts, start=1))
    return tuple((m.fragment, m) for m in parts)


class LesionValues:
    """One snapshot's lines and statements by (lesion, time point), with :func:`lesion_value` on them.

    Parameters
    ----------
    snapshot : ReadSnapshot
        The read; its measurements keep their order within a lesion and time point.
    """

    def __init__(self, snapshot: ReadSnapshot) -> None:
        lines: dict[tuple[str, str], list[Measurement]] = defaultdict(list)
        for measurement in snapshot.measurements:
            lines[(measurement.lesion_uid, measurement.timepoint_uid)].append(measurement)
        self._lines = {key: tuple(found) for key, found in lines.items()}
        self._states = {(state.lesion_uid, state.timepoint_uid): state for state in snapshot.states}
        self._measured = {measurement.lesion_uid for measurement in snapshot.measurements}

    def lines(self, lesion_uid: str, timepoint_uid: str) -> tuple[Measurement, ...]:
        """Every line of a lesion at a time point, in snapshot order."""
        return self._lines.get((lesion_uid, timepoint_uid), ())

    def state(self, lesion_uid: str, timepoint_uid: str) -> LesionState | None:
        """The reader's statement on a lesion at a time point, if any."""
        return self._states.get((lesion_uid, timepoint_uid))

    def ever_measured(self, lesion_uid: str) -> bool:
        """True when the lesion has a line at any time point of the read."""
        return lesion_uid in self._measured

    def value(self, lesion: Lesion, timepoint_uid: str) -> LesionValue:
        """What ``lesion`` contributes at ``timepoint_uid`` (:func:`lesion_value`)."""
        return lesion_value(lesion, self.state(lesion.uid, timepoint_uid), self.lines(lesion.uid, timepoint_uid))

    def recist_line(self, lesion: Lesion, timepoint_uid: str) -> Measurement | None:
        """The line on ``lesion``'s RECIST axis at ``timepoint_uid`` whatever the statement (key images)."""
        return recist_line(lesion, self.lines(lesion.uid, timepoint_uid))
