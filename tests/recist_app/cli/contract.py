"""The command-line contract for bad input (issue 13), as assertions shared by the CLI tests.

Bad input ends with exit status 2 and exactly one line on stderr, ``error: <file>, line <n>:
<message naming the value>``; never a traceback, never a partial output.
"""

from __future__ import annotations

import pytest

from recist_app.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``main.py <argv>`` in process: (exit status, stdout, stderr). An exception escaping ``main``
    (which would be a traceback on the console) fails the test."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(result: tuple[int, str, str], path: object, line: int | None, *values: str) -> str:
    """Exit 2 and one stderr line naming ``path``, ``line`` (None: no line) and each of ``values``;
    returns the message."""
    code, out, err = result
    assert code == 2, (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    where = f"{path}, line {line}: " if line is not None else f"{path}: "
    assert lines[0].startswith(f"error: {where}"), lines[0]
    for value in values:
        assert value in lines[0], (value, lines[0])
    assert "Traceback" not in out + err
    return lines[0]
