"""Errors of the demo trial (ARCHITECTURE C7)."""

from __future__ import annotations

from recist_app.errors import RecistAppError


class PhantomSpecError(RecistAppError, ValueError):
    """A synthetic CT phantom specification is impossible (sizes, orientation, lesions)."""
