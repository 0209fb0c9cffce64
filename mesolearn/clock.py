"""The one time convention of MesoLearn: naive UTC (``utcnow``), used by every table and every rule.

Every service takes a ``clock`` callable defaulting to :func:`utcnow`, so tests can move time. This module imports
nothing of MesoLearn: any layer (storage, the core, the app layer, the pages) may import it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC, the one time convention used in every table."""
    return datetime.now(UTC).replace(tzinfo=None)
