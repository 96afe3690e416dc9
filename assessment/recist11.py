"""RECIST 1.1 time-point response: sums, nadir, target / non-target / new-lesion / overall.

One function per rule (RULES §1.3–§1.9); :func:`assess_recist11` walks a read's time points in
order and carries the state the rules need: the nadir (A1), a confirmed CR (A5) and equivocal new
lesions awaiting confirmation (A6). Millimetres are Decimals: boundaries are exact (A2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import cast

from assessment import thresholds as t
from assessment.baseline import baseline_findings
from assessment.domain import (
    Finding,
    Lesion,
    LesionRole,
    Observation,
    Read,
    ReadResult,
    Response,
    Status,
    Timepoint,
    TimepointResult,
)
from assessment.profile import Profile
from assessment.rationale import join, mm, pct, percent_change, signed_mm


def sum_of_diameters(values: list[Decimal | None]) -> tuple[Decimal, bool]:
    """Sum of the known values and whether every value was known (RULES §1.3, A1)."""
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)), len(known) == len(values)


def is_progression(sum_mm: Decimal, nadir_mm: Decimal) -> bool:
    """Target PD: ≥ 20 % and ≥ 5 mm over the nadir, both inclusive (RULES §1.5, A2)."""
    return sum_mm - nadir_mm >= t.PD_MIN_INCREASE_MM and sum_mm >= t.PD_FRACTION_OF_NADIR * nadir_mm


def is_partial_response(sum_mm: Decimal, baseline_mm: Decimal) -> bool:
    """Target PR: sum ≤ 70 % of the baseline sum, i.e. ≥ 30 % decrease (RULES §1.5, A2)."""
    return sum_mm <= t.PR_FRACTION_OF_BASELINE * baseline_mm


def is_complete_response(values: list[tuple[Lesion, Decimal]]) -> bool:
    """Target CR: non-nodal targets at 0 mm and nodal targets < 10 mm short axis (RULES §1.5)."""
    return all(
        value < t.NODE_NORMAL_BELOW_MM if lesion.nodal else value == 0 for lesion, value in values
    )


def overall_response(target: Response | None, nontarget: Response | None, new_lesion: bool) -> Response:
    """Overall time-point response from RECIST 1.1 Table 1 (targets) or Table 2 (non-targets only)."""
    if new_lesion or Response.PD in (target, nontarget):
        return Response.PD
    if target is None:  # Table 2: non-target disease only
        return nontarget if nontarget is not None else Response.NE
    if target is Response.CR:
        return Response.CR if nontarget in (Response.CR, None) else Response.PR
    if target is Response.NE:
        return Response.NE
    return target  # PR or SD, whatever the non-PD non-target response


def nontarget_response(
    lesions: tuple[Lesion, ...], observations: dict[str, Observation], after_confirmed_cr: bool
) -> tuple[Response | None, str]:
    """Non-target response (RULES §1.6) with its reason; None when the read has no non-targets.

    Unequivocal progression is the reader's judgement, taken as given. After a confirmed CR any
    non-target seen again is PD (A5).
    """
    if not lesions:
        return None, ""
    obs = [(lesion, observations.get(lesion.lesion_id) or Observation.not_assessed(lesion.lesion_id))
           for lesion in lesions]
    progressing = [lesion.lesion_id for lesion, o in obs if o.status is Status.UNEQUIVOCAL_PROGRESSION]
    if progressing:
        return Response.PD, f"Non-target PD: unequivocal progression of {', '.join(progressing)}"
    present = [lesion.lesion_id for lesion, o in obs if _nontarget_present(lesion, o)]
    if after_confirmed_cr and present:
        return Response.PD, f"Non-target PD: {', '.join(present)} reappeared after a confirmed CR (A5)"
    missing = [lesion.lesion_id for lesion, o in obs if _nontarget_unknown(o)]
    if missing:
        return Response.NE, f"Non-target NE: {', '.join(missing)} not assessed"
    if not present:
        return Response.CR, "Non-target CR: all non-target lesions absent (nodes < 10 mm)"
    return Response.NON_CR_NON_PD, f"Non-target NON-CR/NON-PD: {', '.join(present)} present"


def _nontarget_present(lesion: Lesion, obs: Observation) -> bool:
    if lesion.nodal and obs.has_value and obs.value_mm is not None:
        return obs.value_mm >= t.NODE_NORMAL_BELOW_MM
    return obs.is_present


def _nontarget_unknown(obs: Observation) -> bool:
    return obs.status in (Status.NOT_ASSESSED, Status.EQUIVOCAL)


@dataclass(frozen=True)
class TargetResult:
    """Target-lesion verdict of one time point with the numbers behind it.

    ``text`` (the rationale) is rendered from the stored numbers only when asked for: callers that
    need the category alone (iRECIST reuses these rules) pay nothing for it.
    """

    response: Response | None
    sum_mm: Decimal | None
    sum_non_nodal_mm: Decimal | None
    complete: bool
    baseline_mm: Decimal | None = None
    nadir_mm: Decimal | None = None
    missing: tuple[str, ...] = ()
    reappeared: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """Why: the rule, the values and the thresholds (ARCHITECTURE C10)."""
        total, base, nadir = self.sum_mm, self.baseline_mm, self.nadir_mm
        if self.response is None or total is None:
            return ""
        if self.response is Response.PD and self.reappeared:
            return f"Target PD: {', '.join(self.reappeared)} reappeared after a confirmed CR (A5)"
        if self.response is Response.PD and nadir is not None:
            what = "sum" if self.complete else f"sum of the measured targets (without {', '.join(self.missing)})"
            change = percent_change(total, nadir)
            increase = f"{pct(change)} and " if change is not None else ""
            return (f"Target PD: {what} {mm(total)} is {increase}{signed_mm(total - nadir)} over nadir "
                    f"{mm(nadir)} (≥ 20 % and ≥ 5 mm)")
        if self.response is Response.NE:
            reason = f"{', '.join(self.missing)} not assessed" if self.missing else "baseline sum incomplete"
            return f"Target NE: {reason} and the measured targets do not show PD"
        if self.response is Response.CR:
            return f"Target CR: non-nodal targets 0 mm, nodal targets < 10 mm (sum {mm(total)})"
        assert base is not None and nadir is not None
        change_b = pct(percent_change(total, base))
        if self.response is Response.PR:
            return f"Target PR: sum {mm(total)} is {change_b} from baseline {mm(base)} (≤ −30 %)"
        return (f"Target SD: sum {mm(total)} is {change_b} from baseline {mm(base)} (PR needs ≤ −30 %) and "
                f"{pct(percent_change(total, nadir))}, {signed_mm(total - nadir)} over nadir {mm(nadir)} "
                "(PD needs ≥ +20 % and ≥ +5 mm)")


def target_response(
    values: list[tuple[Lesion, Decimal | None]],
    baseline_mm: Decimal | None,
    nadir_mm: Decimal | None,
    after_confirmed_cr: bool,
) -> TargetResult:
    """Target response (RULES §1.5, §1.9, A5), evaluated in the order PD, NE, CR, PR, SD."""
    if not values:
        return TargetResult(None, None, None, True)
    total = non_nodal = Decimal(0)
    missing: list[str] = []
    for lesion, value in values:  # one pass: this runs for every target set of every visit
        if value is None:
            missing.append(lesion.lesion_id)
        else:
            total += value
            if not lesion.nodal:
                non_nodal += value
    complete = not missing
    if after_confirmed_cr:
        reappeared = tuple(lesion.lesion_id for lesion, v in values if not lesion.nodal and v)
        if reappeared:
            return TargetResult(Response.PD, total, non_nodal, complete, baseline_mm, nadir_mm, tuple(missing),
                                reappeared)
    if nadir_mm is not None and is_progression(total, nadir_mm):
        response = Response.PD
    elif not complete or baseline_mm is None or nadir_mm is None:
        response = Response.NE
    elif is_complete_response(cast("list[tuple[Lesion, Decimal]]", values)):  # complete: no value is None
        response = Response.CR
    elif is_partial_response(total, baseline_mm):
        response = Response.PR
    else:
        response = Response.SD
    return TargetResult(response, total, non_nodal, complete, baseline_mm, nadir_mm, tuple(missing))


@dataclass
class _State:
    """What the rules carry from one time point to the next within a read."""

    baseline_mm: Decimal | None
    nadir_mm: Decimal | None
    confirmed_cr: bool = False
    cr_streak_start: date | None = None
    previous_overall: Response | None = None
    previous_target: Response | None = None
    equivocal_first_seen: dict[str, date] = field(default_factory=dict)
    first_pd: tuple[str, date] | None = None


def assess_recist11(read: Read, profile: Profile | None = None) -> ReadResult:
    """Every time-point response of ``read`` under RECIST 1.1 (RULES §1), with rationales."""
    profile = profile or Profile()
    targets = read.with_role(LesionRole.TARGET)
    nontargets = read.with_role(LesionRole.NON_TARGET)
    new_lesions = tuple(lesion for lesion in read.lesions if lesion.role.is_new)
    baseline = read.timepoints[0]
    base_obs = baseline.by_lesion
    base_values = [(lesion, observed_value(base_obs, lesion)) for lesion in targets]
    base_sum, base_complete = sum_of_diameters([v for _, v in base_values])
    baseline_mm = base_sum if targets and base_complete else None
    state = _State(baseline_mm=baseline_mm, nadir_mm=baseline_mm)
    results = [_baseline_result(baseline, base_values, baseline_mm)]
    for tp in read.timepoints[1:]:
        results.append(_follow_up(tp, targets, nontargets, new_lesions, state, profile))
    first_pd_visit, first_pd_date = state.first_pd or (None, None)
    return ReadResult(read, baseline_mm, tuple(results), baseline_findings(read), first_pd_date, first_pd_visit)


def observed_value(observations: dict[str, Observation], lesion: Lesion) -> Decimal | None:
    """Millimetres ``lesion`` counts for in ``observations`` (None when it has no value there)."""
    obs = observations.get(lesion.lesion_id)
    return obs.value_mm if obs is not None else None


def _baseline_result(tp: Timepoint, values: list[tuple[Lesion, Decimal | None]],
                     baseline_mm: Decimal | None) -> TimepointResult:
    non_nodal, _ = sum_of_diameters([v for lesion, v in values if not lesion.nodal])
    text = f"Baseline: sum of diameters {mm(baseline_mm)} over {len(values)} target(s)" if values \
        else "Baseline: no target lesions (non-target disease only)"
    return TimepointResult(
        tp.visit_id, tp.visit, tp.date, tp.date_text, baseline_mm, non_nodal if values else None,
        baseline_mm, None, None, None, None, None, False, Response.NE, join([text]),
        is_baseline=True, sum_complete=baseline_mm is not None or not values)


def _follow_up(tp: Timepoint, targets: tuple[Lesion, ...], nontargets: tuple[Lesion, ...],
               new_lesions: tuple[Lesion, ...], state: _State, profile: Profile) -> TimepointResult:
    observations = tp.by_lesion
    findings: list[Finding] = []
    target = target_response([(lesion, observed_value(observations, lesion)) for lesion in targets],
                             state.baseline_mm, state.nadir_mm, state.confirmed_cr)
    target_cat, target_text = target.response, target.text
    if (profile.continuing_pr and target_cat is Response.SD
            and state.previous_target in (Response.PR, Response.CR)):
        target_cat = Response.PR
        target_text += "; continuing PR after an earlier response (profile continuing_pr, A3)"
    nt_cat, nt_text = nontarget_response(nontargets, observations, state.confirmed_cr)
    new_found, new_text, backdate = _new_lesions(tp, new_lesions, observations, state, findings)
    overall = overall_response(target_cat, nt_cat, new_found)
    _question_earlier_cr(tp, targets, nontargets, observations, state, overall, findings)
    if overall is Response.PD and state.first_pd is None:
        state.first_pd = (tp.visit_id, backdate or tp.date)
        if backdate:
            findings.append(Finding("PD_BACKDATED", f"PD date back-dated to {backdate.isoformat()}, when the "
                                    "equivocal new lesion was first seen (A6)", visit_id=tp.visit_id))
    elif state.first_pd is not None:
        findings.append(Finding("AFTER_FIRST_PD", "time point after the first PD: not RECIST-relevant",
                                visit_id=tp.visit_id))
    nadir = state.nadir_mm
    result = _result(tp, target, target_cat, nt_cat, new_found, overall, state, findings,
                     join([target_text, nt_text, new_text, f"Overall {overall} ({_table(target_cat)})"]))
    if target.complete and target.sum_mm is not None and nadir is not None and target.sum_mm < nadir:
        state.nadir_mm = target.sum_mm  # A1: only complete sums become the nadir
    _update_cr_state(tp, overall, state, profile)
    state.previous_overall = overall
    if target_cat is not Response.NE:
        state.previous_target = target_cat
    return result


def _table(target: Response | None) -> str:
    return "RECIST 1.1 Table 2" if target is None else "RECIST 1.1 Table 1"


def _new_lesions(tp: Timepoint, lesions: tuple[Lesion, ...], observations: dict[str, Observation],
                 state: _State, findings: list[Finding]) -> tuple[bool, str, date | None]:
    """Unequivocal new lesions at ``tp`` (RULES §1.7) and the back-dated PD date of A6, if any."""
    unequivocal: list[str] = []
    backdates: list[date] = []
    for lesion in lesions:
        obs = observations.get(lesion.lesion_id)
        if obs is None:
            continue
        if obs.status is Status.EQUIVOCAL:
            state.equivocal_first_seen.setdefault(lesion.lesion_id, tp.date)
            findings.append(Finding("EQUIVOCAL_NEW_LESION", f"new lesion {lesion.lesion_id} is equivocal: "
                                    "follow it; if confirmed, PD dates back to today (A6)",
                                    lesion.lesion_id, tp.visit_id))
        elif obs.is_present:
            unequivocal.append(lesion.lesion_id)
            first_seen = state.equivocal_first_seen.get(lesion.lesion_id)
            if first_seen is not None and first_seen < tp.date:
                backdates.append(first_seen)
    if unequivocal:
        return True, f"New lesion(s): {', '.join(unequivocal)}", min(backdates) if backdates else None
    return False, "No unequivocal new lesion", None


def _question_earlier_cr(tp: Timepoint, targets: tuple[Lesion, ...], nontargets: tuple[Lesion, ...],
                         observations: dict[str, Observation], state: _State, overall: Response,
                         findings: list[Finding]) -> None:
    """A4/A5: after a single unconfirmed CR, ask the reader whether that CR was real."""
    if state.previous_overall is not Response.CR or state.confirmed_cr:
        return
    back = [lesion.lesion_id for lesion in targets if not lesion.nodal and observed_value(observations, lesion)]
    back += [lesion.lesion_id for lesion in nontargets
             if (o := observations.get(lesion.lesion_id)) is not None and _nontarget_present(lesion, o)]
    if back:
        findings.append(Finding("REAPPEARANCE_AFTER_UNCONFIRMED_CR",
                                f"{', '.join(back)} seen again after a single, unconfirmed CR: the sum rule "
                                "applies; was the earlier CR real? (A5)", visit_id=tp.visit_id))
    if overall is Response.PR:
        findings.append(Finding("CR_THEN_PR", "PR after CR: confirm the earlier CR or re-read both as PR (A4)",
                                visit_id=tp.visit_id))


def _update_cr_state(tp: Timepoint, overall: Response, state: _State, profile: Profile) -> None:
    """A5: a CR is confirmed by consecutive CRs ≥ ``confirm_min_days`` apart, or by the reader."""
    if overall is not Response.CR:
        state.cr_streak_start = None
        return
    if state.cr_streak_start is None:
        state.cr_streak_start = tp.date
    if tp.cr_confirmed or (tp.date - state.cr_streak_start).days >= profile.confirm_min_days:
        state.confirmed_cr = True


def _result(tp: Timepoint, target: TargetResult, target_cat: Response | None, nt_cat: Response | None,
            new_found: bool, overall: Response, state: _State, findings: list[Finding],
            text: str) -> TimepointResult:
    complete = target.complete and target.sum_mm is not None
    sum_mm = target.sum_mm if complete else None
    base, nadir = state.baseline_mm, state.nadir_mm
    return TimepointResult(
        visit_id=tp.visit_id, visit=tp.visit, date=tp.date, date_text=tp.date_text,
        sum_mm=sum_mm, sum_non_nodal_mm=target.sum_non_nodal_mm if complete else None,
        nadir_mm=nadir,
        pct_change_baseline=percent_change(sum_mm, base) if sum_mm is not None and base else None,
        pct_change_nadir=percent_change(sum_mm, nadir) if sum_mm is not None and nadir else None,
        abs_change_nadir_mm=sum_mm - nadir if sum_mm is not None and nadir is not None else None,
        target_response=target_cat, nontarget_response=nt_cat, new_lesion=new_found, overall=overall,
        rationale=text, findings=tuple(findings), sum_complete=target.complete)
