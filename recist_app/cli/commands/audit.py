"""``audit export|verify|checkpoint``: the trial's tamper-evident audit trail (README "Central review on a server").

    python main.py audit export --out FILE [--format csv|json] [--db DB | --trial CODE]
    python main.py audit verify [--checkpoint FILE] [--key FILE] [--db DB | --trial CODE]
    python main.py audit checkpoint [--out FILE] [--key FILE] [--db DB | --trial CODE]

``export`` writes every entry (who, when, action, before → after as JSON, reason, hashes) and
reports whether the hash chain verifies. ``verify`` replays the log against the whole database and
exits 1 naming every row it does not explain; ``checkpoint`` writes the signed head for write-once
storage (:mod:`recist_app.cli.commands.audit_checks`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from recist_app.cli.commands import audit_checks
from recist_app.cli.output_paths import check_output_file, writing
from recist_app.cli.store_options import add_db_options, open_store


def add_parser(subparsers: Any) -> None:
    """Register ``audit export``, ``audit verify`` and ``audit checkpoint``."""
    parser = subparsers.add_parser("audit", help="export, verify or checkpoint the audit trail",
                                   description="Export, verify or checkpoint the audit trail.")
    actions = parser.add_subparsers(dest="audit_action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write the audit trail as CSV or JSON")
    export.add_argument("--out", required=True, type=Path, help="output file (.csv or .json)")
    export.add_argument("--format", choices=("csv", "json"), help="default: from the file suffix, else CSV")
    add_db_options(export)
    export.set_defaults(handler=run_export)
    verify = actions.add_parser("verify", help="check that the audit trail explains every row of the database")
    add_db_options(verify)
    audit_checks.add_verify_options(verify)
    verify.set_defaults(handler=audit_checks.run_verify)
    audit_checks.add_checkpoint_parser(actions)


def run_export(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Write the audit trail; a missing output folder is created (as ``assess`` and ``bor`` do)."""
    stream = out if out is not None else sys.stdout
    check_output_file(args.out)
    with open_store(args) as store:
        chain = store.verify_chain()
        with writing(args.out):
            args.out.parent.mkdir(parents=True, exist_ok=True)
            fmt = store.export_audit(args.out, args.format)
    state = "verified" if chain.ok else f"BROKEN: {chain.problem}"
    stream.write(f"Wrote {chain.entries} audit entries to {args.out} ({fmt}); hash chain {state}\n")
    return 0
