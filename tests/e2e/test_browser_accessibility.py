"""WCAG 2.2 AA in a real browser: axe-core (axe-playwright-python) on every page, at 1280 px, as each kind of
user sees it; any ``serious`` or ``critical`` violation fails the test, listed by page, rule and element.

One server and one browser for the module; the data behind the pages (an attempt running, a result, review
cards, a readiness report, a certificate, a cohort with an assignment, a problem report) is made through the
core services before the pages are opened.

Exclusions: none. The two kinds of violation Streamlit's own markup caused are worked around by the app
(``mesolearn/ui/a11y.py``): the grouped page menu that is no valid list (``list``/``listitem``: the app draws
its own menu) and captions at 60 % opacity (``color-contrast``). A violation that the app cannot work around
would be added to ``EXCLUDED`` as rule -> CSS selectors, each with a comment naming the upstream Streamlit
issue, and listed in docs/ARCHITECTURE.md "Accessibility".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from mesolearn.accounts import Accounts
from mesolearn.certificates import Certificates
from mesolearn.cohorts import Cohorts
from mesolearn.content import load_course
from mesolearn.learning import sync_from_attempt
from mesolearn.quality import create_report
from mesolearn.questions.registry import type_of
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from tests.e2e.streamlit_page import settle, sign_in
from tests.factories import PASSWORD, save_whole

pytestmark = pytest.mark.browser
COURSE = load_course(Path(__file__).resolve().parents[2])
IMPACTS = ("serious", "critical")
EXCLUDED: dict[str, set[str]] = {}  # rule id -> selectors of Streamlit's own markup the app cannot fix (none)
_NO_SKELETON = "() => !document.querySelector('[data-testid=\"stSkeleton\"]')"


def _sit(attempts: Attempts, db: Database, user_id: int, quiz_id: str, every_other_wrong: bool = False) -> int:
    attempt_id = attempts.start(user_id, quiz_id)
    for n, item in enumerate(attempts.load(attempt_id, user_id).items):
        q = item.question
        right = not every_other_wrong or n % 2 == 0
        t = type_of(q)
        save_whole(
            attempts, attempt_id, user_id, q.id, t.correct_for(q, item.layout) if right else t.wrong_for(q, item.layout)
        )
    attempts.submit(attempt_id, user_id)
    sync_from_attempt(db, COURSE, attempt_id)  # wrong answers become review cards, as after a real submit
    return attempt_id


@pytest.fixture(scope="module")
def world(server) -> dict[str, object]:
    _, db_url = server
    db = Database(db_url)
    accounts = Accounts(db)
    ada = accounts.create_first_instructor("ada", "Ada Instructor", PASSWORD)
    tom = accounts.create_user("tom", "Tom Trainee", PASSWORD, "trainee").id
    cara = accounts.create_user("cara", "Cara Certified", PASSWORD, "trainee").id
    attempts = Attempts(db, COURSE)
    first, second = list(COURSE.modules)[:2]
    result = _sit(attempts, db, tom, first, every_other_wrong=True)
    running = attempts.start(tom, second)
    for module in COURSE.modules:
        _sit(attempts, db, cara, module)
    _sit(attempts, db, cara, next(iter(COURSE.exams)))
    certificate = Certificates(db, COURSE).issue(cara)
    cohorts = Cohorts(db, accounts, course=COURSE)
    cohort = cohorts.create_cohort("Spring cohort", ada.id)
    cohorts.add_member(cohort.id, tom)
    cohorts.add_member(cohort.id, cara)
    cohorts.assign(first, cohort_id=cohort.id, instructor_id=ada.id, course=COURSE)
    question = COURSE.modules[first].quiz.questions[0]
    create_report(db, tom, question.id, "The wording of this question is unclear.")
    yield {"first": first, "second": second, "result": result, "running": running, "code": certificate.code}
    db.dispose()


def violations(page: Page, base: str, path: str, heading: str) -> list[str]:
    """Open ``path``, check it is the page meant (its title holds ``heading``), run axe; what fails, as text."""
    page.goto(base + path)
    settle(page)
    page.wait_for_function(_NO_SKELETON)  # widgets drawn, not their loading placeholders
    expect(page.locator("h1").first).to_contain_text(heading)
    found = []
    for v in Axe().run(page).response["violations"]:
        if v["impact"] not in IMPACTS:
            continue
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            if target in EXCLUDED.get(v["id"], set()):
                continue
            found.append(f"{path}: {v['id']} ({v['impact']}) at {target}: {node['html'][:120]}")
    return found


def check(page: Page, base: str, pages: list[tuple[str, str]]) -> None:
    found = [line for path, heading in pages for line in violations(page, base, path, heading)]
    assert found == [], "axe found serious or critical violations:\n" + "\n".join(found)


def test_signed_out_pages(server, world, page) -> None:
    base, _ = server
    check(page, base, [("/", COURSE.info.title), ("/register", "Register as a trainee")])


def test_a_trainees_pages(server, world, page) -> None:
    base, _ = server
    first, second = COURSE.modules[world["first"]], COURSE.modules[world["second"]]
    sign_in(page, base, "tom", PASSWORD)
    check(
        page,
        base,
        [
            ("/", COURSE.info.title),
            ("/lesson?module=" + first.id, first.title),
            (f"/lesson?module={first.id}&print=1", first.title),
            ("/search?q=procaine", "Search the lessons"),
            ("/quiz", "Quizzes"),
            ("/quiz?module=" + first.id, first.title),
            (f"/quiz?attempt={world['running']}", second.title),
            (f"/quiz?attempt={world['result']}", first.title),
            ("/review", "Due for review"),
            ("/progress", "My progress"),
            ("/certification", "Certification"),  # the readiness report
            ("/attempts", "My attempts"),
            ("/build-quiz", "Build your own quiz"),
        ],
    )


def test_a_certified_trainees_certificate(server, world, page) -> None:
    base, _ = server
    sign_in(page, base, "cara", PASSWORD)
    check(page, base, [("/certification", "Certification"), (f"/verify?code={world['code']}", "Verify a certificate")])


def test_the_instructors_pages(server, world, page) -> None:
    base, _ = server
    sign_in(page, base, "ada", PASSWORD)
    check(
        page,
        base,
        [
            ("/gradebook", "Gradebook"),
            ("/cohorts", "Cohorts and assignments"),
            ("/content-health", "Content health"),  # with the trainees' problem reports
            ("/item-analysis", "Item analysis"),
            ("/exchange", "Exchange with Moodle"),
            ("/settings", "Settings"),
            ("/about", "About this course"),
        ],
    )
