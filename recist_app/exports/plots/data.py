"""What the plots show, as plain data taken from the engine's reports (issue 7).

One :class:`ReadPlotData` per read: for all target lesions and for the irradiated (in-field) and
non-irradiated (out-of-field) subsets, the sum of diameters and the % change from baseline at
every time point with its response category (:class:`SubsetSeries`), the best overall response
(BOR, confirmed BOR, iBOR), the first PD and iRECIST progression, PFS, and the SBRT windows.

Numbers are the engine's exact decimals (never recomputed), so a plot shows what the timeline and
SDTM exports say. Time is ``day``, counted from the read's reference date (randomisation or first dose per the
protocol profile, RULES §7 A8; the baseline scan when the subject has none) as SDTM --DY and PFS count it: day 1
is the reference date, there is no day 0, a scan before it has a negative day (so a PD on day 92 is a PFS of 92
days).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from assessment.best_response import Assessment, best_overall_response
from assessment.profile import Profile
from assessment.read_report import ReadReport
from assessment.subsets import SubsetResult
from recist_app.sdtm.response_tables import day_number

if TYPE_CHECKING:
    from assessment.outcome import ReadOutcome
    from recist_app.exports.collect import ExportedRead
    from recist_app.model.records import ReadSnapshot

#: Display names of the SDTM evaluators (who read), for titles and file names.
EVALUATOR_LABELS = {"INVESTIGATOR": "Site radiologist (investigator)", "RADIOLOGIST 1": "Central reader 1",
                    "RADIOLOGIST 2": "Central reader 2"}


class PlotSubset(StrEnum):
    """The three views of a read's target lesions (RULES §3.2; CDISC.md §7 RSSCAT)."""

    ALL = "ALL TARGETS"
    IRRADIATED = "IRRADIATED"
    NON_IRRADIATED = "NON-IRRADIATED"

    @property
    def panel_title(self) -> str:
        """Panel title, e.g. 'Non-irradiated lesions (out-of-field)'."""
        return {"ALL TARGETS": "All target lesions (RECIST 1.1)", "IRRADIATED": "Irradiated lesions (in-field)",
                "NON-IRRADIATED": "Non-irradiated lesions (out-of-field)"}[self.value]


@dataclass(frozen=True)
class SeriesPoint:
    """One time point of a series: sum (mm), % change from baseline and the response category.

    ``response`` is the protocol overall response for :attr:`PlotSubset.ALL` and the subset's
    target response otherwise; None at baseline.
    """

    visit_id: str
    visit: str
    date: date
    day: int
    sum_mm: Decimal | None
    pct_change_baseline: Decimal | None
    response: str | None
    is_baseline: bool


@dataclass(frozen=True)
class SubsetSeries:
    """The target lesions of one :class:`PlotSubset` over time (empty when the subset has none)."""

    subset: PlotSubset
    lesion_ids: tuple[str, ...]
    points: tuple[SeriesPoint, ...]
    #: The panel's own best response: the read's BOR for all targets, the subset's best target response by the BOR
    #: rule (ADRS BORIRR / BORNIR) for a subset; None when not derived (no profile given).
    best_response: str | None = None

    @property
    def has_data(self) -> bool:
        """True when the subset has target lesions."""
        return bool(self.lesion_ids) and bool(self.points)

    @property
    def follow_ups(self) -> tuple[SeriesPoint, ...]:
        """The points after baseline."""
        return tuple(p for p in self.points if not p.is_baseline)

    @property
    def best_pct_change(self) -> Decimal | None:
        """The waterfall value: the smallest % change from baseline over the follow-ups (None if none)."""
        values = [p.pct_change_baseline for p in self.follow_ups if p.pct_change_baseline is not None]
        return min(values, default=None)

    @property
    def first_pd(self) -> SeriesPoint | None:
        """The first follow-up whose response is PD."""
        return next((p for p in self.follow_ups if p.response == "PD"), None)


@dataclass(frozen=True)
class SbrtWindow:
    """Stereotactic radiotherapy of one lesion, its first and last day (counted as ``day`` is)."""

    lesion_id: str
    start_day: int
    end_day: int


@dataclass(frozen=True)
class ReadPlotData:
    """Everything the plots need of one read (see the module docstring for days)."""

    subject_id: str
    arm: str
    evaluator: str
    evaluator_id: str
    reference: str
    start_date: date
    series: tuple[SubsetSeries, ...]
    bor: str
    confirmed_bor: str
    irecist_bor: str
    first_pd_date: date | None
    irecist_progression_date: date | None
    irecist_progression_confirmed: bool
    irecist_responses: tuple[tuple[int, str], ...]
    pfs_days: int
    pfs_censored: bool
    sbrt: tuple[SbrtWindow, ...] = ()

    def subset(self, subset: PlotSubset) -> SubsetSeries:
        """The series of ``subset``."""
        return next(s for s in self.series if s.subset is subset)

    @property
    def overall(self) -> SubsetSeries:
        """The series of all target lesions with the protocol overall responses."""
        return self.subset(PlotSubset.ALL)

    @property
    def reader_label(self) -> str:
        """'Central reader 1', 'Site radiologist (investigator)' …"""
        return EVALUATOR_LABELS.get(self.evaluator_id or self.evaluator, self.evaluator_id or self.evaluator)

    @property
    def last_day(self) -> int:
        """Day of the last assessment (the end of the swimmer bar)."""
        return max((p.day for p in self.overall.points), default=0)

    @property
    def first_pd_day(self) -> int | None:
        """Day of the first RECIST 1.1 PD (None without PD)."""
        return self.day(self.first_pd_date)

    @property
    def irecist_progression_day(self) -> int | None:
        """Day of the iRECIST progression (iUPD later confirmed, or unconfirmed; None without)."""
        return self.day(self.irecist_progression_date)

    def day(self, when: date | None) -> int | None:
        """The day of ``when`` from the reference date, day 1 on it as SDTM --DY and PFS count (None for None)."""
        return None if when is None else day_number(self.start_date, when)


