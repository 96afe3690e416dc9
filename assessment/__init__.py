"""Pure tumour-response rules engine (standard library only; ARCHITECTURE C1).

RECIST 1.1 time-point responses (:func:`assess_recist11`), a read's best overall response and PFS
(:func:`read_outcome`), with the decisions of RULES.md §7 as defaults of :class:`Profile`.
"""

from typing import TYPE_CHECKING

from assessment.domain import (
    Finding,
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

if TYPE_CHECKING:  # the real types for mypy; at run time the names load lazily through __getattr__
    from assessment.outcome import ReadOutcome, read_outcome

ENGINE_VERSION = "0.1.0"
#: The rules reference the engine implements (shared/docs/RULES.md, decisions of §7).
RULES_VERSION = "RULES.md 2026-11 (RECIST 1.1, decisions A1–A19)"

__all__ = [
    "ENGINE_VERSION", "RULES_VERSION", "Finding", "Lesion", "LesionRole", "Observation", "Profile", "Read",
    "ReadOutcome", "ReadResult", "Response", "Status", "Timepoint", "TimepointResult", "assess_recist11",
    "read_outcome",
]


def __getattr__(name: str) -> object:
    """``read_outcome`` and ``ReadOutcome`` load on first use: ``assess`` never needs them (start-up)."""
    if name in ("read_outcome", "ReadOutcome"):
        from assessment import outcome

        return getattr(outcome, name)
    raise AttributeError(f"module 'assessment' has no attribute {name!r}")
