"""iRECIST time-point sequences: confirmation, cumulative increases, windows, resets, new-lesion tracks
(RULES §2, SEY17 Table 2, decisions A13–A15)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assessment import Lesion, LesionRole, Profile, Status
from assessment.irecist import IResponse, assess_irecist
from tests.assessment.builders import make_read, new, nontarget, target

IR = IResponse


def overall(result):
    return [tp.overall for tp in result.timepoints]


def run(lesions, visits, days=None, **profile):
    return assess_irecist(make_read(lesions, visits, days=days), Profile(**profile))


# --- Target-driven iUPD (Table 2 rows "iUPD | non-iUPD | no") -----------------------------------

def test_target_iupd_confirmed_by_a_further_5_mm():
    result = run([target("T1")], [{"T1": 50}, {"T1": 40}, {"T1": 50}, {"T1": 55}])
    assert overall(result) == [IR.ISD, IR.IUPD, IR.ICPD]
    assert result.confirmed and result.progression_date == result.timepoints[1].date
    assert "+5 mm since iUPD (≥ 5 mm)" in result.timepoints[-1].rationale


def test_further_increases_add_up_across_assessments():
    """+4 mm then +2 mm since the iUPD meets the ≥ 5 mm rule (iFAQ)."""
    result = run([target("T1")], [{"T1": 50}, {"T1": 40}, {"T1": 50}, {"T1": 54}, {"T1": 56}])
    assert overall(result) == [IR.ISD, IR.IUPD, IR.IUPD, IR.ICPD]
    assert result.progression_date == result.timepoints[1].date  # Table 3 ex. 7: the first iUPD


def test_target_iupd_then_shrinkage_resets_and_a_new_iupd_needs_new_confirmation():
    visits = [{"T1": 50}, {"T1": 40}, {"T1": 50}, {"T1": 38}, {"T1": 46}, {"T1": 52}]
    result = run([target("T1")], visits)
    assert overall(result) == [IR.ISD, IR.IUPD, IR.ISD, IR.IUPD, IR.ICPD]
    assert result.progression_date == result.timepoints[3].date  # the iUPD after the reset
    assert "reset" in result.timepoints[2].rationale


def test_unconfirmed_iupd_at_the_last_visit():
    result = run([target("T1")], [{"T1": 50}, {"T1": 40}, {"T1": 50}])
    assert overall(result)[-1] is IR.IUPD
    assert not result.confirmed and result.progression_date == result.timepoints[-1].date  # A13


# --- Confirmation window (A14) ------------------------------------------------------------------

@pytest.mark.parametrize(("days_after", "expected"), [(14, IR.IUPD), (25, IR.IUPD), (26, IR.ICPD), (28, IR.ICPD)])
def test_only_scans_26_days_or_more_after_iupd_confirm_by_growth(days_after, expected):
    result = run([target("T1")], [{"T1": 50}, {"T1": 40}, {"T1": 50}, {"T1": 60}],
                 days=[0, 42, 84, 84 + days_after])
    assert overall(result) == [IR.ISD, IR.IUPD, expected]


def test_early_scan_confirms_only_by_an_additional_new_lesion():
    visits = [{"T1": 50}, {"T1": 40}, {"T1": 50}, {"T1": 60, "NEW01": Status.PRESENT}]
    result = run([target("T1"), new("NEW01")], visits, days=[0, 42, 84, 98])
    assert overall(result) == [IR.ISD, IR.IUPD, IR.ICPD]
    assert "additional new lesion(s) NEW01" in result.timepoints[-1].rationale


def test_early_scan_finding_and_late_scan_finding():
    visits = [{"T1": 50}, {"T1": 40}, {"T1": 50}, {"T1": 60}]
    early = run([target("T1")], visits, days=[0, 42, 84, 98])
    assert "EARLY_CONFIRMATION_SCAN" in {f.code for f in early.timepoints[-1].findings}
    late = run([target("T1")], visits, days=[0, 42, 84, 84 + 59])
    assert overall(late)[-1] is IR.ICPD
    assert "LATE_CONFIRMATION_SCAN" in {f.code for f in late.timepoints[-1].findings}


# --- Non-target-driven iUPD ---------------------------------------------------------------------

@pytest.mark.parametrize(("state", "expected"), [
    (Status.FURTHER_ENLARGEMENT, IR.ICPD),
    (Status.UNEQUIVOCAL_PROGRESSION, IR.ICPD),
    (Status.PRESENT, IR.IUPD),   # no further increase: remains iUPD (Table 2)
    (Status.ABSENT, IR.ISD),     # the non-target disease resolved: reset
])
def test_nontarget_iupd_confirmation(state, expected):
    lesions = [target("T1"), nontarget("NT1")]
    visits = [{"T1": 50, "NT1": Status.PRESENT}, {"T1": 45, "NT1": Status.UNEQUIVOCAL_PROGRESSION},
              {"T1": 45, "NT1": state}]
    result = run(lesions, visits)
    assert overall(result) == [IR.IUPD, expected]
    assert result.timepoints[0].nontarget_response is IR.IUPD


def test_target_progression_confirms_a_nontarget_iupd_as_a_new_category():
    lesions = [target("T1"), nontarget("NT1")]
    visits = [{"T1": 50, "NT1": Status.PRESENT}, {"T1": 45, "NT1": Status.UNEQUIVOCAL_PROGRESSION},
              {"T1": 60, "NT1": Status.PRESENT}]
    result = run(lesions, visits)
    assert overall(result)[-1] is IR.ICPD
    assert "a category not at iUPD before" in result.timepoints[-1].rationale


# --- New lesions: NLT / NLNT tracks (RULES §2.2) -------------------------------------------------

def test_new_lesion_targets_are_kept_apart_and_confirm_by_5_mm():
    lesions = [target("T1"), new("NEW01")]
    visits = [{"T1": 50}, {"T1": 40, "NEW01": 12}, {"T1": 40, "NEW01": 17}]
    result = run(lesions, visits)
    assert overall(result) == [IR.IUPD, IR.ICPD]
    assert result.timepoints[0].nlt_sum_mm == Decimal(12)
    assert result.timepoints[0].target_response is IR.ISD  # the baseline sum does not include NEW01


def test_each_assessment_names_its_new_lesion_targets_and_what_confirmed_the_iupd():
    """The categories SDTM needs (TRGRPID per visit, NEWLWIND / NTLWIND): a small new lesion becomes a new-lesion
    target once measurable; the iUPD it opened is confirmed by the new lesions, not by the non-targets."""
    lesions = [target("T1"), nontarget("NT1"), new("NEW01"), new("NEW02")]
    visits = [{"T1": 50, "NT1": Status.PRESENT}, {"T1": 40, "NT1": Status.PRESENT, "NEW01": 12, "NEW02": 8},
              {"T1": 40, "NT1": Status.PRESENT, "NEW01": 18, "NEW02": 11}]
    first, second = run(lesions, visits).timepoints
    assert (first.overall, second.overall) == (IR.IUPD, IR.ICPD)
    assert first.new_lesion_targets == {"NEW01"} and second.new_lesion_targets == {"NEW01", "NEW02"}
    assert first.worsening is None  # no iUPD before it
    assert second.worsening == {"new lesion"}


def test_an_assessment_after_iupd_that_confirms_nothing_has_an_empty_worsening():
    result = run([target("T1")], [{"T1": 50}, {"T1": 40}, {"T1": 50}, {"T1": 52}])
    assert overall(result) == [IR.ISD, IR.IUPD, IR.IUPD]
    assert [tp.worsening for tp in result.timepoints] == [None, None, frozenset()]


def test_new_lesion_target_growth_below_5_mm_remains_iupd():
    lesions = [target("T1"), new("NEW01")]
    result = run(lesions, [{"T1": 50}, {"T1": 40, "NEW01": 12}, {"T1": 40, "NEW01": "16.9"}])
    assert overall(result) == [IR.IUPD, IR.IUPD]


def test_new_lesion_non_target_any_increase_confirms():
    lesions = [target("T1"), new("NEW01")]
    visits = [{"T1": 50}, {"T1": 40, "NEW01": Status.PRESENT}, {"T1": 40, "NEW01": Status.FURTHER_ENLARGEMENT}]
    result = run(lesions, visits)
    assert overall(result) == [IR.IUPD, IR.ICPD]
    assert "new-lesion non-target increase (NEW01)" in result.timepoints[-1].rationale


def test_at_most_five_new_lesion_targets_and_two_per_organ():
    news = [Lesion(f"NEW0{i}", LesionRole.NEW, "LIVER" if i <= 3 else f"ORGAN {i}") for i in range(1, 8)]
    visits = [{"T1": 50}, {"T1": 40, **{lesion.lesion_id: 20 for lesion in news}}]
    result = run([target("T1"), *news], visits)
    text = result.timepoints[0].rationale
    assert "new-lesion targets NEW01, NEW02, NEW04, NEW05, NEW06 (sum 100 mm" in text
    assert "new-lesion non-targets NEW03, NEW07" in text


def test_small_new_lesion_is_a_new_lesion_non_target():
    result = run([target("T1"), new("NEW01")], [{"T1": 50}, {"T1": 40, "NEW01": 8}])
    assert result.timepoints[0].nlt_sum_mm is None
    assert "new-lesion non-targets NEW01" in result.timepoints[0].rationale


def test_new_lesion_with_further_shrinkage_of_baseline_disease_resets_to_ipr():
    """RULES §2.4 scenario B; scenario F (no further change) stays iUPD."""
    lesions = [target("T1"), new("NEW01")]
    shrinking = run(lesions, [{"T1": 50}, {"T1": 30, "NEW01": 12}, {"T1": 25, "NEW01": 12}])
    assert overall(shrinking) == [IR.IUPD, IR.IPR]
    unchanged = run(lesions, [{"T1": 50}, {"T1": 30, "NEW01": 12}, {"T1": 30, "NEW01": 12}])
    assert overall(unchanged) == [IR.IUPD, IR.IUPD]


def test_after_a_reset_known_new_lesions_progress_only_by_their_own_pd_or_further_new_lesions():
    lesions = [target("T1"), new("NEW01"), new("NEW02")]
    visits = [{"T1": 50}, {"T1": 30, "NEW01": 12}, {"T1": 25, "NEW01": 12},  # iUPD, reset to iPR
              {"T1": 25, "NEW01": 14},                                     # +2 mm over its nadir: iPR
              {"T1": 25, "NEW01": 20},                                     # +8 mm, +67 %: iUPD again
              ]
    result = run(lesions, visits)
    assert overall(result) == [IR.IUPD, IR.IPR, IR.IPR, IR.IUPD]
    another = run(lesions, [*visits[:3], {"T1": 25, "NEW01": 12, "NEW02": Status.PRESENT}])
    assert overall(another)[-1] is IR.IUPD


# --- Table 2 rows that follow RECIST 1.1 Table 1 -------------------------------------------------

def test_non_progressive_rows_map_to_i_categories():
    lesions = [target("T1"), nontarget("NT1")]
    result = run(lesions, [{"T1": 50, "NT1": Status.PRESENT}, {"T1": 40, "NT1": Status.PRESENT},
                           {"T1": 0, "NT1": Status.ABSENT}, {"T1": 0}])
    assert overall(result) == [IR.ISD, IR.ICR, IR.IPR]  # iCR + non-target not evaluated → iPR
    assert [tp.nontarget_response for tp in result.timepoints] == [IR.NON_ICR_NON_IUPD, IR.ICR, IR.NE]


def test_nontarget_only_read():
    result = run([nontarget("NT1")], [{"NT1": Status.PRESENT}, {"NT1": Status.PRESENT}])
    assert overall(result) == [IR.NON_ICR_NON_IUPD]
    assert result.timepoints[0].target_response is None


def test_results_stop_at_the_first_icpd():
    result = run([target("T1")], [{"T1": 50}, {"T1": 60}, {"T1": 70}, {"T1": 80}])
    assert overall(result) == [IR.IUPD, IR.ICPD]
