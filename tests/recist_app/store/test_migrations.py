"""Issue 5 acceptance: the migrations create the schema from empty on both engines, and the models
match them (an ``alembic check``: autogenerate finds no difference). Also the engine settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from recist_app.store import TrialStore, default_trial_path
from recist_app.store.db import HEAD_REVISION, Database, _alembic_config, database_url, head_revision
from recist_app.store.errors import ConstraintError, DatabaseError
from recist_app.store.schema import Base, LesionRow
from tests.recist_app.store.scenario import make_trial


def test_migrations_create_the_schema_from_empty(db_url: str) -> None:
    with Database.connect(db_url, create=True) as db:
        assert db.revision() is None
        assert set(inspect(db.engine).get_table_names()) == set()
        db.migrate()
        assert db.revision() == head_revision()
        assert set(inspect(db.engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            assert connection.execute(text("SELECT seq, hash FROM audit_head")).one() == (0, "0" * 64)
        db.migrate()  # already at head: nothing to do
        assert db.revision() == head_revision()
        with db.engine.begin() as connection:  # and the way back works too
            command.downgrade(_alembic_config(connection), "base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}


def test_open_refuses_what_is_not_a_trial_database(db_url: str, tmp_path: Path) -> None:
    with Database.connect(db_url, create=True) as db, db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE unrelated (x INTEGER)"))
    with pytest.raises(DatabaseError, match="is not a trial database"):
        TrialStore.open(db_url)
    with pytest.raises(DatabaseError, match="No trial database at"):
        TrialStore.open(tmp_path / "absent.sqlite")


def test_foreign_keys_are_enforced(db_url: str) -> None:
    trial = make_trial(db_url)
    try:
        with pytest.raises(ConstraintError, match="refused the change"), trial.store.db.write() as session:
            session.add(LesionRow(uid="2.25.1", read_uid="no-such-read", label="T01", role="TARGET",
                                  first_timepoint_uid=trial.timepoints[0].uid, organ="", nodal=False,
                                  irradiated=False, previously_irradiated=False, version=1))
    finally:
        trial.store.close()


def test_one_trial_per_sqlite_file_several_on_a_server(db_url: str) -> None:
    TrialStore.create(db_url, code="FIRST").close()
    if database_url(db_url).get_backend_name() == "sqlite":
        with pytest.raises(DatabaseError, match="holds one trial"):
            TrialStore.create(db_url, code="SECOND")
        with TrialStore.open(db_url) as store:
            assert store.trial.code == "FIRST"
        return
    TrialStore.create(db_url, code="SECOND").close()
    with pytest.raises(DatabaseError, match=r"does not hold a single trial \(trials: FIRST, SECOND\)"):
        TrialStore.open(db_url)
    with TrialStore.open(db_url, "SECOND") as store:
        assert store.trial.code == "SECOND"


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    with Database.connect(tmp_path / "t.sqlite", create=True) as db, db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_database_urls() -> None:
    assert database_url("trial.sqlite").drivername == "sqlite+pysqlite"
    assert database_url("postgresql://u@h:5432/db").drivername == "postgresql+psycopg"
    assert database_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert database_url("sqlite:///x.sqlite").database == "x.sqlite"
    for bad in ("mysql://u@h/db", "sqlite://", "postgresql://u@h:notaport/db"):
        with pytest.raises(DatabaseError):
            database_url(bad)
    path = default_trial_path("STEREO SARC/1")
    assert (path.name, path.parent.name) == ("STEREO_SARC_1.sqlite", "trials")


def test_open_refuses_a_schema_from_a_newer_workstation(db_url: str) -> None:
    TrialStore.create(db_url, code="FIRST").close()
    with Database.connect(db_url) as db, db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match="schema revision 9999, unknown to this version"):
        TrialStore.open(db_url)


def test_the_head_revision_constant_is_alembics_head() -> None:
    """``TrialStore.open`` skips Alembic when the schema is at ``HEAD_REVISION``: it must be the real head."""
    assert head_revision() == HEAD_REVISION


@pytest.mark.parametrize("damage", ["text", "header only", "truncated", "noisy page"])
def test_a_damaged_database_file_gives_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               damage: str) -> None:
    """Issue 14: a corrupt or non-SQLite ``--db`` file ends in one line and exit 2, never a traceback."""
    from recist_app.cli import main

    path = tmp_path / "trial.sqlite"
    make_trial(str(path)).store.close()
    data = bytearray(path.read_bytes())
    damaged = {"text": b"hello\n", "header only": b"SQLite format 3\x00" + b"x" * 200,
               "truncated": bytes(data[: len(data) // 2]),
               "noisy page": bytes(data[:4096]) + bytes(range(256)) * 16 + bytes(data[8192:])}[damage]
    path.write_bytes(damaged)
    assert main(["trial", "info", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert str(path) in err or "malformed" in err
