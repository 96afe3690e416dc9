"""In-field and out-of-field (abscopal) subset responses, with per-lesion local control
(:mod:`assessment.local_control`).

Reported **beside** the protocol response of :func:`assessment.recist11.assess_recist11`, never
instead of it (RULES §7 A16). The target lesions of a read are split by their ``irradiated`` flag
(irradiated on study): the IRRADIATED subset (in-field) and the NON-IRRADIATED subset
(out-of-field). Each subset gets its own sum, baseline, nadir and a RECIST-style target response
from the rule functions of :mod:`assessment.recist11` (RULES §3.2). Abscopal response is reported
two ways, both labelled (RULES §7, "Abscopal (out-of-field) response is reported two ways"); local
control is judged per irradiated lesion against its own nadir (RULES §3.2, A9).

Results keep their numbers; rationales are rendered from them only when read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from assessment.domain import Lesion, LesionRole, Read, Response, Timepoint
from assessment.local_control import LocalControl, local_control, local_control_lesions
from assessment.profile import Profile
from assessment.rationale import join, mm, pct, percent_change, signed_mm
from assessment.recist11 import (
    TargetResult,
    is_partial_response,
    observed_value,
    sum_of_diameters,
    target_response,
)

#: What both abscopal definitions ask of a decrease (RULES §7).
ABSCOPAL_NEEDS = "abscopal response needs ≤ −30 %"


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
    """One subset at one time point: its target verdict (``target``: the measured sum, whether it is
    complete, the baseline and nadir references) and the numbers derived from it. ``sum_mm`` is
    None when a lesion of the subset has no value (A1); ``measured_sum_mm`` is the sum of the
    lesions that have one (used for PD, RULES §1.9); ``response`` is None at baseline."""

    subset: Subset
    lesion_ids: tuple[str, ...]
    target: TargetResult
    is_baseline: bool = False

    @property
    def complete(self) -> bool:
        """Every lesion of the subset has a value."""
        return self.target.complete

    @property
    def measured_sum_mm(self) -> Decimal:
        """Sum of the lesions that have a value."""
        return self.target.sum_mm or Decimal(0)

    @property
    def sum_mm(self) -> Decimal | None:
        """The subset sum, None when incomplete (A1)."""
        return self.target.sum_mm if self.target.complete else None

    @property
    def baseline_mm(self) -> Decimal | None:
        """The subset's own baseline sum (None when its baseline was incomplete)."""
        return self.target.baseline_mm

    @property
    def nadir_mm(self) -> Decimal | None:
        """The subset's PD reference at this time point (RULES §1.5, A1)."""
        return self.target.nadir_mm

    @property
    def response(self) -> Response | None:
        """CR, PR, SD, PD or NE by the RECIST 1.1 target thresholds; None at baseline."""
        return None if self.is_baseline else self.target.response

    @cached_property
    def pct_change_baseline(self) -> Decimal | None:
        """Percent change of the complete sum from the subset baseline (None at baseline)."""
        total, reference = self._follow_up_sum(), self.baseline_mm
        return None if total is None or reference is None else percent_change(total, reference)

    @property
    def pct_change_nadir(self) -> Decimal | None:
        """Percent change of the complete sum from the subset nadir (None at baseline)."""
        total, reference = self._follow_up_sum(), self.nadir_mm
        return None if total is None or reference is None else percent_change(total, reference)

    @property
    def abs_change_nadir_mm(self) -> Decimal | None:
        """Complete sum minus the subset nadir (None at baseline)."""
        total, reference = self._follow_up_sum(), self.nadir_mm
        return None if total is None or reference is None else total - reference

    def _follow_up_sum(self) -> Decimal | None:
        return None if self.is_baseline else self.sum_mm

    @property
    def rationale(self) -> str:
        """Why: the subset's values against the RECIST 1.1 target thresholds."""
        label = self.subset.label
        if not self.is_baseline:
            return f"{label} subset {self.target.text.removeprefix('Target ')}"
        if self.complete:
            return (f"{label} subset baseline: sum {mm(self.sum_mm)} over {len(self.lesion_ids)} target(s) "
                    f"({', '.join(self.lesion_ids)})")
        return (f"{label} subset baseline incomplete: {', '.join(self.target.missing)} not assessed, "
                "no subset reference")

    @property
    def summary(self) -> str:
        """The category and the one comparison that decides it, e.g. 'irradiated PR (−35.2 % from
        baseline)': for the timeline, whose columns carry the sums."""
        name, response, target = self.subset.value.lower(), self.response, self.target
        if response is Response.PD and target.reappeared:
            why = f"{', '.join(target.reappeared)} reappeared after a confirmed CR"
        elif response is Response.PD and self.nadir_mm is not None:
            why = f"{signed_mm(self.measured_sum_mm - self.nadir_mm)} over nadir {mm(self.nadir_mm)}"
        elif response is Response.NE:
            why = f"{', '.join(target.missing)} not assessed" if target.missing else "baseline incomplete"
        elif response is Response.CR:
            why = "all targets gone, nodes < 10 mm"
        elif response is Response.PR:
            why = f"{pct(self.pct_change_baseline)} from baseline"
        else:
            nadir = self.nadir_mm
            over = f", {signed_mm(self.measured_sum_mm - nadir)} over nadir" if nadir is not None else ""
            why = f"{pct(self.pct_change_baseline)} from baseline; {pct(self.pct_change_nadir)}{over}"
        return f"{name} {response} ({why})"


