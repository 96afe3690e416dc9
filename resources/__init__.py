"""Bundled resources (stylesheet, icons): the one place that locates them.

Load every resource through :func:`read_text` or :func:`path` (``importlib.resources``), never
through ``__file__`` arithmetic, so the app also works when installed as a package.
"""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


def path(name: str) -> Traversable:
    """The resource ``name`` (e.g. ``"style.qss"``) inside this package.

    Parameters
    ----------
    name : str
        File name relative to the ``resources`` package.

    Returns
    -------
    importlib.resources.abc.Traversable
        A handle to the file; use ``as_file`` if a real filesystem path is needed.

    Raises
    ------
    FileNotFoundError
        If no resource of that name is bundled.
    """
    resource = resources.files(__name__).joinpath(name)
    if not resource.is_file():
        raise FileNotFoundError(f'Argument "name" must name a bundled resource, got {name!r}.')
    return resource


def read_text(name: str) -> str:
    """The text of the resource ``name`` (UTF-8).

    Parameters
    ----------
    name : str
        File name relative to the ``resources`` package.

    Returns
    -------
    str
        The file contents.
    """
    return path(name).read_text(encoding="utf-8")


def stylesheet(name: str = "style.qss") -> str:
    """The Qt stylesheet ``name`` with each ``url(FILE)`` of a bundled file made absolute (Qt resolves a relative
    url against the working directory, not against the stylesheet)."""
    return re.sub(r"url\(([^)/]+)\)", lambda match: f"url({Path(str(path(match.group(1)))).as_posix()})",
                  read_text(name))
