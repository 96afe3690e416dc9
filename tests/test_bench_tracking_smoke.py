"""The tracking benchmark's harness (``benchmarks/bench_tracking.py``) on a short pair; no timing asserts."""

from __future__ import annotations

import pytest

from benchmarks import bench_tracking


def test_run_and_report(capsys: pytest.CaptureFixture[str]) -> None:
    result = bench_tracking.run(slices=64, small=8, wave_mm=4.0)
    assert result["shape"] == (64, 512, 512) and result["small_shape"] == (8, 512, 512)
    rows = result["rows"]
    assert isinstance(rows, list) and len(rows) == 13 and rows[-1][0] == "tumour centre"
    lesions = result["lesion_rows"]
    assert isinstance(lesions, list) and [row[0].split()[0] for row in lesions] == [
        "L1", "L2", "L3", "N1", "L4", "L5", "L6", "L7", "L8", "N2", "N3"]
    checks = dict(bench_tracking.report(result))
    assert checks[">= 90% of lesion centres within 10 mm"] and checks["median <= 5.0 mm"]
    out = capsys.readouterr().out
    assert "full-resolution SimpleITK rigid" in out and "identity median" in out and "12 lesion centres" in out
