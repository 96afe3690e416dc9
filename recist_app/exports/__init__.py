"""Exports of a trial for the statistics team and for submission (issue 7).

Start with :func:`export_trial` (``python main.py export --db DB --out DIR``): it writes SDTM TU,
TR, RS, SUPPTU and SUPPTR as CSV and SAS transport v5 (:mod:`~recist_app.sdtm.writer`), and the
response timeline as long CSVs and an XLSX workbook
(:mod:`~recist_app.exports.timeline_workbook`), into a temporary folder moved into place at the
end, with a ``manifest.json`` carrying the engine and rules versions, the export time and every
file's SHA-256 (:mod:`~recist_app.exports.runner`). The one list of CDISC terms an export may
write is :mod:`~recist_app.sdtm.terms`.

Modules: ``collect`` (store → evaluated reads), ``sdtm_lesions`` (lesions → TU/TR/SUPPTU values),
``sdtm_export``, ``xpt``, ``timeline_workbook``, ``files`` (tables, CSV, fingerprints), ``job``
(progress, cancel, notes), ``runner`` (the registry :data:`FORMATS` and the folder swap),
``errors``. Names are loaded lazily so that importing the package loads neither SQLAlchemy nor
pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real types for mypy; at run time the names load lazily through __getattr__
    from recist_app.exports.errors import ExportCancelledError, ExportError
    from recist_app.exports.files import ExportedFile
    from recist_app.exports.job import ExportJob
    from recist_app.exports.runner import FORMATS, ExportResult, export_trial
    from recist_app.sdtm.errors import CdiscTermError, XptConstraintError

_EXPORTS = {
    "export_trial": "recist_app.exports.runner",
    "ExportResult": "recist_app.exports.runner",
    "FORMATS": "recist_app.exports.runner",
    "ExportJob": "recist_app.exports.job",
    "ExportedFile": "recist_app.exports.files",
    "ExportError": "recist_app.exports.errors",
    "ExportCancelledError": "recist_app.exports.errors",
    "CdiscTermError": "recist_app.sdtm.errors",
    "XptConstraintError": "recist_app.sdtm.errors",
}

__all__ = [
    "FORMATS",
    "CdiscTermError",
    "ExportCancelledError",
    "ExportError",
    "ExportJob",
    "ExportResult",
    "ExportedFile",
    "XptConstraintError",
    "export_trial",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'recist_app.exports' has no attribute {name!r}")
