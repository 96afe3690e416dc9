"""The slice-view benchmark's harness (``benchmarks/bench_slice_view.py``) on a tiny volume; no timing asserts."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import bench_slice_view


def test_build_volume_is_a_calibrated_int16_phantom() -> None:
    volume = bench_slice_view.build_volume(size=64, slices=6)
    assert volume.hu.shape == (6, 64, 64) and volume.hu.dtype == np.int16
    assert volume.calibrated and len(volume.sop_uids) == 6
    assert volume.hu.min() < -900 and volume.hu.max() > 100  # air and bone


def test_run_and_report(capsys: pytest.CaptureFixture[str]) -> None:
    results = bench_slice_view.run(size=64, slices=5, frames=6, view=(240, 180), repeat=1)
    names = [name for name in results if not name.startswith("_")]
    assert len(names) == 4 and names[0].startswith("ours (SliceView")
    assert all(results[name][mode] > 0 for name in names for mode in ("slice", "window"))
    checks = bench_slice_view.report(results, size=64, slices=5, frames=6, view=(240, 180))
    assert ("ours shows the windowed slice", True) in checks
    out = capsys.readouterr().out
    assert "ours (display path) / naive float64 + autoLevels" in out and ("PASS" in out or "FAIL" in out)
