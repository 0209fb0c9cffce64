"""Lesson progress, as the catalogue and the home page show it: "3 of 7 sections read", and the section to
continue at. On SQLite and PostgreSQL (each test gets a fresh database from ``database_url``).

* opening a section counts it as read once, however often it is opened; only the lesson's own sections count;
* the last section opened is the place to continue at, per lesson and across lessons; an older request cannot
  move it back;
* several tabs opening sections at the same moment: nothing fails, one row per section and one position;
* a database upgraded from revision 0003 offers the section read last before the upgrade.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, func, insert, select, text

from mesolearn.progress import Progress
from mesolearn.storage import Database, migrate
from mesolearn.storage.models import LessonPosition, LessonVisit
from tests.conftest import Clock, make_user


@pytest.fixture
def database(database_url: str):
    db = Database(database_url)
    yield db
    db.dispose()


def test_sections_read_count_each_section_once_and_only_the_lessons_own(database, course) -> None:
    clock = Clock()
    progress = Progress(database, clock=clock)
    user = make_user(database)
    lesson = course.modules["history"].lesson
    first, second = lesson.sections[0].id, lesson.sections[1].id

    before = progress.lessons(user, {"history": lesson})["history"]
    assert before.label == f"0 of {len(lesson.sections)} sections read" and before.last_section is None

    for section in (first, second, first, "a-section-since-removed"):
        clock.advance(minutes=1)
        progress.visit(user, "history", section)
    reading = progress.lessons(user, {"history": lesson})["history"]
    assert reading.read == {first, second}
    assert reading.label == f"2 of {len(lesson.sections)} sections read"
    assert reading.last_section == second  # the removed section is no place to continue at: the newest read one


def test_continue_at_the_lesson_and_section_read_last(database, course) -> None:
    clock = Clock()
    progress = Progress(database, clock=clock)
    user, other = make_user(database, "Tina"), make_user(database, "Omar")
    lessons = {m.id: m.lesson for m in course.modules.values()}
    history, technique = course.modules["history"].lesson, course.modules["technique"].lesson

    assert progress.last_read(user, lessons) is None
    progress.visit(user, "history", history.sections[2].id)
    clock.advance(minutes=5)
    progress.visit(user, "technique", technique.sections[1].id)
    clock.advance(minutes=5)
    progress.visit(other, "history", history.sections[0].id)  # someone else's reading changes nothing

    last = progress.last_read(user, lessons)
    assert last is not None and (last.module_id, last.last_section) == ("technique", technique.sections[1].id)

    clock.advance(minutes=5)
    progress.visit(user, "history", history.sections[3].id)
    last = progress.last_read(user, lessons)
    assert last is not None and (last.module_id, last.last_section) == ("history", history.sections[3].id)
    # a lesson no longer in the course is skipped
    without_history = {m: les for m, les in lessons.items() if m != "history"}
    last = progress.last_read(user, without_history)
    assert last is not None and last.module_id == "technique"


def test_a_late_request_does_not_move_the_position_back(database, course) -> None:
    user = make_user(database)
    lesson = course.modules["history"].lesson
    t = datetime(2026, 5, 1, 12, 0)
    Progress(database, clock=lambda: t).visit(user, "history", lesson.sections[4].id)
    Progress(database, clock=lambda: t - timedelta(seconds=3)).visit(user, "history", lesson.sections[1].id)
    reading = Progress(database).lessons(user, {"history": lesson})["history"]
    assert reading.last_section == lesson.sections[4].id
    assert reading.count == 2  # the late section still counts as read


def test_tabs_opening_sections_at_the_same_moment_do_not_fail(database, course) -> None:
    """Real threads against the real database: the unique constraints decide, the loser is not an error."""
    user = make_user(database)
    lesson = course.modules["history"].lesson
    sections = [lesson.sections[0].id, lesson.sections[0].id, lesson.sections[1].id, lesson.sections[1].id] * 2
    barrier = threading.Barrier(len(sections))
    errors: list[BaseException] = []

    def tab(section_id: str) -> None:
        progress = Progress(database)
        barrier.wait()
        try:
            progress.visit(user, "history", section_id)
        except BaseException as exc:  # noqa: BLE001 - any failure is what the test reports
            errors.append(exc)

    threads = [threading.Thread(target=tab, args=(s,)) for s in sections]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(LessonVisit).where(LessonVisit.user_id == user)) == 2
        assert s.scalar(select(func.count()).select_from(LessonPosition).where(LessonPosition.user_id == user)) == 1
    reading = Progress(database).lessons(user, {"history": lesson})["history"]
    assert reading.count == 2 and reading.last_section in {lesson.sections[0].id, lesson.sections[1].id}


def test_an_upgraded_database_continues_at_the_section_read_last_before(database_url, course) -> None:
    engine = create_engine(database_url)
    t = datetime(2026, 11, 20, 10, 0)
    with engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), "0003_throttle")
        conn.execute(
            text(
                "INSERT INTO users (id, username, display_name, password_hash, role, created_at, failed_logins)"
                " VALUES (1, 'zoe', 'Zoe', 'h', 'trainee', :t, 0)"
            ),
            {"t": t},
        )
        visits = [
            ("history", "overview", t),
            ("history", "origins", t + timedelta(minutes=9)),
            ("history", "name", t + timedelta(minutes=4)),
            ("technique", "overview", t + timedelta(minutes=2)),
        ]
        meta_visits = LessonVisit.__table__
        conn.execute(
            insert(meta_visits),
            [
                dict(id=i + 1, user_id=1, module_id=m, section_id=s, visited_at=at)
                for i, (m, s, at) in enumerate(visits)
            ],
        )
    engine.dispose()
    db = Database(database_url)  # the app upgrades it on opening
    try:
        with db.session() as s:
            rows = {r.module_id: (r.section_id, r.read_at) for r in s.scalars(select(LessonPosition))}
            kept = s.scalar(select(func.count()).select_from(LessonVisit))
        assert rows == {
            "history": ("origins", t + timedelta(minutes=9)),
            "technique": ("overview", t + timedelta(minutes=2)),
        }
        assert kept == 4
    finally:
        db.dispose()


# ---------------------------------------------------------------- in the app (AppTest): lesson and home page


@pytest.fixture
def app_world(tmp_path, monkeypatch, course):
    """The app on a fresh SQLite file with the instructor "ada" and the trainee "tom"."""
    from tests.factories import instructor_and_trainee

    url = f"sqlite:///{tmp_path}/app.db"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", url)
    monkeypatch.delenv("MESOLEARN_CONTENT_DIR", raising=False)
    db = Database(url)
    trainee = instructor_and_trainee(db, "tom", "Tom Trainee")
    yield db, trainee
    db.dispose()


def _signed_in(username: str = "tom"):
    from tests.app_driver import new_app, sign_in
    from tests.factories import PASSWORD

    return sign_in(new_app(), username, PASSWORD)


def _page_links(at) -> list[tuple[str, str, str]]:
    """(label, page, query string) of every page link on the page."""
    return [(p.proto.label, p.proto.page, p.proto.query_string) for p in at.main.get("page_link")]


def _continue_link(at) -> tuple[str, str, str]:
    """The link under "Continue where you left off" (the first box of the home page)."""
    assert "Continue where you left off" in [str(h.value) for h in at.subheader]
    return _page_links(at)[0]


def test_the_lesson_and_the_home_page_say_how_many_sections_were_read(app_world, course) -> None:
    from tests.app_driver import open_page

    lesson = course.modules["technique"].lesson
    total = len(lesson.sections)
    at = open_page(_signed_in(), "lesson", module="technique", section=lesson.sections[0].id)
    assert any(f"1 of {total} sections read" in str(c.value) for c in at.caption)
    at.button(key="next").click().run()  # moving on opens (and reads) the next section
    assert any(f"2 of {total} sections read" in str(c.value) for c in at.caption)
    options = at.radio(key="section-technique").options
    assert options[0].endswith("✓") and options[1].endswith("✓") and not options[2].endswith("✓")
    at.button(key="next").click().run()
    at.button(key="prev").click().run()  # going back re-reads: still three, not four
    home = open_page(at, "")
    captions = [str(c.value) for c in home.caption]
    assert any(c.endswith(f"3 of {total} sections read") for c in captions)
    assert sum(" · 0 of " in c and c.endswith("sections read") for c in captions) == len(course.modules) - 1


def test_continue_where_you_left_off_follows_the_trainee(app_world, course) -> None:
    from mesolearn.accounts import Accounts
    from mesolearn.cohorts import Cohorts
    from mesolearn.quiz.attempts import Attempts
    from tests.app_driver import open_page

    db, trainee = app_world
    first = next(iter(course.modules.values()))
    home = open_page(_signed_in(), "")
    assert _continue_link(home) == (f"Start with the first module: {first.title}", "lesson", f"module={first.id}")

    Cohorts(db, Accounts(db), course=course).assign("risks", user_id=trainee, instructor_id=None, course=course)
    home = open_page(home, "")
    risks = course.modules["risks"]
    assert _continue_link(home) == (f"Start your assigned module: {risks.title}", "lesson", "module=risks")

    section = course.modules["ingredients"].lesson.sections[2]
    at = open_page(home, "lesson", module="ingredients", section=section.id)
    home = open_page(at, "")
    label, page, query = _continue_link(home)
    assert label == f"Continue reading: {section.heading}"
    reading = f"{len(course.modules['ingredients'].lesson.sections)} sections read"
    assert f"{course.modules['ingredients'].title} · 1 of {reading}" in [str(c.value) for c in home.caption]
    assert (page, query) == ("lesson", f"module=ingredients&section={section.id}")
    back = open_page(home, "lesson", module="ingredients", section=section.id)  # the link opens that section
    assert [h.value for h in back.header] == [section.heading]

    attempt = Attempts(db, course).start(trainee, "methods")
    home = open_page(back, "")
    assert _continue_link(home) == (
        f"Resume your attempt: {course.modules['methods'].title}",
        "quiz",
        f"attempt={attempt}",
    )


def test_an_instructor_reads_a_lesson_without_a_progress_count(app_world, course) -> None:
    from tests.app_driver import open_page

    at = open_page(_signed_in("ada"), "lesson", module="history")
    assert not at.exception
    assert not any("sections read" in str(c.value) for c in at.caption)
    home = open_page(at, "")
    assert not any("Continue where you left off" in str(h.value) for h in home.subheader)


# ---------------------------------------------------------------- the "Continue where you left off" rule


def test_the_next_step_skips_attempts_out_of_time_and_work_already_passed(course) -> None:
    from types import SimpleNamespace as Row

    from mesolearn.progress import LessonReading
    from mesolearn.progress.resume import next_step

    now = datetime(2026, 5, 1, 12, 0)
    lessons = {m.id: m.lesson for m in course.modules.values()}
    titles = {m.id: m.title for m in course.modules.values()}
    expired = Row(id=7, quiz_id="history", started_at=now - timedelta(hours=3), submitted_at=None, deadline=now)
    older = Row(id=8, quiz_id="technique", started_at=now - timedelta(hours=2), submitted_at=None, deadline=None)
    newer = Row(id=9, quiz_id="risks", started_at=now - timedelta(hours=1), submitted_at=None, deadline=None)
    done = Row(id=10, quiz_id="methods", started_at=now, submitted_at=now, deadline=None)
    passed = Row(quiz_id="history", kind="module", status="passed")
    exam = Row(quiz_id="certification", kind="exam", status="not started")
    todo = Row(quiz_id="safety", kind="module", status="not started")

    step = next_step([expired, older, newer, done], titles, None, [], lessons, now)
    assert step is not None and (step.kind, step.params) == ("attempt", {"attempt": "9"})  # the newest running
    step = next_step([expired, done], titles, None, [passed, exam, todo], lessons, now)
    assert step is not None and (step.kind, step.params) == ("assigned", {"module": "safety"})
    section = lessons["risks"].sections[1].id
    reading = LessonReading("risks", frozenset({section}), len(lessons["risks"].sections), section, now)
    step = next_step([expired], titles, reading, [todo], lessons, now)
    assert step is not None and (step.kind, step.params) == ("section", {"module": "risks", "section": section})
    gone = LessonReading("risks", frozenset(), 8, "a-section-since-removed", now)
    step = next_step([], titles, gone, [todo], lessons, now)
    assert step is not None and step.kind == "assigned"
    step = next_step([], titles, None, [passed], lessons, now)
    assert step is not None and step.kind == "first" and step.params == {"module": next(iter(course.modules))}
    assert next_step([], {}, None, [], {}, now) is None
