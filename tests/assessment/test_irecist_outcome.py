"""iRECIST outcome of a read: iBOR (Table 3), progression date, unconfirmed iUPD and iPFS.

RULES §2.6 (iRECIST Table 3), §2.7 (progression date, admiralonco event definitions), §4.1 and
§7 A11, A12, A13, A19. Days are counted from the reference date ``REF``; time point k of a
Table 3 example is on day 49 + 42·(k − 1), so every time point is past the 42-day iSD window.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, timedelta

import pytest

from assessment.best_response import IRECIST, Assessment
from assessment.errors import InvalidInputError
from assessment.irecist_outcome import (
    CONFIRMED_PROGRESSION,
    UNCONFIRMED_PROGRESSION,
    irecist_best_overall_response,
    irecist_outcome,
    irecist_progression,
    irecist_progression_free_survival,
    prepare_irecist,
)
from assessment.profile import Profile

REF = date(2020, 1, 1)
DEFAULT = Profile()  # sd_min_days 42, pfs_censor_at last_evaluable (A11)
ANY = ("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iUPD", "iCPD", "NE")


def day(n: int) -> date:
    """The date ``n`` days after the reference date."""
    return REF + timedelta(days=n)


def tp_day(k: int) -> int:
    """Study day of time point ``k`` (1-based) in the Table 3 examples."""
    return 49 + 42 * (k - 1)


def timepoints(*responses: str) -> list[Assessment]:
    return [Assessment(day(tp_day(k)), r) for k, r in enumerate(responses, 1)]


def seq(*items: tuple[int, str]) -> list[Assessment]:
    return [Assessment(day(n), r) for n, r in items]


def ibor(items: list[Assessment], profile: Profile = DEFAULT) -> tuple[str, date | None]:
    best = irecist_best_overall_response(items, REF, profile)
    return best.category, best.date


def ipfs(items: list[Assessment], profile: Profile = DEFAULT, death: date | None = None) -> tuple:
    result = irecist_progression_free_survival(items, REF, profile, death_date=death)
    return result.date, result.days, result.censored, result.description


# --- iRECIST Table 3 (RULES §2.6): every listed alternative of every example -------------------
TABLE3 = {
    1: ([("iCR",), ("iCR", "iPR", "iUPD", "NE"), ("iCR", "iPR", "iUPD", "NE"), ("iUPD",), ("iCPD",)],
        "iCR", 1),
    2: ([("iUPD",), ("iPR", "iSD", "NE"), ("iCR",), ("iCR", "iUPD", "NE"), ANY], "iCR", 3),
    3: ([("iUPD",), ("iPR",), ("iPR", "iSD", "iUPD", "NE")], "iPR", 2),
    4: ([("iUPD",), ("iSD", "NE"), ("iPR",)], "iPR", 3),
    5: ([("iUPD",), ("iSD",), ("iSD", "iUPD", "NE")], "iSD", 2),
    6: ([("iUPD",), ("iCPD",), ANY, ANY, ANY], "iCPD", 1),  # iCPD dated at its iUPD (§2.7)
    7: ([("iUPD",), ("iUPD",), ("iCPD",), ANY, ANY], "iCPD", 1),
    8: ([("iUPD",), ("NE",), ("NE",), ("NE",), ("NE",)], "iUPD", 1),  # A13
}  # fmt: skip


@pytest.mark.parametrize("number", sorted(TABLE3))
def test_table3_examples(number):
    """Every combination of the alternatives listed in the example's columns."""
    columns, expected, at_tp = TABLE3[number]
    combos = list(itertools.product(*columns))
    for responses in combos:
        category, when = ibor(timepoints(*responses))
        assert category == expected, responses
        tp = responses.index(expected) + 1 if expected in ("iCR", "iPR") else at_tp  # ties → earliest
        assert when == day(tp_day(tp)), responses
    assert len(combos) == {1: 16, 2: 63, 3: 4, 4: 2, 5: 3, 6: 343, 7: 49, 8: 1}[number]


def test_table3_example_8_is_an_unconfirmed_ipfs_event():
    items = timepoints("iUPD", "NE", "NE", "NE", "NE")
    assert ipfs(items) == (day(49), 50, False, UNCONFIRMED_PROGRESSION)


# --- Progression date (RULES §2.7, admiralonco vignette examples) ------------------------------