@dataclass(frozen=True)
class LesionChange:
    """One non-irradiated target against its own baseline diameter (abscopal any_lesion30)."""

    lesion_id: str
    value_mm: Decimal
    baseline_mm: Decimal

    @property
    def pct_change(self) -> Decimal:
        """Percent change from the lesion's baseline (the baseline is never 0 here)."""
        return (self.value_mm - self.baseline_mm) * 100 / self.baseline_mm

    @property
    def text(self) -> str:
        """'T01 23.8 mm is +3.0 % from its baseline 23.1 mm'."""
        return (f"{self.lesion_id} {mm(self.value_mm)} is {pct(self.pct_change)} "
                f"from its baseline {mm(self.baseline_mm)}")


@dataclass(frozen=True)
class SubsetTimepoint:
    """Both subsets and both abscopal flags at one time point; a subset with no target is None.

    ``best_change`` is the non-irradiated target with the largest decrease (a qualifying one first)
    and ``unassessed`` the non-irradiated targets without a value here or at baseline: the evidence
    behind ``abscopal_any_lesion30``."""

    visit_id: str
    date: date
    is_baseline: bool
    irradiated: SubsetResult | None
    non_irradiated: SubsetResult | None
    abscopal_sum30: bool | None
    abscopal_any_lesion30: bool | None
    best_change: LesionChange | None = None
    unassessed: tuple[str, ...] = ()

    @property
    def rationale(self) -> str:
        """Why: each subset's sentence, then both abscopal verdicts with their numbers."""
        texts = [r.rationale if r is not None else f"No {s.label.lower()} target lesion: no {s.label.lower()} "
                 "subset response" for r, s in ((self.irradiated, Subset.IRRADIATED),
                                                 (self.non_irradiated, Subset.NON_IRRADIATED))]
        if not self.is_baseline:
            texts += [self._sum30_text(), self._any_lesion30_text()]
        return join(texts)

    @property
    def summary(self) -> str:
        """A short form of :attr:`rationale` for the timeline (whose columns hold the sums)."""
        parts = [r.summary for r in (self.irradiated, self.non_irradiated) if r is not None]
        if self.non_irradiated is not None and not self.is_baseline:
            best = f", best {self.best_change.lesion_id} {pct(self.best_change.pct_change)}" \
                if self.best_change else ""
            parts.append(f"abscopal sum30 {_yes_no(self.abscopal_sum30)}, any_lesion30 "
                         f"{_yes_no(self.abscopal_any_lesion30)}{best} ({ABSCOPAL_NEEDS})")
        return "; ".join(parts) + "." if parts else ""

    def _sum30_text(self) -> str:
        name, result = "Abscopal response by subset sum (sum30)", self.non_irradiated
        if result is None:
            return f"{name}: not evaluable, no non-irradiated target lesion"
        if self.abscopal_sum30 is None:
            return f"{name}: not evaluable, the non-irradiated sum or its baseline is incomplete"
        return (f"{name}: {_yes_no(self.abscopal_sum30)}, non-irradiated subset sum {mm(result.sum_mm)} is "
                f"{pct(result.pct_change_baseline)} from its baseline {mm(result.baseline_mm)} ({ABSCOPAL_NEEDS})")

    def _any_lesion30_text(self) -> str:
        name = "Abscopal response by any lesion (any_lesion30)"
        if self.non_irradiated is None:
            return f"{name}: not evaluable, no non-irradiated target lesion"
        if self.abscopal_any_lesion30 is None:
            return (f"{name}: not evaluable, {', '.join(self.unassessed)} not assessed and no measured lesion "
                    "reaches −30 %")
        shown = f"best {self.best_change.text}" if self.best_change else ""
        return f"{name}: {_yes_no(self.abscopal_any_lesion30)}, {shown} (needs ≤ −30 %)"


