"""Checks on a read's baseline selection (RULES §1.1, §1.2), returned as findings (ARCHITECTURE C8).

Nothing here raises: six targets, three in one organ or an 8 mm target are the reader's to fix
or to justify, so they come back as :class:`Finding` records.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from assessment import thresholds as t
from assessment.domain import Finding, LesionRole, Read, Status
from assessment.rationale import mm

NODE_ORGAN = "LYMPH NODE"


def organ_of(location: str, nodal: bool) -> str:
    """Organ key for the per-organ limit: all lymph nodes are one organ (RULES §1.2, EORTC FAQ).

    The part of ``location`` before a comma names the organ ("LIVER, LEFT LOBE" → "LIVER").
    """
    if nodal:
        return NODE_ORGAN
    return location.split(",", 1)[0].strip().upper() or "UNSPECIFIED"


def measurable_min_mm(slice_thickness_mm: Decimal | None) -> Decimal:
    """10 mm, or 2 × slice thickness when the slices are thicker than 5 mm (RULES §1.1)."""
    if slice_thickness_mm is not None and slice_thickness_mm > t.THICK_SLICE_ABOVE_MM:
        return 2 * slice_thickness_mm
    return t.MEASURABLE_MIN_MM


def baseline_findings(read: Read) -> tuple[Finding, ...]:
    """Every breach of the baseline rules of RULES §1.1–§1.2 in ``read``."""
    baseline = read.timepoints[0]
    targets = read.with_role(LesionRole.TARGET)
    findings: list[Finding] = []
    visit = baseline.visit_id
    if len(targets) > t.MAX_TARGETS:
        findings.append(Finding(
            "TOO_MANY_TARGETS",
            f"{len(targets)} target lesions at baseline; RECIST 1.1 allows at most {t.MAX_TARGETS}",
            visit_id=visit))
    by_organ: dict[str, list[str]] = defaultdict(list)
    for lesion in targets:
        by_organ[organ_of(lesion.location, lesion.nodal)].append(lesion.lesion_id)
    for organ, ids in sorted(by_organ.items()):
        if len(ids) > t.MAX_TARGETS_PER_ORGAN:
            findings.append(Finding(
                "TOO_MANY_TARGETS_IN_ORGAN",
                f"{len(ids)} targets in {organ} ({', '.join(ids)}); at most "
                f"{t.MAX_TARGETS_PER_ORGAN} per organ (all lymph nodes count as one organ)",
                visit_id=visit))
    minimum = measurable_min_mm(read.slice_thickness_mm)
    for lesion in targets:
        obs = baseline.observation(lesion.lesion_id)
        value = obs.value_mm if obs.status is Status.MEASURED else None
        if value is None:
            findings.append(Finding(
                "TARGET_NOT_MEASURED_AT_BASELINE",
                f"target {lesion.lesion_id} has no baseline measurement",
                lesion.lesion_id, visit))
        elif lesion.nodal and value < t.NODE_TARGET_MIN_MM:
            findings.append(Finding(
                "NODE_TOO_SMALL_FOR_TARGET",
                f"nodal target {lesion.lesion_id} short axis {mm(value)} < {mm(t.NODE_TARGET_MIN_MM)}: "
                "a node of 10 to < 15 mm is a non-target",
                lesion.lesion_id, visit))
        elif not lesion.nodal and value < minimum:
            findings.append(Finding(
                "TARGET_NOT_MEASURABLE",
                f"target {lesion.lesion_id} longest diameter {mm(value)} < {mm(minimum)} "
                "(measurable minimum)",
                lesion.lesion_id, visit))
        if lesion.previously_irradiated:
            findings.append(Finding(
                "PREVIOUSLY_IRRADIATED_TARGET",
                f"target {lesion.lesion_id} lies in a previously irradiated field: measurable only "
                "if it progressed after irradiation (RECIST 1.1; protocol must allow it)",
                lesion.lesion_id, visit))
    for lesion in read.with_role(LesionRole.NON_TARGET):
        obs = baseline.observation(lesion.lesion_id)
        if lesion.nodal and obs.status is Status.MEASURED and obs.value_mm is not None \
                and obs.value_mm < t.NODE_NORMAL_BELOW_MM:
            findings.append(Finding(
                "NORMAL_NODE_RECORDED",
                f"nodal non-target {lesion.lesion_id} short axis {mm(obs.value_mm)} < 10 mm is normal "
                "and should not be recorded",
                lesion.lesion_id, visit))
    if not targets and not read.with_role(LesionRole.NON_TARGET):
        findings.append(Finding("NO_BASELINE_DISEASE", "no target or non-target lesion at baseline",
                                visit_id=visit))
    return tuple(findings)
