"""Start-up time of the quick commands (issue 13: ``scan``, ``load``, ``assess`` and ``bor`` start in under 0.5 s).

    python benchmarks/bench_startup.py [--repeat 5]

Each contender is a whole process (interpreter start-up included), best of ``--repeat``:
``python main.py COMMAND --help`` for the four commands, against two named floors in the same run:
``python -c pass`` (the interpreter alone) and ``python -c "import pydicom, numpy"`` (what any
Python DICOM tool pays before it reads a file). The ratios say what the command adds to its floor
(``assess`` and ``bor`` never import the DICOM stack, so their floor is the interpreter).
``tests/test_architecture.py`` guards the imports that make the difference; this only times them.

Exit status 1 if a command fails; 0 otherwise, whether or not the 0.5 s target is met (the table says).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: benchmarks/ is sys.path[0], not the repo
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.bench_assess import best_of

TARGET_SECONDS = 0.5
COMMANDS = ("scan", "load", "assess", "bor")


def main(argv: Sequence[str] | None = None) -> int:
    """Time the four commands and the two floors; print the table."""
    parser = argparse.ArgumentParser(description="Time the start-up of the quick commands.")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    python = sys.executable
    interpreter, _ = best_of([python, "-c", "pass"], args.repeat)
    dicom_stack, _ = best_of([python, "-c", "import pydicom, numpy"], args.repeat)
    print(f"{'contender':<34}{'best (s)':>10}{'× floor':>9}  target {TARGET_SECONDS} s")
    print(f"{'python -c pass':<34}{interpreter:>10.3f}")
    print(f"{'python -c import pydicom, numpy':<34}{dicom_stack:>10.3f}")
    status = 0
    for command in COMMANDS:
        seconds, proc = best_of([python, "main.py", command, "--help"], args.repeat)
        if proc.returncode != 0:
            print(f"main.py {command} --help failed:\n{proc.stderr}", file=sys.stderr)
            status = 1
            continue
        floor = interpreter if command in ("assess", "bor") else dicom_stack
        verdict = "ok" if seconds <= TARGET_SECONDS else "SLOW"
        print(f"{'main.py ' + command + ' --help':<34}{seconds:>10.3f}{seconds / floor:>8.2f}×  {verdict}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
