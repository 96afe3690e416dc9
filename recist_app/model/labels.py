"""Lesion labels: T01, T02 … for targets, NT01 … for non-targets, NL01 … for new lesions.

The label is what the reader sees and what SDTM carries as TULNKID (``../shared/docs/CDISC.md``);
the lesion's identity is its tracking UID, so a label may be changed, but a new lesion gets the
next free number of its role's prefix.
"""

from __future__ import annotations

from collections.abc import Iterable

from assessment.domain import LesionRole

#: Label prefix of each lesion role.
LABEL_PREFIX = {LesionRole.TARGET: "T", LesionRole.NON_TARGET: "NT", LesionRole.NEW: "NL",
                LesionRole.NEW_TARGET: "NL", LesionRole.NEW_NON_TARGET: "NL"}


def next_label(used: Iterable[str], role: LesionRole | str) -> str:
    """The next free label of ``role`` after the highest number in use (``T05`` after ``T01``–``T04``).

    Parameters
    ----------
    used : iterable of str
        The labels of the read's lesions.
    role : LesionRole or str
        The new lesion's role.
    """
    prefix = LABEL_PREFIX[LesionRole(role)]
    taken = set(used)
    numbers = [int(label[len(prefix):]) for label in taken
               if label.startswith(prefix) and label[len(prefix):].isdigit()]
    number = max(numbers, default=0) + 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    return f"{prefix}{number:02d}"
