"""Helpers to drive the real app with Streamlit's AppTest (in-process, no browser)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from mesolearn.content.models import Question
from mesolearn.ui import keys
from mesolearn.ui.inputs import renderer_for

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def open_page(at: AppTest, url_path: str, **params: str) -> AppTest:
    """Open a page by its url path (as a browser would), with query parameters."""
    matches = [h for h, info in at._registered_pages.items() if info.get("url_pathname") == url_path]
    available = [i.get("url_pathname") for i in at._registered_pages.values()]
    assert matches, f"page '{url_path}' is not available to this user: {available}"
    at._page_hash = matches[0]
    at.query_params.clear()
    at.query_params.update(params)
    return at.run()


def texts(at: AppTest) -> str:
    """All visible text of the current run, for 'the user can read X' assertions."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "success", "error", "warning", "info", "text"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(str(m.label) + " " + str(m.value) for m in at.metric)
    return "\n".join(parts)


def fill_account_form(at: AppTest, name: str, username: str, password: str, confirm: str | None = None) -> AppTest:
    labels = {t.label: t for t in at.text_input}
    labels["Your name"].input(name)
    labels["Username"].input(username)
    labels["Password"].input(password)
    labels["Repeat the password"].input(confirm if confirm is not None else password)
    next(b for b in at.button if b.label in ("Create instructor account", "Create my account")).click()
    return at.run()


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    labels = {t.label: t for t in at.text_input}
    labels["Username"].input(username)
    labels["Password"].input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    return at.run()


def sign_out(at: AppTest) -> AppTest:
    at.sidebar.button(key="signout").click()
    return at.run()


def answer(at: AppTest, attempt_id: int, q: Question, layout: dict, response) -> None:
    """Set the widgets of one question so that they express ``response`` (canonical form)."""
    set_widgets(at, q, layout, keys.answer_key(attempt_id, q.id), response)


def set_widgets(at: AppTest, q: Question, layout: dict, key: str, response) -> None:
    """What the question's renderer says its widgets must hold to show ``response``; a question answered a step at a
    time (a case) is answered in rounds with a run between them (the caller runs after the last)."""
    for i, round_ in enumerate(renderer_for(q).answer_rounds(q, layout, key, response)):
        if i:
            at.run()
        for kind, widget_key, value in round_:
            getattr(at, kind)(key=widget_key).set_value(value)
