"""Test helpers shared across the test folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The project root (the folder holding ``main.py``) and the shared folder beside it.
REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"


def require(condition: bool, reason: str) -> None:
    """Skip when a required piece is missing outside CI; with ``CI=true`` that is a failure.

    CI runs every test: no test is skipped there (README, "Tests that read the real data …").
    """
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)