def _yes_no(verdict: bool | None) -> str:
    return "not evaluable" if verdict is None else "yes" if verdict else "no"


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
    observations = tp.by_lesion
    return [(lesion, observed_value(observations, lesion)) for lesion in lesions]


def subset_baseline(subset: Subset, values: list[tuple[Lesion, Decimal | None]]) -> SubsetResult:
    """Subset baseline: the reference for PR and the first nadir, only when complete (RULES §1.3, A1)."""
    total, complete = sum_of_diameters([v for _, v in values])
    base = total if complete else None
    missing = tuple(lesion.lesion_id for lesion, v in values if v is None)
    return SubsetResult(subset, tuple(lesion.lesion_id for lesion, _ in values),
                        TargetResult(None, total, None, complete, base, base, missing), is_baseline=True)


def subset_response(subset: Subset, values: list[tuple[Lesion, Decimal | None]], baseline_mm: Decimal | None,
                    nadir_mm: Decimal | None) -> SubsetResult:
    """RECIST 1.1 target thresholds applied to one subset (RULES §1.5, §1.9, §3.2).

    Uses :func:`assessment.recist11.target_response`: PD from the measured lesions of an incomplete
    subset still shows (§1.9); otherwise an incomplete subset is NE. A5 (reappearance after a
    confirmed CR) is a protocol-level rule and is not applied to subsets.
    """
    return SubsetResult(subset, tuple(lesion.lesion_id for lesion, _ in values),
                        target_response(values, baseline_mm, nadir_mm, after_confirmed_cr=False))


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


def abscopal_sum30(result: SubsetResult | None) -> bool | None:
    """Abscopal response (1), PEMBRO-RT / McBride style: the non-irradiated subset sum ≥ 30 % below
    its own baseline (RULES §3.2, §7). None when the subset is empty, its sum or baseline incomplete."""
    if result is None or result.sum_mm is None or not result.baseline_mm:
        return None
    return is_abscopal_decrease(result.sum_mm, result.baseline_mm)


def abscopal_any_lesion30(lesions: tuple[Lesion, ...], baseline: Timepoint, tp: Timepoint
                          ) -> tuple[bool | None, LesionChange | None, tuple[str, ...]]:
    """Abscopal response (2), Golden style: at least one non-irradiated target ≥ 30 % below its own
    baseline diameter (RULES §3.2, §7). The verdict is None when there is no non-irradiated target,
    or when no lesion qualifies and one could not be evaluated (it might have qualified). Also
    returns the lesion with the largest decrease (a qualifying one first) and the unassessed ones."""
    if not lesions:
        return None, None, ()
    before, now = baseline.by_lesion, tp.by_lesion
    hits: list[LesionChange] = []
    others: list[LesionChange] = []
    unknown: list[str] = []
    for lesion in lesions:
        base, value = observed_value(before, lesion), observed_value(now, lesion)
        if base is None or value is None or base == 0:
            unknown.append(lesion.lesion_id)
        else:
            (hits if is_abscopal_decrease(value, base) else others).append(LesionChange(lesion.lesion_id, value, base))
    best = min(hits or others, key=lambda c: (c.pct_change, c.lesion_id), default=None)
    verdict = True if hits else None if unknown else False
    return verdict, best, tuple(unknown)


def assess_subsets(read: Read, profile: Profile | None = None) -> SubsetReport:
    """In-field / out-of-field subset responses, both abscopal flags and local control of ``read``
    (RULES §3.2, §7 A9, A16), beside the protocol response, never instead of it."""
    profile = profile or Profile()
    irradiated = subset_results(read, Subset.IRRADIATED)
    non_irradiated = subset_results(read, Subset.NON_IRRADIATED)
    outside = subset_lesions(read, Subset.NON_IRRADIATED)
    baseline = read.timepoints[0]
    timepoints = [SubsetTimepoint(baseline.visit_id, baseline.date, True, irradiated[0], non_irradiated[0], None, None)]
    for k, tp in enumerate(read.timepoints[1:], start=1):
        any30, best, unassessed = abscopal_any_lesion30(outside, baseline, tp)
        timepoints.append(SubsetTimepoint(tp.visit_id, tp.date, False, irradiated[k], non_irradiated[k],
                                          abscopal_sum30(non_irradiated[k]), any30, best, unassessed))
    return SubsetReport(
        read.subject_id, tuple(lesion.lesion_id for lesion in subset_lesions(read, Subset.IRRADIATED)),
        tuple(lesion.lesion_id for lesion in outside), tuple(timepoints),
        tuple(local_control(lesion, read, profile) for lesion in local_control_lesions(read)))
