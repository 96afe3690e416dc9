"""What each lesion × time-point cell of the lesion grid says (no Qt: plain text and flags).

:class:`ReadIndex` indexes one snapshot and its report once per ``set_read``: lines and states by
(lesion, time point), the reader's time-point order, and the engine's findings by lesion and by
cell. Values come from the core, never from RECIST arithmetic here (ARCHITECTURE C3): what a
lesion contributes at a time point is the core's one rule
(:mod:`recist_app.evaluation.lesion_values`: the stated status, else the line on the lesion's
RECIST axis with the engine's 0.1 mm rounding), changes from the engine's own observations in
``report.read`` and its time-point results, formatted by the core as the engine prints them
(:mod:`recist_app.evaluation.response_text`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from assessment.domain import Finding
from assessment.read_report import ReadReport
from recist_app.evaluation.lesion_values import LesionValues, diameter_mm
from recist_app.evaluation.response_text import lesion_change_text
from recist_app.model.records import (
    Lesion,
    LesionRole,
    LesionState,
    ReadSnapshot,
    Status,
    Timepoint,
)
from widgets.panels import organs

#: Role groups in display order: (title, roles).
GROUPS: tuple[tuple[str, tuple[LesionRole, ...]], ...] = (
    ("Target lesions", (LesionRole.TARGET,)),
    ("Non-target lesions", (LesionRole.NON_TARGET,)),
    ("New lesions", (LesionRole.NEW, LesionRole.NEW_TARGET, LesionRole.NEW_NON_TARGET)),
)
ROLE_TEXT = {
    LesionRole.TARGET: "Target", LesionRole.NON_TARGET: "Non-target", LesionRole.NEW: "New",
    LesionRole.NEW_TARGET: "New target (iRECIST NLT)", LesionRole.NEW_NON_TARGET: "New non-target (iRECIST NLNT)",
}
#: What a cell shows for a reader's status (RULES §1.4, §1.6, §1.7, §2.3).
STATUS_TEXT = {
    Status.TOO_SMALL: "too small", Status.DISAPPEARED: "disappeared", Status.NOT_ASSESSED: "NA",
    Status.SPLIT: "split", Status.MERGED: "merged", Status.PRESENT: "present", Status.ABSENT: "absent",
    Status.UNEQUIVOCAL_PROGRESSION: "unequivocal PD", Status.EQUIVOCAL: "equivocal",
    Status.FURTHER_ENLARGEMENT: "further enlargement",
}
RADIATION_MARK = "RI"
#: Statuses in menu order with their menu text (RULES §1.4, §1.6, §1.7, §2.3).
STATUS_MENU: tuple[tuple[Status, str], ...] = (
    (Status.TOO_SMALL, "Too small to measure (counts 5 mm)"),
    (Status.DISAPPEARED, "Disappeared (0 mm)"),
    (Status.NOT_ASSESSED, "Not assessed (NA)"),
    (Status.SPLIT, "Split (fragments summed)"),
    (Status.MERGED, "Merged with another lesion (0 mm)"),
    (Status.PRESENT, "Present"),
    (Status.ABSENT, "Absent"),
    (Status.UNEQUIVOCAL_PROGRESSION, "Unequivocal progression"),
    (Status.EQUIVOCAL, "Equivocal"),
    (Status.FURTHER_ENLARGEMENT, "Further enlargement (iRECIST)"),
)
BASELINE_ROLES = (LesionRole.TARGET, LesionRole.NON_TARGET)
NEW_ROLES = (LesionRole.NEW, LesionRole.NEW_TARGET, LesionRole.NEW_NON_TARGET)


@dataclass(frozen=True)
class Cell:
    """What one lesion × time-point cell shows."""

    text: str
    tooltip: str
    muted: bool = False
    warning: bool = False


@dataclass(frozen=True)
class GridRow:
    """A lesion row, or a group title row (``lesion`` None)."""

    title: str = ""
    lesion: Lesion | None = None


def group_rows(lesions: tuple[Lesion, ...]) -> list[GridRow]:
    """Title and lesion rows by role group, lesions by label; empty groups left out."""
    rows: list[GridRow] = []
    for title, roles in GROUPS:
        members = sorted((lesion for lesion in lesions if lesion.role in roles), key=lambda lesion: lesion.label)
        if members:
            rows.append(GridRow(f"{title} ({len(members)})"))
            rows.extend(GridRow(lesion=lesion) for lesion in members)
    return rows


def timepoint_header(tp: Timepoint) -> str:
    """``"WEEK 8\\n2024-03-11"``; the visit alone when blinded (no date)."""
    return f"{tp.visit}\n{tp.scan_date.isoformat()}" if tp.scan_date else tp.visit


def sbrt_text(lesion: Lesion) -> tuple[str, str]:
    """Short text and tooltip of a lesion's SBRT course (RULES §3.2)."""
    if not lesion.irradiated:
        return "", "Not irradiated on study (out of field)"
    dose = f"{lesion.sbrt_dose_gy:g} Gy" if lesion.sbrt_dose_gy else "dose ?"
    fx = f" / {lesion.sbrt_fractions} fx" if lesion.sbrt_fractions else ""
    start = lesion.sbrt_start.isoformat() if lesion.sbrt_start else "?"
    end = f" to {lesion.sbrt_end.isoformat()}" if lesion.sbrt_end else ""
    fractions = f" in {lesion.sbrt_fractions} fractions" if lesion.sbrt_fractions else ""
    return f"{dose}{fx}", f"Irradiated on study (in field): SBRT {start}{end}, {dose}{fractions}"


