"""A real `streamlit run` server and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live.server import LiveServer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server():
    """The app as a user starts it (``streamlit run app.py``, a fresh SQLite file); yields (url, database_url)."""
    with LiveServer("app.py", options={"server.headless": "true", "server.fileWatcherType": "none"}) as srv:
        yield srv.url, srv.database_url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    pg = context.new_page()
    yield pg
    context.close()
