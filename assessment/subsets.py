"""In-field and out-of-field (abscopal) subset responses and per-lesion local control.

Reported **beside** the protocol response of :func:`assessment.recist11.assess_recist11`, never
instead of it (RULES §7 A16). The target lesions of a read are split by their ``irradiated`` flag
(irradiated on study): the IRRADIATED subset (in-field) and the NON-IRRADIATED subset
(out-of-field). Each subset gets its own sum, baseline, nadir and a RECIST-style target response
from the rule functions of :mod:`assessment.recist11` (RULES §3.2). Abscopal response is reported
two ways, both labelled (RULES §7, "Abscopal (out-of-field) response is reported two ways"); local
control is judged per irradiated lesion against its own nadir (RULES §3.2, A9).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from assessment.domain import Lesion, LesionRole, Read, Response, Timepoint
from assessment.profile import Profile
from assessment.rationale import join, mm, pct, percent_change, signed_mm
from assessment.recist11 import is_partial_response, sum_of_diameters, target_response


class Subset(StrEnum):
    """The two target subsets of RULES §3.2 (CDISC.md §7: RSSCAT IRRADIATED / NON-IRRADIATED LESIONS)."""

    IRRADIATED = "IRRADIATED"
    NON_IRRADIATED = "NON-IRRADIATED"

    @property
    def label(self) -> str:
        """'Irradiated' or 'Non-irradiated', for rationales."""
        return self.value.capitalize()


@dataclass(frozen=True)
class SubsetResult:
    """One subset at one time point. ``sum_mm`` is None when a lesion of the subset has no value
    (A1); ``measured_sum_mm`` is the sum of the lesions that have one (used for PD, RULES §1.9).
    ``nadir_mm`` is the PD reference at this time point; ``response`` is None at baseline."""

    subset: Subset
    lesion_ids: tuple[str, ...]
    sum_mm: Decimal | None
    measured_sum_mm: Decimal
    complete: bool
    baseline_mm: Decimal | None
    nadir_mm: Decimal | None
    pct_change_baseline: Decimal | None
    pct_change_nadir: Decimal | None
    abs_change_nadir_mm: Decimal | None
    response: Response | None
    rationale: str


@dataclass(frozen=True)
class SubsetTimepoint:
    """Both subsets and both abscopal flags at one time point; a subset with no target is None."""

    visit_id: str
    date: date
    is_baseline: bool
    irradiated: SubsetResult | None
    non_irradiated: SubsetResult | None
    abscopal_sum30: bool | None
    abscopal_any_lesion30: bool | None
    rationale: str


@dataclass(frozen=True)
class LocalVerdict:
    """Local control of one irradiated lesion at one follow-up (RULES A9).
    ``local_progression`` is None when the lesion has no value now or no earlier value."""

    lesion_id: str
    visit_id: str
    date: date
    value_mm: Decimal | None
    nadir_mm: Decimal | None
    pct_change_nadir: Decimal | None
    abs_change_nadir_mm: Decimal | None
    local_progression: bool | None
    radiation_induced: bool
    local_pd_pct: Decimal
    local_pd_mm: Decimal

    @property
    def rationale(self) -> str:
        """Why: the lesion's value against its own nadir and the A9 thresholds (rendered on demand)."""
        value, nadir, change = self.value_mm, self.nadir_mm, self.pct_change_nadir
        if value is None or nadir is None:
            why = "no value at this visit" if value is None else "no earlier value to compare with"
            return f"{self.lesion_id} local control not evaluable: {why}"
        rule = f"≥ {_number(self.local_pd_pct)} %" + (
            f" and ≥ {_number(self.local_pd_mm)} mm" if self.local_pd_mm else ", 5 mm rule off")
        numbers = (f"{mm(value)} is {pct(change) + ' and ' if change is not None else ''}"
                   f"{signed_mm(value - nadir)} over its nadir {mm(nadir)}")
        if self.radiation_induced and is_local_progression(value, nadir, self.local_pd_pct, self.local_pd_mm):
            return (f"{self.lesion_id} not local progression: {numbers} ({rule}), but the reader marked the "
                    "change radiation-induced (A9)")
        if self.local_progression:
            return f"{self.lesion_id} local progression: {numbers} ({rule})"
        return f"{self.lesion_id} locally controlled: {numbers} (local PD needs {rule})"


