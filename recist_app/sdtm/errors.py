"""Errors of the CDISC SDTM writers and readers (ARCHITECTURE C7): typed, with the offending values.

Every class derives from :class:`SdtmError`, itself a :class:`~recist_app.errors.RecistAppError`.
The SDTM readers report an unusable input row as :class:`~recist_app.errors.InputFileError`
(file, line, value); a :class:`CellProblem` from a value parser becomes one of those.
"""

from __future__ import annotations

from recist_app.errors import RecistAppError


class SdtmError(RecistAppError):
    """An SDTM dataset cannot hold a value (a term not listed in CDISC.md, a SAS transport limit)."""


class CdiscTermError(SdtmError, ValueError):
    """A value of a controlled SDTM variable is not a term listed in CDISC.md.

    Parameters
    ----------
    dataset : str
        The SDTM dataset (``TU``, ``TR``, ``RS``, ``SUPPTU``).
    variable : str
        The variable, e.g. ``TULOC``.
    value : str
        The offending value.
    row : int
        0-based index of the row in the dataset.
    allowed : tuple of str
        The listed terms (empty when the variable wants a number).
    """

    def __init__(self, dataset: str, variable: str, value: str, row: int, allowed: tuple[str, ...]) -> None:
        self.dataset = dataset
        self.variable = variable
        self.value = value
        self.row = row
        self.allowed = allowed
        shown = ", ".join(allowed[:12]) + (", …" if len(allowed) > 12 else "")
        expected = f"one of {shown}" if allowed else "a number"
        super().__init__(f'{dataset} row {row + 1}: variable "{variable}" must be {expected}, got {value!r}. '
                         "Only terms listed in CDISC.md are exported (recist_app/sdtm/terms.py).")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.dataset, self.variable, self.value, self.row, self.allowed))


class XptConstraintError(SdtmError, ValueError):
    """A dataset breaks a SAS transport v5 limit (CDISC.md §11); nothing is truncated silently.

    Parameters
    ----------
    dataset : str
        The dataset name.
    what : str
        The limit broken: ``dataset name``, ``variable name``, ``label`` or ``value``.
    value : str
        The offending name, label or value.
    limit : str
        The limit in words, e.g. ``at most 8 characters``.
    """

    def __init__(self, dataset: str, what: str, value: str, limit: str) -> None:
        self.dataset = dataset
        self.what = what
        self.value = value
        self.limit = limit
        super().__init__(f'XPT v5 {dataset}: {what} {value!r} must be {limit} (CDISC.md §11); '
                         "shorten it at its source, the exporter never truncates.")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.dataset, self.what, self.value, self.limit))


class CellProblem(SdtmError, ValueError):
    """What is wrong with one cell of an SDTM input, in words that follow the value.

    Raised by the value parsers (:mod:`recist_app.sdtm.iso_dates`, :mod:`recist_app.sdtm.tr_results`),
    which do not know the file; the readers re-raise it as
    :class:`~recist_app.errors.InputFileError` naming file, line and value.
    """


class DateProblem(CellProblem):
    """An ``--DTC`` or subject-table date that is refused (RULES §7 A17; issue 13)."""


class ResultProblem(CellProblem):
    """A TR result (number, unit or state) that is refused (CDISC.md §3.1–§3.3; issue 13)."""
