"""A real `streamlit run` server and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.live.server import LiveServer

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def server():
    """The app as a user starts it (``streamlit run app.py``, a fresh SQLite file); yields (url, database_url)."""
    with LiveServer("app.py", options={"server.headless": "true", "server.fileWatcherType": "none"}) as srv:
        yield srv.url, srv.database_url


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required for the browser tests (scripts/system-deps installs it)")
        pytest.skip("chromium is not installed (run scripts/system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    pg = context.new_page()
    yield pg
    context.close()
