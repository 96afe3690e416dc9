"""RECIST 1.1 time-point rules, table-driven, with cases exactly on every boundary (RULES §1, §7)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from assessment import (
    Lesion,
    LesionRole,
    Observation,
    Profile,
    Response,
    Status,
    assess_recist11,
)
from assessment.errors import InvalidInputError, ProfileError
from assessment.recist11 import is_partial_response, is_progression, overall_response
from tests.assessment.builders import make_read, new, node, nontarget, target

R = Response


def last(read_result):  # the last follow-up's result
    return read_result.follow_ups[-1]


# --- Boundaries (RULES §1.5, A2) --------------------------------------------------------------

@pytest.mark.parametrize(("baseline", "follow_up", "expected"), [
    ("100", "70.0", R.PR),     # exactly −30.0 %
    ("100", "70.1", R.SD),     # −29.9 %
    ("60", "42", R.PR),        # CDISC pilot 01-701-1133: 42 / 60 = −30.0 %
    ("33.3", "23.31", R.PR),   # 0.7 × 33.3 = 23.31 exactly
    ("33.3", "23.32", R.SD),
])
def test_partial_response_boundary(baseline, follow_up, expected):
    result = assess_recist11(make_read([target("T1")], [{"T1": baseline}, {"T1": follow_up}]))
    assert last(result).target_response is expected


@pytest.mark.parametrize(("nadir", "follow_up", "expected"), [
    ("24.5", "29.4", R.SD),    # +20.0 % but +4.9 mm
    ("25", "30", R.PD),        # +20.0 % and +5.0 mm
    ("50", "59.9", R.SD),      # +9.9 mm but +19.8 %
    ("50", "60", R.PD),        # +20.0 % and +10 mm
    ("3.2", "8.2", R.PD),      # 8.2 − 3.2 = 5.0 exactly (4.999999999999999 in binary floats)
    ("3.3", "8.2", R.SD),      # +4.9 mm
])
def test_progression_boundary(nadir, follow_up, expected):
    result = assess_recist11(make_read([target("T1")], [{"T1": nadir}, {"T1": follow_up}]))
    assert last(result).target_response is expected


def test_float_trap_is_exact():
    assert is_progression(Decimal("8.2"), Decimal("3.2"))
    assert 8.2 - 3.2 < 5  # the trap this engine avoids by computing in Decimal
    assert is_partial_response(Decimal("70"), Decimal("100"))


@pytest.mark.parametrize(("short_axis", "expected"), [("9.9", R.CR), ("10.0", R.PR), ("10", R.PR)])
def test_nodal_complete_response_boundary(short_axis, expected):
    result = assess_recist11(make_read([node("N1")], [{"N1": "40"}, {"N1": short_axis}]))
    assert last(result).target_response is expected
    assert last(result).sum_mm == Decimal(short_axis)  # the node keeps its value in the sum


@pytest.mark.parametrize(("short_axis", "finding"), [("15.0", None), ("14.9", "NODE_TOO_SMALL_FOR_TARGET")])
def test_nodal_target_minimum(short_axis, finding):
    result = assess_recist11(make_read([node("N1")], [{"N1": short_axis}]))
    codes = [f.code for f in result.baseline_findings]
    assert codes == ([finding] if finding else [])


def test_normal_node_recorded_as_nontarget_is_a_finding():
    lesions = [target("T1"), node("N1", role=LesionRole.NON_TARGET)]
    result = assess_recist11(make_read(lesions, [{"T1": "30", "N1": "9.9"}]))
    assert [f.code for f in result.baseline_findings] == ["NORMAL_NODE_RECORDED"]
    result = assess_recist11(make_read(lesions, [{"T1": "30", "N1": "10.0"}]))
    assert result.baseline_findings == ()


# --- Baseline conformance (RULES §1.1, §1.2) ---------------------------------------------------

def test_baseline_findings_count_organs_and_size():
    lesions = [target("T1", "LIVER"), target("T2", "LIVER, LEFT LOBE"), target("T3", "LIVER"),
               node("N1"), node("N2"), Lesion("N3", LesionRole.TARGET, "AXILLARY LYMPH NODE", nodal=True),
               target("T4", "LUNG")]
    values = {"T1": 30, "T2": 25, "T3": 9, "N1": 20, "N2": 18, "N3": 16, "T4": 12}
    result = assess_recist11(make_read(lesions, [values]))
    codes = sorted(f.code for f in result.baseline_findings)
    assert codes == ["TARGET_NOT_MEASURABLE", "TOO_MANY_TARGETS", "TOO_MANY_TARGETS_IN_ORGAN",
                     "TOO_MANY_TARGETS_IN_ORGAN"]
    messages = " ".join(f.message for f in result.baseline_findings)
    assert "LIVER" in messages and "LYMPH NODE" in messages and "7 target lesions" in messages


@pytest.mark.parametrize(("thickness", "diameter", "measurable"), [
    (None, "10", True), (None, "9.9", False), ("5", "10", True), ("6", "11.9", False), ("6", "12", True),
])
def test_measurable_minimum_follows_slice_thickness(thickness, diameter, measurable):
    read = make_read([target("T1")], [{"T1": diameter}],
                     slice_thickness_mm=Decimal(thickness) if thickness else None)
    codes = [f.code for f in assess_recist11(read).baseline_findings]
    assert ("TARGET_NOT_MEASURABLE" not in codes) is measurable


def test_previously_irradiated_target_is_flagged():
    read = make_read([target("T1", previously_irradiated=True)], [{"T1": "30"}])
    assert [f.code for f in assess_recist11(read).baseline_findings] == ["PREVIOUSLY_IRRADIATED_TARGET"]


# --- RECIST 1.1 Table 1 and Table 2 -------------------------------------------------------------

@pytest.mark.parametrize(("target_cat", "nontarget_cat", "new_lesion", "expected"), [
    (R.CR, R.CR, False, R.CR),
    (R.CR, None, False, R.CR),
    (R.CR, R.NON_CR_NON_PD, False, R.PR),
    (R.CR, R.NE, False, R.PR),
    (R.PR, R.NON_CR_NON_PD, False, R.PR),
    (R.PR, R.NE, False, R.PR),
    (R.PR, R.CR, False, R.PR),
    (R.SD, R.NON_CR_NON_PD, False, R.SD),
    (R.SD, R.NE, False, R.SD),
    (R.NE, R.NON_CR_NON_PD, False, R.NE),
    (R.NE, R.CR, False, R.NE),
    (R.PD, R.CR, False, R.PD),
    (R.PD, R.NE, True, R.PD),
    (R.SD, R.PD, False, R.PD),
    (R.CR, R.PD, False, R.PD),
    (R.CR, R.CR, True, R.PD),
    (R.SD, None, True, R.PD),
    # Table 2: non-target disease only
    (None, R.CR, False, R.CR),
    (None, R.NON_CR_NON_PD, False, R.NON_CR_NON_PD),
    (None, R.NE, False, R.NE),
    (None, R.PD, False, R.PD),
    (None, R.NON_CR_NON_PD, True, R.PD),
    (None, None, True, R.PD),
])
def test_overall_response_tables(target_cat, nontarget_cat, new_lesion, expected):
    assert overall_response(target_cat, nontarget_cat, new_lesion) is expected


@pytest.mark.parametrize(("states", "expected"), [
    ({"NT1": Status.ABSENT, "NT2": Status.ABSENT}, R.CR),
    ({"NT1": Status.PRESENT, "NT2": Status.ABSENT}, R.NON_CR_NON_PD),
    ({"NT1": Status.PRESENT}, R.NE),  # NT2 has no record: not all evaluated
    ({"NT1": Status.ABSENT, "NT2": Status.NOT_ASSESSED}, R.NE),
    ({"NT1": Status.UNEQUIVOCAL_PROGRESSION}, R.PD),  # PD even with NT2 missing
])
def test_nontarget_response(states, expected):
    lesions = [target("T1"), nontarget("NT1"), nontarget("NT2", "PLEURA")]
    baseline = {"T1": 30, "NT1": Status.PRESENT, "NT2": Status.PRESENT}
    result = assess_recist11(make_read(lesions, [baseline, {"T1": 30, **states}]))
    assert last(result).nontarget_response is expected


def test_nontarget_only_read_is_table_2():
    lesions = [nontarget("NT1")]
    result = assess_recist11(make_read(lesions, [{"NT1": Status.PRESENT}, {"NT1": Status.PRESENT},
                                                 {"NT1": Status.ABSENT}]))
    assert [tp.overall for tp in result.follow_ups] == [R.NON_CR_NON_PD, R.CR]
    assert all(tp.target_response is None for tp in result.follow_ups)
    assert "Table 2" in result.follow_ups[0].rationale


# --- Missing lesions, nadir (RULES §1.9, A1) ----------------------------------------------------

def test_pd_despite_a_missing_lesion():
    """RECIST example: baseline 50 mm over three lesions; two assessed at 80 mm → PD regardless."""
    lesions = [target("T1"), target("T2", "LUNG"), target("T3", "BONE")]
    result = assess_recist11(make_read(lesions, [{"T1": 20, "T2": 20, "T3": 10}, {"T1": 40, "T2": 40}]))
    assert last(result).target_response is R.PD
    assert last(result).sum_mm is None and not last(result).sum_complete
    assert "without T3" in last(result).rationale


def test_missing_lesion_without_pd_is_ne():
    lesions = [target("T1"), target("T2", "LUNG")]
    result = assess_recist11(make_read(lesions, [{"T1": 20, "T2": 20}, {"T1": 5}]))
    assert last(result).target_response is R.NE and last(result).overall is R.NE
    assert "T2 not assessed" in last(result).rationale


def test_incomplete_time_point_never_becomes_nadir():
    lesions = [target("T1"), target("T2", "LUNG")]
    visits = [{"T1": 30, "T2": 30}, {"T1": 5}, {"T1": 25, "T2": 25}, {"T1": 30, "T2": 30}]
    result = assess_recist11(make_read(lesions, visits))
    assert [tp.nadir_mm for tp in result.follow_ups] == [Decimal(60), Decimal(60), Decimal(50)]
    assert [tp.overall for tp in result.follow_ups] == [R.NE, R.SD, R.PD]  # 60 is +20 % and +10 mm over 50


# --- Special measurements (RULES §1.4) ----------------------------------------------------------

def test_too_small_counts_five_and_disappeared_zero():
    lesions = [target("T1"), target("T2", "LUNG")]
    result = assess_recist11(make_read(lesions, [{"T1": 30, "T2": 20},
                                                 {"T1": Status.TOO_SMALL, "T2": Status.DISAPPEARED}]))
    assert last(result).sum_mm == Decimal(5)
    assert last(result).target_response is R.PR  # not CR: a too-small lesion is still there


def test_split_fragments_are_summed():
    read = make_read([target("T1")], [{"T1": 30}, {"T1": Observation.split("T1", (Decimal(20), Decimal(17)))}])
    assert last(assess_recist11(read)).sum_mm == Decimal(37)


def test_merged_lesion_counts_zero_and_survivor_carries_the_mass():
    lesions = [target("T1"), target("T2")]
    read = make_read(lesions, [{"T1": 20, "T2": 15}, {"T1": 38, "T2": Observation.merged("T2", into="T1")}])
    result = last(assess_recist11(read))
    assert result.sum_mm == Decimal(38)
    assert result.target_response is R.SD  # +3 mm: coalescence is not progression by itself


# --- Reappearance after CR (A5) and CR then PR (A4) ---------------------------------------------

def test_reappearance_after_a_confirmed_cr_is_pd_even_below_5_mm():
    visits = [{"T1": 30}, {"T1": 0}, {"T1": 0}, {"T1": 3}]
    result = assess_recist11(make_read([target("T1")], visits, days=[0, 42, 84, 126]))
    assert [tp.overall for tp in result.follow_ups] == [R.CR, R.CR, R.PD]
    assert "confirmed CR" in last(result).rationale


def test_single_unconfirmed_cr_then_small_reappearance_is_pr_with_a_question():
    visits = [{"T1": 30}, {"T1": 0}, {"T1": "4.95"}]
    result = assess_recist11(make_read([target("T1")], visits))
    assert [tp.overall for tp in result.follow_ups] == [R.CR, R.PR]
    assert {f.code for f in last(result).findings} == {"REAPPEARANCE_AFTER_UNCONFIRMED_CR", "CR_THEN_PR"}


def test_crs_closer_than_confirm_min_days_do_not_confirm():
    visits = [{"T1": 30}, {"T1": 0}, {"T1": 0}, {"T1": 3}]
    result = assess_recist11(make_read([target("T1")], visits, days=[0, 42, 69, 126]))  # 27 days apart
    assert last(result).overall is R.PR


def test_reader_confirmed_cr_makes_reappearance_pd():
    read = make_read([target("T1")], [{"T1": 30}, {"T1": 0}, {"T1": 3}])
    confirmed = dataclasses.replace(read.timepoints[1], cr_confirmed=True)
    read = dataclasses.replace(read, timepoints=(read.timepoints[0], confirmed, read.timepoints[2]))
    assert last(assess_recist11(read)).overall is R.PD


def test_nontarget_reappearing_after_confirmed_cr_is_pd():
    lesions = [nontarget("NT1")]
    visits = [{"NT1": Status.PRESENT}, {"NT1": Status.ABSENT}, {"NT1": Status.ABSENT}, {"NT1": Status.PRESENT}]
    result = assess_recist11(make_read(lesions, visits))
    assert [tp.overall for tp in result.follow_ups] == [R.CR, R.CR, R.PD]


def test_nodal_cr_with_a_positive_sum():
    """CDISC pilot 01-701-1015 week 9: CR with a 7 mm node left in the sum."""
    lesions = [target("T1"), node("N1")]
    result = assess_recist11(make_read(lesions, [{"T1": 64, "N1": 32}, {"T1": 0, "N1": 7}]))
    assert last(result).overall is R.CR and last(result).sum_mm == Decimal(7)
    assert last(result).sum_non_nodal_mm == Decimal(0)


def test_pd_from_a_nadir_of_zero():
    result = assess_recist11(make_read([target("T1")], [{"T1": 30}, {"T1": 0}, {"T1": 5}]))
    assert last(result).overall is R.PD
    assert last(result).pct_change_nadir is None  # undefined against 0 mm


# --- New lesions (RULES §1.7, A6) ----------------------------------------------------------------

def test_new_lesion_is_pd():
    result = assess_recist11(make_read([target("T1"), new("NEW01")], [{"T1": 30}, {"T1": 10, "NEW01": Status.PRESENT}]))
    assert last(result).overall is R.PD and last(result).new_lesion
    assert result.first_pd_date == last(result).date


def test_equivocal_new_lesion_confirmed_later_back_dates_pd():
    visits = [{"T1": 30}, {"T1": 28, "NEW01": Status.EQUIVOCAL}, {"T1": 28, "NEW01": Status.PRESENT}]
    result = assess_recist11(make_read([target("T1"), new("NEW01")], visits))
    equivocal, confirmed = result.follow_ups
    assert equivocal.overall is R.SD and not equivocal.new_lesion
    assert "EQUIVOCAL_NEW_LESION" in {f.code for f in equivocal.findings}
    assert confirmed.overall is R.PD
    assert result.first_pd_visit_id == confirmed.visit_id
    assert result.first_pd_date == equivocal.date  # back-dated to the first observation
    assert "PD_BACKDATED" in {f.code for f in confirmed.findings}


def test_equivocal_new_lesion_that_resolves_is_never_pd():
    visits = [{"T1": 30}, {"T1": 28, "NEW01": Status.EQUIVOCAL}, {"T1": 28, "NEW01": Status.ABSENT}]
    result = assess_recist11(make_read([target("T1"), new("NEW01")], visits))
    assert [tp.overall for tp in result.follow_ups] == [R.SD, R.SD]
    assert result.first_pd_date is None


# --- Rationale (ARCHITECTURE C10) ----------------------------------------------------------------

def test_rationale_names_values_and_thresholds():
    result = assess_recist11(make_read([target("T1"), target("T2", "LUNG")],
                                       [{"T1": 30, "T2": 20}, {"T1": 27, "T2": 20}, {"T1": 36, "T2": 22}]))
    text = last(result).rationale
    assert text.startswith("Target PD: sum 58 mm is +23.4 % and +11 mm over nadir 47 mm (≥ 20 % and ≥ 5 mm)")
    assert "Overall PD (RECIST 1.1 Table 1)" in text


def test_rationale_never_rounds_across_a_threshold():
    result = assess_recist11(make_read([target("T1")], [{"T1": "100"}, {"T1": "70.04"}]))
    assert last(result).target_response is R.SD
    assert "−29.9 %" in last(result).rationale


# --- Profile (RULES §7) ------------------------------------------------------------------------

def test_continuing_pr_is_off_by_default_and_available():
    """A3: 100 → 60 (PR) → 71 mm (−29 % from baseline, +18.3 % over nadir): strict SD, else PR."""
    read = make_read([target("T1")], [{"T1": 100}, {"T1": 60}, {"T1": 71}])
    assert assess_recist11(read).follow_ups[-1].overall is R.SD
    lenient = assess_recist11(read, Profile(continuing_pr=True)).follow_ups[-1]
    assert lenient.overall is R.PR and "continuing_pr" in lenient.rationale


def test_profile_rejects_unknown_keys_and_wrong_types():
    assert Profile.from_toml("sd_min_days = 28").sd_min_days == 28
    with pytest.raises(ProfileError, match='"sd_min_dayz": unknown key'):
        Profile.from_toml("sd_min_dayz = 28")
    with pytest.raises(ProfileError, match='"confirm_min_days": must be a non-negative whole number'):
        Profile.from_toml('confirm_min_days = "28"')
    with pytest.raises(ProfileError, match='"reference_date": must be one of randomisation, first_dose'):
        Profile.from_toml('reference_date = "screening"')
    with pytest.raises(ProfileError, match="flat"):
        Profile.from_toml("[rules]\nsd_min_days = 1")


def test_stereosarc_profile_ships_and_parses():
    import tomllib
    from importlib.resources import files
    text = files("resources.profiles").joinpath("stereosarc.toml").read_text()
    # The engine's keys are the flat ones; [series] and [[visit]] are the workstation's (README).
    profile = Profile.from_mapping({k: v for k, v in tomllib.loads(text).items() if not isinstance(v, (dict, list))})
    assert profile.name == "STEREOSARC" and profile.confirmation_required is False


# --- Impossible input raises (ARCHITECTURE C8) --------------------------------------------------

def test_impossible_input_raises_typed_errors():
    with pytest.raises(InvalidInputError, match='"diameter_mm" must be a finite, non-negative Decimal'):
        Observation.measured("T1", "-1")
    with pytest.raises(InvalidInputError, match="unique lesion ids"):
        make_read([target("T1"), target("T1")], [{"T1": 10}])
    with pytest.raises(InvalidInputError, match="dated on or after baseline"):
        make_read([target("T1")], [{"T1": 10}, {"T1": 10}], days=[0, -1])
