"""Load a protocol profile file (TOML) over the RULES §7 defaults.

The file may hold the workstation's tables too (``[series]``, ``[[visit]]``,
:mod:`recist_app.evaluation.trial_profile`); the engine gets only its flat keys. Every problem is an
:class:`~recist_app.errors.InputFileError` naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path

from assessment.errors import ProfileError
from assessment.profile import Profile
from recist_app.errors import InputFileError
from recist_app.evaluation.trial_profile import TrialProfile, parse_trial_profile


def load_profile(path: str | Path | None) -> Profile:
    """The engine's profile in ``path`` merged over the defaults; the defaults when ``path`` is None."""
    if path is None:
        return Profile()
    return read_trial_profile(path)[1].engine


def read_trial_profile(path: str | Path) -> tuple[str, TrialProfile]:
    """The text of the profile file ``path`` and its parse (engine keys, ``[series]``, ``[[visit]]``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputFileError(str(path), None, f"cannot be read ({reason}).") from exc
    try:
        return text, parse_trial_profile(text)
    except ProfileError as exc:
        raise InputFileError(str(path), None, str(exc)) from exc
