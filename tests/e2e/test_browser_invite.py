"""Browser journey: a visitor opens an instructor's invite link, registers, and lands on the home page with the
cohort's assignment in view (self-registration is off: the link still works). Under both ways to run the app:
``streamlit run app.py`` (cookie set by page script) and ``streamlit run serve.py`` (cookie set by the server)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from mesolearn.accounts import Accounts
from mesolearn.cohorts import Cohorts
from mesolearn.cohorts.invites import Invites
from mesolearn.content import load_course
from mesolearn.storage import Database
from tests.e2e.conftest import REPO
from tests.e2e.streamlit_page import click_button, fill, see, settle
from tests.live.server import LiveServer

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module", params=["app.py", "serve.py"])
def invite_server(request):
    with LiveServer(request.param, options={"server.headless": "true", "server.fileWatcherType": "none"}) as srv:
        yield srv.url, srv.database_url


def test_a_visitor_registers_through_an_invite_link_and_sees_the_cohorts_assignment(invite_server, page):
    base, db_url = invite_server
    course = load_course(REPO)
    db = Database(db_url)
    accounts = Accounts(db)
    ada = accounts.create_first_instructor("ada", "Ada Instructor", PASSWORD)
    accounts.set_setting("self_registration", False)
    cohorts = Cohorts(db, accounts, course=course)
    cohort = cohorts.create_cohort("Autumn cohort", ada.id)
    cohorts.assign("risks", None, cohort_id=cohort.id, instructor_id=ada.id)
    link = Invites(db, accounts, cohorts).create(ada.id, cohort.id, max_uses=10)
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto(base + link.path)
    settle(page)
    see(page, "You are invited to join")
    see(page, "Autumn cohort")
    fill(page, "Your name", "Zoé Bernard")
    fill(page, "Username", "zoe")
    fill(page, "Password", PASSWORD)
    fill(page, "Repeat the password", PASSWORD)
    click_button(page, "Create my account")
    see(page, "Autumn cohort")
    see(page, "Your assignments")
    see(page, course.modules["risks"].title)
    page.goto(base)  # the home page, signed in, with the cohort's assignment
    settle(page)
    see(page, "Signed in as Zoé Bernard")
    see(page, "Your assignments")
    see(page, course.modules["risks"].title)
    assert [m.username for m in cohorts.members(cohort.id)] == ["zoe"]
    # everything, the page icon included, comes from the app's own server: it works offline (UX review B15)
    assert hosts <= {urlsplit(base).netloc, ""}, hosts
    icon = page.locator("link[rel~='icon']").first.get_attribute("href") or ""
    assert icon and "://" not in icon.replace(base, ""), icon
    db.dispose()