@dataclass(frozen=True)
class LocalControl:
    """Local control of one irradiated lesion over the read, with its first local progression."""

    lesion_id: str
    role: LesionRole
    local_progression_date: date | None
    local_progression_visit_id: str | None
    verdicts: tuple[LocalVerdict, ...]
    rationale: str


@dataclass(frozen=True)
class SubsetReport:
    """Subset responses per time point (baseline first) and local control per irradiated lesion."""

    subject_id: str
    irradiated_ids: tuple[str, ...]
    non_irradiated_ids: tuple[str, ...]
    timepoints: tuple[SubsetTimepoint, ...]
    local_control: tuple[LocalControl, ...]

    @property
    def follow_ups(self) -> tuple[SubsetTimepoint, ...]:
        """Every time point after baseline."""
        return tuple(tp for tp in self.timepoints if not tp.is_baseline)


def subset_lesions(read: Read, subset: Subset) -> tuple[Lesion, ...]:
    """Baseline target lesions of ``subset``: by the on-study ``irradiated`` flag (RULES §3.2, A16)."""
    irradiated = subset is Subset.IRRADIATED
    return tuple(lesion for lesion in read.with_role(LesionRole.TARGET) if lesion.irradiated is irradiated)


def _values(tp: Timepoint, lesions: tuple[Lesion, ...]) -> list[tuple[Lesion, Decimal | None]]:
    return [(lesion, tp.observation(lesion.lesion_id).value_mm) for lesion in lesions]


def subset_baseline(subset: Subset, values: list[tuple[Lesion, Decimal | None]]) -> SubsetResult:
    """Subset baseline: the reference for PR and the first nadir, only when complete (RULES §1.3, A1)."""
    total, complete = sum_of_diameters([v for _, v in values])
    ids = tuple(lesion.lesion_id for lesion, _ in values)
    if complete:
        text = f"{subset.label} subset baseline: sum {mm(total)} over {len(ids)} target(s) ({', '.join(ids)})"
    else:
        missing = ", ".join(lesion.lesion_id for lesion, v in values if v is None)
        text = f"{subset.label} subset baseline incomplete: {missing} not assessed, no subset reference"
    base = total if complete else None
    return SubsetResult(subset, ids, base, total, complete, base, base, None, None, None, None, text)


def subset_response(subset: Subset, values: list[tuple[Lesion, Decimal | None]], baseline_mm: Decimal | None,
                    nadir_mm: Decimal | None) -> SubsetResult:
    """RECIST 1.1 target thresholds applied to one subset (RULES §1.5, §1.9, §3.2).

    Uses :func:`assessment.recist11.target_response`: PD from the measured lesions of an incomplete
    subset still shows (§1.9); otherwise an incomplete subset is NE. A5 (reappearance after a
    confirmed CR) is a protocol-level rule and is not applied to subsets.
    """
    target = target_response(values, baseline_mm, nadir_mm, after_confirmed_cr=False)
    total = target.sum_mm if target.sum_mm is not None else Decimal(0)
    sum_mm = total if target.complete else None
    return SubsetResult(
        subset, tuple(lesion.lesion_id for lesion, _ in values), sum_mm, total, target.complete,
        baseline_mm, nadir_mm,
        percent_change(sum_mm, baseline_mm) if sum_mm is not None and baseline_mm is not None else None,
        percent_change(sum_mm, nadir_mm) if sum_mm is not None and nadir_mm is not None else None,
        sum_mm - nadir_mm if sum_mm is not None and nadir_mm is not None else None,
        target.response, f"{subset.label} subset {target.text.removeprefix('Target ')}")


def next_nadir(nadir_mm: Decimal | None, result: SubsetResult) -> Decimal | None:
    """Subset nadir after ``result``: only a complete sum can lower it (RULES §1.5, A1)."""
    if result.sum_mm is not None and nadir_mm is not None and result.sum_mm < nadir_mm:
        return result.sum_mm
    return nadir_mm


