"""The PACS benchmark's harness (``benchmarks/bench_pacs.py``) on a tiny series against the private Orthanc; no
timing asserts."""

from __future__ import annotations

import pytest

from benchmarks import bench_pacs
from tests import orthanc as harness
from tests.support import require


def test_run_and_report(capsys: pytest.CaptureFixture[str]) -> None:
    reason = harness.missing()
    require(not reason, reason)
    result = bench_pacs.run(slices=6, size=64, repeat=1, syntax="jpeg-lossless", link_mb_s=50)
    seconds = result["seconds"]
    assert isinstance(seconds, dict) and all(value > 0 for value in seconds.values())
    assert list(seconds) == [bench_pacs.FIRST, bench_pacs.WHOLE, bench_pacs.SEQUENTIAL, bench_pacs.CACHED,
                             bench_pacs.FOLDER, bench_pacs.NAIVE]
    assert result["throughput"] == 50e6  # the slow link, not loopback
    checks = bench_pacs.report(result, slices=6, size=64)
    assert ("ours equals the folder load", True) in checks
    assert ("dicomweb-client's volume equals the folder load", True) in checks
    out = capsys.readouterr().out
    assert "ours whole / folder load" in out and "retrieve then decode / ours whole" in out and "transfer floor" in out


def test_loopback_throughput_is_measured() -> None:
    assert bench_pacs.loopback_bytes_per_second(8 << 20) > 1e6