def test_iupd_iupd_icpd_is_dated_at_the_first_iupd():
    progression = irecist_progression(timepoints("iUPD", "iUPD", "iCPD"), REF)
    assert progression is not None
    assert (progression.date, progression.confirmed, progression.confirmation_date) == (
        day(tp_day(1)), True, day(tp_day(3)))  # fmt: skip
    assert ipfs(timepoints("iUPD", "iUPD", "iCPD")) == (day(49), 50, False, CONFIRMED_PROGRESSION)


def test_reset_moves_the_progression_to_the_second_iupd():
    items = timepoints("iSD", "iSD", "iUPD", "iPR", "iPR", "iUPD", "iCPD")
    progression = irecist_progression(items, REF)
    assert progression is not None and progression.confirmed
    assert progression.date == day(tp_day(6))
    assert ibor(items) == ("iPR", day(tp_day(4)))
    assert ipfs(items)[:3] == (day(tp_day(6)), tp_day(6) + 1, False)


def test_ne_inside_the_block_keeps_the_first_iupd():
    items = timepoints("iSD", "iUPD", "NE", "iUPD", "iCPD")
    progression = irecist_progression(items, REF)
    assert progression is not None and progression.date == day(tp_day(2))


def test_non_icr_non_iupd_also_resets():
    items = timepoints("iUPD", "NON-iCR/NON-iUPD", "iUPD", "iCPD")
    progression = irecist_progression(items, REF)
    assert progression is not None and progression.date == day(tp_day(3))
    assert ibor(items) == ("NON-iCR/NON-iUPD", day(tp_day(2)))


def test_icpd_without_a_preceding_iupd_is_dated_at_itself():
    # Not possible under iRECIST Table 2; admiralonco has no iCPD event here, Table 3 stops at iCPD.
    items = timepoints("iSD", "iCPD")
    best = irecist_best_overall_response(items, REF, DEFAULT)
    assert (best.category, best.date) == ("iSD", day(tp_day(1)))  # iSD still ranks first
    items = seq((20, "iSD"), (49, "iCPD"))  # iSD before the 42-day window: NE
    assert ibor(items) == ("iCPD", day(49))
    assert "no iUPD before it" in irecist_best_overall_response(items, REF, DEFAULT).rationale
    assert ipfs(items) == (day(49), 50, False, CONFIRMED_PROGRESSION)


# --- Unconfirmed iUPD at the last visit (A13) ----------------------------------------------------

def test_unconfirmed_iupd_at_the_last_visit_is_an_event_flagged_unconfirmed():
    items = timepoints("iSD", "iPR", "iUPD")
    progression = irecist_progression(items, REF)
    assert progression is not None
    assert (progression.date, progression.confirmed, progression.confirmation_date) == (day(tp_day(3)), False, None)
    assert "unconfirmed" in progression.rationale
    assert ibor(items) == ("iPR", day(tp_day(2)))
    result = irecist_progression_free_survival(items, REF, DEFAULT)
    assert (result.date, result.days, result.censored) == (day(tp_day(3)), tp_day(3) + 1, False)
    assert result.description == UNCONFIRMED_PROGRESSION == "Unconfirmed Progression (iUPD)"
    assert "unconfirmed" in result.rationale and "A13" in result.rationale


def test_unconfirmed_block_is_dated_at_its_first_iupd():
    items = timepoints("iSD", "iUPD", "NE", "iUPD", "NE")
    progression = irecist_progression(items, REF)
    assert progression is not None and not progression.confirmed
    assert progression.date == day(tp_day(2))
    assert ibor(items) == ("iSD", day(tp_day(1)))


def test_iupd_followed_by_a_reset_is_no_progression():
    items = timepoints("iUPD", "iSD")
    assert irecist_progression(items, REF) is None
    assert ipfs(items) == (day(tp_day(2)), tp_day(2) + 1, True, "Last Evaluable Tumor Assessment")


# --- iPFS: event vs censored (RULES §4.1; A11, A19) ----------------------------------------------

def test_death_before_progression_is_the_event():
    items = timepoints("iSD", "iUPD", "iCPD")
    assert ipfs(items, death=day(60)) == (day(60), 61, False, "Death")
    assert ipfs(items, death=day(tp_day(2))) == (day(tp_day(2)), tp_day(2) + 1, False, CONFIRMED_PROGRESSION)


def test_death_without_progression_is_the_event():
    assert ipfs(timepoints("iSD"), death=day(100)) == (day(100), 101, False, "Death")