def subset_results(read: Read, subset: Subset) -> tuple[SubsetResult | None, ...]:
    """The subset at every time point (baseline first); all None when the subset has no target."""
    lesions = subset_lesions(read, subset)
    if not lesions:
        return (None,) * len(read.timepoints)
    base = subset_baseline(subset, _values(read.timepoints[0], lesions))
    results: list[SubsetResult | None] = [base]
    nadir = base.baseline_mm
    for tp in read.timepoints[1:]:
        result = subset_response(subset, _values(tp, lesions), base.baseline_mm, nadir)
        results.append(result)
        nadir = next_nadir(nadir, result)
    return tuple(results)


def is_abscopal_decrease(value_mm: Decimal, baseline_mm: Decimal) -> bool:
    """≥ 30 % below baseline, i.e. value ≤ 0.7 × baseline, exact and inclusive (RULES §7, A2)."""
    return is_partial_response(value_mm, baseline_mm)


def abscopal_sum30(result: SubsetResult | None) -> tuple[bool | None, str]:
    """Abscopal response (1), PEMBRO-RT / McBride style: the non-irradiated subset sum ≥ 30 % below
    its own baseline (RULES §3.2, §7). None when the subset is empty, its sum or baseline incomplete."""
    name = "Abscopal response by subset sum (sum30)"
    if result is None:
        return None, f"{name}: not evaluable, no non-irradiated target lesion"
    base, total = result.baseline_mm, result.sum_mm
    if base is None or total is None or base == 0:
        return None, f"{name}: not evaluable, the non-irradiated sum or its baseline is incomplete"
    verdict = is_abscopal_decrease(total, base)
    return verdict, (f"{name}: {'yes' if verdict else 'no'}, non-irradiated subset sum {mm(total)} is "
                     f"{pct(percent_change(total, base))} from its baseline {mm(base)} "
                     "(abscopal response needs ≤ −30 %)")


def abscopal_any_lesion30(lesions: tuple[Lesion, ...], baseline: Timepoint, tp: Timepoint) -> tuple[bool | None, str]:
    """Abscopal response (2), Golden style: at least one non-irradiated target ≥ 30 % below its own
    baseline diameter (RULES §3.2, §7). None when there is no non-irradiated target, or when no
    lesion qualifies and one could not be evaluated (it might have qualified)."""
    name = "Abscopal response by any lesion (any_lesion30)"
    if not lesions:
        return None, f"{name}: not evaluable, no non-irradiated target lesion"
    changes: list[tuple[Decimal, str, Decimal, Decimal]] = []
    unknown: list[str] = []
    for lesion in lesions:
        base = baseline.observation(lesion.lesion_id).value_mm
        value = tp.observation(lesion.lesion_id).value_mm
        if base is None or value is None or base == 0:
            unknown.append(lesion.lesion_id)
        else:
            changes.append((percent_change(value, base) or Decimal(0), lesion.lesion_id, value, base))
    hits = [c for c in changes if is_abscopal_decrease(c[2], c[3])]
    best = min(hits or changes, default=None)
    shown = f"best {best[1]} {mm(best[2])} is {pct(best[0])} from its baseline {mm(best[3])}" if best else ""
    if hits:
        return True, f"{name}: yes, {shown} (needs ≤ −30 %)"
    if unknown:
        return None, f"{name}: not evaluable, {', '.join(unknown)} not assessed and no measured lesion reaches −30 %"
    return False, f"{name}: no, {shown} (needs ≤ −30 %)"


