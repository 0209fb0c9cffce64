"""Production reads the course once per server start; authoring mode shows a content edit on the next rerun.

A real server on a copy of the course: an author edits a lesson title in its YAML file, then the page is
rerun. With ``MESOLEARN_AUTHORING=1`` (``scripts/run-app --author``) the new title appears; in production the
trainees keep the course the server started with (no stat() of every content file on every click).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from mesolearn.accounts import Accounts
from mesolearn.storage import Database
from tests.live.server import REPO, LiveServer
from tests.live.stclient import USER_AGENT, Session

pytestmark = pytest.mark.live

OLD, NEW = "History and origins of mesotherapy", "Where mesotherapy came from"


def _course_copy(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    for part in ("lessons", "quizzes", "exams"):
        shutil.copytree(REPO / part, root / part)
    shutil.copy(REPO / "course.yaml", root / "course.yaml")
    return root


async def _titles_before_and_after_edit(url: str, token: str, lesson: Path) -> tuple[str, str]:
    async with Session(url, cookies={"mesolearn_session": token}) as tab:
        first = await tab.open("modules")
        assert first.ok, first.exceptions
        before = " ".join(tab.texts("heading"))
        lesson.write_text(lesson.read_text().replace(f"title: {OLD}", f"title: {NEW}", 1))
        again = await tab.rerun()
        assert again.ok, again.exceptions
        return before, " ".join(tab.texts("heading"))


@pytest.mark.parametrize("authoring", [True, False], ids=["authoring", "production"])
def test_a_content_edit_shows_on_the_next_rerun_only_in_authoring_mode(tmp_path, authoring) -> None:
    root = _course_copy(tmp_path)
    env = {"MESOLEARN_CONTENT_DIR": str(root), "MESOLEARN_AUTHORING": "1" if authoring else "0"}
    with LiveServer(env=env) as srv:
        db = Database(srv.database_url)
        accounts = Accounts(db)
        instructor = accounts.create_first_instructor("author", "Author", "author-pass-1")
        token = accounts.start_session(instructor, USER_AGENT)
        db.dispose()
        before, after = asyncio.run(_titles_before_and_after_edit(srv.url, token, root / "lessons" / "01-history.yaml"))
    assert OLD in before
    if authoring:
        assert NEW in after and OLD not in after
    else:
        assert OLD in after and NEW not in after
