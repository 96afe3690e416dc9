"""``reads list``: who reads which subject, how far each read is signed, which read was accepted.

    python main.py reads list [--subject ID] [--db DB | --trial CODE] [--json]

Lists reads only, never their measurements (central review keeps those per reader).
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
