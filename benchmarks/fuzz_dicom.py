"""Mutation campaign on ``main.py scan`` and ``main.py load`` (issue 13, DICOM half), outside the suite.

    .venv/bin/python benchmarks/fuzz_dicom.py [--mutants 5000] [--seed 13] [--seconds 5]
                                              [--memory-gib 4] [--bases native,rle,…]
                                              [--max-mutations 3] [--show 5]

Each mutant is a real series of ``../shared/data`` with one to three mutations
(``tests/recist_app/imaging/dicom_mutants.py``: hostile header values at the top level and inside
functional groups, deleted values, swapped transfer syntaxes, cut or lengthened pixel data,
corrupted codestream headers, flipped or inserted bytes, truncation). Every mutant is scanned and
loaded (``--json``) through ``recist_app.cli.main`` in a worker process that runs under an
address-space limit (``--memory-gib``) with file descriptors 1 and 2 sent to files, so what C or
Rust code prints is seen too. A worker that dies (a segmentation fault, an abort) or stops answering
(twice ``--seconds`` per command) is replaced and the mutant is reported. The contract checked per
run is ``dicom_mutants.contract_violations``: exit 0 or 2, one ``error:`` line naming the file on
2, nothing on stderr and strict JSON without implausible millimetres on 0, no traceback, at most
``--seconds``.

Prints how many mutants were run, the outcomes per command, the most frequent refusals, the slowest
runs and every violation with its mutations. Exit status 1 when any violation was found. Same seed,
same mutants.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.recist_app.imaging import dicom_mutants

COMMANDS = ("scan", "load")


def make_mutant(seed: int, index: int, bases: list[str], most: int = 3) -> dicom_mutants.Mutant:
    """Mutant ``index`` of a campaign with 1 to ``most`` mutations (its own random source:
    independent of the others)."""
    rng = random.Random(seed * 1_000_003 + index)
    return dicom_mutants.mutant(rng, rng.choice(bases), rng.randint(1, most))


@contextlib.contextmanager
def _descriptors_to(folder: Path):  # type: ignore[no-untyped-def]
    """Send fds 1 and 2 (and sys.stdout/stderr) to files in ``folder``; yields a reader of both."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    paths = folder / "fd1", folder / "fd2"
    streams = io.StringIO(), io.StringIO()
    with open(paths[0], "w+", encoding="utf-8") as out, open(paths[1], "w+", encoding="utf-8") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        try:
            with contextlib.redirect_stdout(streams[0]), contextlib.redirect_stderr(streams[1]):
                yield lambda: (streams[0].getvalue() + paths[0].read_text(errors="replace"),
                               streams[1].getvalue() + paths[1].read_text(errors="replace"))
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def worker(seed: int, start: int, stop: int, bases: list[str], most: int, seconds: float, memory: int,
           report: Path) -> None:
    """Run mutants ``start`` … ``stop - 1`` in this process, one JSON line per command in ``report``
    (a ``started`` line first, so the parent knows which mutant killed a worker)."""
    from recist_app.cli import main

    resource.setrlimit(resource.RLIMIT_AS, (memory, resource.getrlimit(resource.RLIMIT_AS)[1]))
    with open(report, "a", encoding="utf-8") as out, tempfile.TemporaryDirectory() as tmp:
        for index in range(start, stop):
            try:
                made = make_mutant(seed, index, bases, most)
            except Exception as exc:  # a bug of the mutator, not of the loader: say so and go on
                out.write(json.dumps({"index": index, "mutator_failed": f"{type(exc).__name__}: {exc}"}) + "\n")
                continue
            folder = Path(tmp) / f"m{index}"
            paths = made.write(folder)
            out.write(json.dumps({"started": index}) + "\n")
            out.flush()
            for command in COMMANDS:
                with _descriptors_to(Path(tmp)) as captured:
                    began = time.perf_counter()
                    try:
                        code: object = main([command, str(folder), "--json"])
                    except BaseException as exc:  # anything escaping main is a finding
                        code = f"{type(exc).__name__}: {exc}"[:300]
                    elapsed = time.perf_counter() - began
                    stdout, stderr = captured()
                names = [folder.name, *(path.name for path in paths)]
                violations = dicom_mutants.contract_violations(command, code, stdout, stderr, elapsed, names,
                                                               seconds)
                out.write(json.dumps({"index": index, "command": command, "code": code, "seconds": elapsed,
                                      "error": stderr.strip()[:400] if code == 2 else "",
                                      "violations": violations, "mutations": made.mutations}) + "\n")
                out.flush()
            for path in paths:
                path.unlink()
            folder.rmdir()


