"""Every page of the registry, opened alone in AppTest against the real services on a temporary database.

For each page of ``mesolearn.ui.nav.PAGES``: a user of each role it allows sees it render without an exception; a
signed-in user of another role cannot reach it (its URL is not registered for them) and, if its function is run
anyway, is refused on the server (``auth.require``); a signed-out visitor gets the sign-in form at its URL. Users are
signed in by a session token made with the account service (no sign-in form per test), so each page costs one run.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from mesolearn.accounts import Accounts
from mesolearn.app import open_database
from mesolearn.ui.nav import EVERY_ROLE, PAGES, PageSpec
from tests.app_driver import APP, texts

PASSWORD = "correct horse battery"
SIGNED_IN = [s for s in PAGES if s.access in ("signed_in", "public")]
ALLOWED = [(s, role) for s in SIGNED_IN for role in EVERY_ROLE if s.allows(role)]
REFUSED = [(s, role) for s in PAGES if s.access == "signed_in" for role in EVERY_ROLE if not s.allows(role)]


def _id(case: tuple[PageSpec, str]) -> str:
    return f"{case[0].name}-{case[1]}"


@pytest.fixture
def tokens(tmp_path, monkeypatch) -> dict[str, str]:
    """An instructor and a trainee on a fresh database the app uses; a session token for each role."""
    url = f"sqlite:///{tmp_path / 'pages.db'}"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", url)
    monkeypatch.delenv("MESOLEARN_CONTENT_DIR", raising=False)
    db = open_database(url)
    accounts = Accounts(db)
    instructor = accounts.create_first_instructor("ada", "Ada Instructor", PASSWORD)
    trainee = accounts.create_user("tom", "Tom Trainee", PASSWORD, "trainee")
    yield {"instructor": accounts.start_session(instructor), "trainee": accounts.start_session(trainee)}
    db.dispose()


def _app(token: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["token"] = token
    return at.run()


def _open(at: AppTest, page: PageSpec) -> AppTest | None:
    """Open the page as a browser would (at its URL; the default page at ""), or None when it is not registered."""
    matches = [
        h
        for h, info in at._registered_pages.items()
        if info.get("url_pathname") == page.url or (info.get("url_pathname") == "" and info["page_name"] == page.title)
    ]
    if not matches:
        return None
    at._page_hash = matches[0]
    return at.run()


@pytest.mark.parametrize("case", ALLOWED, ids=[_id(c) for c in ALLOWED])
def test_each_page_renders_for_a_role_it_allows(tokens, case):
    page, role = case
    at = _open(_app(tokens[role]), page)
    assert at is not None, f"{page.url} is not registered for a {role}"
    assert not at.exception, [e.value for e in at.exception]
    assert "not available for your role" not in texts(at) and "Please sign in" not in texts(at)
    assert texts(at).strip()  # the page drew something


@pytest.mark.parametrize("case", REFUSED, ids=[_id(c) for c in REFUSED])
def test_a_page_is_refused_to_a_role_it_does_not_allow(tokens, case):
    page, role = case
    assert _open(_app(tokens[role]), page) is None  # navigation does not even know the URL

    def run_the_page_anyway(target: str) -> None:  # the server-side check, if a URL ever resolved
        from mesolearn.ui.nav import SPECS

        next(s for s in SPECS.values() if s.target == target).function()()

    at = AppTest.from_function(run_the_page_anyway, args=(page.target,), default_timeout=60)
    at.session_state["token"] = tokens[role]
    at.run()
    assert not at.exception
    assert "This page is not available for your role." in [e.value for e in at.error]


SIGNED_OUT_URLS = {s.url for s in PAGES if s.access == "signed_out"}  # e.g. /register: an invite link's URL too


@pytest.mark.parametrize(
    "page", [s for s in PAGES if s.access == "signed_in" and s.url not in SIGNED_OUT_URLS], ids=lambda s: s.name
)
def test_a_signed_out_visitor_gets_the_sign_in_form_at_a_signed_in_page(tokens, page):
    at = _open(_app(None), page)
    assert at is not None and not at.exception
    assert any(b.label == "Sign in" for b in at.button)
