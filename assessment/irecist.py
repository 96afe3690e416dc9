"""iRECIST time-point responses on top of the RECIST 1.1 rules (RULES §2; SEY17 Table 2).

RECIST 1.1 progression gives iUPD, which becomes iCPD only when the next assessment confirms it
(RULES §2.3): a further target-sum increase ≥ 5 mm, any further non-target increase, a new-lesion
target (NLT) sum increase ≥ 5 mm, any new-lesion non-target (NLNT) increase, an additional new
lesion, or progression in a category that was not at iUPD. Increases are counted from the iUPD
assessment, so they add up across assessments. An iUPD followed by iSD, iPR or iCR is reset
(RULES §2.4, A15). Confirmation windows are those of A14.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from assessment import thresholds as t
from assessment.baseline import measurable_min_mm, organ_of
from assessment.domain import (
    Finding,
    Lesion,
    LesionRole,
    Observation,
    Read,
    Response,
    Status,
    Timepoint,
)
from assessment.profile import Profile
from assessment.rationale import join, mm, signed_mm
from assessment.recist11 import (
    is_progression,
    nontarget_response,
    observed_value,
    overall_response,
    sum_of_diameters,
    target_response,
)


class IResponse(StrEnum):
    """iRECIST categories (CDISC C96785: C142356–C142361)."""

    ICR = "iCR"
    IPR = "iPR"
    ISD = "iSD"
    NON_ICR_NON_IUPD = "NON-iCR/NON-iUPD"
    IUPD = "iUPD"
    ICPD = "iCPD"
    NE = "NE"


_I_CATEGORY = {Response.CR: IResponse.ICR, Response.PR: IResponse.IPR, Response.SD: IResponse.ISD,
               Response.NON_CR_NON_PD: IResponse.NON_ICR_NON_IUPD, Response.PD: IResponse.IUPD,
               Response.NE: IResponse.NE}
_INCREASING = (Status.FURTHER_ENLARGEMENT, Status.UNEQUIVOCAL_PROGRESSION)
#: Categories after which an iUPD is reset (RULES §2.4, A15).
RESETTING = frozenset({IResponse.ICR, IResponse.IPR, IResponse.ISD, IResponse.NON_ICR_NON_IUPD})


@dataclass(frozen=True)
class IrecistTimepoint:
    """The iRECIST verdict on one follow-up time point, with its reasons.

    The rationale says what iRECIST adds (new-lesion tracks, confirmation, reset); the target and
    non-target categories follow the RECIST 1.1 rules, whose rationale gives their numbers.
    """

    visit_id: str
    visit: str
    date: date
    date_text: str
    target_response: IResponse | None
    nontarget_response: IResponse | None
    new_lesion: bool
    nlt_sum_mm: Decimal | None
    overall: IResponse
    rationale: str
    findings: tuple[Finding, ...] = ()
    #: The new lesions counted as new-lesion targets up to this assessment (RULES §2.2), present or not.
    new_lesion_targets: frozenset[str] = frozenset()
    #: With an iUPD pending before this assessment: what confirmed it here (RULES §2.3), of ``target``,
    #: ``non-target`` and ``new lesion`` (empty when nothing did); None without a pending iUPD.
    worsening: frozenset[str] | None = None


@dataclass(frozen=True)
class IrecistResult:
    """iRECIST results of one read: time points up to the first iCPD, and the progression date.

    ``progression_date`` is the date of the iUPD confirmed as iCPD (RULES §2.7), or, when the read
    ends in iUPD without confirmation, of the first iUPD of that block (A13, ``confirmed`` False);
    None without progression.
    """

    read: Read
    timepoints: tuple[IrecistTimepoint, ...]
    progression_date: date | None
    confirmed: bool


@dataclass(frozen=True)
class _Iupd:
    """The assessment that opened the current iUPD: what drove it and the values to beat."""

    visit_id: str
    date: date
    drivers: frozenset[str]
    target_sum_mm: Decimal | None
    nlt_sum_mm: Decimal
    new_ids: frozenset[str]


@dataclass
class _State:
    baseline_mm: Decimal | None
    nadir_mm: Decimal | None
    pending: _Iupd | None = None
    known_new: frozenset[str] = frozenset()  # new lesions already present at the last reset (A15)
    nlt_nadir_mm: Decimal | None = None  # set at the first reset: the NLT sum's own nadir (A15)
    last_iupd: _Iupd | None = None
    nlt_ids: set[str] = field(default_factory=set)
    nlt_organs: dict[str, int] = field(default_factory=dict)


def assess_irecist(read: Read, profile: Profile | None = None) -> IrecistResult:
    """Every iRECIST time-point response of ``read`` up to its first iCPD (RULES §2)."""
    profile = profile or Profile()
    targets = read.with_role(LesionRole.TARGET)
    nontargets = read.with_role(LesionRole.NON_TARGET)
    new_lesions = tuple(lesion for lesion in read.lesions if lesion.role.is_new)
    base_obs = read.timepoints[0].by_lesion
    base_sum, complete = sum_of_diameters([observed_value(base_obs, lesion) for lesion in targets])
    baseline_mm = base_sum if targets and complete else None
    state = _State(baseline_mm, baseline_mm)
    results: list[IrecistTimepoint] = []
    for tp in read.timepoints[1:]:
        result = _follow_up(tp, read, targets, nontargets, new_lesions, state, profile)
        results.append(result)
        if result.overall is IResponse.ICPD:
            assert state.last_iupd is not None
            return IrecistResult(read, tuple(results), state.last_iupd.date, True)
    unconfirmed = state.pending.date if state.pending is not None else None
    return IrecistResult(read, tuple(results), unconfirmed, False)


def _follow_up(tp: Timepoint, read: Read, targets: tuple[Lesion, ...], nontargets: tuple[Lesion, ...],
               new_lesions: tuple[Lesion, ...], state: _State, profile: Profile) -> IrecistTimepoint:
    observations = tp.by_lesion
    findings: list[Finding] = []
    target = target_response([(lesion, observed_value(observations, lesion)) for lesion in targets],
                             state.baseline_mm, state.nadir_mm, after_confirmed_cr=False)
    nt_cat, _ = nontarget_response(nontargets, observations, after_confirmed_cr=False)
    present_new = frozenset(lesion.lesion_id for lesion in new_lesions
                            if (o := observations.get(lesion.lesion_id)) is not None and o.is_present)
    _classify_new_lesions(read, new_lesions, observations, present_new, state)
    nlt_sum = sum((observations[i].value_mm or Decimal(0) for i in present_new & state.nlt_ids), Decimal(0))
    nlnt = sorted(present_new - state.nlt_ids)
    nlnt_increase = [i for i in nlnt if observations[i].status in _INCREASING]
    nlnt_unequivocal = [i for i in nlnt if observations[i].status is Status.UNEQUIVOCAL_PROGRESSION]
    drivers = _progression(target.response, nt_cat, present_new, nlt_sum, nlnt_unequivocal, state)
    worsening: frozenset[str] | None = None
    if state.pending is None:
        overall, text = _without_pending(target.response, nt_cat, drivers, present_new, state)
        if overall is IResponse.IUPD:
            state.pending = state.last_iupd = _Iupd(tp.visit_id, tp.date, frozenset(drivers), target.sum_mm,
                                                    nlt_sum, present_new)
    else:
        overall, text, worsening = _with_pending(tp, target.response, target.sum_mm, nt_cat, observations,
                                                 nontargets, drivers, present_new, nlt_sum, nlnt_increase, state,
                                                 profile, findings)
    if state.pending is not None and overall in RESETTING:  # the bar is reset (RULES §2.4, A15)
        state.pending = None
        state.known_new = state.known_new | present_new
        state.nlt_nadir_mm = nlt_sum
    if target.complete and target.sum_mm is not None and state.nadir_mm is not None:
        state.nadir_mm = min(state.nadir_mm, target.sum_mm)
    if state.nlt_nadir_mm is not None:
        state.nlt_nadir_mm = min(state.nlt_nadir_mm, nlt_sum)
    return IrecistTimepoint(
        tp.visit_id, tp.visit, tp.date, tp.date_text,
        _component(target.response, "target" in drivers, overall) if targets else None,
        _component(nt_cat, "non-target" in drivers, overall) if nontargets else None,
        bool(present_new), nlt_sum if state.nlt_ids & present_new else None, overall,
        join([_new_text(present_new, state, nlt_sum), text]), tuple(findings), frozenset(state.nlt_ids), worsening)


def _classify_new_lesions(read: Read, lesions: tuple[Lesion, ...], observations: dict[str, Observation],
                          present: frozenset[str], state: _State) -> None:
    """New-lesion targets: measurable, at most 5 and 2 per organ, in order of appearance (RULES §2.2)."""
    minimum = measurable_min_mm(read.slice_thickness_mm)
    for lesion in lesions:
        if lesion.lesion_id not in present or lesion.lesion_id in state.nlt_ids \
                or lesion.role is LesionRole.NEW_NON_TARGET:
            continue
        value = observations[lesion.lesion_id].value_mm
        measurable = value is not None and value >= (t.NODE_TARGET_MIN_MM if lesion.nodal else minimum)
        organ = organ_of(lesion.location, lesion.nodal)
        room = len(state.nlt_ids) < t.MAX_TARGETS and state.nlt_organs.get(organ, 0) < t.MAX_TARGETS_PER_ORGAN
        if room and (lesion.role is LesionRole.NEW_TARGET or measurable):
            state.nlt_ids.add(lesion.lesion_id)
            state.nlt_organs[organ] = state.nlt_organs.get(organ, 0) + 1


def _progression(target: Response | None, nontarget: Response | None, present_new: frozenset[str],
                 nlt_sum: Decimal, nlnt_unequivocal: list[str], state: _State) -> set[str]:
    """Which categories meet iUPD criteria now (RULES §2.1, §2.2).

    New lesions already present at the last reset progress only by RECIST PD of their NLT sum
    against its own nadir, or unequivocal progression of an NLNT (A15); any other new lesion does.
    """
    drivers = set()
    if target is Response.PD:
        drivers.add("target")
    if nontarget is Response.PD:
        drivers.add("non-target")
    nlt_nadir = state.nlt_nadir_mm  # set once new lesions were reset by an iUPD
    if present_new - state.known_new or (nlt_nadir is not None and (
            is_progression(nlt_sum, nlt_nadir) or set(nlnt_unequivocal) & state.known_new)):
        drivers.add("new lesion")
    return drivers


def _without_pending(target: Response | None, nontarget: Response | None, drivers: set[str],
                     present_new: frozenset[str], state: _State) -> tuple[IResponse, str]:
    if drivers:
        return IResponse.IUPD, f"iUPD: RECIST 1.1 progression of {', '.join(sorted(drivers))}, to be confirmed"
    recist = overall_response(target, nontarget, new_lesion=False)
    reset = " (new lesions seen before the reset do not progress: A15)" if present_new else ""
    return _I_CATEGORY[recist], f"{_I_CATEGORY[recist]} (iRECIST Table 2, as RECIST 1.1 {recist}){reset}"


def _with_pending(tp: Timepoint, target: Response | None, target_sum: Decimal | None,
                  nontarget: Response | None, observations: dict[str, Observation],
                  nontargets: tuple[Lesion, ...], drivers: set[str], present_new: frozenset[str],
                  nlt_sum: Decimal, nlnt_increase: list[str], state: _State, profile: Profile,
                  findings: list[Finding]) -> tuple[IResponse, str, frozenset[str]]:
    """Confirm the pending iUPD, keep it, or reset (RULES §2.3–§2.5, A14); with what confirmed it."""
    iupd = state.pending
    assert iupd is not None
    days = (tp.date - iupd.date).days
    additional = sorted(present_new - iupd.new_ids - state.known_new)
    confirming = [("new lesion", f"additional new lesion(s) {', '.join(additional)}")] if additional else []
    if days >= profile.irecist_confirm_min_days:
        confirming += _confirmations(iupd, target, target_sum, nontarget, observations, nontargets,
                                     drivers, nlt_sum, nlnt_increase)
    reasons = [reason for _, reason in confirming]
    worsening = frozenset(kind for kind, _ in confirming)
    if not reasons and days < profile.irecist_confirm_min_days:
        findings.append(Finding("EARLY_CONFIRMATION_SCAN", f"{days} days after iUPD (< "
                                f"{profile.irecist_confirm_min_days}): only an additional new lesion can confirm (A14)",
                                visit_id=tp.visit_id))
    if reasons:
        if days > profile.irecist_confirm_warn_days:
            findings.append(Finding("LATE_CONFIRMATION_SCAN", f"confirming scan {days} days after iUPD "
                                    f"(> {profile.irecist_confirm_warn_days}; A14)", visit_id=tp.visit_id))
        return IResponse.ICPD, (f"iCPD: iUPD of {iupd.date.isoformat()} confirmed {days} days later by "
                                f"{'; '.join(reasons)}"), worsening
    if target is Response.NE:
        return (IResponse.NE, f"NE: targets not all assessed; iUPD of {iupd.date.isoformat()} still unconfirmed",
                worsening)
    remaining = set(drivers)
    if "non-target" in iupd.drivers and nontarget not in (Response.CR, None):
        remaining.add("non-target")  # unequivocal non-target progression stands until it resolves
    shrinking = (remaining == {"new lesion"} and target in (Response.CR, Response.PR) and target_sum is not None
                 and iupd.target_sum_mm is not None and target_sum < iupd.target_sum_mm)
    if remaining and not shrinking:
        return IResponse.IUPD, (f"iUPD remains: {', '.join(sorted(remaining))} still progressing, nothing confirms "
                                f"the iUPD of {iupd.date.isoformat()} (iRECIST Table 2)"), worsening
    recist = overall_response(target, nontarget, new_lesion=False)
    why = "baseline disease shrank further (RULES §2.4 scenario B)" if shrinking else "no progression left"
    return (_I_CATEGORY[recist], f"{_I_CATEGORY[recist]}: iUPD of {iupd.date.isoformat()} reset, {why} (A15)",
            worsening)


def _confirmations(iupd: _Iupd, target: Response | None, target_sum: Decimal | None,
                   nontarget: Response | None, observations: dict[str, Observation],
                   nontargets: tuple[Lesion, ...], drivers: set[str], nlt_sum: Decimal,
                   nlnt_increase: list[str]) -> list[tuple[str, str]]:
    """Everything that confirms ``iupd`` at this assessment (RULES §2.3): (category, reason) pairs."""
    reasons = []
    if target_sum is not None and iupd.target_sum_mm is not None \
            and target_sum - iupd.target_sum_mm >= t.IRECIST_CONFIRM_INCREASE_MM and "target" in iupd.drivers:
        reasons.append(("target", f"target sum {mm(target_sum)}, {signed_mm(target_sum - iupd.target_sum_mm)} "
                                  "since iUPD (≥ 5 mm)"))
    elif "target" in drivers and "target" not in iupd.drivers:
        reasons.append(("target", "target progression, a category not at iUPD before"))
    increasing = [lesion.lesion_id for lesion in nontargets
                  if (o := observations.get(lesion.lesion_id)) is not None and o.status in _INCREASING]
    if increasing and "non-target" in iupd.drivers:
        reasons.append(("non-target", f"further non-target increase ({', '.join(increasing)})"))
    elif "non-target" in drivers and "non-target" not in iupd.drivers:
        reasons.append(("non-target", "non-target progression, a category not at iUPD before"))
    if "new lesion" in iupd.drivers:
        if nlt_sum - iupd.nlt_sum_mm >= t.IRECIST_CONFIRM_INCREASE_MM:
            reasons.append(("new lesion",
                            f"new-lesion target sum {signed_mm(nlt_sum - iupd.nlt_sum_mm)} since iUPD (≥ 5 mm)"))
        if nlnt_increase:
            reasons.append(("new lesion", f"new-lesion non-target increase ({', '.join(nlnt_increase)})"))
    return reasons


def _component(category: Response | None, drove: bool, overall: IResponse) -> IResponse | None:
    """TRGRESP / NTRGRESP under iRECIST: iCPD where the category confirmed, iUPD where it progresses."""
    if category is None:
        return None
    if category is Response.PD:
        return IResponse.ICPD if overall is IResponse.ICPD and drove else IResponse.IUPD
    return _I_CATEGORY[category]


def _new_text(present: frozenset[str], state: _State, nlt_sum: Decimal) -> str:
    if not present:
        return "No new lesion"
    nlt = sorted(present & state.nlt_ids)
    nlnt = sorted(present - state.nlt_ids)
    parts = [f"new-lesion targets {', '.join(nlt)} (sum {mm(nlt_sum)}, kept apart from the target sum)"] if nlt else []
    parts += [f"new-lesion non-targets {', '.join(nlnt)}"] if nlnt else []
    return "New lesions: " + "; ".join(parts)
