"""Mutation campaign on the SDTM commands (issue 13), outside the test suite.

    .venv/bin/python benchmarks/fuzz_sdtm.py [--mutants 20000] [--seed 13] [--max-mutations 4]
                                             [--seconds 5] [--commands assess,bor] [--show 5]

Mutates the CDISC pilot files of ``../shared/conformance`` (TU, TR, SUPPTU and the subject table
for ``assess``; RS and the subject table for ``bor``) with 1 to ``--max-mutations`` mutations each
(``tests/recist_app/cli/sdtm_mutants.py``: hostile cell values, deleted, duplicated, conflicting
or swapped rows, deleted, duplicated or renamed columns, other encodings and delimiters,
truncation, inserted bytes, XPT and empty files) and runs each mutant through
``recist_app.cli.main`` with the streams captured, in a forked worker process with a 4 GiB
address-space limit; a run still going after ``--seconds`` (a hang, even inside one C call such as
``int()`` of a 10⁹-digit number) is killed with its worker and reported, and a new worker forked.
Prints how many mutants exited 0 and 2, the most frequent refusal messages, and every
contract violation (exception escaping ``main``, exit status other than 0/2, more than one
stderr line, an error naming no file, output written on refusal, a subject missing from a
successful output, a run over the time limit) with the mutations that caused it. Exit status 1
when any violation was found. Same seed, same mutants.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.recist_app.cli import sdtm_mutants

TABLES = {"assess": ("tu", "tr", "supptu", "subjects"), "bor": ("rs", "subjects")}
MEMORY_LIMIT = 4 * 1024**3


def message_kind(stderr: str) -> str:
    """The refusal's message without the path, line, quoted values and numbers (to count kinds)."""
    text = stderr.strip().split(": ", 2)[-1]
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    return re.sub(r"\d+", "N", text)[:90]


class Runner:
    """One forked worker process that runs mutants; a run over time is killed and a new worker forked."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.context = multiprocessing.get_context("fork")
        self.process: Any = None
        self.connection: Any = None

    def _start(self) -> None:
        self.connection, child = self.context.Pipe()
        self.process = self.context.Process(target=_serve, args=(child, self.seconds), daemon=True)
        self.process.start()
        child.close()

    def run(self, command: str, tables: dict[str, bytes], done: list[str]) -> sdtm_mutants.Outcome:
        """:func:`sdtm_mutants.check_run` in the worker; a hang or a dead worker is a violation."""
        if self.process is None or not self.process.is_alive():
            self._start()
        started = time.perf_counter()
        self.connection.send((command, tables, done))
        if self.connection.poll(self.seconds):
            try:
                outcome: sdtm_mutants.Outcome = self.connection.recv()
                return outcome
            except EOFError:
                why = "the run killed its process (memory or a crash)"
        else:
            why = f"no result within {self.seconds} s (a hang)"
        self.close()
        return sdtm_mutants.Outcome(command, done, None, "", time.perf_counter() - started, [why])

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.process = None


def _serve(connection: Any, seconds: float) -> None:
    """The worker: 4 GiB of address space at most; mutants in, outcomes out."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, resource.getrlimit(resource.RLIMIT_AS)[1]))
    while True:
        command, tables, done = connection.recv()
        with tempfile.TemporaryDirectory() as folder:
            outcome = sdtm_mutants.check_run(command, tables, done, Path(folder), seconds * 2)
        connection.send(outcome)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mutants", type=int, default=20000, help="mutants per command")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--max-mutations", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0, help="time limit of one run")
    parser.add_argument("--commands", default="assess,bor")
    parser.add_argument("--show", type=int, default=5, help="refusal kinds and violations shown per command")
    args = parser.parse_args(argv)
    base = sdtm_mutants.base_tables()
    runner = Runner(args.seconds)
    found = 0
    for command in args.commands.split(","):
        rng = random.Random(f"{args.seed}:{command}")
        statuses: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        violations: dict[str, list[list[str]]] = {}
        slowest = 0.0
        started = time.perf_counter()
        for _ in range(args.mutants):
            tables, done = sdtm_mutants.mutate(base, TABLES[command], rng, rng.randint(1, args.max_mutations))
            outcome = runner.run(command, tables, done)
            statuses[str(outcome.status)] += 1
            slowest = max(slowest, outcome.seconds)
            if outcome.status == 2:
                kinds[message_kind(outcome.stderr)] += 1
            for violation in outcome.violations:
                violations.setdefault(violation, []).append(done)
        elapsed = time.perf_counter() - started
        print(f"{command}: {args.mutants} mutants in {elapsed:.1f} s (slowest run {slowest:.2f} s); "
              f"exit statuses {dict(sorted(statuses.items()))}; {len(kinds)} kinds of refusal")
        for kind, count in kinds.most_common(args.show):
            print(f"  {count:6d} x {kind}")
        for violation, cases in sorted(violations.items(), key=lambda item: -len(item[1])):
            print(f"  VIOLATION ({len(cases)} mutants): {violation}")
            for case in cases[: args.show]:
                print(f"      {case}")
        found += len(violations)
    runner.close()
    print(f"fuzz_sdtm: {found} kind(s) of contract violation")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
