"""Fixtures of the store tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from recist_app.store.audit_keys import KEY_DIR_ENV, OWNER_KEY_ENV


@pytest.fixture
def audit_keys_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The SQLite trial keys go to a temporary folder of the test; no owner's key from the environment."""
    folder = tmp_path / "keys"
    monkeypatch.setenv(KEY_DIR_ENV, str(folder))
    monkeypatch.delenv(OWNER_KEY_ENV, raising=False)
    return folder
