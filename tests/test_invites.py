"""Invite links (mesolearn.cohorts.invites): register and join in one step, expiry, use limits, revocation.

On SQLite and PostgreSQL (``database_url``); the use-limit race runs real threads against the real database.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from mesolearn.accounts import AccountError, Accounts
from mesolearn.cohorts import CohortError, Cohorts
from mesolearn.cohorts.invites import InviteError, Invites
from mesolearn.storage import Database

PASSWORD = "correct horse battery"


@pytest.fixture
def world(database_url: str, clock):
    db = Database(database_url)
    accounts = Accounts(db, clock=clock)
    boss = accounts.create_first_instructor("boss", "Bea Boss", PASSWORD)
    cohorts = Cohorts(db, accounts, clock=clock)
    cohort = cohorts.create_cohort("Spring 2027", boss.id)
    invites = Invites(db, accounts, cohorts, clock=clock)
    yield {"db": db, "accounts": accounts, "cohorts": cohorts, "invites": invites, "boss": boss, "cohort": cohort}
    db.dispose()


def members(world) -> list[str]:
    return [m.username for m in world["cohorts"].members(world["cohort"].id)]


def test_a_visitor_registers_and_joins_in_one_step_even_with_self_registration_off(world) -> None:
    world["accounts"].set_setting("self_registration", False)
    link = world["invites"].create(world["boss"].id, world["cohort"].id)
    assert link.path == f"/register?invite={link.token}" and len(link.token) >= 30
    account, cohort = world["invites"].register(link.token, "zoe", "Zoé Bernard", PASSWORD)
    assert account.role == "trainee" and cohort.name == "Spring 2027"
    assert members(world) == ["zoe"]
    assert world["invites"].for_cohort(world["cohort"].id)[0].uses == 1
    with pytest.raises(AccountError, match="turned off"):  # the ordinary way stays closed
        world["accounts"].register_trainee("max", "Max", PASSWORD)


def test_a_signed_in_trainee_joins_once(world) -> None:
    tom = world["accounts"].create_user("tom", "Tom Trainee", PASSWORD, "trainee")
    link = world["invites"].create(world["boss"].id, world["cohort"].id, max_uses=5)
    assert world["invites"].join(link.token, tom.id)[1] is True
    assert world["invites"].join(link.token, tom.id)[1] is False  # already a member: no use spent
    assert members(world) == ["tom"] and world["invites"].for_cohort(world["cohort"].id)[0].uses == 1
    with pytest.raises(CohortError, match="not a trainee"):
        world["invites"].join(link.token, world["boss"].id)


def test_expired_revoked_and_used_up_links_say_why_and_create_nothing(world, clock) -> None:
    invites, boss, cohort = world["invites"], world["boss"], world["cohort"]
    soon = invites.create(boss.id, cohort.id, expires_at=clock() + timedelta(hours=1))
    once = invites.create(boss.id, cohort.id, max_uses=1)
    revoked = invites.create(boss.id, cohort.id)
    invites.revoke(boss.id, revoked.id)
    invites.register(once.token, "first", "First Trainee", PASSWORD)
    clock.advance(hours=2)
    for token, why in (
        (soon.token, "expired"),
        (once.token, "used as many times"),
        (revoked.token, "withdrawn"),
        ("no-such-token-anywhere-at-all", "not valid"),
        ("<script>", "not valid"),
    ):
        with pytest.raises(InviteError, match=why):
            invites.register(token, "second", "Second Trainee", PASSWORD)
    assert world["accounts"].list_users("trainee")[0].username == "first"
    assert len(world["accounts"].list_users("trainee")) == 1


def test_a_failed_registration_gives_its_use_back(world) -> None:
    link = world["invites"].create(world["boss"].id, world["cohort"].id, max_uses=1)
    world["accounts"].create_user("taken", "Someone", PASSWORD, "trainee")
    with pytest.raises(AccountError, match="not available"):
        world["invites"].register(link.token, "taken", "Other Person", PASSWORD)
    with pytest.raises(AccountError, match="at least 8"):
        world["invites"].register(link.token, "newbie", "New Person", "short")
    world["invites"].register(link.token, "newbie", "New Person", PASSWORD)  # the one use is still there
    assert members(world) == ["newbie"]


def test_only_an_instructor_creates_or_revokes_links(world) -> None:
    tom = world["accounts"].create_user("tom", "Tom Trainee", PASSWORD, "trainee")
    with pytest.raises(InviteError, match="Only an instructor"):
        world["invites"].create(tom.id, world["cohort"].id)
    link = world["invites"].create(world["boss"].id, world["cohort"].id)
    with pytest.raises(InviteError, match="Only an instructor"):
        world["invites"].revoke(tom.id, link.id)
    with pytest.raises(InviteError, match="future"):
        world["invites"].create(world["boss"].id, world["cohort"].id, expires_at=world["invites"].clock())


def test_a_burst_of_sign_ups_never_exceeds_the_use_limit(world) -> None:
    link = world["invites"].create(world["boss"].id, world["cohort"].id, max_uses=3)
    barrier = threading.Barrier(6)
    outcomes: list[Any] = []

    def sign_up(n: int) -> None:
        barrier.wait()
        try:
            outcomes.append(world["invites"].register(link.token, f"burst{n}", f"Burst {n}", PASSWORD)[0].username)
        except InviteError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    made = [o for o in outcomes if o.startswith("burst")]
    assert len(made) == 3 and len(members(world)) == 3, outcomes
    assert len(world["accounts"].list_users("trainee")) == 3
    assert world["invites"].for_cohort(world["cohort"].id)[0].uses == 3
