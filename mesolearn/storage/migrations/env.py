"""Alembic environment for MesoLearn.

The application runs the revisions itself (:func:`mesolearn.storage.migrate.upgrade`), handing Alembic an open
connection in ``config.attributes["connection"]``; the ``alembic`` command line works too, with
``-x url=<database url>`` or ``MESOLEARN_DATABASE_URL``. ``target_metadata`` is the models' metadata, so
``alembic revision --autogenerate`` writes the next revision from a change to ``mesolearn/storage/models.py``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from mesolearn.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from mesolearn.storage.db import default_url

    url = context.get_x_argument(as_dictionary=True).get("url") or default_url()
    engine = create_engine(url)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) mode is not supported; run against a database")
run_migrations_online()
