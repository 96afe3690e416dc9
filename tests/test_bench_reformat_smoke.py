"""The reformat benchmark's harness (``benchmarks/bench_reformat.py``) on a tiny volume; no timing asserts."""

from __future__ import annotations

import pytest

from benchmarks import bench_reformat


def test_run_and_report(capsys: pytest.CaptureFixture[str]) -> None:
    results = bench_reformat.run(size=48, slices=6, frames=6, view=(240, 180), mpr_view=(420, 240), repeat=1)
    names = [name for name in results if not name.startswith("_")]
    assert names == [bench_reformat.MPR, bench_reformat.PANE, bench_reformat.PATH, bench_reformat.INT16,
                     bench_reformat.NAIVE]
    assert all(results[name][plane] > 0 for name in names for plane in bench_reformat.PLANES)
    checks = bench_reformat.report(results, size=48, slices=6, frames=6, view=(240, 180), mpr_view=(420, 240))
    assert ("ours shows the windowed reformat", True) in checks
    out = capsys.readouterr().out
    assert "ours (display path) / naive contiguous float64 + levels" in out and ("PASS" in out or "FAIL" in out)
    assert results["_drag"]["fps"] > 0 and "crosshair drag" in out


def test_frames_bounce_within_the_plane_count() -> None:
    shown: list[int] = []
    contender = bench_reformat.Contender(_Grabbable(), {"coronal": shown.append})
    assert bench_reformat.fps(contender, "coronal", frames=10, count=4) > 0
    assert shown[:8] == [0, 1, 2, 3, 2, 1, 0, 1] and set(shown) == {0, 1, 2, 3}


class _Grabbable:
    def grab(self) -> None:
        return None
