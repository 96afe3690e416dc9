"""``audit checkpoint`` and ``audit verify``: prove that the audit trail explains every row (issue 14).

    python main.py audit checkpoint [--out FILE] [--key FILE] [--db DB | --trial CODE]
    python main.py audit verify [--checkpoint FILE] [--key FILE] [--db DB | --trial CODE]

``checkpoint`` writes the head of the log (entry number, hash, time) signed with the key, to
``--out`` (never over an existing file) or standard output: keep it on write-once storage.
``verify`` checks the hash chain, the keys, the checkpoint if given, and replays the log against
every column of every data table (:mod:`recist_app.store.audit_verify`). It exits 0 when the log
explains everything and 1 when it does not, listing what it does not explain. Bad input (no such
database, a missing key, a file that is no checkpoint) raises a typed error, which
:func:`recist_app.cli.main` turns into one line and exit status 2 as for every command.

``--key``: on SQLite the trial's key file (default: beside the user's data); on PostgreSQL the
owner's key (default: ``$RECIST_AUDIT_OWNER_KEY``), made by the first checkpoint.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import Any, TextIO

from recist_app.cli.errors import OutputPathError
from recist_app.cli.output_paths import check_output_file, writing
from recist_app.cli.store_options import add_db_options, open_store

EXIT_EXPLAINED, EXIT_NOT_EXPLAINED = 0, 1
#: Findings listed in full; the rest are counted.
MAX_LISTED = 50
KEY_HELP = ("audit key file (SQLite: the trial's, default beside the user's data; PostgreSQL: the owner's, "
            "default $RECIST_AUDIT_OWNER_KEY)")


def add_checkpoint_parser(actions: Any) -> None:
    """Register ``audit checkpoint`` on the ``audit`` sub-command's ``actions``."""
    parser = actions.add_parser("checkpoint", help="write the signed head of the audit trail for write-once storage",
                                description="Write the head of the audit trail (entry, hash, time), signed with "
                                            "the audit key, for write-once storage.")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="checkpoint file to write (never overwritten; default: stdout)")
    parser.add_argument("--key", type=Path, metavar="FILE", help=KEY_HELP)
    add_db_options(parser)
    parser.set_defaults(handler=run_checkpoint)


def add_verify_options(parser: Any) -> None:
    """Add ``--checkpoint`` and ``--key`` to the ``audit verify`` parser."""
    parser.add_argument("--checkpoint", type=Path, metavar="FILE",
                        help="a checkpoint the log must still extend (from `audit checkpoint`)")
    parser.add_argument("--key", type=Path, metavar="FILE", help=KEY_HELP)


def run_checkpoint(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Write the signed checkpoint to ``--out`` or ``out`` (default stdout); 0 when written."""
    from recist_app.store.audit_verify import checkpoint_audit

    stream = out if out is not None else sys.stdout
    target: Path | None = getattr(args, "out", None)
    if target is not None:
        check_output_file(target)
        if target.exists():
            raise OutputPathError(str(target), "exists; a checkpoint is never overwritten: give a new file name.")
    with open_store(args) as store:
        checkpoint = checkpoint_audit(store, key_file=getattr(args, "key", None))
    if target is None:
        stream.write(checkpoint.to_json())
        return 0
    with writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_new(target, checkpoint.to_json())
    stream.write(f"Checkpoint of audit entry {checkpoint.seq} ({checkpoint.hash[:16]}…, {checkpoint.at_utc}) written "
                 f"to {target}: keep it where it cannot be rewritten\n")
    return 0


def run_verify(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Verify the audit trail against the whole database; 0 when it explains everything, else 1."""
    from recist_app.store.audit_verify import verify_audit

    stream = out if out is not None else sys.stdout
    with open_store(args) as store:
        report = verify_audit(store, key_file=getattr(args, "key", None),
                              checkpoint=getattr(args, "checkpoint", None))
    stream.write(f"audit verify: {report.entries} entries, {report.rows} data rows, {report.results} cached "
                 "results\n")
    stream.write(f"keys: {report.keying}\n")
    if report.checkpoint is not None:
        state = "extended by the log" if report.checkpoint_extended else "NOT extended by the log"
        stream.write(f"checkpoint: entry {report.checkpoint.seq} of {report.checkpoint.at_utc}: {state}\n")
    for note in report.notes:
        stream.write(f"note: {note}\n")
    if report.ok:
        stream.write("everything is explained\n")
        return EXIT_EXPLAINED
    stream.write(f"NOT EXPLAINED ({len(report.findings)}):\n")
    for finding in report.findings[:MAX_LISTED]:
        stream.write(f"  {finding.message}\n")
    if len(report.findings) > MAX_LISTED:
        stream.write(f"  … and {len(report.findings) - MAX_LISTED} more\n")
    return EXIT_NOT_EXPLAINED


def _write_new(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all, never over a file (written aside, then hard-linked in place)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    except FileExistsError:
        raise OutputPathError(str(path), "exists; a checkpoint is never overwritten: give a new file name.") from None
    finally:
        tmp.unlink(missing_ok=True)
