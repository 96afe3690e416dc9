"""Fixtures of the core tests that need a trial database: each runs on SQLite and on PostgreSQL.

PostgreSQL is the server at ``RECIST_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``, trust authentication). Each test gets its own
schema (selected through ``search_path`` in the URL), dropped afterwards, so runs never collide
and leave nothing behind. Outside CI the PostgreSQL variants skip with the reason when no server
answers; with ``CI=true`` they fail instead (tests/support.py ``require``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import make_url

from recist_app.store import TrialStore
from tests.recist_app.exports.double_read import double_read, exported  # noqa: F401 (fixtures for exports, SDTM, SR)
from tests.recist_app.store.scenario import Trial, make_trial
from tests.support import require

PG_DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def pg_base_url() -> str:
    """The PostgreSQL server the tests use (libpq form, no driver suffix)."""
    return os.environ.get("RECIST_TEST_PG_URL", PG_DEFAULT_URL).replace("postgresql+psycopg://", "postgresql://")


@cache
def pg_unreachable() -> str:
    """Why the PostgreSQL server cannot be used ("" when it answers)."""
    import psycopg

    try:
        with psycopg.connect(pg_base_url(), connect_timeout=3):
            return ""
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"no PostgreSQL server answers at {make_url(pg_base_url()).render_as_string()}: {first}"


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(pg_base_url(), autocommit=True) as connection:
        connection.execute(statement)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cheaper scrypt cost in tests (each hash stores its own cost, so checks stay exact)."""
    from recist_app.store import signoff

    monkeypatch.setattr(signoff, "SCRYPT_N", 2**10)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database for one test: a fresh SQLite file, or a fresh PostgreSQL schema (dropped after)."""
    if request.param == "sqlite":
        yield str(tmp_path / "trial.sqlite")
        return
    with fresh_pg_schema() as (url, _schema):
        yield url


@contextmanager
def fresh_pg_schema() -> Iterator[tuple[str, str]]:
    """The URL of a new PostgreSQL schema and its name; dropped afterwards with the roles made meanwhile."""
    reason = pg_unreachable()
    require(not reason, reason)
    schema = f"recist_test_{uuid.uuid4().hex[:16]}"
    _pg_admin(f'CREATE SCHEMA "{schema}"')
    url = make_url(pg_base_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False), schema
    finally:
        drop_pg_schema(schema)


def drop_pg_schema(schema: str) -> None:
    """Drop a test's schema, its blinded views and the roles of its trials (revision 0008; the roles
    of a trial outside ``public`` carry the schema's tag: recist_app.store.db_roles.schema_tag)."""
    import psycopg

    from recist_app.store.db_roles import schema_tag

    _pg_admin(f'DROP SCHEMA IF EXISTS "{schema}_blinded" CASCADE')
    _pg_admin(f'DROP SCHEMA "{schema}" CASCADE')
    tag = schema_tag(schema)
    with psycopg.connect(pg_base_url(), autocommit=True) as connection:
        roles = [row[0] for row in connection.execute(
            "SELECT rolname FROM pg_roles WHERE starts_with(rolname, 'recist_') AND strpos(rolname, %s) > 0",
            (tag + "_",))]
        for role in roles:
            connection.execute(f'DROP OWNED BY "{role}"')
            connection.execute(f'DROP ROLE "{role}"')


@pytest.fixture
def trial(db_url: str) -> Iterator[Trial]:
    """A STEREOSARC-profiled trial with one subject (4 time points) and every kind of reader."""
    store = make_trial(db_url)
    try:
        yield store
    finally:
        store.store.close()


@pytest.fixture
def open_store(db_url: str) -> Iterator[list[TrialStore]]:
    """Extra stores opened by a test on ``db_url`` (closed afterwards): append to the list."""
    stores: list[TrialStore] = []
    yield stores
    for store in stores:
        store.close()
