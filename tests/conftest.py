"""Session-wide test set-up: headless Qt and the location of ``../shared``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True, scope="session")
def log_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workstation's log file goes to a temporary folder, never the user's (``RECIST_LOG_DIR``)."""
    folder = tmp_path_factory.mktemp("logs")
    os.environ["RECIST_LOG_DIR"] = str(folder)
    return folder


@pytest.fixture(autouse=True, scope="session")
def audit_key_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite trials' audit keys go to a temporary folder, never the user's (``RECIST_AUDIT_KEY_DIR``)."""
    folder = tmp_path_factory.mktemp("audit-keys")
    os.environ["RECIST_AUDIT_KEY_DIR"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The project root (the folder holding ``main.py``)."""
    return Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_dir(repo_root: Path) -> Path:
    """``../shared`` beside the project; fails in CI (``CI=true``) and skips elsewhere if absent."""
    shared = repo_root.parent / "shared"
    if not shared.is_dir():
        message = f"shared data folder {shared} is missing; clone it beside the project."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return shared
