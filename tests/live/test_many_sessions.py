"""A cohort at once: twenty trainees use one real server at the same moment (issue 8 §1).

Each trainee is a separate websocket session of one ``streamlit run app.py`` server, signed in through the
sign-in cookie (token issued by the core in the server's database). All of them open the sign-in page in a
signed-out tab, then, signed in, the catalogue, their module quiz, start their own attempt and answer a few
questions, one click per rerun, as a person does. Rules checked:

- no run of any session shows an exception (Streamlit objects must never be shared between sessions);
- every answer given is in the database, exactly as given, the moment the click's run has finished;
- the "k of N answered" line counts the answers given.
"""

from __future__ import annotations

import asyncio
import random
import re

import pytest

from mesolearn.accounts import Accounts
from mesolearn.content import load_course
from mesolearn.quiz import drawing
from mesolearn.storage import Database
from mesolearn.storage.models import Answer, Attempt
from tests.live.server import REPO, LiveServer
from tests.live.stclient import USER_AGENT, RunResult, Session

pytestmark = pytest.mark.live

TRAINEES = 20
ANSWERS_EACH = 4  # choice questions answered per trainee (fewer if the random draw holds fewer)
MODULE = "history"


@pytest.fixture(scope="module")
def server():
    with LiveServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def cohort(server) -> list[tuple[int, str]]:
    """(user id, sign-in token) of each trainee, created with the core in the server's database."""
    db = Database(server.database_url)
    accounts = Accounts(db)
    accounts.create_first_instructor("instructor", "Instructor", "instructor-pass-1")
    out = []
    for i in range(TRAINEES):
        account = accounts.register_trainee(f"trainee{i:02d}", f"Trainee {i:02d}", "trainee-pass-1")
        out.append((account.id, accounts.start_session(account, USER_AGENT)))
    db.dispose()
    return out


class Journey:
    """One trainee's tabs and what they did."""

    def __init__(self, url: str, token: str, seed: int):
        self.guest = Session(url)
        self.tab = Session(url, cookies={"mesolearn_session": token})
        self.rng = random.Random(seed)
        self.problems: list[str] = []
        self.attempt_id: int | None = None
        self.given: dict[str, tuple[str, int]] = {}  # question id -> (widget kind, option position chosen)
        self.progress_text = ""

    def check(self, what: str, result: RunResult) -> None:
        if not result.ok:
            self.problems.append(f"{what}: {result.exceptions or result.status}")

    def _question_of(self, key: str | None) -> str | None:
        """The question id of this attempt's answer widget (key ``a<attempt>-<question>``), else None."""
        match = re.fullmatch(rf"a{self.attempt_id}-([\w.-]+)", key or "")
        return match.group(1) if match and not match.group(1).endswith("-flag") else None

    async def run(self, start: asyncio.Event) -> None:
        try:
            await self.guest.connect()
            await self.tab.connect()
            await start.wait()
            self.check("sign-in page", await self.guest.open("signin"))
            if not any(w.kind == "text_input" for w in self.guest.widgets):
                self.problems.append("the sign-in page shows no sign-in form")
            self.check("catalogue", await self.tab.open("modules"))
            self.check("quiz page", await self.tab.open("quiz", f"module={MODULE}"))
            try:
                start_button = self.tab.widget(label="Start the quiz")
            except KeyError:
                self.problems.append("the quiz page shows no 'Start the quiz' button")
                return
            self.check("start", await self.tab.click(start_button))
            match = re.fullmatch(r"attempt=(\d+)", self.tab.query_string)
            if not match:
                self.problems.append(f"starting did not open an attempt (query {self.tab.query_string!r})")
                return
            self.attempt_id = int(match.group(1))
            for _ in range(ANSWERS_EACH):
                choices = [
                    (qid, w)
                    for w in self.tab.widgets
                    if w.kind == "radio" and (qid := self._question_of(w.key)) and qid not in self.given
                ]
                if not choices:
                    break
                qid, w = self.rng.choice(choices)
                pos = self.rng.randrange(len(w.options))
                self.given[qid] = (w.kind, pos)
                self.check(f"answer {len(self.given)}", await self.tab.set(w, w.options[pos]))
                shown = " ".join(self.tab.texts("progress"))
                if f"{len(self.given)} of " not in shown:
                    self.problems.append(f"after answer {len(self.given)} the page says {shown!r}")
            self.check("reload", await self.tab.rerun())
            self.progress_text = " ".join(self.tab.texts("progress"))
        finally:
            await self.guest.close()
            await self.tab.close()


async def _cohort_at_once(url: str, tokens: list[str]) -> list[Journey]:
    journeys = [Journey(url, token, seed) for seed, token in enumerate(tokens)]
    start = asyncio.Event()
    tasks = [asyncio.create_task(j.run(start)) for j in journeys]
    await asyncio.sleep(0.5)  # every tab connected: now they all ask at once
    start.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=120)
    return journeys


def test_a_cohort_answering_at_once_sees_no_exception_and_loses_no_answer(server, cohort) -> None:
    journeys = asyncio.run(_cohort_at_once(server.url, [token for _, token in cohort]))

    problems = [f"trainee {i}: {p}" for i, j in enumerate(journeys) for p in j.problems]
    assert not problems, "\n".join(problems[:20])

    course = load_course(REPO)
    db = Database(server.database_url)
    try:
        with db.session() as s:
            for (user_id, _), j in zip(cohort, journeys, strict=True):
                attempt = s.get(Attempt, j.attempt_id)
                assert attempt is not None and attempt.user_id == user_id  # each trainee's own attempt
                layouts = {entry["question_id"]: entry["layout"] for entry in attempt.layout}
                saved = {a.question_id: a.response for a in s.query(Answer).filter_by(attempt_id=j.attempt_id)}
                assert 1 <= len(j.given) <= ANSWERS_EACH
                for qid, (_, pos) in j.given.items():
                    q = course.question(qid)
                    assert q is not None
                    shown = pos if q.type == "single_choice" else [True, False][pos]
                    assert saved[qid] == drawing.to_response(q, layouts[qid], shown), (user_id, qid)
                assert sum(r is not None for r in saved.values()) == len(j.given)
                assert f"{len(j.given)} of {len(attempt.layout)} answered" in j.progress_text
    finally:
        db.dispose()
