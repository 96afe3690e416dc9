"""The reading benchmark (``benchmarks/bench_reading.py --quick``) runs end to end; no timing asserts.

It launches the app in fresh processes, so it runs in a subprocess of its own, offscreen, with a
timeout (mnelab's start-up test pattern); speed is measured by the benchmark, not by this test. It
builds a small demo trial and starts the app about ten times (30 – 60 s on 2 cores): marked slow.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import bench_reading

REPO_ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 600


@pytest.mark.slow
def test_quick_run_names_every_measurement_and_a_ratio() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / "bench_reading.py"), "--quick"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    out = done.stdout
    assert done.returncode == 0, done.stderr[-3000:]
    assert "FAILED" not in out, out
    assert "Launch → first image" in out and "Time-point switch" in out
    for name in ("demo: worklist's first read", bench_reading.FIRST, bench_reading.COMPLETE,
                 *bench_reading.CONTENDERS, bench_reading.CACHED, bench_reading.RELOAD, bench_reading.COMPARE,
                 "first (uncached) switch", "Where the time goes"):
        assert name in out, f"{name!r} missing from:\n{out}"
    assert f"ratio ours / {bench_reading.PYDICOM}" in out and f"ratio {bench_reading.RELOAD} / " in out
    assert "PASS" in out or "FAIL" in out
    if (bench_reading.LUNG_DATA / bench_reading.A0001).is_dir():  # the shared real data is there
        assert f"real: {bench_reading.A0001}" in out and "real: worklist's first read" in out
