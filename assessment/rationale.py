"""Text rendering of the numbers behind a category (ARCHITECTURE C10).

Displayed numbers are truncated toward zero, never rounded up: a shown "−30.0 %" always means the
exact value reached −30 %, so the text never contradicts the category (RULES §7 A2).

Every time-point category carries a sentence naming the rule, the values and the thresholds,
e.g. "Target PD: sum 58 mm is +23.4 % and +11 mm over nadir 47 mm (≥ 20 % and ≥ 5 mm)".
"""

from __future__ import annotations

from decimal import Decimal


def mm(value: Decimal | None) -> str:
    """'58.1 mm' (one decimal at most, truncated); '—' when unknown."""
    if value is None:
        return "—"
    text = _one_decimal(value)
    return f"{text[:-2] if text.endswith('.0') else text} mm"


_TENTH = Decimal("0.1")


def signed_mm(value: Decimal) -> str:
    """'+11 mm' or '−3.5 mm' (typographic minus, as in the thresholds); '+0 mm' below 0.1 mm."""
    return ("−" if value <= -_TENTH else "+") + mm(abs(value))


def pct(value: Decimal | None) -> str:
    """'+23.4 %' or '−30.0 %' with one decimal, truncated; '—' when unknown."""
    if value is None:
        return "—"
    text = _one_decimal(value)
    return f"−{text[1:]} %" if text.startswith("-") else f"+{text} %"


def _one_decimal(value: Decimal) -> str:
    """``value`` truncated toward zero to one decimal, as text ('-0.0' becomes '0.0')."""
    tenths = int(value * 10)  # int() truncates toward zero
    whole, tenth = divmod(abs(tenths), 10)
    return f"{'-' if tenths < 0 else ''}{whole}.{tenth}"


def percent_change(value: Decimal, reference: Decimal) -> Decimal | None:
    """100 × (value − reference) / reference, exact to 28 digits; None when reference is 0."""
    if reference == 0:
        return None
    return (value - reference) * 100 / reference


def join(parts: list[str]) -> str:
    """Sentences joined with '. ', ending with a full stop."""
    text = ". ".join(p.rstrip(".") for p in parts if p)
    return text + "." if text else ""
