"""Property tests of issue 13's contract on mutants of the real CDISC pilot files (hypothesis).

Each example (a seed for :class:`random.Random` and a number of mutations) mutates the pilot's
TU / TR / SUPPTU / subject tables (``assess``) or RS / subject tables (``bor``) one to three times
(:mod:`tests.recist_app.cli.sdtm_mutants`) and runs the command in process with the streams
captured: exit 0 or 2, no traceback, at most one line on stderr, an error that names a file,
nothing written on refusal, every subject in a successful output, and under 5 s (a SIGALRM limit;
a hang inside one C call is caught only by the forked runs of ``benchmarks/fuzz_sdtm.py``).
Derandomised: the same examples on every run.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.recist_app.cli import sdtm_mutants
from tests.support import SHARED_DIR, require

EXAMPLES = 250
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TABLES = {"assess": ("tu", "tr", "supptu", "subjects"), "bor": ("rs", "subjects")}


class Pilot(dict[str, bytes]):
    """The pilot tables, with a short repr for hypothesis's falsifying-example report."""

    def __repr__(self) -> str:
        return f"<pilot tables {', '.join(self)}>"


@pytest.fixture(scope="module")
def base() -> dict[str, bytes]:
    require((SHARED_DIR / "conformance").is_dir(), f"{SHARED_DIR / 'conformance'} is missing")
    return Pilot(sdtm_mutants.base_tables())


@pytest.mark.shared_data
@pytest.mark.parametrize("command", ["assess", "bor"])
def test_the_unmutated_pilot_runs(base: dict[str, bytes], command: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        outcome = sdtm_mutants.check_run(command, base, [], Path(folder))
    assert (outcome.status, outcome.stderr, outcome.violations) == (0, "", [])


def _check(base: dict[str, bytes], command: str, seed: int, count: int) -> None:
    tables, done = sdtm_mutants.mutate(base, TABLES[command], random.Random(seed), count)
    with tempfile.TemporaryDirectory() as folder:
        outcome = sdtm_mutants.check_run(command, tables, done, Path(folder))
    assert outcome.violations == [], (done, outcome.stderr, outcome.violations)


@pytest.mark.shared_data
@FUZZ
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 3))
def test_assess_keeps_the_contract_on_mutated_pilot_files(base: dict[str, bytes], seed: int, count: int) -> None:
    _check(base, "assess", seed, count)


@pytest.mark.shared_data
@FUZZ
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 3))
def test_bor_keeps_the_contract_on_mutated_pilot_files(base: dict[str, bytes], seed: int, count: int) -> None:
    _check(base, "bor", seed, count)


def _misbehave(how: str):
    def fake_main(argv: list[str]) -> int:
        if how == "raises":
            raise ValueError("boom")
        if how == "two lines":
            print("error: one\nerror: two", file=sys.stderr)
            return 2
        if how == "no file named":
            print("error: something is wrong", file=sys.stderr)
            return 2
        if how == "exit 1":
            return 1
        time.sleep(2)
        return 0
    return fake_main


@pytest.mark.parametrize(("how", "violation"), [
    ("raises", "exception escaped main: ValueError: boom"),
    ("two lines", "2 lines on stderr"),
    ("no file named", "the error names no input or output file"),
    ("exit 1", "exit status 1"),
    ("hangs", "exception escaped main: tests.recist_app.cli.sdtm_mutants.TimeLimit: still running after 0.2 s"),
])
def test_the_checker_reports_each_violation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str,
                                            violation: str) -> None:
    """The property tests can fail: each broken promise is reported."""
    monkeypatch.setattr(sdtm_mutants, "main", _misbehave(how))
    outcome = sdtm_mutants.check_run("bor", {"rs": b"", "subjects": b""}, [], tmp_path, seconds=0.2)
    assert violation in outcome.violations
