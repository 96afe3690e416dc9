"""The start-up benchmark's harness (``benchmarks/bench_startup.py``) runs once per contender; no timing asserts."""

from __future__ import annotations

import pytest

from benchmarks import bench_startup


def test_every_quick_command_and_both_floors_are_timed(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_startup.main(["--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "python -c pass" in out and "import pydicom, numpy" in out
    for command in bench_startup.COMMANDS:
        (row,) = [line for line in out.splitlines() if line.startswith(f"main.py {command} --help")]
        assert "×" in row and row.rstrip().endswith(("ok", "SLOW"))
