"""Settings: every path and environment variable MesoLearn reads, in one object.

Rules:
- Each variable is read here and nowhere else; README's table lists them all (``tests/test_app_layer.py`` checks
  that the table and :data:`VARIABLES` agree).
- :func:`current` reads the environment at each call (no cache): a test or a server start sets a variable and the
  next call sees it. Reading a few variables costs microseconds.
- Defaults: the repository is the course directory, and the SQLite file lives in ``<repo>/data``.
- This module imports nothing of MesoLearn, so storage and the core may use it as well as the app layer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# name -> what it sets (README's table says the same, with the default)
VARIABLES = {
    "MESOLEARN_DATABASE_URL": "any SQLAlchemy URL (PostgreSQL for several replicas)",
    "MESOLEARN_DATA_DIR": "where the default SQLite file lives",
    "MESOLEARN_CONTENT_DIR": "the course directory",
    "MESOLEARN_AUTHORING": "1: re-read changed content on the next rerun",
    "MESOLEARN_PUBLIC_URL": "the address printed on certificates for their public check",
    "MESOLEARN_PDF_FONT": "a TTF font for certificates",
    "MESOLEARN_TRUSTED_PROXIES": "how many reverse proxies' X-Forwarded-For to believe",
    "MESOLEARN_SERVER_COOKIE": "1 (set by serve.py): the server sets the HttpOnly sign-in cookie",
}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no")


@dataclass(frozen=True)
class Settings:
    database_url: str | None  # None: the SQLite file in data_dir
    data_dir: Path
    content_dir: Path
    authoring: bool
    public_url: str | None
    pdf_font: str | None
    trusted_proxies: int  # 0: the websocket peer is the client
    server_cookie: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        try:
            hops = int(env.get("MESOLEARN_TRUSTED_PROXIES", "0") or 0)
        except ValueError:
            hops = 0
        return cls(
            database_url=(env.get("MESOLEARN_DATABASE_URL") or "").strip() or None,
            data_dir=Path(env.get("MESOLEARN_DATA_DIR") or REPO / "data"),
            content_dir=Path(env.get("MESOLEARN_CONTENT_DIR") or REPO),
            authoring=_flag(env.get("MESOLEARN_AUTHORING")),
            public_url=env.get("MESOLEARN_PUBLIC_URL") or None,
            pdf_font=env.get("MESOLEARN_PDF_FONT") or None,
            trusted_proxies=hops,
            server_cookie=env.get("MESOLEARN_SERVER_COOKIE") == "1",
        )


def current() -> Settings:
    """The settings as the environment holds them now."""
    return Settings.from_env()
