"""Trial-level estimates of the report (issue 18): exact binomial confidence intervals for response rates and the
Kaplan–Meier estimate of a time-to-event parameter at a landmark, with its confidence interval. Standard library
only.

- :func:`clopper_pearson`: the exact interval of a proportion x / n (Clopper & Pearson 1934; R ``binom.test``), the
  bounds found by bisection on the binomial tail probabilities.
- :func:`kaplan_meier`: the product-limit estimate; :func:`survival_at` reads it at a landmark with Greenwood's
  variance and the log(−log) interval (R ``survival::survfit`` ``conf.type = "log-log"``, SAS PROC LIFETEST's
  default); :func:`median_time` the first time the estimate falls to one half or below.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist


def clopper_pearson(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper–Pearson) two-sided ``level`` interval of ``successes / trials``.

    >>> [round(b, 4) for b in clopper_pearson(5, 20)]
    [0.0866, 0.491]
    """
    if not 0 <= successes <= trials or trials == 0:
        raise ValueError(f"successes must be within 0..trials with trials > 0, got {successes} of {trials}")
    alpha = (1 - level) / 2
    low = 0.0 if successes == 0 else _bisect(lambda p: _upper_tail(successes, trials, p) - alpha)
    high = 1.0 if successes == trials else _bisect(lambda p: alpha - _lower_tail(successes, trials, p))
    return low, high


def _lower_tail(x: int, n: int, p: float) -> float:
    """P(X ≤ x) for X ~ Binomial(n, p)."""
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(x + 1))


def _upper_tail(x: int, n: int, p: float) -> float:
    """P(X ≥ x) for X ~ Binomial(n, p)."""
    return 1.0 - _lower_tail(x - 1, n, p) if x > 0 else 1.0


def _bisect(increasing: Callable[[float], float]) -> float:
    """The root in (0, 1) of an increasing function of p (60 halvings: below 1e-15)."""
    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        if increasing(middle) < 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


@dataclass(frozen=True)
class SurvivalStep:
    """The Kaplan–Meier estimate after the events at ``time``: ``at_risk`` just before, ``events`` then, and the
    running Greenwood sum Σ d / (n (n − d))."""

    time: int
    at_risk: int
    events: int
    survival: float
    greenwood: float


def kaplan_meier(times: Sequence[int], censored: Sequence[bool]) -> tuple[SurvivalStep, ...]:
    """The product-limit estimate of times in days with their censoring flags (a censored time counts at risk on
    its own day, as events come first)."""
    if len(times) != len(censored):
        raise ValueError("times and censored must have the same length")
    steps = []
    survival, greenwood = 1.0, 0.0
    for time in sorted({t for t, c in zip(times, censored, strict=True) if not c}):
        at_risk = sum(1 for t in times if t >= time)
        events = sum(1 for t, c in zip(times, censored, strict=True) if t == time and not c)
        survival *= 1 - events / at_risk
        if at_risk > events:
            greenwood += events / (at_risk * (at_risk - events))
        steps.append(SurvivalStep(time, at_risk, events, survival, greenwood))
    return tuple(steps)


@dataclass(frozen=True)
class LandmarkEstimate:
    """S(t) at a landmark with its interval; ``reached`` is False when no subject was followed that long (no
    estimate then)."""

    time: int
    survival: float | None
    low: float | None
    high: float | None
    reached: bool


def survival_at(steps: Sequence[SurvivalStep], times: Sequence[int], landmark: int, level: float = 0.95
                ) -> LandmarkEstimate:
    """S(``landmark``) of :func:`kaplan_meier` with its log(−log) ``level`` interval (none when S is 0 or 1)."""
    if not times or max(times) < landmark:
        return LandmarkEstimate(landmark, None, None, None, False)
    before = [step for step in steps if step.time <= landmark]
    if not before:
        return LandmarkEstimate(landmark, 1.0, None, None, True)
    last = before[-1]
    if last.survival <= 0.0 or last.survival >= 1.0:
        return LandmarkEstimate(landmark, last.survival, None, None, True)
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    log_survival = math.log(last.survival)
    spread = z * math.sqrt(last.greenwood) / abs(log_survival)
    low = last.survival ** math.exp(spread)
    high = last.survival ** math.exp(-spread)
    return LandmarkEstimate(landmark, last.survival, low, high, True)


def median_time(steps: Sequence[SurvivalStep]) -> int | None:
    """The first time the estimate is one half or below (None when it never is)."""
    return next((step.time for step in steps if step.survival <= 0.5), None)
