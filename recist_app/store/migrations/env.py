"""Alembic environment of the trial database: runs only on the connection the store hands it.

Started by :meth:`recist_app.store.db.Database.migrate` (``alembic.command.upgrade`` with a
``Config`` built in code); there is no ``alembic.ini`` and no URL here.
"""

from __future__ import annotations

from alembic import context

from recist_app.store.schema import Base


def run_migrations() -> None:
    """Run the pending revisions inside the caller's transaction."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through recist_app.store.db.Database.migrate()")
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