def is_local_progression(value_mm: Decimal, nadir_mm: Decimal, local_pd_pct: Decimal, local_pd_mm: Decimal) -> bool:
    """Local PD of an irradiated lesion (RULES §3.2, A9): value ≥ (1 + local_pd_pct/100) × its own
    nadir and ≥ nadir + local_pd_mm, both inclusive and exact (A2). ``local_pd_mm = 0`` switches the
    millimetre rule off; an increase over the nadir is still required (a 0 mm lesion staying 0 mm
    is not progression). The thresholds are the profile's ``local_pd_pct`` and ``local_pd_mm``."""
    return (value_mm > nadir_mm and value_mm >= (1 + local_pd_pct / 100) * nadir_mm
            and value_mm - nadir_mm >= local_pd_mm)


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def local_verdict(lesion_id: str, tp: Timepoint, nadir_mm: Decimal | None, profile: Profile) -> LocalVerdict:
    """Local control of ``lesion_id`` at ``tp`` against its own nadir; the reader's radiation-induced
    mark overrides progression (RULES A9)."""
    obs = tp.observation(lesion_id)
    value, induced = obs.value_mm, obs.radiation_induced
    thresholds = (profile.local_pd_pct, profile.local_pd_mm)
    if value is None or nadir_mm is None:
        return LocalVerdict(lesion_id, tp.visit_id, tp.date, value, nadir_mm, None, None, None, induced, *thresholds)
    met = is_local_progression(value, nadir_mm, *thresholds)
    return LocalVerdict(lesion_id, tp.visit_id, tp.date, value, nadir_mm, percent_change(value, nadir_mm),
                        value - nadir_mm, met and not induced, induced, *thresholds)


def local_control(lesion: Lesion, read: Read, profile: Profile) -> LocalControl:
    """Per-visit local control of one irradiated lesion; its nadir is the minimum of its own earlier
    values, baseline included (RULES §3.2, A9)."""
    earlier = [v for v in [read.timepoints[0].observation(lesion.lesion_id).value_mm] if v is not None]
    verdicts: list[LocalVerdict] = []
    for tp in read.timepoints[1:]:
        verdict = local_verdict(lesion.lesion_id, tp, min(earlier, default=None), profile)
        verdicts.append(verdict)
        if verdict.value_mm is not None:
            earlier.append(verdict.value_mm)
    first = next((v for v in verdicts if v.local_progression), None)
    text = (f"{lesion.lesion_id}: first local progression on {first.date.isoformat()} (visit {first.visit_id})"
            if first else f"{lesion.lesion_id}: no local progression")
    return LocalControl(lesion.lesion_id, lesion.role, first.date if first else None,
                        first.visit_id if first else None, tuple(verdicts), text)


def local_control_lesions(read: Read) -> tuple[Lesion, ...]:
    """Irradiated targets, and irradiated non-targets only when they have a measurement (RULES A9)."""
    def measured(lesion: Lesion) -> bool:
        return any(tp.observation(lesion.lesion_id).value_mm is not None for tp in read.timepoints)
    return tuple(lesion for lesion in read.lesions if lesion.irradiated and (
        lesion.role is LesionRole.TARGET or (lesion.role is LesionRole.NON_TARGET and measured(lesion))))


def assess_subsets(read: Read, profile: Profile | None = None) -> SubsetReport:
    """In-field / out-of-field subset responses, both abscopal flags and local control of ``read``
    (RULES §3.2, §7 A9, A16), beside the protocol response, never instead of it."""
    profile = profile or Profile()
    irradiated = subset_results(read, Subset.IRRADIATED)
    non_irradiated = subset_results(read, Subset.NON_IRRADIATED)
    outside = subset_lesions(read, Subset.NON_IRRADIATED)
    baseline = read.timepoints[0]
    timepoints: list[SubsetTimepoint] = []
    for k, tp in enumerate(read.timepoints):
        inside_r, outside_r = irradiated[k], non_irradiated[k]
        texts = [r.rationale if r is not None else f"No {s.label.lower()} target lesion: no {s.label.lower()} "
                 "subset response" for r, s in ((inside_r, Subset.IRRADIATED), (outside_r, Subset.NON_IRRADIATED))]
        sum30: bool | None = None
        any30: bool | None = None
        if k > 0:
            sum30, sum_text = abscopal_sum30(outside_r)
            any30, any_text = abscopal_any_lesion30(outside, baseline, tp)
            texts += [sum_text, any_text]
        timepoints.append(SubsetTimepoint(tp.visit_id, tp.date, k == 0, inside_r, outside_r, sum30, any30,
                                          join(texts)))
    return SubsetReport(
        read.subject_id, tuple(lesion.lesion_id for lesion in subset_lesions(read, Subset.IRRADIATED)),
        tuple(lesion.lesion_id for lesion in outside), tuple(timepoints),
        tuple(local_control(lesion, read, profile) for lesion in local_control_lesions(read)))
