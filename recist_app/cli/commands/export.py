"""``export``: the trial database → SDTM (CSV + XPT v5) and the response timeline (CSV + XLSX).

    python main.py export (--db DB | --trial CODE) --out DIR [--subjects ID …] [--format NAME …]

Writes ``DIR/manifest.json``, ``DIR/sdtm/`` and ``DIR/timeline/`` (see
:mod:`recist_app.exports.runner`) all at once: a failed export leaves nothing behind. Prints one
line per file written and the notes a reader of the files should know.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from recist_app.cli.store_options import add_db_options, database


def add_parser(subparsers: Any) -> None:
    """Register the ``export`` sub-command."""
    from recist_app.exports.runner import FORMATS

    parser = subparsers.add_parser(
        "export", help="export a trial: SDTM (CSV, XPT), response timeline (CSV, XLSX), DICOM SR, plots, PDF reports",
        description="Export a trial database for the statistics team, other viewers and sponsors.")
    add_db_options(parser)
    parser.add_argument("--out", required=True, type=Path, help="output folder (new, empty, or a previous export)")
    parser.add_argument("--subjects", nargs="+", metavar="ID", help="only these subjects (default: all)")
    parser.add_argument("--format", dest="formats", nargs="+", choices=sorted(FORMATS), default=list(FORMATS),
                        metavar="NAME", help=f"formats among {', '.join(sorted(FORMATS))} (default: all)")
    parser.add_argument("--keep-identity", action="store_true",
                        help="DICOM SR files keep the patients' identity of the source images, to send back to the "
                             "site's PACS (default: pseudonymised to the subject id, for the statistics team)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Export, then list the files and notes."""
    from recist_app.exports.runner import export_trial

    stream = out if out is not None else sys.stdout
    result = export_trial(database(args), args.out, subjects=args.subjects, formats=args.formats,
                          trial_code=args.trial, keep_identity=args.keep_identity)
    for file in result.files:
        rows = f", {file.rows} rows" if file.rows is not None else ""
        stream.write(f"  {file.path} ({file.format}{rows})\n")
    for note in result.notes:
        stream.write(f"note: {note}\n")
    stream.write(f"export: {len(result.files)} files for {len(result.subjects)} subject(s), {result.reads} read(s) "
                 f"written to {result.out_dir} (engine {result.engine_version}; {result.rules_version})\n")
    return 0
