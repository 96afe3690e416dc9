"""Mutants of the real SDTM files of ``../shared/conformance`` and the bad-input contract they must keep.

Shared by the property tests (``test_sdtm_fuzz.py``, a few hundred mutants in process) and the
larger campaign outside the suite (``benchmarks/fuzz_sdtm.py``). A mutant is the CDISC pilot's TU,
TR, SUPPTU, RS and subject tables (a few subjects, so one run takes milliseconds) with one to a
few mutations drawn from a :class:`random.Random`: a cell set to a hostile value or to another
cell's value, rows deleted, duplicated or swapped, columns deleted, duplicated or renamed, the
file re-encoded, re-delimited, truncated, emptied, or given bytes it should not hold.

:func:`check_run` runs one command on one mutant through :func:`recist_app.cli.main` with the
streams captured and returns the contract violations it saw (an empty list when it held): exit 0
or 2, no exception escaping ``main`` (a traceback), at most one line on stderr, exit 2 naming an
input or output path, bounded time, no output left behind by a refusal, on success every
subject of TU (``assess``) or of the subject table (``bor``) in the output, and the same output
when the rows come in another order (conflicting rows must never be settled by their order).
"""

from __future__ import annotations

import contextlib
import csv
import io
import random
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from recist_app.cli import main
from tests.support import SHARED_DIR

CONFORMANCE = SHARED_DIR / "conformance"
#: Subjects of the pilot kept in the mutants: a partial date and a 7 mm node CR, a PD with a
#: missing lesion, non-target disease only.
SUBJECTS = ("01-701-1015", "01-701-1028", "01-701-1097")

#: Values a cell may be set to: numbers and dates in every spelling the issue lists, terms,
#: separators, encodings.
HOSTILE = (
    "", "NA", " ", "NaN", "sNaN", "-nan", "Infinity", "-inf", "1E+1000000", "1e400", "1e-400", "1e999999999",
    "1_0", "\u0661\u0660", "\uff12\uff10",  # 10 in Arabic-Indic digits, 20 in full-width digits
    "0", "-0", "-1", "5", "4.999999999999999", "1000", "1000.0001", "32.32", "7",
    "99999999999999999999", "0.1", ".5", "5.", "+5", "2014", "2014-02", "2014-02-30", "9999-12-31",
    "0001-01-01", "1899-12-31", "2100-01-01", "2014-13-01", "2014-01-02T10:30", "2014-01-02T",
    "\u0662\u0660\u0661\u0664-\u0660\u0661-\u0660\u0662",  # 2014-01-02 in Arabic-Indic digits
    "2014-1-2", "2014-01-02 ", "TOO SMALL TO MEASURE", "NOT DONE", "TUMOR MERGED", "PRESENT", "ABSENT",
    "UNEQUIVOCAL PROGRESSION", "EQUIVOCAL", "CR", "PR", "SD", "PD", "NE", "ND", "iUPD", "iCPD", "NON-CR/NON-PD",
    "TARGET", "NON-TARGET", "NEW", "LYMPH NODE", "mm", "cm", "MM", "in", "%", "Y", "N", "LDIAM", "LPERP",
    "TUMSTATE", "SUMDIAM", "TUSPLIT", "T01", "T01.1", "T01.x", "NT01", "NEW01", "INVESTIGATOR",
    "INDEPENDENT ASSESSOR", "RADIOLOGIST 1", "RECIST 1.1", "iRECIST", "OVRLRESP", "TRGRESP", "TULNKID",
    '"', ",", "a,b", "\n", "\r", "\x00", "é", "x" * 300, "=1+1", "   7   ",
)
#: Bytes a file may be given in the middle.
HOSTILE_BYTES = (b"\x00", b"\xff\xfe", b"\xe9", b'"', b"\n", b"\r\n", b",", b";", b"\t", b"\xef\xbb\xbf")
XPT_HEADER = b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!" + b"0" * 30 + b"  "

Records = list[list[str]]


# --- the base tables -----------------------------------------------------------------------------

