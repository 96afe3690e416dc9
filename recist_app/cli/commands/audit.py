"""``audit export|verify``: the trial's tamper-evident audit trail.

    python main.py audit export --out FILE [--format csv|json] [--db DB | --trial CODE]
    python main.py audit verify [--db DB | --trial CODE]

``export`` writes every entry (who, when, action, before → after as JSON, reason, hashes) and
reports whether the hash chain verifies. ``verify`` exits 1 when the chain is broken, naming the
first entry that was altered, removed or inserted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from recist_app.cli.store_options import add_db_options, open_store

EXIT_BROKEN_CHAIN = 1


def add_parser(subparsers: Any) -> None:
    """Register ``audit export`` and ``audit verify``."""
    parser = subparsers.add_parser("audit", help="export or verify the audit trail",
                                   description="Export or verify the audit trail.")
    actions = parser.add_subparsers(dest="audit_action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write the audit trail as CSV or JSON")
    export.add_argument("--out", required=True, type=Path, help="output file (.csv or .json)")
    export.add_argument("--format", choices=("csv", "json"), help="default: from the file suffix, else CSV")
    add_db_options(export)
    export.set_defaults(handler=run_export)
    verify = actions.add_parser("verify", help="check the audit trail's hash chain")
    add_db_options(verify)
    verify.set_defaults(handler=run_verify)


def run_export(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Write the audit trail."""
    stream = out if out is not None else sys.stdout
    with open_store(args) as store:
        chain = store.verify_chain()
        fmt = store.export_audit(args.out, args.format)
    state = "verified" if chain.ok else f"BROKEN: {chain.problem}"
    stream.write(f"Wrote {chain.entries} audit entries to {args.out} ({fmt}); hash chain {state}\n")
    return 0


def run_verify(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Check the hash chain; exit 1 when broken."""
    stream = out if out is not None else sys.stdout
    with open_store(args) as store:
        chain = store.verify_chain()
    if chain.ok:
        stream.write(f"audit chain: verified ({chain.entries} entries)\n")
        return 0
    stream.write(f"audit chain: BROKEN at entry {chain.bad_seq}: {chain.problem}\n")
    return EXIT_BROKEN_CHAIN
