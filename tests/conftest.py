"""Session-wide test set-up: headless Qt and the location of ``../shared``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support import require

if TYPE_CHECKING:
    from tests.orthanc import Orthanc

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


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Iterator[Orthanc]:
    """A private Orthanc (DICOMweb) holding the CT series of ``../shared/data/ct`` (tests/orthanc.py)."""
    from tests import orthanc as harness

    reason = harness.missing()
    require(not reason, reason)
    server = harness.start(tmp_path_factory.mktemp("orthanc"))
    try:
        server.upload(sorted((shared_dir / "data" / "ct" / "lung_pet_ct_dx").rglob("*.dcm")))
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True, scope="session")
def pacs_credentials(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No PACS credentials but a test's own (``RECIST_PACS_CONFIG`` names a file that does not exist)."""
    path = tmp_path_factory.mktemp("pacs-config") / "pacs.toml"
    os.environ["RECIST_PACS_CONFIG"] = str(path)
    return path


@pytest.fixture(autouse=True, scope="session")
def series_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Series retrieved from a PACS go to a temporary cache, never the user's (``RECIST_SERIES_CACHE``)."""
    folder = tmp_path_factory.mktemp("series-cache")
    os.environ["RECIST_SERIES_CACHE"] = str(folder)
    return folder
