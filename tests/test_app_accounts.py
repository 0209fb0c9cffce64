"""AppTest tests of account administration and invite links as instructors and trainees use them (the real app
and core on a temporary SQLite database): password reset, deactivation, a second instructor, the last-instructor
rule, invite links (register and join, join when signed in, expiry, revocation), who reported a problem, and the
words on those screens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mesolearn.accounts import AccountError, Accounts
from mesolearn.accounts.admin import AccountAdmin
from mesolearn.cohorts import Cohorts
from mesolearn.cohorts.invites import Invites
from mesolearn.quality import create_report
from mesolearn.quiz.attempts import Attempts
from mesolearn.quiz.grading import correct_response
from mesolearn.storage import Database, utcnow
from tests.app_driver import fill_account_form, new_app, open_page, sign_in, texts

PASSWORD = "correct horse battery"


@pytest.fixture
def world(tmp_path, monkeypatch, course):
    """An app database with an instructor Ada (id 1), a trainee Tom (id 2) and a cohort with an assignment."""
    url = f"sqlite:///{tmp_path}/app.db"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", url)
    monkeypatch.delenv("MESOLEARN_CONTENT_DIR", raising=False)
    db = Database(url)
    accounts = Accounts(db)
    ada = accounts.create_first_instructor("ada", "Ada Instructor", PASSWORD)
    tom = accounts.create_user("tom", "Tom Trainee", PASSWORD, "trainee")
    cohorts = Cohorts(db, accounts, course=course)
    cohort = cohorts.create_cohort("Spring cohort", ada.id)
    cohorts.assign("risks", None, cohort_id=cohort.id, instructor_id=ada.id)
    return {
        "db": db,
        "accounts": accounts,
        "cohorts": cohorts,
        "invites": Invites(db, accounts, cohorts),
        "admin": AccountAdmin(accounts),
        "ada": ada,
        "tom": tom,
        "cohort": cohort,
        "course": course,
    }


def as_user(username: str, password: str = PASSWORD):
    return sign_in(new_app(), username, password)


def choose(at, world, username: str, viewer: str = "ada"):
    """Choose ``username`` in "Manage an account" (the options are the core's account rows, as ``viewer`` sees them)."""
    rows = world["admin"].list_accounts(world[viewer].id)
    row = next(r for r in rows if r.username == username)
    return at.selectbox(key="admin-account").set_value(row).run()


def settings_with(world, username: str):
    """Ada's settings page with ``username`` chosen in "Manage an account"."""
    return choose(open_page(as_user("ada"), "settings"), world, username)


def click(at, label: str):
    next(b for b in at.button if b.label == label).click()
    return at.run()


def signed_out(at) -> bool:
    return any(b.label == "Sign in" for b in at.button)


# ---------------------------------------------------------------- password reset
def test_instructor_resets_a_password_the_trainee_signs_in_with_it_and_must_choose_a_new_one(world):
    toms_tab = as_user("tom")
    at = click(settings_with(world, "tom"), "Reset password")
    assert not at.exception
    assert "shown only this once" in texts(at)
    temporary = at.code[0].value
    assert open_page(as_user("ada"), "settings").code.len == 0  # shown once, never again
    toms_tab.run()
    assert signed_out(toms_tab)  # every session of the trainee ended
    assert signed_out(as_user("tom"))  # the old password no longer works
    tom = as_user("tom", temporary)
    assert "Choose a new password" in texts(tom)
    assert len(tom._registered_pages) == 1  # no other page opens before the new password
    boxes = {t.label: t for t in tom.text_input if t.form_id == "new-password"}
    boxes["New password"].input("my own new secret")
    boxes["Repeat the new password"].input("my own new secret")
    tom = click(tom, "Save my new password")
    assert not tom.exception
    assert world["course"].modules["history"].title in texts(tom)  # the ordinary home page again
    assert not signed_out(as_user("tom", "my own new secret"))


# ---------------------------------------------------------------- deactivation
def test_deactivated_trainee_is_signed_out_cannot_sign_in_and_stays_in_the_gradebook(world, course):
    attempts = Attempts(world["db"], course)
    attempt_id = attempts.start(2, "history")
    for item in attempts.load(attempt_id, 2).items:
        attempts.save_answer(attempt_id, 2, item.question.id, correct_response(item.question))
    attempts.submit(attempt_id, 2)
    toms_tab = as_user("tom")
    at = click(settings_with(world, "tom"), "Deactivate")
    assert "is deactivated" in texts(at)
    assert "deactivated" in set(at.dataframe[0].value["status"])
    toms_tab.run()
    assert signed_out(toms_tab)
    again = as_user("tom")
    assert "This account has been deactivated" in texts(again)
    book = open_page(as_user("ada"), "gradebook")
    assert "Tom Trainee (deactivated)" in list(book.dataframe[0].value.index)
    at = click(settings_with(world, "tom"), "Reactivate")
    assert not signed_out(as_user("tom"))


def test_cohort_pages_mark_a_deactivated_trainee_and_do_not_offer_them_for_a_cohort(world):
    """A deactivated account cannot sign in: the cohort page said nothing of it and offered it to add."""
    accounts, cohorts = world["accounts"], world["cohorts"]
    rita = accounts.create_user("rita", "Rita Trainee", PASSWORD, "trainee")
    cohorts.add_member(world["cohort"].id, world["tom"].id)
    world["admin"].deactivate(world["ada"].id, world["tom"].id)
    world["admin"].deactivate(world["ada"].id, rita.id)
    at = open_page(as_user("ada"), "cohorts")
    assert not at.exception
    members = at.dataframe[0].value
    assert list(members["account"]) == ["deactivated"]
    add = next(s for s in at.selectbox if s.label == "Add one trainee")
    assert add.options == []  # Rita is deactivated and Tom already a member
    one = at.selectbox(key="one-trainee")
    assert "Rita Trainee (rita) · deactivated" in one.options and "Tom Trainee (tom) · deactivated" in one.options


# ---------------------------------------------------------------- a second instructor, the last one
def test_instructor_adds_a_second_instructor_and_promotes_a_trainee(world):
    at = open_page(as_user("ada"), "settings")
    form = {t.label: t for t in at.text_input if t.form_id == "new-instructor"}
    form["Name"].input("Ivy Instructor")
    form["Username"].input("ivy")
    form["Initial password"].input(PASSWORD)
    at = click(at, "Create instructor")
    assert not at.exception and "Created the instructor account ivy" in texts(at)
    ivy = open_page(as_user("ivy"), "gradebook")
    assert not ivy.exception and "Gradebook" in texts(ivy)
    at = click(settings_with(world, "tom"), "Make instructor")
    assert "Tom Trainee is now an instructor" in texts(at)
    tom = as_user("tom")
    assert "gradebook" in [i.get("url_pathname") for i in tom._registered_pages.values()]


def test_the_last_active_instructor_cannot_be_removed(world):
    at = open_page(as_user("ada"), "settings")
    options = at.selectbox(key="admin-account").options
    assert not any("(ada)" in o for o in options) and any("(tom)" in o for o in options)  # not one's own account
    assert "Your own account" in texts(at)
    at = click(settings_with(world, "tom"), "Make instructor")
    toms = choose(open_page(as_user("tom"), "settings"), world, "ada", viewer="tom")
    toms = click(toms, "Deactivate")  # Tom deactivates Ada: he is still an instructor, allowed
    assert "Ada Instructor is deactivated" in texts(toms)
    assert signed_out(as_user("ada"))
    # Tom is now the only active instructor: his own account is not offered to him, and the deactivated Ada has
    # no rights left (the race of two instructors removing each other is tests/test_accounts_admin.py)
    assert not any("(tom)" in o for o in toms.selectbox(key="admin-account").options)
    with pytest.raises(AccountError, match="Only an instructor"):
        world["admin"].demote(world["ada"].id, world["tom"].id)
    toms = click(choose(toms, world, "ada", viewer="tom"), "Reactivate")
    assert not signed_out(as_user("ada"))


# ---------------------------------------------------------------- invite links
def _new_link(max_uses: int = 0) -> str:
    at = open_page(as_user("ada"), "cohorts")
    if max_uses:
        at.number_input(key="invite-uses-1").set_value(max_uses)
    at = click(at, "Create an invite link")
    assert not at.exception and "Invite link created" in texts(at)
    link = at.code[0].value
    assert "/register?invite=" in link
    return link.split("invite=", 1)[1]


def test_a_visitor_registers_through_an_invite_link_and_lands_on_the_cohorts_assignment(world):
    world["accounts"].set_setting("self_registration", False)  # the link works all the same
    token = _new_link()
    at = open_page(new_app(), "register", invite=token)
    assert "You are invited to join **Spring cohort**" in texts(at)
    at = fill_account_form(at, "Zoé Bernard", "zoe", PASSWORD)
    assert not at.exception
    page = texts(at)
    assert "You joined Spring cohort" in page and "Your assignments" in page
    links = [p.proto.label for p in at.get("page_link")]
    assert any(label.startswith(world["course"].modules["risks"].title) for label in links)
    assert [m.username for m in world["cohorts"].members(world["cohort"].id)] == ["zoe"]


def test_a_signed_in_trainee_opening_the_link_joins(world):
    token = _new_link()
    at = open_page(as_user("tom"), "register", invite=token)
    assert not at.exception
    assert "You joined Spring cohort" in texts(at) and "Your assignments" in texts(at)
    assert [m.username for m in world["cohorts"].members(world["cohort"].id)] == ["tom"]


def test_revoked_and_expired_links_say_so_and_register_nobody(world):
    token = _new_link()
    at = open_page(as_user("ada"), "cohorts")
    at = click(at, "Revoke")
    assert "Revoked" in texts(at)
    visitor = open_page(new_app(), "register", invite=token)
    assert "withdrawn by your instructor" in texts(visitor)
    assert not any(t.label == "Username" for t in visitor.text_input)  # no form to fill in vain
    past = utcnow() - timedelta(days=3)
    old = Invites(world["db"], world["accounts"], world["cohorts"], clock=lambda: past)
    expired = old.create(world["ada"].id, world["cohort"].id, expires_at=past + timedelta(days=1))
    visitor = open_page(new_app(), "register", invite=expired.token)
    assert "This invite link has expired" in texts(visitor)
    assert "Expired" in texts(open_page(as_user("ada"), "cohorts"))
    assert world["cohorts"].members(world["cohort"].id) == []


# ---------------------------------------------------------------- reports and words
def test_a_report_names_the_reporter_and_links_to_its_question_without_internal_ids(world):
    q = world["course"].modules["history"].quiz.questions[0]
    create_report(world["db"], 2, q.id, "Option b also looks right to me.", course=world["course"])
    at = open_page(as_user("ada"), "content-health")
    page = texts(at)
    assert "Tom Trainee" in page
    assert q.id not in page  # its file and line say where it is, not its internal id
    links = [p for p in at.get("page_link") if "Its lesson section" in p.proto.label]
    assert links and world["course"].modules["history"].title in links[0].proto.label


def test_instructor_reviewing_an_attempt_reads_their_answer_and_counts_in_words(world, course):
    world["cohorts"].add_member(world["cohort"].id, 2)
    attempts = Attempts(world["db"], course)
    attempt_id = attempts.start(2, "history")
    attempts.submit(attempt_id, 2)
    at = open_page(as_user("ada"), "gradebook")
    at.selectbox(key="gb-trainee").set_value(2).run()
    page = texts(at)
    assert "Their answer:" in page and "Your answer:" not in page
    cohorts = open_page(as_user("ada"), "cohorts")
    assert cohorts.selectbox[0].options == ["Spring cohort (1 trainee)"]


def test_the_sign_in_page_shows_the_course_notice_once(world):
    at = new_app()
    notice = world["course"].info.notice
    shown = [str(e.value) for kind in ("markdown", "caption", "info", "warning") for e in getattr(at, kind)]
    assert sum(notice in text for text in shown) == 1
