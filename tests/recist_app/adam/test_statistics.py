"""Clopper–Pearson intervals and Kaplan–Meier estimates against published values (issue 18)."""

from __future__ import annotations

import pytest

from recist_app.adam.statistics import clopper_pearson, kaplan_meier, median_time, survival_at

#: Gehan's 6-MP arm (Freireich 1963): weeks of remission, True when censored.
GEHAN_TIMES = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
GEHAN_CENSORED = [False, False, False, True, False, True, False, True, True, False, False, True, True, True, False,
                  False, True, True, True, True, True]


@pytest.mark.parametrize(("x", "n", "low", "high"), [
    (5, 20, 0.08657147, 0.49104587),  # R: binom.test(5, 20)$conf.int
    (0, 10, 0.0, 0.30849710),
    (10, 10, 0.69150289, 1.0),
    (1, 3, 0.00840376, 0.90570068),
])
def test_clopper_pearson_equals_r_binom_test(x: int, n: int, low: float, high: float) -> None:
    assert clopper_pearson(x, n) == pytest.approx((low, high), abs=1e-7)


def test_clopper_pearson_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError, match=r"within 0\.\.trials"):
        clopper_pearson(3, 2)


def test_kaplan_meier_reproduces_the_6mp_arm() -> None:
    """The product-limit steps of the textbook example, and R survfit(conf.type = "log-log") at week 10."""
    steps = kaplan_meier(GEHAN_TIMES, GEHAN_CENSORED)
    assert [(s.time, round(s.survival, 4)) for s in steps] == [
        (6, 0.8571), (7, 0.8067), (10, 0.7529), (13, 0.6902), (16, 0.6275), (22, 0.5378), (23, 0.4482)]
    at10 = survival_at(steps, GEHAN_TIMES, 10)
    assert (at10.survival, at10.low, at10.high) == pytest.approx((0.7529, 0.5032, 0.8894), abs=1e-4)
    assert median_time(steps) == 23
    assert not survival_at(steps, GEHAN_TIMES, 40).reached  # nobody followed 40 weeks: no estimate
