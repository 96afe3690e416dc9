"""Engines, sessions and migrations of the trial database (issue 5).

A database is named by a SQLite file path (the default: one file per trial, WAL, foreign keys
on) or a ``postgresql://`` URL (a shared central-review server). The schema is created and
upgraded only by the Alembic migrations shipped in ``recist_app/store/migrations``, run from code.

Transactions: :meth:`Database.write` opens one transaction per command. On SQLite it begins with
``BEGIN IMMEDIATE`` so that writers queue on the file lock (busy timeout) instead of failing when
they upgrade a read snapshot; on PostgreSQL rows carry version counters and the audit head is
locked ``FOR UPDATE``, so concurrent writers serialise where they meet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import sqlalchemy
from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.exc import DatabaseError as DriverDatabaseError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from recist_app import APP_NAME
from recist_app.store.errors import ConcurrentChangeError, ConflictError, ConstraintError, DatabaseError

#: Folder of the Alembic environment and revisions (a plain folder, not an importable package).
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Seconds a SQLite writer waits for another writer's lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 30.0
#: SQLSTATE of a statement the role may not run, or a row a row-level-security policy refuses.
INSUFFICIENT_PRIVILEGE = "42501"


def default_trial_path(code: str) -> Path:
    """Default SQLite file of trial ``code``: ``<user data dir>/trials/<code>.sqlite`` (platformdirs)."""
    import platformdirs

    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", code).strip("._") or "trial"
    return platformdirs.user_data_path(APP_NAME) / "trials" / f"{safe}.sqlite"


def database_url(db: str | Path) -> URL:
    """The SQLAlchemy URL of ``db``: a SQLite path, or a SQLite / PostgreSQL URL.

    ``postgresql://`` and ``postgres://`` use the psycopg 3 driver.
    """
    text = str(db)
    if "://" not in text:
        return URL.create("sqlite+pysqlite", database=str(Path(text).expanduser()))
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://"):]
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseError(f"--db {text!r} is not a database URL ({exc}).") from exc
    backend = url.get_backend_name()
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql") or (backend == "sqlite" and not url.database):
        raise DatabaseError(f"--db {url.render_as_string(hide_password=True)!r}: give a SQLite file path "
                            "or a postgresql://user@host/database URL.")
    return url


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver stays out; "begin" below emits BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a committed command survives a power cut too
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("recist_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """One database: its engine, read and write transactions, and its migrations.

    Use :meth:`connect`; call :meth:`dispose` (or use ``with``) when done.
    """

    def __init__(self, url: URL, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._writer = engine.execution_options(recist_write=True)

    @classmethod
    def connect(cls, db: str | Path | URL, *, create: bool = False) -> Database:
        """Open ``db``; a SQLite file must exist unless ``create`` (its folder is then made)."""
        url = db if isinstance(db, URL) else database_url(db)
        if url.get_backend_name() == "sqlite":
            path = Path(url.database or "")
            if not create and not path.is_file():
                raise DatabaseError(f"No trial database at {path}; create one with `trial create`.")
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = _sqlite_engine(url)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        database = cls(url, engine)
        try:
            with engine.connect():
                pass
        except OperationalError as exc:
            engine.dispose()
            raise DatabaseError(f"Cannot open {database.name}: {_first_line(exc)}") from exc
        except DriverDatabaseError as exc:  # SQLite: "file is not a database" (damaged, or another file)
            engine.dispose()
            raise DatabaseError(f"Cannot open {database.name}: {_first_line(exc)}. It is not a trial database, or "
                                "it is damaged: give another --db, or restore it from a backup.") from exc
        return database

    @property
    def name(self) -> str:
        """The SQLite file, or the URL without its password, for messages."""
        if self.url.get_backend_name() == "sqlite":
            return str(self.url.database)
        return self.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session in a read transaction (rolled back at the end)."""
        with _translated(), Session(self.engine, autoflush=False, expire_on_commit=False) as session:
            yield session  # autobegun; closing the session rolls it back

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction: committed on success, rolled back on any error."""
        with _translated(), Session(self._writer, autoflush=False, expire_on_commit=False) as session, \
                session.begin():
            yield session

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest revision (the only way the schema is made)."""
        from alembic import command

        with _translated(), self.engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "head")

    def revision(self) -> str | None:
        """The schema revision stored in the database (None for an empty database).

        Read with plain SQL from Alembic's ``alembic_version`` table: importing Alembic costs about
        0.2 s at start-up and is needed only to migrate (``benchmarks/bench_reading.py``).
        """
        with _translated(), self.engine.connect() as connection:
            if not sqlalchemy.inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")).scalar()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dispose()


#: The newest revision of the shipped migrations, known without importing Alembic (a test checks it
#: against :func:`head_revision`).
HEAD_REVISION = "0009"


def head_revision() -> str:
    """The newest revision of the shipped migrations, as Alembic finds it."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
    assert head is not None
    return head


def known_revisions() -> frozenset[str]:
    """Every revision of the shipped migrations."""
    from alembic.script import ScriptDirectory

    return frozenset(rev.revision for rev in ScriptDirectory.from_config(_alembic_config(None)).walk_revisions())


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@contextmanager
def _translated() -> Iterator[None]:
    """Turn driver errors into the store's typed errors (never a silent overwrite)."""
    try:
        yield
    except StaleDataError as exc:
        raise ConflictError("row", "(unknown)", None, None) from exc
    except IntegrityError as exc:  # a concurrent insert of the same key, or a broken reference
        if unique_violation(exc):
            raise ConcurrentChangeError(_first_line(exc)) from exc
        raise ConstraintError(f"The database refused the change: {_first_line(exc)}") from exc
    except (OperationalError, DriverDatabaseError) as exc:  # the file damaged while open, the server gone …
        if getattr(getattr(exc, "orig", None), "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
            raise DatabaseError(f"Your database role may not do this: {_first_line(exc)}") from exc
        raise DatabaseError(f"Database error: {_first_line(exc)}") from exc


def unique_violation(exc: IntegrityError) -> bool:
    """True for a unique key's refusal (PostgreSQL SQLSTATE 23505; SQLite "UNIQUE constraint failed")."""
    origin = getattr(exc, "orig", None)
    return getattr(origin, "sqlstate", None) == "23505" or str(origin).startswith("UNIQUE constraint failed")


def _first_line(exc: Exception) -> str:
    origin = getattr(exc, "orig", None) or exc
    return str(origin).strip().splitlines()[0] if str(origin).strip() else type(origin).__name__
