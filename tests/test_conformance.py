"""The peer conformance vectors (../shared/conformance/check.py) through the real command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_all_conformance_checks_agree(shared_dir: Path, repo_root: Path) -> None:
    checker = shared_dir / "conformance" / "check.py"
    cli = f"{sys.executable} {repo_root / 'main.py'}"
    done = subprocess.run([sys.executable, str(checker), "--cli", cli, "-v"], cwd=repo_root,
                          capture_output=True, text=True, timeout=600)
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    total = lines[-1]
    agree, _, rest = total.removeprefix("conformance: ").partition(" of ")
    assert total.startswith("conformance: ") and agree == rest.split()[0], done.stdout
    assert int(agree) >= 151, done.stdout  # 64 CDISC pilot + 57 admiralonco + 30 pharmaverseadam
    assert done.returncode == 0, done.stdout
