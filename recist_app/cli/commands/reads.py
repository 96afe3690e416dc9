"""``reads list|compare``: who reads which subject, how far each read is signed, which read was accepted;
open the adjudication tasks of disagreeing central reads.

    python main.py reads list [--subject ID] [--db DB | --trial CODE] [--json]
    python main.py reads compare [--subject ID] [--db DB | --trial CODE]

Lists reads only, never their measurements (central review keeps those per reader). ``compare``
is the coordinator's (the schema owner's) step on a server with reader roles: a central reader's
role cannot see the other read, so the signature that completes a pair cannot open the task itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from recist_app.cli.store_options import add_db_options, open_store

COLUMNS = ("subject_id", "reader", "role", "signed", "accepted", "read_uid")


def add_parser(subparsers: Any) -> None:
    """Register ``reads list``."""
    parser = subparsers.add_parser("reads", help="list the reads of a trial", description="List reads.")
    actions = parser.add_subparsers(dest="reads_action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="list reads (subject, reader, role, signed, accepted)")
    listing.add_argument("--subject", help="only this subject's reads")
    listing.add_argument("--json", action="store_true", help="print JSON")
    add_db_options(listing)
    listing.set_defaults(handler=run_list)
    compare = actions.add_parser("compare", help="compare both central reads of fully signed subjects; open the "
                                                 "adjudication task where they disagree")
    compare.add_argument("--subject", help="only this subject")
    add_db_options(compare)
    compare.set_defaults(handler=run_compare)


def run_list(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the reads."""
    stream = out if out is not None else sys.stdout
    with open_store(args) as store:
        rows = [{"subject_id": s.subject_id, "reader": s.reader_name, "role": s.reader_role.value,
                 "signed": f"{s.signed_timepoints}/{s.total_timepoints}", "accepted": s.read.accepted,
                 "read_uid": s.read.uid} for s in store.reads(args.subject)]
    if args.json:
        json.dump(rows, stream, indent=2)
        stream.write("\n")
        return 0
    table = [list(COLUMNS)] + [[str(row[c]) if c != "accepted" else ("yes" if row[c] else "")
                                for c in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    for line in table:
        stream.write("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() + "\n")
    return 0


def run_compare(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print, per subject, the open adjudication task of its two central reads, or that there is none."""
    stream = out if out is not None else sys.stdout
    with open_store(args) as store:
        subject_ids = [args.subject] if args.subject else [subject.subject_id for subject in store.subjects()]
        for subject_id in subject_ids:
            task = store.check_double_read(subject_id)
            verdict = f"adjudication task open: {task.disagreement}" if task else \
                "no task (the reads agree, or are not both fully signed)"
            stream.write(f"{subject_id}: {verdict}\n")
    return 0
