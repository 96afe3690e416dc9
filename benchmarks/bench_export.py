"""Wall-clock benchmark of ``main.py export`` (issue 18): the demo trial and a generated N-subject trial, every
format against the same export without plots and PDF, in the same run.

    python benchmarks/bench_export.py [--subjects 100] [--skip-large] [--repeat 3]

The N-subject trial repeats the demo's three subjects (their stories, dates and lesions) under new ids, on the
small phantom (128 px, 16 slices) so that building it stays about a minute; building is not timed. Each export runs
as a whole process (interpreter start-up included), ``--repeat`` times, alternating with the export without plots
and PDF so that both see the machine's drift alike; the table gives the medians and the range. Goals (issue 18):
the demo in 3 s, 100 subjects in 60 s on 2 cores, growing linearly; plots and PDF at most 3 × the rest, judged on
the medians. The table says which are met; the exit status is 1 only when an export fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: benchmarks/ is sys.path[0], not the repo
    sys.path.insert(0, str(REPO_ROOT))

from recist_app.demo.design import DemoDesign
from recist_app.demo.store import DEFAULT_SIZE, DEFAULT_SLICES, build_demo_trial
from recist_app.demo.trial import DEMO_DESIGN

WITHOUT_PICTURES = ("sdtm", "adam", "timeline", "sr")
GOALS = {3: 3.0, 100: 60.0}
PICTURE_RATIO_GOAL = 3.0


def design_of(subjects: int) -> DemoDesign:
    """The demo design with ``subjects`` subjects: the demo's three repeated under ids STS-001 …"""
    base = DEMO_DESIGN.subjects
    return dataclasses.replace(DEMO_DESIGN, subjects=tuple(
        dataclasses.replace(base[i % len(base)], subject_id=f"STS-{i + 1:03d}") for i in range(subjects)))


def timed_export(db: Path, out: Path, formats: Sequence[str] = ()) -> float:
    """Seconds of one ``main.py export`` process (all formats unless ``formats``)."""
    command = [sys.executable, "main.py", "export", "--db", str(db), "--out", str(out)]
    if formats:
        command += ["--format", *formats]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"export failed ({' '.join(command[2:])}):\n{done.stderr}")
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time main.py export against the export without plots and PDF.")
    parser.add_argument("--subjects", type=int, default=100, help="subjects of the generated trial (default 100)")
    parser.add_argument("--skip-large", action="store_true", help="time the demo only")
    parser.add_argument("--repeat", type=int, default=3, help="exports of each kind per trial (default 3)")
    args = parser.parse_args(argv)
    sizes = [3] if args.skip_large else [3, args.subjects]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-export-") as scratch:
        folder = Path(scratch)
        for count in sizes:
            start = time.perf_counter()
            size, slices = (DEFAULT_SIZE, DEFAULT_SLICES) if count == 3 else (128, 16)
            trial = build_demo_trial(folder / f"trial{count}.sqlite", folder / f"images{count}",
                                     design=design_of(count), size=size, slices=slices)
            built = time.perf_counter() - start
            everything, rest = [], []
            for _ in range(max(args.repeat, 1)):
                everything.append(timed_export(Path(trial.db), folder / f"all{count}"))
                rest.append(timed_export(Path(trial.db), folder / f"rest{count}", WITHOUT_PICTURES))
            rows.append((count, built, everything, rest))
    print(f"{'subjects':>8} {'build s':>8} {'all formats s (range)':>22} {'no plots/PDF s (range)':>23} "
          f"{'plots+PDF / rest':>17} {'s per subject':>14}  goal (medians)")
    for count, built, everything, rest in rows:
        median_all, median_rest = statistics.median(everything), statistics.median(rest)
        ratio = (median_all - median_rest) / median_rest
        goal = GOALS.get(count)
        verdict = "" if goal is None else f"{'met' if median_all <= goal else 'NOT met'} (≤ {goal:.0f} s)"
        verdict += f"; pictures {'met' if ratio <= PICTURE_RATIO_GOAL else 'NOT met'} (≤ {PICTURE_RATIO_GOAL:.0f} ×)"
        print(f"{count:>8} {built:>8.1f} {_spread(everything):>22} {_spread(rest):>23} {ratio:>17.2f} "
              f"{median_all / count:>14.2f}  {verdict}")
    if len(rows) == 2:
        (small_n, _, small_all, _), (large_n, _, large_all, _) = rows
        growth = (statistics.median(large_all) / large_n) / (statistics.median(small_all) / small_n)
        print(f"per-subject time at {large_n} ÷ at {small_n}: {growth:.2f} (1.00 = linear; the demo's 256 px images "
              f"and process start-up weigh on its per-subject time)")
    return 0


def _spread(seconds: Sequence[float]) -> str:
    """The median and the range of ``seconds``: '2.8 (2.6 – 3.1)'."""
    return f"{statistics.median(seconds):.1f} ({min(seconds):.1f} – {max(seconds):.1f})"


if __name__ == "__main__":
    raise SystemExit(main())
