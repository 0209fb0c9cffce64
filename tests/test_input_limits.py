"""Text people type has limits enforced in the core, with a clear message, on SQLite and PostgreSQL alike.

Before: a 1 MB display name was accepted (and broke the instructor's gradebook); on PostgreSQL a 121-character
name, a 300-character email or a NUL byte raised a DataError traceback that showed the SQL and a password hash.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import func, select

from mesolearn.accounts import AccountError, Accounts
from mesolearn.accounts.limits import TextError, clean
from mesolearn.certificates.service import new_code
from mesolearn.cohorts import CohortError, Cohorts
from mesolearn.quality.reports import ReportError, create_report
from mesolearn.storage import Database
from mesolearn.storage.models import Attempt, Certificate, User
from tests.app_driver import new_app, open_page, sign_in

PASSWORD = "correct horse battery"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def accounts(db) -> Accounts:
    return Accounts(db)


def _users(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(User)) or 0


@pytest.mark.parametrize(
    "name, email, message",
    [
        ("A" * 1_000_000, None, "Your name: at most 120 characters"),
        ("B" * 121, None, r"Your name: at most 120 characters \(it has 121\)"),
        ("Nul\x00Name", None, "Your name: contains a NUL character"),
        ("Bell\x07", None, "control character"),
        ("Jane \u202eenaJ", None, "text-direction control"),
        ("Jane", "x" * 290 + "@example.org", "Email: at most 254 characters"),
        ("Jane", "ja\x00ne@example.org", "Email: contains a NUL"),
    ],
)
def test_registration_refuses_text_beyond_the_limits_with_a_message(accounts, db, name, email, message) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.register_trainee("newbie", name, PASSWORD, email)
    assert _users(db) == 0


def test_names_at_the_limit_are_stored_normalised(accounts, db) -> None:
    longest = accounts.register_trainee("longest", "C" * 120, PASSWORD, "c" * 242 + "@example.org")
    assert len(longest.display_name) == 120 and len(longest.email) == 254
    decomposed = "Rene\u0301e  Dupont "  # e + combining acute, double space
    renee = accounts.register_trainee("renee", decomposed, PASSWORD)
    assert renee.display_name == "Ren\u00e9e Dupont"  # NFC, white space tidied
    assert accounts.register_trainee("emoji", "Zoë 🌿 Ørsted", PASSWORD).display_name == "Zoë 🌿 Ørsted"


@pytest.mark.parametrize("username", ["nul\x00user", "x" * 100_000, "\x00"])
def test_sign_in_with_odd_usernames_is_a_normal_refusal(accounts, username) -> None:
    """Before: a NUL in the sign-in username raised a DataError on PostgreSQL, without any account."""
    accounts.create_user("someone", "Some One", PASSWORD, "trainee")
    with pytest.raises(AccountError, match="^Wrong username or password.$"):
        accounts.authenticate(username, PASSWORD)


def test_passwords_have_an_upper_limit_and_no_nul(accounts) -> None:
    with pytest.raises(AccountError, match="at most 1024"):
        accounts.register_trainee("longpass", "Long Pass", "p" * 1025)
    with pytest.raises(AccountError, match="NUL"):
        accounts.register_trainee("nulpass", "Nul Pass", "password\x00x")
    user = accounts.register_trainee("okpass", "Ok Pass", "p" * 1024)
    with pytest.raises(AccountError, match="^Wrong username or password.$"):
        accounts.authenticate("okpass", "p" * 1_000_000)
    assert accounts.authenticate("okpass", "p" * 1024) == user


def test_instructor_created_and_csv_accounts_follow_the_same_limits(accounts, db) -> None:
    boss = accounts.create_user("boss", "Boss", PASSWORD, "instructor")
    with pytest.raises(AccountError, match="at most 120"):
        accounts.create_user("trainee1", "D" * 500, PASSWORD, "trainee")
    cohorts = Cohorts(db, accounts)
    cohort = cohorts.create_cohort("Spring", boss.id)
    result = cohorts.import_csv(
        cohort.id, "name,email\n" + "E" * 121 + ",e@example.org\nNul\x00Name,n@example.org\nFine Name,f@example.org\n"
    )
    assert [e.line for e in result.errors] == [2, 3]
    assert [c.display_name for c in result.created] == ["Fine Name"]


@pytest.mark.parametrize(
    "name, message", [("F" * 121, "at most 120"), ("Nul\x00Cohort", "NUL"), ("Tab\x1bEsc", "control character")]
)
def test_cohort_names_are_limited(accounts, db, name, message) -> None:
    boss = accounts.create_user("boss", "Boss", PASSWORD, "instructor")
    cohorts = Cohorts(db, accounts)
    with pytest.raises(CohortError, match=message):
        cohorts.create_cohort(name, boss.id)
    spring = cohorts.create_cohort("Spring", boss.id)
    with pytest.raises(CohortError, match=message if "120" not in message else "1 to 120"):
        cohorts.rename_cohort(spring.id, name)


def test_invite_codes_of_any_length_or_bytes_get_a_message(accounts, db) -> None:
    tom = accounts.create_user("tom", "Tom", PASSWORD, "trainee")
    cohorts = Cohorts(db, accounts)
    for code in ("A" * 1_000_000, "ABCDE\x00FGH23"):
        with pytest.raises(CohortError):
            cohorts.join_with_code(tom.id, code)


def test_problem_reports_refuse_nul_but_keep_newlines(accounts, db) -> None:
    tom = accounts.create_user("tom", "Tom", PASSWORD, "trainee")
    with pytest.raises(ReportError, match="NUL"):
        create_report(db, tom.id, "q1", "broken\x00text")
    report = create_report(db, tom.id, "q1", "Line one\nLine two\twith a tab")
    assert report.message == "Line one\nLine two\twith a tab"


def test_clean_is_the_one_rule() -> None:
    assert clean("  a  b ", "Name", 10, collapse=True) == "a b"
    assert clean(None, "Name", 10) == ""
    with pytest.raises(TextError, match="Name: at most 3 characters"):
        clean("abcd", "Name", 3)
    with pytest.raises(TextError, match="expected text"):
        clean(12, "Name", 3)  # type: ignore[arg-type]


# ------------------------------------------------------------------ user text is shown as text
INJECTION = "Jane** passed *X* ![x](http://127.0.0.1:9/p.png) [verify here](http://evil.example) :red[ok] $x$"
_ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")  # a CommonMark backslash escape: renders the character itself
_LIVE = set("*_[]()!<>:$`~|#\\")


def _inert(fragment: str) -> bool:
    """True if ``fragment`` cannot start any Markdown construct: every special character is escaped."""
    return not (_LIVE & set(_ESCAPED.sub("", fragment)))


def _literal(fragment: str) -> str:
    return _ESCAPED.sub(lambda m: m.group(0)[1], fragment)


@pytest.fixture
def app_db(tmp_path, monkeypatch) -> Database:
    url = f"sqlite:///{tmp_path}/app.db"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", url)
    monkeypatch.delenv("MESOLEARN_CONTENT_DIR", raising=False)
    database = Database(url)
    yield database
    database.dispose()


def test_a_holder_name_shows_literally_on_the_public_verify_page(app_db) -> None:
    """Before: the name was live Markdown on /verify (beacon image, foreign links, spoofed wording)."""
    accounts = Accounts(app_db)
    accounts.create_first_instructor("ada", "Ada", PASSWORD)
    jane = accounts.register_trainee("jane", INJECTION, PASSWORD)
    code = new_code()
    with app_db.session() as s:
        attempt = Attempt(
            user_id=jane.id,
            quiz_id="certification",
            kind="exam",
            mode="graded",
            seed=1,
            layout=[],
            started_at=datetime(2026, 1, 1),
            submitted_at=datetime(2026, 1, 1),
            score=90,
            passed=True,
        )
        s.add(attempt)
        s.flush()
        s.add(
            Certificate(
                code=code,
                user_id=jane.id,
                attempt_id=attempt.id,
                holder_name=jane.display_name,
                exam_title="Mesotherapy certification exam",
                score=90,
                modules=["History"],
                issued_at=datetime(2026, 1, 1),
            )
        )
    public = open_page(new_app(), "verify", code=code)
    assert not public.exception
    [success] = [e.value for e in public.success]
    name = success.split("**")[1]  # the bold part is the holder's name, and only that
    assert _inert(name) and _literal(name) == INJECTION
    assert success.count("**") == 2 and success.endswith("on 01 January 2026.")


def test_the_sidebar_shows_a_name_literally(app_db) -> None:
    accounts = Accounts(app_db)
    accounts.create_first_instructor("ada", INJECTION, PASSWORD)
    at = sign_in(new_app(), "ada", PASSWORD)
    [box] = [m.value for m in at.sidebar.markdown if m.value.startswith("**")]
    name = box.split("**")[1]
    assert _inert(name) and _literal(name) == INJECTION


def test_a_cohort_name_shows_literally_when_joining(app_db) -> None:
    accounts = Accounts(app_db)
    boss = accounts.create_first_instructor("ada", "Ada", PASSWORD)
    accounts.create_user("tom", "Tom", PASSWORD, "trainee")
    cohort = Cohorts(app_db, accounts).create_cohort("Spring ![t](http://127.0.0.1:9/t.png)", boss.id)
    at = sign_in(new_app(), "tom", PASSWORD)
    [code_input] = [t for t in at.text_input if t.label == "Invite code"]
    code_input.input(cohort.invite_code)
    next(b for b in at.button if b.label == "Join").click()
    at.run()
    [joined] = [e.value for e in at.success if e.value.startswith("You joined")]
    name = joined.removeprefix("You joined ").removesuffix(".")
    assert _inert(name) and _literal(name) == cohort.name
