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
#: Exports in the tests run in one process (the tests already use both cores); the worker pool is tested where a
#: test asks for it (tests/recist_app/exports: test_parallel, and the plots and PDF exports).
os.environ.setdefault("RECIST_EXPORT_WORKERS", "1")


#: Environment variable → temporary folder (or, for a file, its name in one): where the workstation's own
#: files go during the tests, never the user's folders.
PRIVATE_PLACES = {
    "RECIST_LOG_DIR": "logs",  # the log file
    "RECIST_AUDIT_KEY_DIR": "audit-keys",  # the SQLite trials' audit keys
    "RECIST_SERIES_CACHE": "series-cache",  # series retrieved from a PACS
    "RECIST_ALIGNMENT_CACHE": "alignment-cache",  # alignments of follow-ups to priors
    "RECIST_PACS_CONFIG": "pacs-config/pacs.toml",  # PACS credentials: none but a test's own (no such file)
}


@pytest.fixture(autouse=True, scope="session")
def private_places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Point every variable of :data:`PRIVATE_PLACES` into a temporary folder; their paths."""
    places = {}
    for variable, name in PRIVATE_PLACES.items():
        folder, _, file = name.partition("/")
        places[variable] = tmp_path_factory.mktemp(folder) / file if file else tmp_path_factory.mktemp(folder)
        os.environ[variable] = str(places[variable])
    return places


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
