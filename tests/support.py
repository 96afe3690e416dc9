"""Test helpers shared across the test folders."""

from __future__ import annotations

import os

import pytest


def require(condition: bool, reason: str) -> None:
    """Skip when a required piece is missing outside CI; with ``CI=true`` that is a failure.

    CI must run every test (DEVELOPERS.md: no test skipped in CI).
    """
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)