def test_censored_at_the_last_evaluable_or_the_last_assessment():
    items = timepoints("iSD", "iPR", "NE")
    assert ipfs(items) == (day(tp_day(2)), tp_day(2) + 1, True, "Last Evaluable Tumor Assessment")
    last_any = dataclasses.replace(DEFAULT, pfs_censor_at="last_assessment")
    assert ipfs(items, last_any) == (day(tp_day(3)), tp_day(3) + 1, True, "Last Tumor Assessment")


def test_no_records_censored_at_the_start_and_missing():
    assert ipfs([]) == (REF, 1, True, "Randomization")
    assert ibor([]) == ("MISSING", None)
    assert ibor([], dataclasses.replace(DEFAULT, missing_as_ne=True)) == ("NE", None)
    with pytest.raises(InvalidInputError, match="death_date"):
        irecist_progression_free_survival(timepoints("iUPD", "iCPD"), REF, DEFAULT, death_date=day(-1))


# --- Records: on/after the reference only, worst per date, up to the first iCPD -----------------

def test_records_before_the_reference_date_are_ignored():
    items = seq((-30, "iUPD"), (-10, "iCPD"), (49, "iPR"))
    assert ibor(items) == ("iPR", day(49))
    assert irecist_progression(items, REF) is None
    assert ipfs(items) == (day(49), 50, True, "Last Evaluable Tumor Assessment")
    assert "2 record(s) before the reference date" in irecist_best_overall_response(items, REF, DEFAULT).rationale
    assert ibor(seq((-1, "iCR"))) == ("MISSING", None)
    assert ibor(seq((0, "iCR"))) == ("iCR", day(0))  # on the reference date counts


def test_worst_record_per_date_is_kept():
    assert prepare_irecist(seq((49, "iCR"), (49, "iUPD"), (91, "NE")), REF) == (
        Assessment(day(49), "iUPD"), Assessment(day(91), "NE"))  # fmt: skip
    assert prepare_irecist(seq((49, "NE"), (49, "iSD")), REF) == (Assessment(day(49), "iSD"),)
    assert ibor(seq((49, "iCR"), (49, "iUPD"))) == ("iUPD", day(49))


def test_records_after_the_first_icpd_are_ignored():
    items = timepoints("iUPD", "iCPD", "iCR", "iCR")
    assert prepare_irecist(items, REF) == tuple(items[:2])
    assert "2 record(s) after the first iCPD ignored" in irecist_best_overall_response(items, REF, DEFAULT).rationale


# --- The 42-day window (A8) and categories -------------------------------------------------------

def test_isd_window_and_icr_ipr_on_any_date():
    assert ibor(seq((41, "iSD"))) == ("NE", day(41))
    assert ibor(seq((42, "iSD"))) == ("iSD", day(42))
    assert ibor(seq((30, "NON-iCR/NON-iUPD"), (42, "NON-iCR/NON-iUPD"))) == ("NON-iCR/NON-iUPD", day(42))
    # admiralonco ibor_icr / ibor_ipr have no window (the 42 days belong to the iSD event).
    assert ibor(seq((20, "iPR"), (62, "NE"))) == ("iPR", day(20))
    assert ibor(seq((20, "iSD"), (41, "iUPD"))) == ("iUPD", day(41))  # early iSD is NE < iUPD
    assert ibor(seq((10, "ND"))) == ("ND", day(10))


def test_ranking_is_the_admiralonco_event_order():
    assert IRECIST.ranking == ("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iCPD", "iUPD", "NE", "ND", "MISSING")
    assert ibor(timepoints("iSD", "iUPD", "iCPD")) == ("iSD", day(tp_day(1)))


def test_recist_values_are_rejected():
    with pytest.raises(InvalidInputError, match=r"assessments\[1\].response.*'PR'"):
        irecist_best_overall_response(seq((49, "iSD"), (91, "PR")), REF, DEFAULT)


def test_outcome_bundles_the_three_results():
    outcome = irecist_outcome(timepoints("iUPD", "iUPD", "iCPD"), REF, DEFAULT)
    assert (outcome.best_response.category, outcome.best_response.date) == ("iCPD", day(49))
    assert outcome.progression is not None and outcome.progression.date == day(49)
    assert (outcome.pfs.date, outcome.pfs.censored) == (day(49), False)
