"""Wall-clock benchmark of ``main.py assess`` on a synthetic trial, against two floors.

    python benchmarks/bench_assess.py [--subjects 1000] [--visits 10] [--lesions 6] [--repeat 3]
                                      [--study-days]

Every contender runs as a whole process (interpreter start-up included), best of ``--repeat``:

- ours, twice: ``python main.py assess --tu TU.csv --tr TR.csv --out DIR`` (RECIST 1.1 and
  iRECIST), and the same with ``--supptu SUPPTU.csv`` (plus the irradiated / non-irradiated
  subsets and local control: one SBRT lesion per subject);
- I/O floor: a process that only parses the same TU.csv and TR.csv with ``csv.DictReader``;
- start-up: ``python -c pass``.

Exit status 1 if ``assess`` fails (its stderr is printed); 0 otherwise, whether or not the
2.0 s target is met (the table says which).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: benchmarks/ is sys.path[0], not the repo
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.generate_trial import generate

TARGET_SECONDS = 2.0
FLOOR_CODE = """
import csv, sys
for path in sys.argv[1:]:
    with open(path, newline="", encoding="utf-8") as handle:
        for _row in csv.DictReader(handle):
            pass
"""


def best_of(command: Sequence[str], repeat: int) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Best wall-clock time (s) of ``repeat`` runs, and the last run's result."""
    best = float("inf")
    proc: subprocess.CompletedProcess[str] | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
        best = min(best, time.perf_counter() - start)
        if proc.returncode != 0:
            break
    assert proc is not None
    return best, proc


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the trial, time the three contenders and print the table."""
    parser = argparse.ArgumentParser(description="Time main.py assess against two floors.")
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--lesions", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--study-days", action="store_true",
                        help="also pass --subjects SUBJECTS.csv to assess (study days in RS)")
    args = parser.parse_args(argv)
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench_assess_") as tmp:
        paths = generate(tmp, args.subjects, args.visits, args.lesions, seed=0)
        tu, tr, out = str(paths["TU"]), str(paths["TR"]), str(Path(tmp) / "out")
        with open(tr, encoding="utf-8") as handle:
            tr_rows = sum(1 for _ in handle) - 1
        print(f"trial: {args.subjects} subjects x {args.visits} visits x {args.lesions} lesions "
              f"({tr_rows} TR rows)")
        base = [python, "main.py", "assess", "--tu", tu, "--tr", tr]
        if args.study_days:
            base += ["--subjects", str(paths["SUBJECTS"])]
        configurations = {
            "ours: assess, RECIST 1.1 + iRECIST": [*base, "--out", out],
            "ours: assess, + irradiated subsets": [*base, "--supptu", str(paths["SUPPTU"]), "--out", out],
        }
        ours: dict[str, float] = {}
        for name, command in configurations.items():
            ours[name], proc = best_of(command, args.repeat)
            if proc.returncode != 0 or not (Path(out) / "rs.csv").is_file():
                print(f"assess failed (exit status {proc.returncode}):\n{proc.stderr}", file=sys.stderr)
                return 1
        floor, _ = best_of([python, "-c", FLOOR_CODE, tu, tr], args.repeat)
        startup, _ = best_of([python, "-c", "pass"], args.repeat)
    rows = [*ours.items(), ("I/O floor: csv.DictReader only", floor), ("start-up: python -c pass", startup)]
    print(f"\n{'contender':<40}{'seconds':>9}{'/ floor':>9}")
    for name, seconds in rows:
        print(f"{name:<40}{seconds:>9.3f}{seconds / floor:>8.1f}x")
    print(f"\n(start-up alone is {startup / floor:.2f}x the floor; best of {args.repeat} runs each)")
    for name, seconds in ours.items():
        verdict = "under" if seconds < TARGET_SECONDS else "OVER"
        print(f"target {TARGET_SECONDS:.1f} s, {name.removeprefix('ours: ')}: {verdict} ({seconds:.3f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
