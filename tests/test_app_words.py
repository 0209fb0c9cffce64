"""Words on screen (issue 13 §5): on every page a trainee or an instructor opens, with real data behind it, no
internal id (``history-q32``, ``custom``, ``review``, ``single_choice``), no literal ``None`` or ``nan``, and no
"1 trainees" / "trainee(s)" plural. AppTest, real core, temporary SQLite database."""

from __future__ import annotations

import re

import pytest

from mesolearn.accounts import Accounts
from mesolearn.cohorts import Cohorts
from mesolearn.learning.custom import build_custom_quiz
from mesolearn.quality import create_report
from mesolearn.questions.registry import type_of
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from mesolearn.text import plural
from mesolearn.ui.nav import PAGES
from tests.app_driver import new_app, open_page, sign_in, texts
from tests.factories import save_whole

PASSWORD = "correct horse battery"


def test_plural_says_one_trainee_and_two_trainees() -> None:
    assert [plural(n, "trainee") for n in (0, 1, 2)] == ["0 trainees", "1 trainee", "2 trainees"]
    assert plural(1, "reply", "replies") == "1 reply" and plural(3, "reply", "replies") == "3 replies"


def screen(at) -> str:
    """Everything a person reads on the page: text, tables, choices, link and button labels."""
    parts = [texts(at)]
    for frame in at.dataframe:  # a missing value reads "None" in the browser unless the table sets a placeholder
        missing = frame.proto.placeholder if frame.proto.HasField("placeholder") else "None"
        value = frame.value
        if hasattr(value, "to_string"):
            parts.append(value.astype(object).where(value.notna(), missing).to_string())
        else:
            parts.append(str(value))
    for kind in ("selectbox", "multiselect", "radio"):
        for widget in getattr(at, kind):
            parts.extend(str(o) for o in widget.options)
    parts.extend(str(p.proto.label) for p in at.get("page_link"))
    parts.extend(str(b.label) for b in at.button)
    return "\n".join(parts)


@pytest.fixture
def world(tmp_path, monkeypatch, course):
    url = f"sqlite:///{tmp_path}/app.db"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", url)
    monkeypatch.delenv("MESOLEARN_CONTENT_DIR", raising=False)
    db = Database(url)
    accounts = Accounts(db)
    ada = accounts.create_first_instructor("ada", "Ada Instructor", PASSWORD)
    tom = accounts.create_user("tom", "Tom Trainee", PASSWORD, "trainee")
    cohorts = Cohorts(db, accounts, course=course)
    cohort = cohorts.create_cohort("Spring cohort", ada.id)
    cohorts.add_member(cohort.id, tom.id)
    cohorts.assign("history", None, cohort_id=cohort.id, instructor_id=ada.id)
    attempts = Attempts(db, course)
    for quiz_id, right in (("history", False), ("technique", True)):
        attempt_id = attempts.start(tom.id, quiz_id)
        for item in attempts.load(attempt_id, tom.id).items:
            q, t = item.question, type_of(item.question)
            answer = t.correct_for(q, item.layout) if right else t.wrong_for(q, item.layout)
            save_whole(attempts, attempt_id, tom.id, q.id, answer)
        attempts.submit(attempt_id, tom.id)
    practice = attempts.start(tom.id, "risks", mode="practice")
    attempts.submit(practice, tom.id)
    custom = build_custom_quiz(db, course, tom.id, modules=["history"], count=3)  # a "custom" practice session
    attempts.submit(custom, tom.id)
    q = course.modules["history"].quiz.questions[0]
    create_report(db, tom.id, q.id, "Option b also looks right to me.", course=course)
    return course


FORBIDDEN = re.compile(r"\bNone\b|\bnan\b|\bNaN\b|history-q\d+|single_choice|multiple_response|\(s\)|\b1 trainees\b")


@pytest.mark.parametrize("username", ["tom", "ada"])
def test_no_internal_ids_none_or_broken_plurals_on_any_page(world, username) -> None:
    at = sign_in(new_app(), username, PASSWORD)
    role = "trainee" if username == "tom" else "instructor"
    seen, problems = [], []
    for spec in PAGES:
        if spec.access not in ("signed_in", "public") or not spec.allows(role) or spec.hidden:
            continue
        at = open_page(at, "" if spec.name == "catalogue" else spec.url)  # the first page is the default
        assert not at.exception, spec.url
        words = screen(at)
        found = sorted({m.group(0) for m in FORBIDDEN.finditer(words)})
        if found:
            problems.append((spec.url, found))
        seen.append(spec.url)
    assert not problems
    assert len(seen) >= 8
