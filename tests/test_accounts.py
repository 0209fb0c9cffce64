"""Accounts: registration, passwords, lockout and sign-in sessions."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from mesolearn.accounts import AccountError, Accounts
from mesolearn.storage.models import AuthSession, User

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(db, clock) -> Accounts:
    return Accounts(db, clock=clock)


@pytest.fixture
def trainee(accounts: Accounts):
    return accounts.register_trainee("trainee1", "Tina Trainee", PASSWORD, "tina@example.org")


# ------------------------------------------------------------------ creating accounts
def test_first_instructor_only_once(accounts: Accounts) -> None:
    assert not accounts.has_users()
    first = accounts.create_first_instructor("boss", "Bea Boss", PASSWORD)
    assert first.role == "instructor" and accounts.has_users()
    with pytest.raises(AccountError, match="already exists"):
        accounts.create_first_instructor("boss2", "Second Boss", PASSWORD)
    assert [a.username for a in accounts.list_users("instructor")] == ["boss"]


def test_first_instructor_refused_once_a_trainee_exists(accounts: Accounts, trainee) -> None:
    with pytest.raises(AccountError):
        accounts.create_first_instructor("boss", "Bea Boss", PASSWORD)


def test_self_registration_creates_a_trainee(accounts: Accounts, trainee) -> None:
    assert trainee.role == "trainee"
    assert (trainee.username, trainee.display_name, trainee.email) == ("trainee1", "Tina Trainee", "tina@example.org")
    assert accounts.get(trainee.id) == trainee


def test_registration_can_be_turned_off(accounts: Accounts) -> None:
    assert accounts.self_registration
    accounts.set_setting("self_registration", False)
    assert not accounts.self_registration
    with pytest.raises(AccountError, match="Self-registration is turned off"):
        accounts.register_trainee("newbie", "New Bie", PASSWORD)
    assert not accounts.has_users()
    # an instructor can still create accounts
    assert accounts.create_user("newbie", "New Bie", PASSWORD, "trainee").role == "trainee"
    accounts.set_setting("self_registration", True)
    assert accounts.register_trainee("other", "Other One", PASSWORD).username == "other"


@pytest.mark.parametrize("username", ["ab", "a" * 33, "has space", "-dash-first", ".dot", "émile", "a/b", "", "x@y"])
def test_bad_usernames_are_refused(accounts: Accounts, username: str) -> None:
    with pytest.raises(AccountError, match="Username"):
        accounts.register_trainee(username, "Some Name", PASSWORD)
    assert not accounts.has_users()


@pytest.mark.parametrize("username, stored", [("abc", "abc"), ("a" * 32, "a" * 32), ("Jane.Doe", "jane.doe"),
                                              ("  j_doe-2 ", "j_doe-2"), ("007", "007")])
def test_good_usernames_are_accepted_in_lowercase(accounts: Accounts, username: str, stored: str) -> None:
    assert accounts.register_trainee(username, "Some Name", PASSWORD).username == stored


def test_password_too_short(accounts: Accounts) -> None:
    with pytest.raises(AccountError, match="at least 8 characters"):
        accounts.register_trainee("shorty", "Short Pass", "1234567")
    assert accounts.register_trainee("shorty", "Short Pass", "12345678").username == "shorty"


def test_name_and_email_are_checked(accounts: Accounts) -> None:
    with pytest.raises(AccountError, match="name"):
        accounts.register_trainee("noname", "   ", PASSWORD)
    with pytest.raises(AccountError, match="email"):
        accounts.register_trainee("bademail", "Bad Email", PASSWORD, "not-an-address")


def test_duplicate_username_is_refused(accounts: Accounts, trainee) -> None:
    with pytest.raises(AccountError, match="taken"):
        accounts.register_trainee("trainee1", "Someone Else", PASSWORD)
    with pytest.raises(AccountError, match="taken"):
        accounts.register_trainee("TRAINEE1", "Someone Else", PASSWORD)  # usernames are case-insensitive
    assert len(accounts.list_users()) == 1


# ------------------------------------------------------------------ passwords
def test_passwords_are_stored_hashed(accounts: Accounts, db, trainee) -> None:
    with db.session() as s:
        stored = s.scalar(select(User.password_hash).where(User.id == trainee.id))
    assert stored.startswith("$argon2")
    assert PASSWORD not in stored
    other = accounts.register_trainee("trainee2", "Tom Trainee", PASSWORD)
    with db.session() as s:
        assert s.scalar(select(User.password_hash).where(User.id == other.id)) != stored  # salted


def test_sign_in_with_the_right_password(accounts: Accounts, trainee) -> None:
    assert accounts.authenticate("trainee1", PASSWORD) == trainee
    assert accounts.authenticate("  Trainee1 ", PASSWORD) == trainee


def test_wrong_password_and_unknown_user_get_the_same_message(accounts: Accounts, trainee) -> None:
    with pytest.raises(AccountError) as wrong_password:
        accounts.authenticate("trainee1", "wrong password")
    with pytest.raises(AccountError) as unknown_user:
        accounts.authenticate("nobody", PASSWORD)
    assert str(wrong_password.value) == str(unknown_user.value) == "Wrong username or password."


def test_lockout_after_five_wrong_passwords_and_unlock_later(accounts: Accounts, clock, trainee) -> None:
    for _ in range(4):
        with pytest.raises(AccountError, match="Wrong username or password"):
            accounts.authenticate("trainee1", "wrong password")
    with pytest.raises(AccountError, match="Too many wrong passwords. Try again in 5 minute"):
        accounts.authenticate("trainee1", "wrong password")  # the fifth says why the door is now shut
    # locked: even the right password is refused, with a message saying why and for how long
    clock.advance(seconds=1)
    with pytest.raises(AccountError, match=r"Too many wrong passwords. Try again in 5 minute"):
        accounts.authenticate("trainee1", PASSWORD)
    clock.advance(minutes=4)
    with pytest.raises(AccountError, match="Too many wrong passwords. Try again in 1 minute"):
        accounts.authenticate("trainee1", PASSWORD)
    clock.advance(seconds=60)
    assert accounts.authenticate("trainee1", PASSWORD) == trainee


def test_four_wrong_passwords_do_not_lock(accounts: Accounts, trainee) -> None:
    for _ in range(4):
        with pytest.raises(AccountError):
            accounts.authenticate("trainee1", "wrong password")
    assert accounts.authenticate("trainee1", PASSWORD) == trainee
    # a successful sign-in resets the count
    for _ in range(4):
        with pytest.raises(AccountError):
            accounts.authenticate("trainee1", "wrong password")
    assert accounts.authenticate("trainee1", PASSWORD) == trainee


def test_change_password(accounts: Accounts, trainee) -> None:
    with pytest.raises(AccountError):
        accounts.change_password(trainee, "wrong password", "brand new password")
    with pytest.raises(AccountError, match="at least 8"):
        accounts.change_password(trainee, PASSWORD, "short")
    accounts.change_password(trainee, PASSWORD, "brand new password")
    assert accounts.authenticate("trainee1", "brand new password") == trainee
    with pytest.raises(AccountError):
        accounts.authenticate("trainee1", PASSWORD)


# ------------------------------------------------------------------ sessions
def test_session_token_signs_in_until_it_expires(accounts: Accounts, clock, trainee) -> None:
    token = accounts.start_session(trainee)
    assert accounts.account_for_token(token) == trainee
    clock.advance(days=13, hours=23)
    assert accounts.account_for_token(token) == trainee
    clock.advance(hours=1)
    assert accounts.account_for_token(token) is None


def test_ended_session_no_longer_signs_in(accounts: Accounts, trainee) -> None:
    token = accounts.start_session(trainee)
    other = accounts.start_session(trainee)              # e.g. a second browser
    accounts.end_session(token)
    assert accounts.account_for_token(token) is None
    assert accounts.account_for_token(other) == trainee


@pytest.mark.parametrize("token", [None, "", "made-up-token"])
def test_missing_or_unknown_token(accounts: Accounts, trainee, token) -> None:
    accounts.start_session(trainee)
    assert accounts.account_for_token(token) is None


def test_database_stores_only_a_hash_of_the_token(accounts: Accounts, db, trainee) -> None:
    token = accounts.start_session(trainee)
    with db.session() as s:
        rows = list(s.scalars(select(AuthSession)))
        stored = [(r.token_hash, r.user_id) for r in rows]
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(), trainee.id)]
    assert token not in stored[0][0]
    raw = db.engine.url.database
    with open(raw, "rb") as f:
        assert token.encode() not in f.read()


def test_expired_sessions_are_cleaned_up(accounts: Accounts, db, clock, trainee) -> None:
    old = accounts.start_session(trainee, days=1)
    clock.advance(days=2)
    new = accounts.start_session(trainee)
    with db.session() as s:
        hashes = set(s.scalars(select(AuthSession.token_hash)))
    assert hashes == {hashlib.sha256(new.encode()).hexdigest()}
    assert accounts.account_for_token(old) is None