def read_plot_data(report: ReadReport, outcome: ReadOutcome, *, start_date: date, reference: str, arm: str = "",
                   irecist_bor: str = "", irecist_progression: tuple[date, bool] | None = None,
                   profile: Profile | None = None) -> ReadPlotData:
    """The plot data of one engine report and its outcome (BOR, PFS) counted from ``start_date``.

    ``irecist_progression`` is ``(date, confirmed)``; by default the report's own iRECIST result. With the
    ``profile``, each subset's best target response is derived (its waterfall colour).
    """
    def day(when: date) -> int:
        return day_number(start_date, when)

    overall = SubsetSeries(PlotSubset.ALL, tuple(lesion.lesion_id for lesion in report.read.lesions
                                                 if lesion.role.value == "TARGET"),
                           tuple(SeriesPoint(tp.visit_id, tp.visit, tp.date, day(tp.date), tp.sum_mm,
                                             tp.pct_change_baseline, None if tp.is_baseline else tp.overall.value,
                                             tp.is_baseline) for tp in report.recist.timepoints),
                           outcome.best_response.category)
    subsets = [_subset_series(report, subset, day) for subset in (PlotSubset.IRRADIATED, PlotSubset.NON_IRRADIATED)]
    if profile is not None:
        subsets = [_with_best(series, start_date, profile) for series in subsets]
    if irecist_progression is None and report.irecist.progression_date is not None:
        irecist_progression = (report.irecist.progression_date, report.irecist.confirmed)
    sbrt = tuple(SbrtWindow(lesion.lesion_id, day(lesion.sbrt_start), day(lesion.sbrt_end or lesion.sbrt_start))
                 for lesion in report.read.lesions if lesion.irradiated and lesion.sbrt_start is not None)
    return ReadPlotData(
        report.read.subject_id, arm, report.read.evaluator, report.read.evaluator_id, reference, start_date,
        (overall, *subsets), outcome.best_response.category, outcome.confirmed_best_response.category,
        irecist_bor, outcome.first_pd_date, irecist_progression[0] if irecist_progression else None,
        irecist_progression[1] if irecist_progression else False,
        tuple((day(tp.date), tp.overall.value) for tp in report.irecist.timepoints),
        outcome.pfs.days, outcome.pfs.censored, sbrt)


def _with_best(series: SubsetSeries, start_date: date, profile: Profile) -> SubsetSeries:
    """``series`` with its best target response (the BOR rule on its follow-ups' responses, RULES §1.10)."""
    if not series.has_data:
        return series
    assessments = [Assessment(p.date, p.response, p.visit_id) for p in series.follow_ups if p.response]
    best = best_overall_response(assessments, start_date, profile).category
    return dataclasses.replace(series, best_response=best)


def _subset_series(report: ReadReport, subset: PlotSubset, day: Callable[[date], int]) -> SubsetSeries:
    if report.subsets is None:
        return SubsetSeries(subset, (), ())
    irradiated = subset is PlotSubset.IRRADIATED
    ids = report.subsets.irradiated_ids if irradiated else report.subsets.non_irradiated_ids
    points = []
    for tp, rtp in zip(report.subsets.timepoints, report.recist.timepoints, strict=True):
        result: SubsetResult | None = tp.irradiated if irradiated else tp.non_irradiated
        if result is None:
            continue
        response = result.response.value if result.response is not None else None
        points.append(SeriesPoint(tp.visit_id, rtp.visit, tp.date, day(tp.date), result.sum_mm,
                                  result.pct_change_baseline, response, tp.is_baseline))
    return SubsetSeries(subset, ids, tuple(points) if ids else ())


def from_exported(read: ExportedRead) -> ReadPlotData:
    """The plot data of a read of an export (:mod:`recist_app.exports.collect`)."""
    progression = read.irecist.progression
    return read_plot_data(read.report, read.outcome, start_date=read.start_date, reference=read.reference,
                          arm=read.snapshot.subject.arm, irecist_bor=read.irecist.best_response.category,
                          irecist_progression=(progression.date, progression.confirmed) if progression else None,
                          profile=read.profile)


def from_snapshot(snapshot: ReadSnapshot) -> ReadPlotData:
    """The plot data of an unblinded read snapshot, evaluated with the trial's profile (for the GUI)."""
    from recist_app.evaluation.engine import trial_profile
    from recist_app.exports.collect import evaluate_read

    return from_exported(evaluate_read(snapshot, trial_profile(snapshot)))


def by_evaluator(reads: Iterable[ReadPlotData]) -> dict[str, tuple[ReadPlotData, ...]]:
    """Reads grouped by who read (one trial plot per reader), in subject order within a group."""
    groups: dict[str, list[ReadPlotData]] = {}
    for read in reads:
        groups.setdefault(read.evaluator_id or read.evaluator, []).append(read)
    return {key: tuple(sorted(group, key=lambda r: r.subject_id)) for key, group in groups.items()}


def reference_label(reads: Sequence[ReadPlotData]) -> str:
    """The x-axis label of time: 'Days since randomisation' (or the mixed references named)."""
    names = sorted({read.reference.lower() for read in reads}) or ["reference date"]
    return f"Days since {' / '.join(names)}"