def base_tables(subjects: tuple[str, ...] = SUBJECTS) -> dict[str, bytes]:
    """The pilot's TU, TR, RS, SUPPTU and subject tables for ``subjects``, as file bytes."""
    sdtm, adam = CONFORMANCE / "pharmaversesdtm", CONFORMANCE / "pharmaverseadam"
    tables = {
        "tu": _keep(sdtm / "tu_onco_recist.csv", subjects),
        "tr": _keep(sdtm / "tr_onco_recist.csv", subjects),
        "rs": _keep(sdtm / "rs_onco_recist.csv", subjects),
    }
    supp = [["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QEVAL"]]
    for number, usubjid in enumerate(subjects):
        supp.append(["CDISCPILOT01", "TU", usubjid, "TULNKID", "T01" if number != 2 else "NT01", "TUIRRSTD",
                     "Irradiated On Study", "Y", ""])
    tables["supptu"] = _render(supp)
    adsl = _records(_keep(adam / "adsl_onco_subset.csv", subjects))
    columns = ["USUBJID", "RANDDT", "TRTSDT", "DTHDT"]
    index = [adsl[0].index(c) for c in columns]
    tables["subjects"] = _render([[*columns, "PFS_PREV_DAYS"]] +
                                 [[row[i] for i in index] + [str(60 + 30 * n)] for n, row in enumerate(adsl[1:])])
    return tables


def _keep(path: Path, subjects: tuple[str, ...]) -> bytes:
    header, *lines = path.read_bytes().splitlines(keepends=True)
    return header + b"".join(line for line in lines if any(s.encode() in line for s in subjects))


def _records(data: bytes) -> Records:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _render(records: Records, quoting: int = csv.QUOTE_MINIMAL) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, quoting=quoting, lineterminator="\n").writerows(records)
    return buffer.getvalue().encode("utf-8")


# --- mutations -----------------------------------------------------------------------------------

def _cell(records: Records, rng: random.Random) -> tuple[int, int] | None:
    rows = [i for i in range(1, len(records)) if records[i]]
    if not rows:
        return None
    row = rng.choice(rows)
    return row, rng.randrange(len(records[row]))


def set_hostile(records: Records, rng: random.Random) -> str:
    where = _cell(records, rng)
    if where is None:
        return "no cell"
    value = rng.choice(HOSTILE)
    records[where[0]][where[1]] = value
    return f"cell {where} = {value!r}"


def set_from_column(records: Records, rng: random.Random) -> str:
    """A value of the same column from another row (another subject, visit, date or lesion)."""
    where, source = _cell(records, rng), _cell(records, rng)
    if where is None or source is None or where[1] >= len(records[source[0]]):
        return "no cell"
    records[where[0]][where[1]] = records[source[0]][where[1]]
    return f"cell {where} = row {source[0]}'s {records[source[0]][where[1]]!r}"


def set_from_other_column(records: Records, rng: random.Random) -> str:
    where, source = _cell(records, rng), _cell(records, rng)
    if where is None or source is None:
        return "no cell"
    records[where[0]][where[1]] = records[source[0]][source[1]]
    return f"cell {where} = {records[source[0]][source[1]]!r}"


def delete_row(records: Records, rng: random.Random) -> str:
    if len(records) < 2:
        return "no row"
    row = rng.randrange(1, len(records))
    del records[row]
    return f"row {row} deleted"


def duplicate_row(records: Records, rng: random.Random) -> str:
    if len(records) < 2:
        return "no row"
    row = rng.randrange(1, len(records))
    records.insert(rng.randrange(1, len(records) + 1), list(records[row]))
    return f"row {row} duplicated"


def duplicate_row_changed(records: Records, rng: random.Random) -> str:
    """A conflicting duplicate: a copy of a row with one cell changed."""
    if len(records) < 2 or not records[1]:
        return "no row"
    row = rng.randrange(1, len(records))
    copy = list(records[row])
    if copy:
        column = rng.randrange(len(copy))
        copy[column] = rng.choice(HOSTILE)
    records.append(copy)
    return f"row {row} duplicated with a change"


def swap_rows(records: Records, rng: random.Random) -> str:
    if len(records) < 3:
        return "no rows"
    a, b = rng.randrange(1, len(records)), rng.randrange(1, len(records))
    records[a], records[b] = records[b], records[a]
    return f"rows {a} and {b} swapped"


def keep_rows(records: Records, rng: random.Random) -> str:
    """The header and the first ``k`` rows (``k`` may be 0: a header-only file)."""
    count = rng.randrange(0, max(len(records) - 1, 1))
    del records[1 + count:]
    return f"only {count} row(s) kept"


def delete_column(records: Records, rng: random.Random) -> str:
    if not records or not records[0]:
        return "no column"
    column = rng.randrange(len(records[0]))
    for record in records:
        if column < len(record):
            del record[column]
    return f"column {column} deleted"


def duplicate_column(records: Records, rng: random.Random) -> str:
    if not records or not records[0]:
        return "no column"
    column = rng.randrange(len(records[0]))
    change = rng.random() < 0.5
    for number, record in enumerate(records):
        if column < len(record):
            value = record[column]
            if change and number:
                value = rng.choice(HOSTILE)
            record.append(value.lower() if number == 0 else value)
    return f"column {column} duplicated{' with other values' if change else ''}"


