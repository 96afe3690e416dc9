"""Load a protocol profile file (TOML) over the RULES §7 defaults."""

from __future__ import annotations

from pathlib import Path

from assessment.errors import ProfileError
from assessment.profile import Profile
from recist_app.errors import InputFileError


def load_profile(path: str | Path | None) -> Profile:
    """The profile in ``path`` merged over the defaults; the defaults when ``path`` is None."""
    if path is None:
        return Profile()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputFileError(str(path), None, f"cannot be read ({reason}).") from exc
    try:
        return Profile.from_toml(text)
    except ProfileError as exc:
        raise InputFileError(str(path), None, str(exc)) from exc
