"""Protocol profile: the settings RULES §7 leaves to the protocol or SAP.

A profile is a flat TOML table merged over the defaults below (the decisions of RULES §7).
An unknown key or a value of the wrong type raises :class:`ProfileError`, so that a typo in a
study's profile never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from assessment.errors import ProfileError

ReferenceDate = Literal["randomisation", "first_dose"]
PfsCensorAt = Literal["last_evaluable", "last_assessment"]

_CHOICES: dict[str, tuple[str, ...]] = {
    "reference_date": ("randomisation", "first_dose"),
    "pfs_censor_at": ("last_evaluable", "last_assessment"),
}


@dataclass(frozen=True)
class Profile:
    """Protocol settings; every field is a decision of RULES §7 (key named in the comment)."""

    name: str = "default"
    continuing_pr: bool = False  # A3
    confirmation_required: bool = False  # A7
    sd_min_days: int = 42  # A8
    reference_date: ReferenceDate = "randomisation"  # A8
    confirm_min_days: int = 28  # A8b
    max_ne_between: int = 1  # A8b
    accept_sd_between: bool = False  # A8b
    missing_as_ne: bool = False  # RULES §1.10 step 4
    restrict_to_first_pd: bool = True  # RULES §1.10 step 1
    local_pd_pct: Decimal = Decimal(20)  # A9
    local_pd_mm: Decimal = Decimal(5)  # A9
    gmi_threshold: Decimal = Decimal("1.33")  # A10
    pfs_censor_at: PfsCensorAt = "last_evaluable"  # A11, A19
    pfs_landmark_days: int = 183  # A12
    irecist_confirm_min_days: int = 26  # A14
    irecist_confirm_warn_days: int = 58  # A14
    irradiated_targets_allowed: bool = True  # A16

    @classmethod
    def from_mapping(cls, settings: dict[str, Any], base: Profile | None = None) -> Profile:
        """Merge ``settings`` over ``base`` (default: RULES §7 defaults), checking every key."""
        base = base or cls()
        fields = {f.name: f for f in dataclasses.fields(cls)}
        changes: dict[str, Any] = {}
        for key, value in settings.items():
            if key not in fields:
                known = ", ".join(sorted(fields))
                raise ProfileError(key, f"unknown key. Known keys: {known}.")
            changes[key] = _coerce(key, value, getattr(base, key))
        return dataclasses.replace(base, **changes)

    @classmethod
    def from_toml(cls, text: str, base: Profile | None = None) -> Profile:
        """Parse a flat TOML profile (no tables) and merge it over ``base``."""
        try:
            settings = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError("<file>", f"not valid TOML ({exc}).") from exc
        for key, value in settings.items():
            if isinstance(value, dict):
                raise ProfileError(key, "profiles are flat: tables are not allowed.")
        return cls.from_mapping(settings, base)


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Check ``value`` against the type of the default of ``key`` and convert it."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ProfileError(key, f"must be true or false, got {value!r}.")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProfileError(key, f"must be a non-negative whole number, got {value!r}.")
        return value
    if isinstance(default, Decimal):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ProfileError(key, f"must be a number, got {value!r}.")
        return Decimal(str(value))
    if not isinstance(value, str):
        raise ProfileError(key, f"must be a string, got {value!r}.")
    choices = _CHOICES.get(key)
    if choices and value not in choices:
        raise ProfileError(key, f"must be one of {', '.join(choices)}, got {value!r}.")
    return value
