"""The loading benchmark's harness (``benchmarks/bench_load.py``) works on a tiny series; no timing asserts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks import bench_load


@pytest.mark.parametrize("key", list(bench_load.SYNTAXES))
def test_contenders_return_the_same_volume(key: str, tmp_path: Path) -> None:
    files = bench_load.generate(tmp_path / key, slices=5, size=64, syntax=bench_load.SYNTAXES[key][0])
    assert len(files) == 5
    prep = bench_load.prepare(files)
    assert bool(prep.pixel_offsets) == (key == "native") and bool(prep.frames) == (key != "native")
    arrays = {name: run() for name, run in bench_load.contenders(tmp_path / key, files, prep).items()}
    assert arrays["ours"].shape == (5, 64, 64) and arrays["ours"].dtype == np.int16
    assert bench_load.same_volumes(arrays, prep) == dict.fromkeys(arrays, True)
    assert np.array_equal(bench_load.stored_to_hu(bench_load.floor(prep), prep), arrays["pydicom"])


def test_bench_series_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = bench_load.generate(tmp_path / "s", slices=5, size=64, syntax=bench_load.SYNTAXES["native"][0])
    result = bench_load.bench_series(tmp_path / "s", files, "native", repeat=1)
    assert {"ours", "SimpleITK", "pydicom", "floor"} <= set(result["seconds"])
    assert all(result["agree"].values())
    assert float(result["traced"]) > 0
    checks = bench_load.report(result, size=64, repeat=1)
    assert ("all contenders return the same volume", True) in checks
    out = capsys.readouterr().out
    assert "SimpleITK / ours" in out and ("PASS" in out or "FAIL" in out)
