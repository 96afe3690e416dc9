"""Options shared by the trial-database sub-commands: ``--db``, ``--trial`` and dates.

``--db`` takes a SQLite file path or a ``postgresql://user@host/database`` URL; without it,
``--trial CODE`` names the trial's default SQLite file in the user data folder (platformdirs).
Who changes something is who is logged in (issue 14), never a name typed on the command line:
the audit's actor of an administrative command is the database login (:func:`actor`).
"""

from __future__ import annotations

import argparse
import getpass
from datetime import date
from pathlib import Path
from typing import Any

from recist_app.model.errors import InvalidRecordError


def add_db_options(parser: Any) -> None:
    """Register ``--db`` and ``--trial``."""
    parser.add_argument("--db", help="trial database: a SQLite file or a postgresql://user@host/database URL")
    parser.add_argument("--trial", metavar="CODE",
                        help="trial code: picks the default SQLite file without --db, or one trial of a shared server")


def database(args: argparse.Namespace) -> str | Path:
    """The database named by ``--db``, or the default file of ``--trial``."""
    if args.db:
        return str(args.db)
    if args.trial:
        from recist_app.store.db import default_trial_path  # SQLAlchemy: imported only when needed

        return default_trial_path(args.trial)
    raise InvalidRecordError("--db", None, "a SQLite file or postgresql:// URL (or give --trial CODE)")


def open_store(args: argparse.Namespace) -> Any:
    """The :class:`~recist_app.store.TrialStore` of the arguments (close it when done)."""
    from recist_app.store import TrialStore

    return TrialStore.open(database(args), args.trial)


def actor(args: argparse.Namespace) -> str:
    """Who the audit names for an administrative command: the database login, i.e. the user of a
    ``postgresql://`` URL (libpq's default, the account name, when the URL has none), and for a SQLite
    file the operating-system account that runs the command (the file's access is the account's)."""
    from recist_app.store.db import database_url

    url = database_url(database(args))
    return (url.username if url.get_backend_name() == "postgresql" and url.username else None) or getpass.getuser()


def parse_date(text: str | None, argument: str) -> date | None:
    """An ISO date (``YYYY-MM-DD``) from the command line; None when not given."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidRecordError(argument, text, "a date as YYYY-MM-DD") from None
