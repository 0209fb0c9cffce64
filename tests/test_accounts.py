"""Accounts: registration, passwords, sign-in delays and sign-in sessions."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from mesolearn.accounts import AccountError, Accounts
from mesolearn.storage.models import AuthSession, User
from tests.test_attempts import statements

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


@pytest.mark.parametrize(
    "username, stored",
    [("abc", "abc"), ("a" * 32, "a" * 32), ("Jane.Doe", "jane.doe"), ("  j_doe-2 ", "j_doe-2"), ("007", "007")],
)
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
    with pytest.raises(AccountError, match="not available"):
        accounts.register_trainee("trainee1", "Someone Else", PASSWORD)
    with pytest.raises(AccountError, match="not available"):
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


def test_wrong_passwords_bring_a_growing_delay_then_the_right_password_works(
    accounts: Accounts, clock, trainee
) -> None:
    for _ in range(5):
        with pytest.raises(AccountError, match="Wrong username or password"):
            accounts.authenticate("trainee1", "wrong password")
    # the sixth try must wait (15 s), even with the right password: no guess is checked meanwhile
    with pytest.raises(AccountError, match=r"Too many sign-in attempts. Please wait 15 seconds"):
        accounts.authenticate("trainee1", PASSWORD)
    clock.advance(seconds=15)
    with pytest.raises(AccountError, match="Wrong username or password"):
        accounts.authenticate("trainee1", "wrong password")
    with pytest.raises(AccountError, match=r"Please wait 30 seconds"):  # the delay doubles
        accounts.authenticate("trainee1", PASSWORD)
    clock.advance(seconds=30)
    assert accounts.authenticate("trainee1", PASSWORD) == trainee  # the owner is never shut out for good
    # a right password clears the count: five more free tries
    for _ in range(5):
        with pytest.raises(AccountError, match="Wrong username or password"):
            accounts.authenticate("trainee1", "wrong password")


def test_the_instructors_account_cannot_be_shut_for_minutes(accounts: Accounts, clock) -> None:
    """Before: 5 wrong passwords locked the instructor out for 5 minutes, right password refused."""
    boss = accounts.create_first_instructor("teacher2", "Tea Cher", PASSWORD)
    for _ in range(5):
        with pytest.raises(AccountError):
            accounts.authenticate("teacher2", "guess")
    clock.advance(seconds=16)
    assert accounts.authenticate("teacher2", PASSWORD) == boss


def test_unknown_and_known_users_get_the_same_answers_throughout(accounts: Accounts, trainee) -> None:
    """Before: only a real account ever said "Too many wrong passwords", so names could be enumerated."""
    answers: dict[str, list[str]] = {"trainee1": [], "nobody": []}
    for name in answers:
        for _ in range(8):
            with pytest.raises(AccountError) as exc:
                accounts.authenticate(name, "wrong password")
            answers[name].append(str(exc.value))
    assert answers["trainee1"] == answers["nobody"]
    assert answers["nobody"][0] == "Wrong username or password."
    assert answers["nobody"][-1].startswith("Too many sign-in attempts")


def test_unknown_users_cost_a_real_password_check(accounts: Accounts, trainee, monkeypatch) -> None:
    checked: list[str] = []
    real = accounts.hasher

    class Recording:
        def verify(self, stored: str, password: str) -> bool:
            checked.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(accounts, "hasher", Recording())
    for name in ("trainee1", "nobody", "x\x00y", "a" * 5000):
        with pytest.raises(AccountError, match="Wrong username or password"):
            accounts.authenticate(name, "wrong password")
    assert len(checked) == 4 and all(h.startswith("$argon2id$") for h in checked)


def test_an_instructor_can_unlock_an_account(accounts: Accounts, clock, trainee) -> None:
    for _ in range(7):
        try:
            accounts.authenticate("trainee1", "wrong password")
        except AccountError:
            clock.advance(seconds=1)
    with pytest.raises(AccountError, match="Too many sign-in attempts"):
        accounts.authenticate("trainee1", PASSWORD)
    assert [name for name, _ in accounts.throttled_accounts()] == ["trainee1"]
    assert accounts.unlock("trainee1")
    assert accounts.throttled_accounts() == []
    assert accounts.authenticate("trainee1", PASSWORD) == trainee


def test_many_accounts_from_one_address_are_slowed_down(accounts: Accounts, clock) -> None:
    """Password spraying: 2 tries on each of 20 accounts from one address (before: 0 throttled)."""
    answers = []
    for i in range(20):
        for _ in range(2):
            try:
                accounts.authenticate(f"user{i:02d}", "Winter2026!", client="203.0.113.9")
                answers.append("signed in")
            except AccountError as exc:
                answers.append(str(exc))
    assert answers.count("Wrong username or password.") == 30
    assert all(a.startswith("Too many sign-in attempts") for a in answers[30:])
    # another address is not affected
    with pytest.raises(AccountError, match="Wrong username or password"):
        accounts.authenticate("user00", "Winter2026!", client="198.51.100.7")


def test_a_sign_in_delay_is_forgotten_after_an_hour(accounts: Accounts, clock, trainee) -> None:
    for _ in range(5):
        with pytest.raises(AccountError):
            accounts.authenticate("trainee1", "wrong password")
    clock.advance(hours=1)
    for _ in range(5):  # five free tries again
        with pytest.raises(AccountError, match="Wrong username or password"):
            accounts.authenticate("trainee1", "wrong password")


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
def test_four_wrong_passwords_do_not_delay(accounts: Accounts, trainee) -> None:
    for _ in range(4):
        with pytest.raises(AccountError):
            accounts.authenticate("trainee1", "wrong password")
    assert accounts.authenticate("trainee1", PASSWORD) == trainee


def test_a_session_ends_after_30_idle_minutes(accounts: Accounts, clock, trainee) -> None:
    """Before: a token stayed valid for 14 days however long it was left unused."""
    token = accounts.start_session(trainee)
    clock.advance(minutes=29)
    assert accounts.account_for_token(token) == trainee  # used: the idle timeout starts again
    clock.advance(minutes=29)
    assert accounts.account_for_token(token) == trainee
    clock.advance(minutes=31)
    assert accounts.account_for_token(token) is None


def test_each_run_checks_the_session_with_one_select_and_writes_its_last_use_once_a_minute(
    accounts: Accounts, db, clock, trainee
) -> None:
    """Every page run checks its token (a sign-out elsewhere counts at once): one SELECT. The sliding idle timeout
    is written at most once a minute, and still ends a session left idle."""
    token = accounts.start_session(trainee)
    clock.advance(seconds=30)
    with statements(db) as seen:
        assert accounts.account_for_token(token) == trainee
    assert seen == ["SELECT auth_sessions"]  # used 30 s after sign-in: nothing written
    clock.advance(minutes=28, seconds=30)
    with statements(db) as seen:
        assert accounts.account_for_token(token) == trainee
    assert seen == ["SELECT auth_sessions", "UPDATE auth_sessions"]  # 29 min: the use is recorded
    clock.advance(seconds=50)
    with statements(db) as seen:
        assert accounts.account_for_token(token) == trainee
    assert seen == ["SELECT auth_sessions"]
    clock.advance(minutes=30, seconds=1)  # left idle for 30 minutes
    assert accounts.account_for_token(token) is None


def test_a_session_in_use_still_ends_after_14_days(accounts: Accounts, clock, trainee) -> None:
    accounts.set_session_limits(idle_minutes=4 * 60, days=14)
    token = accounts.start_session(trainee)
    for _ in range(84):  # used every 3 h 59 min: 334 h 36 min in all
        clock.advance(hours=3, minutes=59)
        assert accounts.account_for_token(token) == trainee
    clock.advance(hours=1, minutes=30)  # 14 days and 6 minutes after sign-in, 1.5 h after the last use
    assert accounts.account_for_token(token) is None


def test_session_limits_are_settings(accounts: Accounts, clock, trainee) -> None:
    accounts.set_session_limits(idle_minutes=120, days=1)
    token = accounts.start_session(trainee)
    clock.advance(minutes=119)
    assert accounts.account_for_token(token) == trainee
    with pytest.raises(AccountError):
        accounts.set_session_limits(idle_minutes=0, days=1)
    assert accounts.session_limits()[0].total_seconds() == 120 * 60


def test_a_token_is_bound_to_its_browser(accounts: Accounts, trainee) -> None:
    token = accounts.start_session(trainee, binding="Firefox/140")
    assert accounts.account_for_token(token, binding="Firefox/140") == trainee
    assert accounts.account_for_token(token, binding="curl/8.5") is None
    assert accounts.account_for_token(token) is None


def test_a_password_change_ends_every_other_sign_in(accounts: Accounts, trainee) -> None:
    """Before: the other device's token still worked after the password change."""
    this_tab = accounts.start_session(trainee, binding="ua")
    other_device = accounts.start_session(trainee, binding="phone")
    new_token = accounts.change_password(trainee, PASSWORD, "brand new password", binding="ua")
    assert accounts.account_for_token(other_device, binding="phone") is None
    assert accounts.account_for_token(this_tab, binding="ua") is None
    assert accounts.account_for_token(new_token, binding="ua") == trainee


