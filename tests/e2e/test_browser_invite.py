"""Browser journey: a visitor opens an instructor's invite link, registers, and lands on the home page with the
cohort's assignment in view (self-registration is off: the link still works)."""

from __future__ import annotations

import pytest

from mesolearn.accounts import Accounts
from mesolearn.cohorts import Cohorts
from mesolearn.cohorts.invites import Invites
from mesolearn.content import load_course
from mesolearn.storage import Database
from tests.e2e.conftest import REPO
from tests.e2e.streamlit_page import click_button, fill, see, settle

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def test_a_visitor_registers_through_an_invite_link_and_sees_the_cohorts_assignment(server, page):
    base, db_url = server
    course = load_course(REPO)
    db = Database(db_url)
    accounts = Accounts(db)
    ada = accounts.create_first_instructor("ada", "Ada Instructor", PASSWORD)
    accounts.set_setting("self_registration", False)
    cohorts = Cohorts(db, accounts, course=course)
    cohort = cohorts.create_cohort("Autumn cohort", ada.id)
    cohorts.assign("risks", None, cohort_id=cohort.id, instructor_id=ada.id)
    link = Invites(db, accounts, cohorts).create(ada.id, cohort.id, max_uses=10)

    page.goto(base + link.path)
    settle(page)
    see(page, "You are invited to join")
    see(page, "Autumn cohort")
    fill(page, "Your name", "Zoé Bernard")
    fill(page, "Username", "zoe")
    fill(page, "Password", PASSWORD)
    fill(page, "Repeat the password", PASSWORD)
    click_button(page, "Create my account")
    see(page, "You joined Autumn cohort")
    see(page, "Your assignments")
    see(page, course.modules["risks"].title)
    assert page.url.rstrip("/").endswith("/modules") or "invite=" not in page.url
    page.wait_for_function("() => document.cookie.includes('mesolearn_session=')")
    page.reload()  # still signed in, still a member
    settle(page)
    see(page, "Signed in as Zoé Bernard")
    see(page, "Your assignments")
    assert [m.username for m in cohorts.members(cohort.id)] == ["zoe"]
    db.dispose()
