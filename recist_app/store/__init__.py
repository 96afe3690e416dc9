"""The trial database (issue 5): subjects, time points, reads, audit trail, sign-off, central review.

SQLite by default (one file per trial), PostgreSQL for a shared central-review server; the same
code runs on both. Start with :class:`TrialStore` (``TrialStore.open(url)`` /
``TrialStore.create(url, code=…)``); a reader works through :class:`ReadSession`
(``store.reader_session(store.log_in(name, password), subject_id)``), an adjudicator through
:class:`AdjudicationSession`. Records are the frozen dataclasses of :mod:`recist_app.model.records`.

Modules: ``db`` (engines, transactions, migrations), ``schema`` (SQLAlchemy models),
``repository`` (reader-scoped queries), ``mapping`` (rows → records), ``unit_of_work`` (row
changes, versions, undo replay), ``commands`` (the reader's commands), ``read_session``,
``signoff``, ``logins`` (who is logged in), ``review`` (double reads, blinding in ``snapshots``,
adjudication), ``audit`` (hash chain, export), ``results`` (engine-result cache), ``errors``.

Names are loaded lazily so that importing the read model does not import SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real types for mypy; at run time the names load lazily through __getattr__
    from recist_app.store.audit import ChainReport
    from recist_app.store.db import default_trial_path
    from recist_app.store.logins import Login
    from recist_app.store.read_session import ReadSession
    from recist_app.store.review import AdjudicationSession
    from recist_app.store.trial_store import TrialStore

_EXPORTS = {
    "TrialStore": "recist_app.store.trial_store",
    "ReadSession": "recist_app.store.read_session",
    "AdjudicationSession": "recist_app.store.review",
    "ChainReport": "recist_app.store.audit",
    "default_trial_path": "recist_app.store.db",
    "Login": "recist_app.store.logins",
}

__all__ = ["AdjudicationSession", "ChainReport", "Login", "ReadSession", "TrialStore", "default_trial_path"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'recist_app.store' has no attribute {name!r}")
