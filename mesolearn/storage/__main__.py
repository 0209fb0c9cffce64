"""Schema migrations from the command line, on ``MESOLEARN_DATABASE_URL`` (or the default SQLite file).

* ``python -m mesolearn.storage upgrade``: bring the database to the newest revision (what the app does at start);
* ``python -m mesolearn.storage current``: the database's revision and the newest one;
* ``python -m mesolearn.storage revision "what changed"``: write the next revision into
  ``mesolearn/storage/migrations/versions`` from the difference between the models and an up-to-date database
  (read it, fix data moves by hand).
"""

from __future__ import annotations

import argparse

from alembic import command
from sqlalchemy import create_engine

from mesolearn.storage.db import default_url
from mesolearn.storage.migrate import alembic_config, current_revision, head, upgrade


def main(argv: list[str] | None = None) -> int:
    """``python -m mesolearn.storage upgrade|current|revision MESSAGE`` on MESOLEARN_DATABASE_URL."""
    parser = argparse.ArgumentParser(prog="python -m mesolearn.storage", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("upgrade", help="bring the database to the newest revision (what the app does at start)")
    sub.add_parser("current", help="print the database's revision and the newest one")
    rev = sub.add_parser("revision", help="write the next revision from the difference between models and database")
    rev.add_argument("message")
    args = parser.parse_args(argv)
    engine = create_engine(default_url())
    try:
        if args.command == "upgrade":
            print(upgrade(engine))
        elif args.command == "current":
            with engine.connect() as conn:
                print(f"database: {current_revision(conn)}  head: {head()}")
        else:
            with engine.begin() as conn:
                command.revision(alembic_config(conn), message=args.message, autogenerate=True)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