def rename_column(records: Records, rng: random.Random) -> str:
    if not records or not records[0]:
        return "no column"
    column = rng.randrange(len(records[0]))
    name = rng.choice((*records[0], "", "X", " usubjid ", "TRDTC", "VISITNUM", "RSDTC", "TRSTRESN"))
    records[0][column] = name
    return f"column {column} renamed {name!r}"


def shuffle_rows(records: Records, rng: random.Random) -> str:
    body = records[1:]
    rng.shuffle(body)
    records[1:] = body
    return "rows shuffled"


RECORD_MUTATIONS: tuple[Callable[[Records, random.Random], str], ...] = (
    set_hostile, set_hostile, set_hostile, set_from_column, set_from_column, set_from_other_column,
    delete_row, duplicate_row, duplicate_row_changed, swap_rows, keep_rows, delete_column, duplicate_column,
    rename_column, shuffle_rows,
)


def byte_mutation(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A mutation of the file's bytes: encoding, delimiter, truncation, inserted bytes, format."""
    kind = rng.randrange(8)
    text = data.decode("utf-8", errors="replace")
    if kind == 0:
        text = text.replace("LIVER", "FOIE É").replace("SCREENING", "DÉPISTAGE")
        return text.encode("cp1252", errors="replace"), "re-encoded as cp1252"
    if kind == 1:
        delimiter = rng.choice((";", "\t", "|"))
        buffer = io.StringIO(newline="")
        try:
            records = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error:
            return data, "not re-delimited (unreadable already)"
        csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(records)
        return buffer.getvalue().encode(), f"delimited by {delimiter!r}"
    if kind == 2:
        cut = rng.randrange(len(data) + 1)
        return data[:cut], f"truncated at byte {cut}"
    if kind == 3:
        at = rng.randrange(len(data) + 1)
        inserted = rng.choice(HOSTILE_BYTES)
        return data[:at] + inserted + data[at:], f"{inserted!r} inserted at byte {at}"
    if kind == 4:
        return b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"), "BOM and CRLF"
    if kind == 5:
        return b"", "emptied"
    if kind == 6:
        return XPT_HEADER + data, "made an XPT file"
    return text.encode("utf-16"), "re-encoded as UTF-16"


def mutate(tables: dict[str, bytes], names: tuple[str, ...], rng: random.Random,
           count: int) -> tuple[dict[str, bytes], list[str]]:
    """``count`` mutations of the tables ``names``; the mutated tables and what was done."""
    tables = dict(tables)
    done: list[str] = []
    for _ in range(count):
        name = rng.choice(names)
        if rng.random() < 0.15:
            tables[name], what = byte_mutation(tables[name], rng)
        else:
            try:
                records = _records(tables[name])
            except (UnicodeDecodeError, csv.Error):
                continue  # already made unreadable by a byte mutation
            what = rng.choice(RECORD_MUTATIONS)(records, rng)
            tables[name] = _render(records, rng.choice((csv.QUOTE_MINIMAL, csv.QUOTE_ALL)))
        done.append(f"{name}: {what}")
    return tables, done


# --- running a mutant and checking the contract ----------------------------------------------------

@dataclass
class Outcome:
    """One run: exit status (None if an exception escaped), stderr, seconds, contract violations."""

    command: str
    mutations: list[str]
    status: int | None = None
    stderr: str = ""
    seconds: float = 0.0
    violations: list[str] = field(default_factory=list)


class TimeLimit(Exception):
    """A run took longer than its limit (a hang)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimit` in the main thread after ``seconds`` (SIGALRM; Unix)."""
    def expired(*_: object) -> None:
        raise TimeLimit(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def write_tables(folder: Path, tables: dict[str, bytes]) -> dict[str, Path]:
    paths = {}
    for name, data in tables.items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_bytes(data)
    return paths


def argv_for(command: str, paths: dict[str, Path], out: Path, use_supptu: bool = True) -> list[str]:
    """The command line of ``assess`` (TU, TR, SUPPTU, subjects) or ``bor`` (RS, subjects)."""
    if command == "assess":
        argv = ["assess", "--tu", str(paths["tu"]), "--tr", str(paths["tr"]), "--out", str(out)]
        if use_supptu:
            argv += ["--supptu", str(paths["supptu"]), "--subjects", str(paths["subjects"])]
        return argv
    return ["bor", "--rs", str(paths["rs"]), "--subjects", str(paths["subjects"]), "--out", str(out)]


def run_captured(argv: list[str], seconds: float) -> tuple[int | None, str, str, str]:
    """(status, stdout, stderr, traceback text) of ``main(argv)``; status None if it raised."""
    out, err = io.StringIO(), io.StringIO()
    trace = ""
    status: int | None = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            with time_limit(seconds):
                status = main(argv)
        except SystemExit as exc:  # argparse
            status = exc.code if isinstance(exc.code, int) else 2
        except Exception:
            trace = traceback.format_exc()
    return status, out.getvalue(), err.getvalue(), trace


def check_run(command: str, tables: dict[str, bytes], mutations: list[str], folder: Path,
              seconds: float = 5.0, shuffled: bool = True) -> Outcome:
    """Run ``command`` on the mutated ``tables`` in ``folder`` and list the contract violations;
    with ``shuffled``, a success is run again with the rows in another order (:func:`_order_matters`)."""
    paths = write_tables(folder, tables)
    out = folder / ("out" if command == "assess" else "bor.csv")
    argv = argv_for(command, paths, out)
    started = time.perf_counter()
    status, _, stderr, trace = run_captured(argv, seconds)
    outcome = Outcome(command, mutations, status, stderr, time.perf_counter() - started)
    problems = outcome.violations
    if trace:
        problems.append("exception escaped main: " + trace.strip().splitlines()[-1])
    elif status not in (0, 2):
        problems.append(f"exit status {status}")
    lines = stderr.splitlines()
    if len(lines) > 1:
        problems.append(f"{len(lines)} lines on stderr")
    if "Traceback" in stderr:
        problems.append("traceback on stderr")
    if status == 2:
        if not lines or not lines[0].startswith("error: "):
            problems.append("exit 2 without an 'error: ' line")
        elif not any(str(p) in lines[0] for p in (*paths.values(), out)):
            problems.append("the error names no input or output file")
        if (out / "rs.csv" if command == "assess" else out).exists():
            problems.append("output written although the input was refused")
    if status == 0:
        problems.extend(_missing_subjects(command, paths, out))
        if shuffled and not problems:
            problems.extend(_order_matters(command, tables, folder, out, seconds))
    return outcome


def _order_matters(command: str, tables: dict[str, bytes], folder: Path, out: Path, seconds: float) -> list[str]:
    """The metamorphic check: the same tables with their rows in another order (and quoted
    otherwise) must give the same status and the same output lines. A "last one wins" or "first
    one wins" reading of conflicting rows shows here as a different answer. TU keeps its order:
    it is the lesions' order, which the rationale texts follow."""
    rng = random.Random(0)
    again = {}
    for name, data in tables.items():
        records = _records(data)
        body = records[1:]
        if name != "tu":
            rng.shuffle(body)
        again[name] = _render([records[0], *body], csv.QUOTE_ALL)
    (folder / "shuffled").mkdir()
    paths = write_tables(folder / "shuffled", again)
    other = folder / "shuffled" / out.name
    status, _, stderr, trace = run_captured(argv_for(command, paths, other), seconds)
    if status != 0 or trace:
        return [f"rows in another order: exit {status} ({(stderr or trace).strip()[:200]})"]
    produced = sorted(out.iterdir()) if out.is_dir() else [out]
    for path in produced:
        twin = other / path.name if out.is_dir() else other
        if sorted(path.read_bytes().splitlines()) != sorted(twin.read_bytes().splitlines()):
            return [f"rows in another order: {path.name} differs"]
    return []


def _missing_subjects(command: str, paths: dict[str, Path], out: Path) -> list[str]:
    """Subjects of TU (assess) or of the subject table (bor) that the output does not list."""
    source = paths["tu"] if command == "assess" else paths["subjects"]
    produced = out / "timeline.csv" if command == "assess" else out
    expected = {row.get("USUBJID", "") for row in _dict_rows(source)}
    found = {row.get("USUBJID", "") for row in _dict_rows(produced)}
    missing = sorted(expected - found)
    return [f"subjects missing from the output: {missing[:3]}"] if missing else []


def _dict_rows(path: Path) -> list[dict[str, str]]:
    """Rows as the readers see them: upper-case stripped column names, stripped values, NA → ''."""
    records = _records(path.read_bytes())
    header = [c.strip().upper() for c in records[0]]
    rows = []
    for record in records[1:]:
        values = ["" if v.strip() == "NA" else v.strip() for v in record]
        if any(values):
            rows.append(dict(zip(header, values, strict=False)))
    return rows
