"""The one-stroke measurement benchmark's harness (``benchmarks/bench_measure.py``) on small images; no timing
asserts."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import bench_measure


def test_run_and_report(shared_dir: object, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = bench_measure.run(size=256, count=2)
    assert {row["contender"] for row in rows} == {"ours", "flood fill", "manual"}
    assert len(rows) == 3 * len(bench_measure.CASES)
    ours = [row for row in rows if row["contender"] == "ours"]
    assert all(float(row["long_worst"]) <= 400 / 256 for row in ours)  # type: ignore[arg-type]
    bench_measure.report(rows, 400 / 256)
    bench_measure.real_tumours(tmp_path)
    out = capsys.readouterr().out
    assert "median time per measurement" in out and "flood fill's mean long-axis error / ours" in out
    assert "real A0001" in out and "real A0002: box 37 × 48 mm; ours" in out
    assert sorted(path.name for path in tmp_path.glob("*.png")) == ["Lung_Dx-A0001.png", "Lung_Dx-A0002.png"]
