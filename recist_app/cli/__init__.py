"""Headless command line: ``python main.py <command> …`` (never imports Qt).

Each sub-command lives in its own module under ``recist_app.cli.commands`` and exposes
``add_parser(subparsers)`` and ``run(args) -> int``. Bad input ends with exit status 2 and one
line on stderr naming the file, row and value; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from assessment.errors import AssessmentError
from recist_app.errors import RecistAppError

#: Sub-command name → module in ``recist_app.cli.commands``.
COMMANDS = {
    "assess": "recist_app.cli.commands.assess",
    "bor": "recist_app.cli.commands.bor",
    "scan": "recist_app.cli.commands.scan",
    "load": "recist_app.cli.commands.load",
    "trial": "recist_app.cli.commands.trial",
    "subject": "recist_app.cli.commands.subject",
    "reads": "recist_app.cli.commands.reads",
    "audit": "recist_app.cli.commands.audit",
    "import-dicom": "recist_app.cli.commands.import_dicom",
    "demo": "recist_app.cli.commands.demo",
    "export": "recist_app.cli.commands.export",
}

EXIT_BAD_INPUT = 2


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered; given ``command``, only its module is
    imported (``assess`` then starts without loading pydicom and numpy)."""
    parser = argparse.ArgumentParser(
        prog="main.py", description="Tumour-response workstation: RECIST 1.1 / iRECIST command line."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        if command in (None, name):
            importlib.import_module(module_name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command and return its exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    args = build_parser(command).parse_args(argv)
    try:
        return int(args.handler(args))
    except (RecistAppError, AssessmentError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
