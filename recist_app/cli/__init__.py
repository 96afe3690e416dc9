"""Headless command line: ``python main.py <command> …`` (never imports Qt).

Each sub-command lives in its own module under ``recist_app.cli.commands`` and exposes
``add_parser(subparsers)`` and ``run(args) -> int``. Bad input ends with exit status 2 and one
line on stderr naming the file, row and value; never a traceback.

Nothing else is printed: library warnings (pydicom's on malformed DICOM) are silenced while a
command runs; the error says what matters. When the reader of standard output goes away
(``main.py load … --json | head``) the command stops quietly with status 141 (128 + SIGPIPE),
as ``git log | head`` does, instead of a ``BrokenPipeError`` traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Sequence

from assessment.errors import AssessmentError
from recist_app.errors import RecistAppError

#: Sub-command name → module in ``recist_app.cli.commands``.
COMMANDS = {
    "assess": "recist_app.cli.commands.assess",
    "bor": "recist_app.cli.commands.bor",
    "scan": "recist_app.cli.commands.scan",
    "load": "recist_app.cli.commands.load",
    "track": "recist_app.cli.commands.track",
    "measure": "recist_app.cli.commands.measure",
    "pacs": "recist_app.cli.commands.pacs",
    "trial": "recist_app.cli.commands.trial",
    "subject": "recist_app.cli.commands.subject",
    "reads": "recist_app.cli.commands.reads",
    "audit": "recist_app.cli.commands.audit",
    "import-dicom": "recist_app.cli.commands.import_dicom",
    "demo": "recist_app.cli.commands.demo",
    "export": "recist_app.cli.commands.export",
}

EXIT_BAD_INPUT = 2
#: Status when standard output's reader closed the pipe: 128 + SIGPIPE, what a shell reports for ``git log | head``.
EXIT_BROKEN_PIPE = 141


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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # only the contract's output: no library warnings on stderr
        try:
            status = int(args.handler(args))
            sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
            return status
        except BrokenPipeError:
            return _reader_gone()
        except (RecistAppError, AssessmentError) as exc:
            print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)  # one line, whatever the message
            return EXIT_BAD_INPUT


def _reader_gone() -> int:
    """Standard output's reader closed the pipe: point stdout at the null device (so the flush at
    exit cannot fail again) and stop quietly with :data:`EXIT_BROKEN_PIPE`."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # stdout is no file (captured in tests)
        pass
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    raise SystemExit(main())
