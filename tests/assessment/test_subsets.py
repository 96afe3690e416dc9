"""In-field / out-of-field subsets, abscopal response and local control (RULES §3.2, §7 A1, A2, A9, A16)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment import (
    Lesion,
    LesionRole,
    Observation,
    Profile,
    Read,
    Response,
    Status,
    Timepoint,
    assess_recist11,
)
from assessment.local_control import is_local_progression
from assessment.subsets import (
    Subset,
    SubsetResult,
    abscopal_sum30,
    assess_subsets,
)
from tests.assessment.builders import make_read, node, nontarget, target

R = Response
D = Decimal


def irr(lesion_id: str, **kwargs: object) -> Lesion:
    """An irradiated (on study) target lesion."""
    return target(lesion_id, irradiated=True, **kwargs)


def last(report):  # the last follow-up
    return report.follow_ups[-1]


# --- The worked cases of RULES §3.2 ------------------------------------------------------------

def test_overall_pr_driven_only_by_irradiated_lesions_while_out_of_field_is_sd():
    read = make_read([irr("T1"), target("T2")], [{"T1": 50, "T2": 30}, {"T1": 10, "T2": 28}])
    protocol = assess_recist11(read).follow_ups[-1]
    assert protocol.target_response is R.PR and protocol.overall is R.PR  # 80 → 38 mm, −52.5 %
    tp = last(assess_subsets(read))
    assert tp.irradiated.response is R.PR and tp.irradiated.sum_mm == 10
    assert tp.non_irradiated.response is R.SD and tp.non_irradiated.sum_mm == 28
    assert tp.abscopal_sum30 is False and tp.abscopal_any_lesion30 is False
    assert "Non-irradiated subset SD" in tp.rationale
    assert tp.summary == ("irradiated PR (−80.0 % from baseline); non-irradiated SD (−6.6 % from baseline; −6.6 %, "
                          "−2 mm over nadir); abscopal sum30 no, any_lesion30 no, best T2 −6.6 % "
                          "(abscopal response needs ≤ −30 %).")


def test_out_of_field_pd_under_an_overall_sd():
    read = make_read([irr("T1"), target("T2")], [{"T1": 60, "T2": 20}, {"T1": 40, "T2": 26}])
    protocol = assess_recist11(read).follow_ups[-1]
    assert protocol.target_response is R.SD and protocol.overall is R.SD  # 80 → 66 mm, −17.5 %
    tp = last(assess_subsets(read))
    assert tp.non_irradiated.response is R.PD  # 20 → 26 mm: +30 %, +6 mm over its nadir
    assert tp.non_irradiated.abs_change_nadir_mm == 6 and tp.non_irradiated.pct_change_nadir == 30
    assert tp.irradiated.response is R.PR  # 60 → 40 mm: −33.3 %
    assert "Non-irradiated subset PD: sum 26 mm is +30.0 % and +6 mm over nadir 20 mm" in tp.rationale
    assert tp.summary.startswith("irradiated PR (−33.3 % from baseline); non-irradiated PD (+6 mm over nadir 20 mm)")


def test_cdisc_worked_example():
    """CDISC.md §8: T01 32 → 24, node T02 18 → 12, irradiated T03 25 → too small (5 mm)."""
    lesions = [target("T01"), node("T02"),
               irr("T03", location="LUNG"), nontarget("NT01")]
    read = make_read(lesions, [{"T01": 32, "T02": 18, "T03": 25, "NT01": Status.PRESENT},
                               {"T01": 24, "T02": 12, "T03": Status.TOO_SMALL, "NT01": Status.PRESENT}])
    protocol = assess_recist11(read).follow_ups[-1]
    assert (protocol.sum_mm, protocol.overall) == (41, R.PR)
    report = assess_subsets(read)
    assert report.irradiated_ids == ("T03",) and report.non_irradiated_ids == ("T01", "T02")
    outside, inside = last(report).non_irradiated, last(report).irradiated
    assert (outside.baseline_mm, outside.sum_mm, outside.pct_change_baseline) == (50, 36, -28)
    assert outside.response is R.SD
    assert (inside.baseline_mm, inside.sum_mm, inside.pct_change_baseline) == (25, 5, -80)
    assert inside.response is R.PR
    assert last(report).abscopal_sum30 is False  # −28 %: not an abscopal response by the sum
    assert last(report).abscopal_any_lesion30 is True  # the node T02 18 → 12 mm is −33.3 %
    assert ("non-irradiated subset sum 36 mm is −28.0 % from its baseline 50 mm "
            "(abscopal response needs ≤ −30 %)") in last(report).rationale
    assert protocol.sum_mm == inside.sum_mm + outside.sum_mm


def test_baseline_row():
    read = make_read([irr("T1"), target("T2")], [{"T1": 30, "T2": 20}, {"T1": 30, "T2": 20}])
    base = assess_subsets(read).timepoints[0]
    assert base.is_baseline and base.visit_id == "1"
    assert (base.irradiated.sum_mm, base.irradiated.nadir_mm, base.irradiated.response) == (30, 30, None)
    assert (base.abscopal_sum30, base.abscopal_any_lesion30) == (None, None)
    assert "Non-irradiated subset baseline: sum 20 mm over 1 target(s) (T2)" in base.rationale


# --- Abscopal response, both definitions (RULES §7) -------------------------------------------

@pytest.mark.parametrize(("baseline", "follow_up", "expected"), [
    (["100"], ["70.0"], True),          # exactly −30.0 %
    (["100"], ["70.1"], False),         # −29.9 %
    (["60", "40"], ["35", "35"], True),  # 100 → 70 over two lesions
    (["33.3"], ["23.31"], True),        # 0.7 × 33.3 = 23.31 exactly
    (["33.3"], ["23.32"], False),
])
def test_sum30_boundary(baseline, follow_up, expected):
    ids = [f"N{i}" for i in range(len(baseline))]
    read = make_read([irr("T0")] + [target(i) for i in ids],
                     [{"T0": 40, **dict(zip(ids, baseline, strict=True))},
                      {"T0": 40, **dict(zip(ids, follow_up, strict=True))}])
    tp = last(assess_subsets(read))
    assert tp.abscopal_sum30 is expected
    assert tp.non_irradiated.response is (R.PR if expected else R.SD)


def test_any_lesion30_true_while_sum30_false():
    read = make_read([target("N1"), target("N2")], [{"N1": 20, "N2": 80}, {"N1": 14, "N2": 80}])
    tp = last(assess_subsets(read))
    assert tp.abscopal_any_lesion30 is True  # N1 −30.0 %
    assert tp.abscopal_sum30 is False  # 100 → 94 mm
    assert "best N1 14 mm is −30.0 % from its baseline 20 mm" in tp.rationale


@pytest.mark.parametrize(("visit", "expected"), [
    ({"N1": "14", "N2": "80"}, True),   # a missing lesion cannot undo N1's −30 %
    ({"N1": "14"}, True),
    ({"N1": "15", "N2": "80"}, False),  # −25 %, 0 %
    ({"N1": "15"}, None),               # N2 not assessed might have reached −30 %
])
def test_any_lesion30_with_missing_lesions(visit, expected):
    read = make_read([target("N1"), target("N2")], [{"N1": 20, "N2": 80}, visit])
    tp = last(assess_subsets(read))
    assert tp.abscopal_any_lesion30 is expected
    if "N2" not in visit:
        assert tp.abscopal_sum30 is None  # the non-irradiated sum is incomplete


def test_abscopal_sum30_needs_a_subset():
    assert abscopal_sum30(None) is None


# --- Empty subsets ------------------------------------------------------------------------------

def test_every_target_irradiated_gives_no_out_of_field_result():
    read = make_read([irr("T1"), irr("T2"), nontarget("NT1")],
                     [{"T1": 30, "T2": 20, "NT1": Status.PRESENT}, {"T1": 10, "T2": 5, "NT1": Status.PRESENT}])
    report = assess_subsets(read)
    assert report.non_irradiated_ids == ()
    for tp in report.timepoints:
        assert tp.non_irradiated is None
        assert tp.abscopal_sum30 is None and tp.abscopal_any_lesion30 is None
    assert last(report).irradiated.response is R.PR
    assert "No non-irradiated target lesion" in last(report).rationale
    assert last(report).summary == "irradiated PR (−70.0 % from baseline)."


def test_no_irradiated_target_gives_no_in_field_result_and_no_local_control():
    read = make_read([target("T1")], [{"T1": 30}, {"T1": 40}])
    report = assess_subsets(read)
    assert all(tp.irradiated is None for tp in report.timepoints)
    assert report.local_control == ()
    assert last(report).non_irradiated.response is R.PD


def test_non_target_disease_only():
    read = make_read([nontarget("NT1")], [{"NT1": Status.PRESENT}, {"NT1": Status.PRESENT}])
    tp = last(assess_subsets(read))
    assert (tp.irradiated, tp.non_irradiated, tp.abscopal_sum30, tp.abscopal_any_lesion30) == (None,) * 4


# --- Incomplete subset sums (A1, RULES §1.9) ----------------------------------------------------

def test_incomplete_subset_is_ne_and_never_becomes_the_nadir():
    read = make_read([irr("T0"), target("N1"), target("N2")],
                     [{"T0": 30, "N1": 40, "N2": 40}, {"T0": 30, "N1": 10}, {"T0": 30, "N1": 30, "N2": 30}])
    second, third = assess_subsets(read).follow_ups
    outside = second.non_irradiated
    assert (outside.response, outside.complete, outside.sum_mm, outside.measured_sum_mm) == (R.NE, False, None, 10)
    assert outside.pct_change_baseline is None and second.abscopal_sum30 is None
    assert "non-irradiated NE (N2 not assessed)" in second.summary
    assert second.irradiated.response is R.SD  # the other subset is unaffected
    assert third.non_irradiated.nadir_mm == 80  # not 10: the incomplete sum never became the nadir
    assert third.non_irradiated.response is R.SD  # 60 mm is −25 %; against a nadir of 10 it would be PD


def test_pd_from_the_measured_lesions_of_an_incomplete_subset():
    read = make_read([target("N1"), target("N2"), irr("T0")],
                     [{"N1": 20, "N2": 20, "T0": 30}, {"N2": 50, "T0": 30}])
    outside = last(assess_subsets(read)).non_irradiated
    assert (outside.response, outside.complete, outside.measured_sum_mm) == (R.PD, False, 50)
    assert "without N1" in outside.rationale


def test_subset_nadir_follows_complete_sums():
    read = make_read([target("N1")], [{"N1": 50}, {"N1": 30}, {"N1": 36}, {"N1": "35.5"}])
    results = [tp.non_irradiated for tp in assess_subsets(read).follow_ups]
    assert [r.nadir_mm for r in results] == [50, 30, 30]
    # 36 = 1.2 × 30 and +6 mm; 35.5 is +18.3 % over the nadir 30 (not 36) and −29 % from baseline
    assert [r.response for r in results] == [R.PR, R.PD, R.SD]


# --- Local control per irradiated lesion (RULES A9) -------------------------------------------

NO_MM_RULE = Profile(local_pd_mm=D(0))


@pytest.mark.parametrize(("nadir", "value", "profile", "expected"), [
    ("10", "12.5", Profile(), False),   # +25 % but +2.5 mm
    ("10", "12.5", NO_MM_RULE, True),   # 5 mm rule off
    ("10", "12", NO_MM_RULE, True),     # exactly +20 %
    ("10", "11.9", NO_MM_RULE, False),  # +19 %
    ("25", "30", Profile(), True),      # exactly +20 % and +5 mm
    ("24.5", "29.4", Profile(), False),  # +20 % but +4.9 mm
    ("30", "35", Profile(), False),     # +5 mm but +16.7 %
    ("3.2", "8.2", Profile(), True),    # +5.0 mm exactly in Decimal
    ("0", "4.9", Profile(), False),
    ("0", "5", Profile(), True),
    ("0", "0", NO_MM_RULE, False),      # no increase, no progression
    ("0", "1", NO_MM_RULE, True),
    ("10", "13", Profile(local_pd_pct=D(30), local_pd_mm=D(3)), True),
    ("10", "12.9", Profile(local_pd_pct=D(30), local_pd_mm=D(3)), False),
])
def test_local_progression_boundary(nadir, value, profile, expected):
    assert is_local_progression(D(value), D(nadir), profile.local_pd_pct, profile.local_pd_mm) is expected
    read = make_read([irr("T1")], [{"T1": nadir}, {"T1": value}])
    control, = assess_subsets(read, profile).local_control
    verdict, = control.verdicts
    assert verdict.local_progression is expected
    assert control.local_progression_date == (read.timepoints[1].date if expected else None)
    assert ("local progression:" in verdict.rationale) is expected


def test_local_nadir_is_the_lesions_own_minimum_and_first_date_is_kept():
    read = make_read([irr("T1"), irr("T2")],
                     [{"T1": 20, "T2": 20}, {"T1": 10, "T2": 20}, {"T2": 20}, {"T1": 15, "T2": 20},
                      {"T1": 30, "T2": 20}])
    t1, t2 = assess_subsets(read).local_control
    assert [v.nadir_mm for v in t1.verdicts] == [20, 10, 10, 10]
    assert [v.local_progression for v in t1.verdicts] == [False, None, True, True]  # visit 3 not assessed
    assert (t1.local_progression_visit_id, t1.local_progression_date) == ("4", read.timepoints[3].date)
    assert "first local progression on" in t1.rationale
    assert t2.local_progression_date is None and t2.rationale == "T2: no local progression"
    subset = [tp.irradiated.response for tp in assess_subsets(read).follow_ups]
    assert subset == [R.SD, R.NE, R.SD, R.PD]  # subset sums 40 → 30 (−25 %), —, 35 (+5 mm, +16.7 %), 50


def test_radiation_induced_override():
    induced = Observation(lesion_id="T1", status=Status.MEASURED, diameter_mm=D(18), radiation_induced=True)
    read = make_read([irr("T1")], [{"T1": 10}, {"T1": induced}, {"T1": 18}])
    control, = assess_subsets(read).local_control
    marked, later = control.verdicts
    assert marked.local_progression is False and marked.radiation_induced is True
    assert "reader marked the change radiation-induced" in marked.rationale
    assert later.local_progression is True  # the same size unmarked: +80 %, +8 mm over nadir 10 mm
    assert control.local_progression_visit_id == "3"


def test_irradiated_non_targets_only_when_measured():
    measured_nt = Lesion("NT1", LesionRole.NON_TARGET, "BONE", irradiated=True)
    state_nt = Lesion("NT2", LesionRole.NON_TARGET, "BONE", irradiated=True)
    read = make_read([irr("T1"), measured_nt, state_nt, nontarget("NT3")],
                     [{"T1": 20, "NT1": 12, "NT2": Status.PRESENT, "NT3": Status.PRESENT},
                      {"T1": 20, "NT1": 18, "NT2": Status.PRESENT, "NT3": Status.PRESENT}])
    report = assess_subsets(read)
    assert [c.lesion_id for c in report.local_control] == ["T1", "NT1"]
    assert report.local_control[1].verdicts[0].local_progression is True  # 12 → 18: +50 %, +6 mm
    assert report.non_irradiated_ids == () and report.irradiated_ids == ("T1",)  # non-targets are in no subset


# --- Properties --------------------------------------------------------------------------------

MM = st.one_of(st.integers(0, 150).map(D), st.integers(0, 15_000).map(lambda n: D(n).scaleb(-2)))
KINDS = ("measured",) * 6 + ("too_small", "disappeared", "not_assessed", "split")


def _obs(draw: st.DrawFn, lesion_id: str) -> Observation:
    kind = draw(st.sampled_from(KINDS))
    if kind == "measured":
        return Observation.measured(lesion_id, draw(MM))
    if kind == "split":
        return Observation.split(lesion_id, tuple(draw(st.lists(MM, min_size=1, max_size=3))))
    return {"too_small": Observation.too_small, "disappeared": Observation.disappeared,
            "not_assessed": Observation.not_assessed}[kind](lesion_id)


@st.composite
def reads(draw: st.DrawFn) -> Read:
    """1–5 targets (some nodal), each irradiated or not, a baseline and 1–5 follow-ups."""
    lesions = tuple(Lesion(f"T{i}", LesionRole.TARGET, "LIVER", nodal=draw(st.booleans()),
                           irradiated=draw(st.booleans())) for i in range(draw(st.integers(1, 5))))
    day = date(2026, 1, 5)
    baseline = Timepoint("1", day, tuple(Observation.measured(x.lesion_id, draw(MM.filter(lambda v: v >= 10)))
                                         for x in lesions))
    timepoints = [baseline]
    for k in range(draw(st.integers(1, 5))):
        day += timedelta(days=draw(st.integers(1, 90)))
        timepoints.append(Timepoint(str(k + 2), day, tuple(_obs(draw, x.lesion_id) for x in lesions)))
    return Read("S-PROP", lesions, tuple(timepoints))


def _numbers(result: SubsetResult | None) -> tuple[object, ...] | None:
    if result is None:
        return None
    return (result.lesion_ids, result.sum_mm, result.measured_sum_mm, result.complete, result.baseline_mm,
            result.nadir_mm, result.pct_change_baseline, result.pct_change_nadir, result.abs_change_nadir_mm,
            result.response)


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(read=reads())
def test_protocol_sum_is_the_sum_of_the_subsets(read: Read) -> None:
    protocol = assess_recist11(read)
    report = assess_subsets(read)
    for whole, parts in zip(protocol.timepoints, report.timepoints, strict=True):
        subsets = [r for r in (parts.irradiated, parts.non_irradiated) if r is not None]
        complete = all(r.complete for r in subsets)
        assert whole.sum_complete == complete
        if complete:
            assert whole.sum_mm == sum((r.sum_mm for r in subsets), D(0))


def _flipped(read: Read) -> Read:
    return dataclasses.replace(read, lesions=tuple(dataclasses.replace(x, irradiated=not x.irradiated)
                                                   for x in read.lesions))


@PROPERTY_SETTINGS
@given(read=reads())
def test_flipping_irradiated_flags_swaps_the_subsets(read: Read) -> None:
    report, flipped = assess_subsets(read), assess_subsets(_flipped(read))
    assert (flipped.irradiated_ids, flipped.non_irradiated_ids) == (report.non_irradiated_ids, report.irradiated_ids)
    for tp, fl in zip(report.timepoints, flipped.timepoints, strict=True):
        assert _numbers(fl.irradiated) == _numbers(tp.non_irradiated)
        assert _numbers(fl.non_irradiated) == _numbers(tp.irradiated)
        if fl.irradiated is not None:
            assert fl.irradiated.subset is Subset.IRRADIATED


@PROPERTY_SETTINGS
@given(read=reads())
def test_a_single_subset_reproduces_the_protocol_target_response(read: Read) -> None:
    """With every target in one subset, the subset is the protocol target response up to the first
    overall CR (after a confirmed CR the protocol applies A5, the subsets do not)."""
    one = dataclasses.replace(read, lesions=tuple(dataclasses.replace(x, irradiated=False) for x in read.lesions))
    protocol = assess_recist11(one)
    for whole, parts in zip(protocol.follow_ups, assess_subsets(one).follow_ups, strict=True):
        assert parts.irradiated is None
        assert parts.non_irradiated.response is whole.target_response
        assert parts.non_irradiated.nadir_mm == whole.nadir_mm
        if whole.overall is R.CR:
            break
