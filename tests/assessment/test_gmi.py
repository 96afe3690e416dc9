"""Growth modulation index: threshold boundary, censored bounds, missing previous PFS (RULES §4.2, A10)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assessment.errors import InvalidInputError
from assessment.gmi import NOT_EVALUABLE, growth_modulation_index
from assessment.profile import Profile

T = Profile().gmi_threshold  # 1.33 (A10)


def gmi(pfs: int, previous: int | None, *, censored: bool = False, previous_censored: bool = False,
        threshold: Decimal = T) -> tuple[str, Decimal | None]:  # fmt: skip
    result = growth_modulation_index(pfs, previous, threshold, pfs_censored=censored,
                                     previous_censored=previous_censored)  # fmt: skip
    return result.category, result.rounded()


def test_default_threshold_is_1_33():
    assert Decimal("1.33") == T


@pytest.mark.parametrize(("pfs", "previous", "expected"), [
    (400, 300, ("> 1.33", Decimal("1.333"))),
    (133, 100, ("<= 1.33", Decimal("1.330"))),  # exactly 1.33 is not above (strictly greater)
    (1330, 1000, ("<= 1.33", Decimal("1.330"))),
    (1331, 1000, ("> 1.33", Decimal("1.331"))),
    (134, 100, ("> 1.33", Decimal("1.340"))),
    (100, 300, ("<= 1.33", Decimal("0.333"))),
])  # fmt: skip
def test_boundary_is_strictly_greater(pfs, previous, expected):
    assert gmi(pfs, previous) == expected


def test_exact_comparison_not_the_rounded_ratio():
    # 13301/10000 = 1.3301: rounds to 1.330 but is above 1.33; 13299/10000 rounds to 1.330, below.
    assert gmi(13301, 10000) == ("> 1.33", Decimal("1.330"))
    assert gmi(13299, 10000) == ("<= 1.33", Decimal("1.330"))


def test_rounding_is_half_up_to_three_places():
    assert gmi(1, 16)[1] == Decimal("0.063")  # 0.0625
    assert gmi(2, 3)[1] == Decimal("0.667")


def test_censored_current_pfs_is_a_lower_bound():
    assert gmi(400, 300, censored=True) == ("> 1.33", Decimal("1.333"))  # already above
    assert gmi(133, 100, censored=True)[0] == NOT_EVALUABLE  # may still exceed 1.33
    assert gmi(50, 300, censored=True)[0] == NOT_EVALUABLE
    result = growth_modulation_index(133, 100, T, pfs_censored=True)
    assert "lower bound" in result.rationale and result.ratio == Decimal("1.33")


def test_censored_previous_pfs_is_an_upper_bound():
    assert gmi(100, 300, previous_censored=True) == ("<= 1.33", Decimal("0.333"))
    assert gmi(133, 100, previous_censored=True)[0] == "<= 1.33"  # the bound is at the threshold
    assert gmi(400, 300, previous_censored=True)[0] == NOT_EVALUABLE  # the true ratio may be lower
    assert "upper bound" in growth_modulation_index(400, 300, T, previous_censored=True).rationale


def test_both_censored_is_not_evaluable():
    assert gmi(400, 300, censored=True, previous_censored=True)[0] == NOT_EVALUABLE
    assert gmi(100, 300, censored=True, previous_censored=True)[0] == NOT_EVALUABLE


@pytest.mark.parametrize("previous", [None, 0])
def test_missing_or_zero_previous_pfs_is_not_evaluable(previous):
    result = growth_modulation_index(300, previous, T)
    assert (result.category, result.ratio, result.rounded()) == (NOT_EVALUABLE, None, None)
    assert "previous-line PFS" in result.rationale


def test_threshold_is_taken_from_the_profile_in_the_label():
    assert gmi(131, 100, threshold=Decimal("1.3")) == ("> 1.3", Decimal("1.310"))
    assert gmi(131, 100) == ("<= 1.33", Decimal("1.310"))


@pytest.mark.parametrize(("pfs", "previous", "threshold", "argument"), [
    (-1, 100, T, "pfs_days"),
    (100, -5, T, "previous_pfs_days"),
    (True, 100, T, "pfs_days"),
    (100, 100, Decimal(0), "threshold"),
])  # fmt: skip
def test_invalid_input_is_rejected(pfs, previous, threshold, argument):
    with pytest.raises(InvalidInputError, match=f'"{argument}"'):
        growth_modulation_index(pfs, previous, threshold)
