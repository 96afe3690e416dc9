"""Property tests of issue 13's contract on mutants of real DICOM files (hypothesis).

Each example (a base series of ``../shared/data``, a seed and a number of mutations) builds a mutant
(:mod:`tests.recist_app.imaging.dicom_mutants`: hostile header values, deleted values, swapped
transfer syntaxes, cut or corrupted pixel data, flipped bytes, truncation) and runs ``main.py scan``
and ``main.py load`` on it with ``--json``: exit 0 or 2, on 2 one ``error:`` line naming the file,
on 0 nothing on stderr and strict JSON without implausible millimetres, no traceback, within 5 s
(:func:`~tests.recist_app.imaging.dicom_mutants.contract_violations`). Most examples run in process
with the streams captured; a few run ``main.py load`` in a subprocess under a 2 GiB address-space
limit, where file descriptors, the memory limit and the interpreter's exit are real. Derandomised:
the same examples on every run. The larger campaign is ``benchmarks/fuzz_dicom.py``.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recist_app.cli import main
from tests.recist_app.imaging import dicom_mutants
from tests.support import REPO_ROOT, SHARED_DIR, require

IN_PROCESS_EXAMPLES = 300
SUBPROCESS_EXAMPLES = 10
MEMORY_LIMIT = 2 * 1024**3
#: OpenBLAS reserves address space per core, which RLIMIT_AS counts: one BLAS thread keeps the baseline small.
SMALL_PROCESS = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
SETTINGS = {"derandomize": True, "deadline": None, "database": None,
            "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}
MUTANTS = {"base": st.sampled_from(sorted(dicom_mutants.BASES)), "seed": st.integers(0, 2**32 - 1),
           "count": st.integers(1, 3)}

pytestmark = pytest.mark.shared_data


@pytest.fixture(autouse=True)
def _shared_data() -> None:
    require((SHARED_DIR / "data").is_dir(), f"{SHARED_DIR / 'data'} is missing; clone ../shared beside the project")


def _names(folder: Path, mutant: dicom_mutants.Mutant) -> list[str]:
    return [folder.name, *mutant.files]


@settings(max_examples=IN_PROCESS_EXAMPLES, **SETTINGS)
@given(**MUTANTS)
def test_mutants_keep_the_contract_in_process(capsys: pytest.CaptureFixture[str], base: str, seed: int,
                                              count: int) -> None:
    mutant = dicom_mutants.mutant(random.Random(seed), base, count)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "mutant"
        mutant.write(folder)
        for command in ("scan", "load"):
            began = time.perf_counter()
            code = main([command, str(folder), "--json"])  # an exception escaping main fails the test
            seconds = time.perf_counter() - began
            out, err = capsys.readouterr()
            violations = dicom_mutants.contract_violations(command, code, out, err, seconds, _names(folder, mutant))
            assert not violations, (command, violations, mutant.mutations)


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, resource.getrlimit(resource.RLIMIT_AS)[1]))


@settings(max_examples=SUBPROCESS_EXAMPLES, **SETTINGS)
@given(**MUTANTS)
def test_mutants_keep_the_contract_in_a_memory_limited_process(base: str, seed: int, count: int) -> None:
    mutant = dicom_mutants.mutant(random.Random(seed), base, count)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "mutant"
        mutant.write(folder)
        began = time.perf_counter()
        done = subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), "load", str(folder), "--json"],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, preexec_fn=_limited,
                              env=SMALL_PROCESS)
        seconds = time.perf_counter() - began
    # The subprocess's start (imports) counts too: allow it on top of the 5 s.
    violations = dicom_mutants.contract_violations("load", done.returncode, done.stdout, done.stderr, seconds,
                                                   _names(folder, mutant), limit=dicom_mutants.SECONDS + 3)
    assert not violations, (violations, mutant.mutations)


def test_the_mutator_is_deterministic_and_mutates() -> None:
    """Same seed, same mutant (CI reproduces a failure); and the mutant differs from its base."""
    one, two = (dicom_mutants.mutant(random.Random(7), "series3", 2) for _ in range(2))
    assert one == two and one.mutations[0].startswith("series3/")
    base = dicom_mutants.base_files("series3")
    assert sum(one.files[name] != base[name] for name in base) == 1  # one file of the three is mutated


def test_contract_checker_catches_each_violation() -> None:
    """The checker itself rejects what the contract forbids (so a passing fuzz test means something)."""
    ok_load = '{"calibrated": true, "spacing_mm_zyx": [1.5, 0.5, 0.5]}'
    check = dicom_mutants.contract_violations
    assert check("load", 0, ok_load, "", 0.1, ["f.dcm"]) == []
    assert check("load", 2, "", "error: f.dcm: Rows (0028,0010) is 0\n", 0.1, ["f.dcm"]) == []
    assert check("load", 1, "", "", 0.1, ["f.dcm"]) == ["exit status 1"]
    assert check("load", "ValueError: x", "", "", 0.1, ["f.dcm"]) == ["raised ValueError: x"]
    assert check("load", 0, ok_load, "", 6.0, ["f.dcm"]) == ["took 6.0 s"]
    assert check("load", 2, "", "error: one\nerror: two\n", 0.1, ["f.dcm"])[0].startswith("stderr is not one")
    assert check("load", 2, "", "error: Rows is 0\n", 0.1, ["f.dcm"])[0].startswith("error names no file")
    assert check("load", 0, ok_load, "UserWarning: x\n", 0.1, ["f.dcm"])[0].startswith("stderr on success")
    assert check("load", 0, '{"calibrated": true, "spacing_mm_zyx": [NaN, 1, 1]}', "", 0.1, ["f.dcm"]) == [
        "invalid JSON: NaN is not JSON"]
    assert check("load", 0, '{"calibrated": true, "spacing_mm_zyx": [1, 0, -1]}', "", 0.1, ["f.dcm"]) == [
        "calibrated with spacing [1, 0, -1]"]
    scan = '{"series": [{"pixel_spacing": [0, 0], "slice_thickness": null}]}'
    assert check("scan", 0, scan, "", 0.1, ["f.dcm"]) == ["scan pixel spacing [0, 0]"]
    assert check("load", 2, "", "Traceback (most recent call last):\n", 0.1, ["f.dcm"])[0] == "traceback"