def allowed_roles(lesion: Lesion) -> tuple[LesionRole, ...]:
    """Roles a lesion may switch to: baseline roles stay baseline, new roles stay new (RECIST 1.1 §4.1)."""
    return NEW_ROLES if lesion.role.is_new else BASELINE_ROLES


def edit_changes(lesion: Lesion, column_name: str, value: str) -> dict[str, Any]:
    """``edit_lesion`` changes of typing ``value`` as ``label``, ``role`` or ``organ`` (empty: no change)."""
    value = value.strip()
    if column_name == "label" and value and value != lesion.label:
        return {"label": value}
    if column_name == "role" and value and value != lesion.role.value:
        return {"role": LesionRole(value).value}
    if column_name == "organ" and value.upper() != lesion.organ:
        return organ_changes(lesion, value)
    return {}


def organ_changes(lesion: Lesion, text: str) -> dict[str, Any]:
    """Set the organ; a lymph-node site makes the lesion nodal and another organ non-nodal."""
    text = text.strip().upper()
    changes: dict[str, Any] = {"organ": text}
    nodal = organs.is_nodal_location(text)
    if text and nodal != lesion.nodal:
        changes["nodal"] = nodal
    return changes


class ReadIndex:
    """One snapshot and its report, indexed for the grid (rebuilt on every ``set_read``)."""

    def __init__(self, snapshot: ReadSnapshot, report: ReadReport | None) -> None:
        self.snapshot, self.report = snapshot, report
        self._values = LesionValues(snapshot)
        self.order = {tp.uid: n for n, tp in enumerate(snapshot.timepoints)}
        self._labels = {lesion.uid: lesion.label for lesion in snapshot.lesions}
        by_label = {lesion.label: lesion.uid for lesion in snapshot.lesions}
        self._lesion_findings: dict[str, list[Finding]] = defaultdict(list)
        self._cell_findings: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        self.read_findings: tuple[Finding, ...] = ()
        if report is None:
            return
        self.read_findings = tuple(f for f in report.recist.baseline_findings if f.lesion_id not in by_label)
        for finding in report.recist.baseline_findings:
            if finding.lesion_id in by_label:
                self._lesion_findings[by_label[finding.lesion_id]].append(finding)
        visits = [(tp.visit_id, tp.findings) for tp in report.recist.timepoints]
        visits += [(tp.visit_id, tp.findings) for tp in report.irecist.timepoints]
        for visit_id, findings in visits:
            for finding in findings:
                if finding.lesion_id in by_label:
                    self._cell_findings[(by_label[finding.lesion_id], visit_id)].append(finding)

    def lesion_findings(self, lesion_uid: str) -> tuple[Finding, ...]:
        """Baseline findings on one lesion (shown on its row)."""
        return tuple(self._lesion_findings.get(lesion_uid, ()))

    def state(self, lesion_uid: str, timepoint_uid: str) -> LesionState | None:
        """The reader's stated status of a lesion at a time point, if any."""
        return self._values.state(lesion_uid, timepoint_uid)

    def is_before_first(self, lesion: Lesion, tp: Timepoint) -> bool:
        """True for time points before a new lesion appeared (nothing to record there)."""
        return self.order.get(tp.uid, 0) < self.order.get(lesion.first_timepoint_uid, 0)

    def cell(self, lesion: Lesion, tp: Timepoint) -> Cell:
        """Value or status of ``lesion`` at ``tp``, with the changes and findings in the tooltip."""
        if self.is_before_first(lesion, tp):
            return Cell("—", "Not yet present (a new lesion, first seen later)", muted=True)
        key = (lesion.uid, tp.uid)
        state = self._values.state(lesion.uid, tp.uid)
        text, tip, muted = self._value(lesion, tp)
        if state is not None and state.radiation_induced:
            text = f"{text} {RADIATION_MARK}".strip()
            tip += "\nRI: change marked radiation-induced (fibrosis / pneumonitis), not progression (RULES §7 A9)"
        if lesion.role is LesionRole.TARGET and not muted:
            tip += self._changes(lesion, tp)
        findings = self._cell_findings.get(key, [])
        tip += "".join(f"\n⚠ {f.message}" for f in findings)
        return Cell(text, tip, muted, bool(findings))

    def _value(self, lesion: Lesion, tp: Timepoint) -> tuple[str, str, bool]:
        """Text, tooltip and muted flag of the lesion's value at ``tp`` (the core's one rule)."""
        value = self._values.value(lesion, tp.uid)
        if value.stated is Status.SPLIT:
            parts = [f"{diameter_mm(m.line)}" for _, m in value.fragments]
            return "split", f"Split: fragments {' + '.join(parts) or 'not measured'} mm, summed (RULES §1.4)", False
        if value.stated is Status.MERGED:
            into = self._labels.get(value.merged_into_uid or "", "")
            return "merged", f"Merged{' into ' + into if into else ''}: counts 0 mm (RULES §1.4)", False
        if value.stated is not None:
            return STATUS_TEXT[value.stated], value.stated.value.capitalize(), value.stated is Status.NOT_ASSESSED
        if value.line is None:
            why = "no short-axis line (nodes count the short axis)" if value.has_lines else "nothing recorded"
            return "NA", f"Not assessed: {why}", True
        tip = f"{lesion.recist_axis.value.capitalize()} axis {value.diameter_mm} mm"
        if value.other is not None:
            tip += f" ({value.other.line.axis.value} axis {diameter_mm(value.other.line)} mm)"
        plane = value.line.line.plane
        if plane.is_reformat:
            tip += (f"\n{plane.mark}: measured on the {plane.value.lower()} reformat, not on an axial image "
                    "(RECIST 1.1 measures axially)")
            return f"{value.diameter_mm} {plane.mark}", tip, False
        return f"{value.diameter_mm}", tip, False

    def _changes(self, lesion: Lesion, tp: Timepoint) -> str:
        """This target against its own baseline and smallest earlier value, then the sum's changes."""
        return lesion_change_text(self.report, lesion.label, tp.uid) if self.report is not None else ""
