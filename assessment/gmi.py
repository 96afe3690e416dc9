"""Growth modulation index: PFS on this line / PFS on the previous line (RULES §4.2, §7 A10).

The ratio is compared with the profile's ``gmi_threshold`` (1.33) in exact decimal arithmetic
(A2): "> 1.33" only when strictly greater, so a ratio of exactly 1.33 is "<= 1.33".

Censoring turns the ratio into a bound (RULES §4.2, A10):

- current PFS censored: the true PFS is at least the observed one, so the observed ratio is a
  **lower bound**. It is "> threshold" when the bound already exceeds the threshold; otherwise
  the true ratio may still exceed it: NOT EVALUABLE.
- previous-line PFS censored: the true previous PFS is at least the observed one, so the ratio
  is an **upper bound**. It is "<= threshold" when the bound is already at or below the
  threshold; otherwise NOT EVALUABLE.
- both censored: the ratio bounds nothing: NOT EVALUABLE.
- previous-line PFS missing or 0 days: no ratio: NOT EVALUABLE.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from assessment.errors import InvalidInputError

NOT_EVALUABLE = "NOT EVALUABLE"
#: Decimal places of the reported ratio (ADaM ``AVAL``).
RATIO_PLACES = 3


@dataclass(frozen=True)
class GrowthModulationIndex:
    """A GMI result.

    Parameters
    ----------
    ratio : Decimal or None
        PFS / previous-line PFS (28 significant digits); None when it cannot be computed.
    category : str
        ``"> T"``, ``"<= T"`` (T the threshold as given) or ``"NOT EVALUABLE"``.
    rationale : str
        Days, censoring and the comparison that decided the category.
    """

    ratio: Decimal | None
    category: str
    rationale: str

    def rounded(self, places: int = RATIO_PLACES) -> Decimal | None:
        """The ratio rounded half up to ``places`` decimals (None without a ratio)."""
        if self.ratio is None:
            return None
        return self.ratio.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def above_label(threshold: Decimal) -> str:
    """The category of a ratio above the threshold, e.g. ``"> 1.33"``."""
    return f"> {threshold}"


def at_or_below_label(threshold: Decimal) -> str:
    """The category of a ratio at or below the threshold, e.g. ``"<= 1.33"``."""
    return f"<= {threshold}"


def growth_modulation_index(
    pfs_days: int,
    previous_pfs_days: int | None,
    threshold: Decimal,
    *,
    pfs_censored: bool = False,
    previous_censored: bool = False,
) -> GrowthModulationIndex:
    """GMI of one read (RULES §4.2, A10); censoring handled as in the module docstring.

    Parameters
    ----------
    pfs_days : int
        PFS on this line in days (end − start + 1, A12).
    previous_pfs_days : int or None
        PFS on the previous line in days; None when unknown.
    threshold : Decimal
        The profile's ``gmi_threshold``.
    pfs_censored, previous_censored : bool
        Whether each PFS is censored.

    Raises
    ------
    InvalidInputError
        On a negative or non-integer number of days or a non-positive threshold.

    >>> growth_modulation_index(400, 300, Decimal("1.33")).category
    '> 1.33'
    >>> growth_modulation_index(133, 100, Decimal("1.33")).category
    '<= 1.33'
    """
    _check_days("pfs_days", pfs_days)
    if previous_pfs_days is not None:
        _check_days("previous_pfs_days", previous_pfs_days)
    if not isinstance(threshold, Decimal) or not threshold.is_finite() or threshold <= 0:
        raise InvalidInputError("threshold", threshold, "a positive finite Decimal")
    above, at_or_below = above_label(threshold), at_or_below_label(threshold)
    if previous_pfs_days is None:
        return GrowthModulationIndex(None, NOT_EVALUABLE, "no previous-line PFS: no ratio (A10)")
    if previous_pfs_days == 0:
        return GrowthModulationIndex(None, NOT_EVALUABLE, "previous-line PFS is 0 days: no ratio (A10)")
    ratio = Decimal(pfs_days) / Decimal(previous_pfs_days)
    exceeds = Decimal(pfs_days) > threshold * Decimal(previous_pfs_days)  # exact, no rounding (A2)
    shown = ratio.quantize(Decimal(1).scaleb(-RATIO_PLACES), rounding=ROUND_HALF_UP)
    days = (f"PFS {pfs_days} days{' (censored)' if pfs_censored else ''} / previous-line PFS "
            f"{previous_pfs_days} days{' (censored)' if previous_censored else ''} = {shown}")
    relation = f"> {threshold}" if exceeds else f"<= {threshold}"
    if pfs_censored and previous_censored:
        why = f"{days}: both censored, the ratio bounds nothing: {NOT_EVALUABLE} (A10)"
        return GrowthModulationIndex(ratio, NOT_EVALUABLE, why)
    if pfs_censored:
        if exceeds:
            why = f"{days}, a lower bound already {relation}: {above} (A10)"
            return GrowthModulationIndex(ratio, above, why)
        why = f"{days}, a lower bound {relation}: the true ratio may still exceed it: {NOT_EVALUABLE} (A10)"
        return GrowthModulationIndex(ratio, NOT_EVALUABLE, why)
    if previous_censored:
        if not exceeds:
            why = f"{days}, an upper bound already {relation}: {at_or_below} (A10)"
            return GrowthModulationIndex(ratio, at_or_below, why)
        why = f"{days}, an upper bound {relation}: the true ratio may be lower: {NOT_EVALUABLE} (A10)"
        return GrowthModulationIndex(ratio, NOT_EVALUABLE, why)
    category = above if exceeds else at_or_below
    why = f"{days} {relation} (A10: strictly greater than {threshold} counts as above)"
    return GrowthModulationIndex(ratio, category, why)


def _check_days(argument: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(argument, value, "a non-negative whole number of days")
