"""``--out`` checks shared by the commands that write files: fail before the work, never with a
traceback after it (issue 13).

:func:`check_output_folder` and :func:`check_output_file` look at the path before anything is
read; :func:`writing` turns an ``OSError`` met while writing (disk full, a folder made read-only
meanwhile) into :class:`~recist_app.cli.errors.OutputPathError`. Missing folders are created when
the files are written, as ``assess`` and ``bor`` always did.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from recist_app.cli.errors import OutputPathError


def check_output_folder(path: Path, option: str = "--out") -> None:
    """``path`` is a folder, or can be made one, in a writable place."""
    try:
        if path.exists() and not path.is_dir():
            raise OutputPathError(str(path), f"{option} names an existing file, not a folder; give a folder "
                                             "(it is created when missing).")
        _check_creatable(path, path, option)
    except OSError as exc:
        raise _unwritable(path, exc) from exc


def check_output_file(path: Path, option: str = "--out") -> None:
    """``path`` is a file (new or to replace) in a folder that exists or can be made, writable."""
    try:
        if path.is_dir():
            raise OutputPathError(str(path), f"{option} names a folder; give the name of the file to write.")
        _check_creatable(path.parent, path, option)
    except OSError as exc:
        raise _unwritable(path, exc) from exc


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an ``OSError`` while writing ``path`` into :class:`OutputPathError`."""
    try:
        yield
    except OSError as exc:
        raise _unwritable(path, exc) from exc


def _check_creatable(folder: Path, path: Path, option: str) -> None:
    """The nearest existing ancestor of ``folder`` (the output ``path`` or its folder) is a folder
    this process may write in."""
    ancestor = folder
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputPathError(str(path), f"{ancestor} is a file, so no folder can be made inside it; "
                                         f"choose another {option}.")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputPathError(str(path), f"the folder {ancestor} is not writable; choose another {option}.")


def _unwritable(path: Path, exc: OSError) -> OutputPathError:
    return OutputPathError(str(path), f"cannot be written ({exc.strerror or exc}); choose a writable --out.")
