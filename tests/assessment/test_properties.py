"""Property tests of :func:`assess_recist11` on generated, well-formed reads (RULES §1, §7).

The strategy :func:`reads` builds reads a reader could record: 1–5 targets (some nodal), 0–3
non-targets, 0–2 new lesions, a baseline and 1–6 follow-ups on strictly increasing dates. Target
follow-ups are measured (0–200 mm, at most 2 decimals), too small, disappeared, not assessed and
now and then split or merged; non-targets PRESENT / ABSENT / UNEQUIVOCAL PROGRESSION / NOT ASSESSED
(or no record); new lesions no record, ABSENT, PRESENT or EQUIVOCAL.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assessment.domain import (
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
from assessment.recist11 import assess_recist11

R = Response
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])

#: Profiles the properties must hold under: the defaults, "continuing PR" (A3), and a CR that is
#: confirmed at once (A5 reappearance rules reachable on every second CR).
PROFILES = (Profile(), Profile(continuing_pr=True), Profile(confirm_min_days=0))

TARGET_KINDS = ("measured",) * 8 + ("too_small", "disappeared", "not_assessed", "split", "merged")
NONTARGET_STATES = (Status.PRESENT, Status.ABSENT, Status.UNEQUIVOCAL_PROGRESSION,
                    Status.NOT_ASSESSED, None)  # None: no record at all (not assessed)
NEW_STATES = (None, None, None, Status.ABSENT, Status.PRESENT, Status.EQUIVOCAL)


# --- strategies ------------------------------------------------------------------------------

def millimetres(low: int = 0, high: int = 200) -> st.SearchStrategy[Decimal]:
    """Decimals with at most 2 decimals in [low, high]; whole millimetres are drawn often so
    that sums hit the exact RECIST boundaries (5 mm, 20 %, 30 %) now and then."""
    whole = st.integers(low, high).map(Decimal)
    cents = st.integers(low * 100, high * 100).map(lambda n: Decimal(n).scaleb(-2))
    return st.one_of(whole, cents)


# Strategies built once (building them inside every draw dominates the run time).
MEASURED_MM = millimetres()
FRAGMENT_MM = millimetres(0, 80)
DELTA_MM = st.one_of(st.integers(1, 100).map(Decimal),
                     st.integers(1, 10_000).map(lambda n: Decimal(n).scaleb(-2)))  # > 0
BASELINE_MM = {True: millimetres(15, 200), False: millimetres(10, 200)}  # nodal: short axis ≥ 15 mm
FRAGMENTS = st.lists(FRAGMENT_MM, min_size=1, max_size=3)
TARGET_KIND = st.sampled_from(TARGET_KINDS)
NONTARGET_STATE = st.sampled_from(NONTARGET_STATES)
NEW_STATE = st.sampled_from(NEW_STATES)
ORGAN = st.sampled_from(("LIVER", "LUNG", "BONE", "ADRENAL GLAND"))
CR_CONFIRMED = st.sampled_from((False,) * 5 + (True,))


def _target_observation(draw: st.DrawFn, lesion: Lesion, others: tuple[str, ...]) -> Observation:
    kind = draw(TARGET_KIND)
    lid = lesion.lesion_id
    if kind == "measured":
        return Observation.measured(lid, draw(MEASURED_MM))
    if kind == "too_small":
        return Observation.too_small(lid)
    if kind == "disappeared":
        return Observation.disappeared(lid)
    if kind == "not_assessed":
        return Observation.not_assessed(lid)
    if kind == "split":
        return Observation.split(lid, tuple(draw(FRAGMENTS)))
    into = others[draw(st.integers(0, len(others) - 1))] if others else None
    return Observation.merged(lid, into)


@st.composite
def reads(draw: st.DrawFn, min_targets: int = 1, max_targets: int = 5) -> Read:
    """A well-formed read (see the module docstring)."""
    n_targets = draw(st.integers(min_targets, max_targets))
    n_nontargets = draw(st.integers(0, 3))
    n_new = draw(st.integers(0, 2))
    lesions: list[Lesion] = []
    for i in range(n_targets):
        nodal = draw(st.booleans())
        location = "MEDIASTINAL LYMPH NODE" if nodal else draw(ORGAN)
        lesions.append(Lesion(f"T{i + 1:02d}", LesionRole.TARGET, location, nodal,
                              irradiated=draw(st.booleans())))
    for i in range(n_nontargets):
        lesions.append(Lesion(f"NT{i + 1:02d}", LesionRole.NON_TARGET, draw(ORGAN)))
    for i in range(n_new):
        lesions.append(Lesion(f"NEW{i + 1:02d}", LesionRole.NEW, draw(ORGAN)))
    targets = [lesion for lesion in lesions if lesion.role is LesionRole.TARGET]
    target_ids = tuple(lesion.lesion_id for lesion in targets)

    baseline_obs = [Observation.measured(t.lesion_id, draw(BASELINE_MM[t.nodal])) for t in targets]
    baseline_obs += [Observation.state(lesion.lesion_id, Status.PRESENT)
                     for lesion in lesions if lesion.role is LesionRole.NON_TARGET]
    day = date(2020, 1, 1) + timedelta(days=draw(st.integers(0, 2000)))
    timepoints = [Timepoint("1", day, tuple(baseline_obs), visit="SCREENING", date_text=day.isoformat())]

    for k in range(draw(st.integers(1, 6))):
        day += timedelta(days=draw(st.integers(1, 120)))
        observations = [_target_observation(draw, t, tuple(i for i in target_ids if i != t.lesion_id))
                        for t in targets]
        for lesion in lesions:
            if lesion.role is LesionRole.TARGET:
                continue
            state = draw(NONTARGET_STATE if lesion.role is LesionRole.NON_TARGET else NEW_STATE)
            if state is not None:
                observations.append(Observation.state(lesion.lesion_id, state))
        timepoints.append(Timepoint(str(k + 2), day, tuple(observations), visit=f"WEEK {3 * (k + 1)}",
                                    date_text=day.isoformat(), cr_confirmed=draw(CR_CONFIRMED)))
    return Read("S-PROP", tuple(lesions), tuple(timepoints), evaluator="INVESTIGATOR")


# --- helpers ---------------------------------------------------------------------------------

def numbers(tp: TimepointResult) -> tuple[object, ...]:
    """What must not depend on lesion order: categories, sums, nadir, changes, finding codes."""
    return (tp.visit_id, tp.date, tp.is_baseline, tp.target_response, tp.nontarget_response,
            tp.new_lesion, tp.overall, tp.sum_mm, tp.sum_non_nodal_mm, tp.sum_complete, tp.nadir_mm,
            tp.pct_change_baseline, tp.pct_change_nadir, tp.abs_change_nadir_mm,
            tuple(sorted(f.code for f in tp.findings)))


def summary(result: ReadResult) -> tuple[object, ...]:
    return (result.baseline_sum_mm, result.first_pd_date, result.first_pd_visit_id,
            tuple(sorted(f.code for f in result.baseline_findings)),
            tuple(numbers(tp) for tp in result.timepoints))


#: "Goodness" of an overall category when the read has targets: CR > PR > SD > PD.
GOODNESS = {R.CR: 0, R.PR: 1, R.SD: 2, R.NON_CR_NON_PD: 3, R.PD: 4}


def assert_not_improved(before: Response, after: Response) -> None:
    """``after`` is no better than ``before``: PD stays PD, NE stays NE or becomes PD, and an
    evaluable category only moves down CR > PR > SD > PD (never to NE: enlarging a measurement
    cannot make a time point inevaluable)."""
    if before is R.PD:
        assert after is R.PD
    elif before is R.NE:
        assert after in (R.NE, R.PD)
    else:
        assert after in GOODNESS, f"{before} became {after}"
        assert GOODNESS[after] >= GOODNESS[before], f"{before} improved to {after}"


# --- properties ------------------------------------------------------------------------------

@PROPERTY_SETTINGS
@given(read=reads(), profile=st.sampled_from(PROFILES), data=st.data())
def test_lesion_order_changes_no_result(read: Read, profile: Profile, data: st.DataObject) -> None:
    lesions = tuple(data.draw(st.permutations(read.lesions), label="lesions"))
    timepoints = tuple(
        dataclasses.replace(tp, observations=tuple(data.draw(st.permutations(tp.observations))))
        for tp in read.timepoints)
    shuffled = dataclasses.replace(read, lesions=lesions, timepoints=timepoints)
    assert summary(assess_recist11(shuffled, profile)) == summary(assess_recist11(read, profile))


@PROPERTY_SETTINGS
@given(read=reads(), profile=st.sampled_from(PROFILES), data=st.data())
def test_enlarging_a_target_never_improves_its_time_point(read: Read, profile: Profile,
                                                          data: st.DataObject) -> None:
    """RULES §1.5, §1.8: a larger sum can only move the target category towards PD (a CR may
    become PR, SD or PD: A5), the non-target and new-lesion verdicts do not change, so Table 1
    can only give a worse or equal overall category. Only time point k itself is checked: a larger
    sum at k may raise the nadir that later time points are compared with."""
    targets = {lesion.lesion_id for lesion in read.lesions if lesion.role is LesionRole.TARGET}
    candidates = [(k, j) for k, tp in enumerate(read.timepoints) if k > 0
                  for j, o in enumerate(tp.observations)
                  if o.lesion_id in targets and o.status is Status.MEASURED]
    assume(candidates)
    k, j = data.draw(st.sampled_from(candidates), label="time point, observation")
    delta = data.draw(DELTA_MM, label="delta")
    tp = read.timepoints[k]
    old = tp.observations[j]
    assert old.diameter_mm is not None
    observations = list(tp.observations)
    observations[j] = Observation.measured(old.lesion_id, old.diameter_mm + delta)
    timepoints = list(read.timepoints)
    timepoints[k] = dataclasses.replace(tp, observations=tuple(observations))
    bigger = dataclasses.replace(read, timepoints=tuple(timepoints))

    before = assess_recist11(read, profile).timepoints[k]
    after = assess_recist11(bigger, profile).timepoints[k]
    assert_not_improved(before.overall, after.overall)
    assert before.target_response is not None and after.target_response is not None
    assert_not_improved(before.target_response, after.target_response)
    if before.sum_mm is not None:  # a complete sum grows by exactly delta
        assert after.sum_mm == before.sum_mm + delta
    assert after.nadir_mm == before.nadir_mm  # the nadir comes from earlier time points only


@PROPERTY_SETTINGS
@given(read=reads(), profile=st.sampled_from(PROFILES))
def test_a_later_visit_changes_no_earlier_result(read: Read, profile: Profile) -> None:
    full = assess_recist11(read, profile)
    for n in range(1, len(read.timepoints)):
        prefix = assess_recist11(dataclasses.replace(read, timepoints=read.timepoints[:n]), profile)
        assert prefix.timepoints == full.timepoints[:n]
        assert prefix.baseline_sum_mm == full.baseline_sum_mm
        assert prefix.baseline_findings == full.baseline_findings
        if prefix.first_pd_date is not None:
            assert (full.first_pd_date, full.first_pd_visit_id) == \
                (prefix.first_pd_date, prefix.first_pd_visit_id)


@PROPERTY_SETTINGS
@given(read=reads(min_targets=0), profile=st.sampled_from(PROFILES))
def test_never_raises_and_always_explains(read: Read, profile: Profile) -> None:
    result = assess_recist11(read, profile)
    assert [tp.visit_id for tp in result.timepoints] == [tp.visit_id for tp in read.timepoints]
    assert [tp.is_baseline for tp in result.timepoints] == [True] + [False] * (len(read.timepoints) - 1)
    has_targets = any(lesion.role is LesionRole.TARGET for lesion in read.lesions)
    has_nontargets = any(lesion.role is LesionRole.NON_TARGET for lesion in read.lesions)
    for tp in result.timepoints:
        assert tp.rationale.strip(), f"empty rationale at visit {tp.visit_id}"
        assert isinstance(tp.overall, Response)
    for tp in result.follow_ups:
        assert (tp.target_response is not None) == has_targets
        assert (tp.nontarget_response is not None) == has_nontargets
        assert tp.overall in (R.CR, R.PR, R.SD, R.NON_CR_NON_PD, R.PD, R.NE)
        if not has_targets:
            assert tp.overall is not R.SD and tp.overall is not R.PR  # Table 2 has no SD / PR


@PROPERTY_SETTINGS
@given(read=reads(), profile=st.sampled_from(PROFILES))
def test_nadir_is_the_smallest_earlier_complete_sum(read: Read, profile: Profile) -> None:
    """RULES §1.3 and A1, recomputed from the input: the sum is complete when every target has a
    value; the nadir is the minimum over baseline and the earlier complete sums, so an
    incomplete sum (a target not assessed) never becomes the nadir."""
    targets = [lesion.lesion_id for lesion in read.lesions if lesion.role is LesionRole.TARGET]
    expected_sums: list[Decimal | None] = []
    for tp in read.timepoints:
        values = [tp.observation(lesion_id).value_mm for lesion_id in targets]
        expected_sums.append(None if None in values else sum(values, Decimal(0)))
    result = assess_recist11(read, profile)
    assert result.baseline_sum_mm == expected_sums[0]
    for k, tp in enumerate(result.timepoints[1:], start=1):
        assert tp.sum_mm == expected_sums[k]
        assert tp.sum_complete == (expected_sums[k] is not None)
        assert tp.nadir_mm == min(s for s in expected_sums[:k] if s is not None)