def test_sign_out_everywhere(accounts: Accounts, trainee) -> None:
    tokens = [accounts.start_session(trainee) for _ in range(3)]
    other = accounts.register_trainee("trainee2", "Tom", PASSWORD)
    theirs = accounts.start_session(other)
    assert accounts.end_all_sessions(trainee.id) == 3
    assert [accounts.account_for_token(t) for t in tokens] == [None] * 3
    assert accounts.account_for_token(theirs) == other


def test_ended_session_no_longer_signs_in(accounts: Accounts, trainee) -> None:
    token = accounts.start_session(trainee)
    other = accounts.start_session(trainee)  # e.g. a second browser
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
    old = accounts.start_session(trainee)
    clock.advance(days=2)
    new = accounts.start_session(trainee)
    with db.session() as s:
        hashes = set(s.scalars(select(AuthSession.token_hash)))
    assert hashes == {hashlib.sha256(new.encode()).hexdigest()}
    assert accounts.account_for_token(old) is None


def test_a_cookie_grant_is_single_use_short_lived_and_no_session_token(accounts: Accounts, clock, trainee) -> None:
    grant = accounts.start_grant(trainee)
    assert accounts.account_for_token(grant) is None  # a grant never signs in by itself
    token = accounts.redeem_grant(grant, binding="ua")
    assert accounts.account_for_token(token, binding="ua") == trainee
    assert accounts.redeem_grant(grant, binding="ua") is None  # used up
    late = accounts.start_grant(trainee)
    clock.advance(seconds=61)
    assert accounts.redeem_grant(late) is None
    assert accounts.redeem_grant("made-up") is None and accounts.redeem_grant(None) is None
