"""Orientation letters (A/P/R/L/H/F) for the edges of a displayed slice (VIEWER.md "On the image").

Qt-free. A direction in DICOM patient coordinates (LPS: +x towards the patient's Left, +y towards
Posterior, +z towards the Head) is named by up to three letters, the largest component first, as
David Clunie's ``getOrientation`` (dicom3tools) and OHIF's ``getOrientationStringLPS`` do:
``(1, 0, 0)`` is ``"L"``, ``(0, -1, 0)`` is ``"A"``, a slightly oblique row direction is ``"LH"``.

On screen (``ImageItem`` with ``invertY``, see :mod:`recist_app.imaging.geometry`) the column index grows
to the right and the row index downwards, so the right edge shows the letters of the **row
direction** of (0020,0037) *Image Orientation (Patient)*, the bottom edge those of the **column
direction**, and the left and top edges those of their opposites. A standard axial slice reads
``R`` left, ``L`` right, ``A`` top, ``P`` bottom (the radiological convention).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: (letter for +, letter for −) per LPS axis.
_LETTERS = (("L", "R"), ("P", "A"), ("H", "F"))
#: Components smaller than this (in absolute value) are ignored (Clunie / OHIF use 1e-4).
DEFAULT_THRESHOLD = 1e-4


def direction_letters(direction: Sequence[float], threshold: float = DEFAULT_THRESHOLD) -> str:
    """Letters naming an LPS direction, largest component first (e.g. ``"L"``, ``"LH"``, ``"PFL"``).

    Parameters
    ----------
    direction : sequence of 3 float
        A direction in patient LPS coordinates (need not be normalised).
    threshold : float
        Components whose absolute value (after normalising) is at most this are left out.

    Returns
    -------
    str
        One to three letters among L/R, P/A, H/F; ``""`` for a zero vector.

    Examples
    --------
    >>> direction_letters((1, 0, 0)), direction_letters((0, -1, 0)), direction_letters((0, 0, -1))
    ('L', 'A', 'F')
    >>> direction_letters((0.8, 0.0, 0.6))
    'LH'
    """
    values = [float(v) for v in direction]
    if len(values) != 3:
        raise ValueError(f'Argument "direction" must have 3 components, got {len(values)}.')
    norm = sum(v * v for v in values) ** 0.5
    if norm == 0.0:
        return ""
    unit = [v / norm for v in values]
    order = sorted(range(3), key=lambda axis: -abs(unit[axis]))
    return "".join(_LETTERS[axis][0 if unit[axis] > 0 else 1]
                   for axis in order if abs(unit[axis]) > threshold)


@dataclass(frozen=True)
class EdgeLetters:
    """Letters shown at the middle of each edge of the displayed slice."""

    left: str
    right: str
    top: str
    bottom: str


def edge_letters(iop: Sequence[float], threshold: float = DEFAULT_THRESHOLD) -> EdgeLetters:
    """Orientation markers for a slice shown with column index rightwards and row index downwards.

    Parameters
    ----------
    iop : sequence of 6 float
        (0020,0037) *Image Orientation (Patient)*: row direction cosines, then column direction.
    threshold : float
        See :func:`direction_letters`.

    Examples
    --------
    >>> edge_letters((1, 0, 0, 0, 1, 0))
    EdgeLetters(left='R', right='L', top='A', bottom='P')
    """
    values = [float(v) for v in iop]
    if len(values) != 6:
        raise ValueError(f'Argument "iop" must hold 6 direction cosines, got {len(values)}.')
    row_dir, col_dir = values[:3], values[3:]
    return EdgeLetters(left=direction_letters([-v for v in row_dir], threshold),
                       right=direction_letters(row_dir, threshold),
                       top=direction_letters([-v for v in col_dir], threshold),
                       bottom=direction_letters(col_dir, threshold))
