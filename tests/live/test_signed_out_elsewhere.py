"""A sign-in ended in one tab ends in the trainee's other tabs at once, also for a click on an answer.

Two tabs (two websocket sessions of one real ``streamlit run app.py`` server, the same sign-in cookie) show the
same attempt. A click on an answer reruns only that question's fragment, not the page (and not ``app.py``'s
sign-in check), so the answer's callback checks the sign-in itself. Rules checked:

- after "Sign out" in one tab, an answer clicked in the other is not saved, and that tab shows the sign-in form;
- the answer given before the sign-out is kept.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from mesolearn.accounts import Accounts
from mesolearn.content import load_course
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from mesolearn.storage.models import Answer
from tests.live.server import REPO, LiveServer
from tests.live.stclient import USER_AGENT, Session, Widget

pytestmark = pytest.mark.live


def _signed_in_with_attempt(db: Database, mode: str) -> tuple[str, int]:
    """The instructor and a trainee signed in (a sign-in token for the tabs' cookie) with a history attempt."""
    accounts = Accounts(db)
    accounts.create_first_instructor("instructor", "Instructor", "instructor-pass-1")
    trainee = accounts.register_trainee("trainee01", "Tess Trainee", "trainee-pass-1")
    token = accounts.start_session(trainee, USER_AGENT)
    return token, Attempts(db, load_course(REPO)).start(trainee.id, "history", mode=mode)


def _answer_radios(tab: Session, attempt_id: int) -> list[Widget]:
    own = re.compile(rf"a{attempt_id}-[\w.-]+")
    return [w for w in tab.widgets if w.kind == "radio" and w.key and own.fullmatch(w.key) and "-flag" not in w.key]


async def _two_tabs(url: str, token: str, attempt_id: int) -> tuple[list[str], Session]:
    problems: list[str] = []
    cookie = {"mesolearn_session": token}
    async with Session(url, cookies=cookie) as first, Session(url, cookies=cookie) as second:
        for tab in (first, second):
            if not (await tab.open("quiz", f"attempt={attempt_id}")).ok:
                problems.append("the attempt page failed")
        radios = _answer_radios(second, attempt_id)
        if len(radios) < 2:
            return [f"the attempt shows {len(radios)} radio questions, the test needs 2"], second
        before, after = radios[0], radios[1]
        if not (await second.set(before, before.options[0])).ok:
            problems.append("answering before the sign-out failed")
        if not (await first.click(first.widget(key="signout"))).ok:
            problems.append("signing out failed")
        result = await second.set(after, after.options[0])
        if not result.ok:
            problems.append(f"the click after the sign-out showed {result.exceptions}")
        return problems, second


def test_an_answer_clicked_in_a_tab_signed_out_elsewhere_is_refused() -> None:
    with LiveServer() as server:
        db = Database(server.database_url)
        try:
            token, attempt_id = _signed_in_with_attempt(db, "graded")

            problems, second = asyncio.run(asyncio.wait_for(_two_tabs(server.url, token, attempt_id), timeout=120))

            assert not problems, problems
            with db.session() as s:
                saved = [r for (r,) in s.query(Answer.response).filter_by(attempt_id=attempt_id) if r is not None]
            assert len(saved) == 1  # the answer before the sign-out, not the one after
            assert not _answer_radios(second, attempt_id)  # the questions are gone from the signed-out tab
            assert [w.label for w in second.widgets if w.kind == "text_input"][:1] == ["Username"], second.texts()
        finally:
            db.dispose()


async def _signed_out_then(url: str, token: str, attempt_id: int, act: str) -> tuple[list[str], Session]:
    """Sign out in one tab, then (``act``) flag a question or press "Check answer" in the other tab."""
    problems: list[str] = []
    cookie = {"mesolearn_session": token}
    async with Session(url, cookies=cookie) as first, Session(url, cookies=cookie) as second:
        for tab in (first, second):
            if not (await tab.open("quiz", f"attempt={attempt_id}")).ok:
                problems.append("the attempt page failed")
        radios = _answer_radios(second, attempt_id)
        if not radios:
            return ["the attempt shows no radio question"], second
        radio = radios[0]
        if act == "check" and not (await second.set(radio, radio.options[0])).ok:  # a pending practice answer
            problems.append("choosing an answer before the sign-out failed")
        if not (await first.click(first.widget(key="signout"))).ok:
            problems.append("signing out failed")
        if act == "flag":
            result = await second.set(second.widget(key=f"{radio.key}-flag"), True)
        else:
            result = await second.click(second.widget(key=f"{radio.key}-check"))
        if not result.ok:
            problems.append(f"the {act} after the sign-out showed {result.exceptions}")
        return problems, second


@pytest.mark.parametrize("act", ["flag", "check"])
def test_a_flag_or_check_in_a_tab_signed_out_elsewhere_is_refused(act: str) -> None:
    """The flag checkbox (graded attempt) and practice's "Check answer" check the sign-in like an answer does."""
    with LiveServer() as server:
        db = Database(server.database_url)
        try:
            token, attempt_id = _signed_in_with_attempt(db, "practice" if act == "check" else "graded")

            problems, second = asyncio.run(
                asyncio.wait_for(_signed_out_then(server.url, token, attempt_id, act), timeout=120)
            )

            assert not problems, problems
            with db.session() as s:
                rows = s.query(Answer.flagged, Answer.score).filter_by(attempt_id=attempt_id).all()
            assert not any(flagged for flagged, _ in rows)  # the flag after the sign-out is not saved
            assert all(score is None for _, score in rows)  # nor the check
            assert not _answer_radios(second, attempt_id)  # the questions are gone from the signed-out tab
            assert [w.label for w in second.widgets if w.kind == "text_input"][:1] == ["Username"], second.texts()
        finally:
            db.dispose()