def message_kind(line: str) -> str:
    """A refusal's message without paths, quoted values and numbers (to count kinds)."""
    text = re.sub(r"/\S+", "…", line)
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    return re.sub(r"[-+]?\d[\d,.e+-]*", "N", text)[:110]


def campaign(args: argparse.Namespace) -> int:
    """Run the mutants in worker processes (replaced when one dies or hangs); print the summary."""
    bases = args.bases.split(",") if args.bases else sorted(dicom_mutants.BASES)
    memory = int(args.memory_gib * 1024**3)
    results: list[dict[str, object]] = []
    crashes: list[tuple[int, str]] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.jsonl"
        next_index = 0
        while next_index < args.mutants:
            report.write_text("")
            command = [sys.executable, __file__, "--worker", str(next_index), str(args.mutants), "--seed",
                       str(args.seed), "--seconds", str(args.seconds), "--memory-gib", str(args.memory_gib),
                       "--bases", ",".join(bases), "--max-mutations", str(args.max_mutations), "--report", str(report)]
            process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            last_size, last_change = 0, time.monotonic()
            while process.poll() is None:
                time.sleep(0.2)
                size = report.stat().st_size
                if size != last_size:
                    last_size, last_change = size, time.monotonic()
                elif time.monotonic() - last_change > 4 * args.seconds + 10:
                    process.kill()
                    process.wait()
                    break
            lines = [json.loads(line) for line in report.read_text().splitlines() if line.strip()]
            started = [line["started"] for line in lines if "started" in line]
            results.extend(line for line in lines if "command" in line)
            if process.returncode == 0 and (not started or started[-1] == args.mutants - 1):
                break
            dead = started[-1] if started else next_index
            reason = "hung" if process.returncode in (-9, 137) else f"worker died (status {process.returncode})"
            stderr = (process.stderr.read().decode(errors="replace") if process.stderr else "")[-300:]
            crashes.append((dead, f"{reason}: {stderr.strip()}"))
            next_index = dead + 1
    return summarise(args, bases, results, crashes, time.perf_counter() - began, memory)


def summarise(args: argparse.Namespace, bases: list[str], results: list[dict[str, object]],
              crashes: list[tuple[int, str]], seconds: float, memory: int) -> int:
    """Print the outcome of the campaign; 1 when any violation or crash was found."""
    print(f"fuzz_dicom: {args.mutants} mutants (seed {args.seed}), {len(results)} command runs in {seconds:.0f} s, "
          f"memory limit {memory / 1024**3:.1f} GiB, {args.seconds:g} s per command")
    for command in COMMANDS:
        runs = [r for r in results if r["command"] == command]
        codes = Counter(str(r["code"]) if isinstance(r["code"], int) else "raised" for r in runs)
        slowest = max((float(str(r["seconds"])) for r in runs), default=0.0)
        print(f"  {command}: {dict(sorted(codes.items()))}, slowest {slowest:.2f} s")
        kinds = Counter(message_kind(str(r["error"])) for r in runs if r["error"])
        for kind, count in kinds.most_common(args.show):
            print(f"      {count:6d} × {kind}")
    slow = sorted(results, key=lambda r: -float(str(r["seconds"])))[: args.show]
    print("  slowest runs: " + "; ".join(f"{r['command']} {float(str(r['seconds'])):.2f} s ← {r['mutations']}"
                                          for r in slow))
    violations = [r for r in results if r["violations"]]
    print(f"violations: {len(violations)}; workers lost: {len(crashes)}")
    for r in violations[: 4 * args.show]:
        print(f"  mutant {r['index']} {r['command']}: {r['violations']} ← {r['mutations']}")
    for index, reason in crashes:
        made = make_mutant(args.seed, index, bases, args.max_mutations)
        print(f"  mutant {index}: {reason} ← {made.mutations} (replay: --seed {args.seed} --worker {index} "
              f"{index + 1} --report /dev/stdout)")
    return 1 if violations or crashes else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mutants", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--seconds", type=float, default=dicom_mutants.SECONDS, help="time limit of one command")
    parser.add_argument("--memory-gib", type=float, default=4.0, help="address-space limit of the worker")
    parser.add_argument("--bases", default="", help="comma-separated base series (default: all)")
    parser.add_argument("--max-mutations", type=int, default=3, help="mutations per mutant: 1 to this")
    parser.add_argument("--show", type=int, default=5, help="refusal kinds and violations shown")
    parser.add_argument("--worker", nargs=2, type=int, metavar=("START", "STOP"), help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.seed, args.worker[0], args.worker[1], args.bases.split(",") if args.bases else
               sorted(dicom_mutants.BASES), args.max_mutations, args.seconds, int(args.memory_gib * 1024**3),
               args.report)
        return 0
    return campaign(args)


if __name__ == "__main__":
    raise SystemExit(main())
