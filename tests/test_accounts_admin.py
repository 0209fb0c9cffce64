"""Account administration (mesolearn.accounts.admin): resets, deactivation, a second instructor, the last one.

Run on SQLite and PostgreSQL (``database_url``); the race test uses real threads against the real database.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from mesolearn.accounts import AccountError, Accounts
from mesolearn.accounts.admin import LAST_INSTRUCTOR, AccountAdmin
from mesolearn.cohorts import Cohorts, gradebook
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database

PASSWORD = "correct horse battery"


@pytest.fixture
def world(database_url: str, clock):
    db = Database(database_url)
    accounts = Accounts(db, clock=clock)
    boss = accounts.create_first_instructor("boss", "Bea Boss", PASSWORD)
    tom = accounts.create_user("tom", "Tom Trainee", PASSWORD, "trainee")
    yield {"db": db, "accounts": accounts, "admin": AccountAdmin(accounts), "boss": boss, "tom": tom}
    db.dispose()


def test_reset_gives_a_temporary_password_ends_sessions_and_forces_a_new_one(world) -> None:
    accounts, admin, tom = world["accounts"], world["admin"], world["tom"]
    token = accounts.start_session(tom)
    temporary = admin.reset_password(world["boss"].id, tom.id)
    assert accounts.account_for_token(token) is None  # the old sign-in ended at once
    with pytest.raises(AccountError):
        accounts.authenticate("tom", PASSWORD)  # the old password is gone
    signed_in = accounts.authenticate("tom", temporary)
    assert signed_in.must_change_password
    with pytest.raises(AccountError, match="not the temporary one"):
        admin.choose_new_password(signed_in, temporary)
    admin.choose_new_password(signed_in, "my very own secret")
    again = accounts.authenticate("tom", "my very own secret")
    assert not again.must_change_password
    with pytest.raises(AccountError, match="Change password"):  # no second change without the current password
        admin.choose_new_password(again, "another secret here")


def test_only_an_active_instructor_may_administer(world) -> None:
    admin, tom, boss = world["admin"], world["tom"], world["boss"]
    other = world["accounts"].create_user("tim", "Tim Trainee", PASSWORD, "trainee")
    for call in (
        lambda: admin.reset_password(tom.id, other.id),
        lambda: admin.deactivate(tom.id, other.id),
        lambda: admin.promote(tom.id, tom.id),
        lambda: admin.create_instructor(tom.id, "evil", "Evil", PASSWORD),
        lambda: admin.list_accounts(tom.id),
    ):
        with pytest.raises(AccountError, match="Only an instructor"):
            call()
    assert world["accounts"].get(tom.id).role == "trainee"
    assert [a.username for a in world["accounts"].list_users("instructor")] == [boss.username]


def test_deactivated_account_cannot_sign_in_its_sessions_end_and_its_data_stays(world, course) -> None:
    db, accounts, admin, tom = world["db"], world["accounts"], world["admin"], world["tom"]
    attempts = Attempts(db, course)
    attempt_id = attempts.start(tom.id, "history")
    attempts.submit(attempt_id, tom.id)
    token = accounts.start_session(tom)
    row = admin.deactivate(world["boss"].id, tom.id)
    assert row.status == "deactivated"
    assert accounts.account_for_token(token) is None
    with pytest.raises(AccountError, match="deactivated"):
        accounts.authenticate("tom", PASSWORD)
    assert attempts.load(attempt_id, tom.id).submitted_at is not None  # nothing deleted
    assert tom.id in {r.user_id for r in gradebook(db, course)}
    assert admin.deactivated_ids() == {tom.id}
    admin.reactivate(world["boss"].id, tom.id)
    assert accounts.authenticate("tom", PASSWORD).id == tom.id


def test_wrong_password_of_a_deactivated_account_says_only_wrong(world) -> None:
    world["admin"].deactivate(world["boss"].id, world["tom"].id)
    with pytest.raises(AccountError, match="Wrong username or password"):
        world["accounts"].authenticate("tom", "not the password")


def test_second_instructor_by_creation_or_promotion_and_the_last_one_stays(world) -> None:
    admin, boss, tom = world["admin"], world["boss"], world["tom"]
    with pytest.raises(AccountError, match="your own account"):
        admin.deactivate(boss.id, boss.id)
    second = admin.create_instructor(boss.id, "ivy", "Ivy Instructor", PASSWORD)
    assert second.role == "instructor"
    assert admin.promote(boss.id, tom.id).role == "instructor"
    admin.demote(second.id, tom.id)
    admin.deactivate(second.id, boss.id)  # another instructor remains: allowed
    with pytest.raises(AccountError, match="Only an instructor"):
        admin.reactivate(boss.id, boss.id)  # a deactivated instructor has no rights
    admin.reactivate(second.id, boss.id)
    admin.deactivate(boss.id, second.id)
    with pytest.raises(AccountError, match="Only an instructor"):
        admin.demote(second.id, boss.id)


def test_last_active_instructor_cannot_be_deactivated_or_demoted(world) -> None:
    admin, boss = world["admin"], world["boss"]
    ivy = admin.create_instructor(boss.id, "ivy", "Ivy Instructor", PASSWORD)
    admin.deactivate(boss.id, ivy.id)
    admin.reactivate(boss.id, ivy.id)
    admin.deactivate(ivy.id, boss.id)
    # ivy is now the only active instructor: a reactivated boss cannot remove her
    admin.reactivate(ivy.id, boss.id)
    admin.demote(ivy.id, boss.id)
    with pytest.raises(AccountError, match="Only an instructor"):
        admin.deactivate(boss.id, ivy.id)
    admin.promote(ivy.id, boss.id)
    admin.deactivate(boss.id, ivy.id)
    assert [a.username for a in admin.list_accounts(boss.id) if a.role == "instructor" and a.active] == ["boss"]


def test_two_instructors_deactivating_each_other_at_once_leave_one(world) -> None:
    admin, boss = world["admin"], world["boss"]
    ivy = admin.create_instructor(boss.id, "ivy", "Ivy Instructor", PASSWORD)
    for _round in range(5):
        barrier = threading.Barrier(2)
        errors: list[Any] = []

        def act(actor: int, target: int, barrier: threading.Barrier = barrier, errors: list[Any] = errors) -> None:
            barrier.wait()
            try:
                admin.deactivate(actor, target)
            except AccountError as exc:
                errors.append(str(exc))

        threads = [threading.Thread(target=act, args=pair) for pair in ((boss.id, ivy.id), (ivy.id, boss.id))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        viewer = ivy.id if boss.id in admin.deactivated_ids() else boss.id
        instructors = [a for a in admin.list_accounts(viewer) if a.role == "instructor" and a.active]
        assert len(instructors) == 1, errors
        assert len(errors) == 1 and errors[0] in (LAST_INSTRUCTOR, "Only an instructor can manage accounts.")
        survivor = instructors[0].id
        admin.reactivate(survivor, ivy.id if survivor == boss.id else boss.id)


def test_deactivated_trainee_stays_a_cohort_member(world) -> None:
    cohorts = Cohorts(world["db"], world["accounts"])
    c = cohorts.create_cohort("Spring", world["boss"].id)
    cohorts.add_member(c.id, world["tom"].id)
    world["admin"].deactivate(world["boss"].id, world["tom"].id)
    assert [m.user_id for m in cohorts.members(c.id)] == [world["tom"].id]
