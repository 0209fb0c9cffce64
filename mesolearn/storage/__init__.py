"""Persistence: SQLAlchemy 2 models and the database handle. Everything a user does that counts lives here."""

from mesolearn.storage.db import Database, default_url, utcnow

__all__ = ["Database", "default_url", "utcnow"]
