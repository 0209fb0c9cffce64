"""Browser journeys: a trainee from quizzes to the mock exam and a downloaded certificate; an
instructor from a new cohort to the gradebook."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from mesolearn.accounts import Accounts
from mesolearn.certificates import Certificates
from mesolearn.content import load_course
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from tests.e2e.streamlit_page import answer_correctly, click_button, question_box, see, settle, sign_in

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def people(server):
    base, db_url = server
    db = Database(db_url)
    accounts = Accounts(db)
    accounts.create_first_instructor("ada", "Ada Instructor", PASSWORD)
    accounts.create_user("tom", "Tom Trainee", PASSWORD, "trainee")
    accounts.create_user("eve", "Eve Example", PASSWORD, "trainee")
    yield db
    db.dispose()


def take_quiz(page, base, db, course, user_id, url_query, quiz_id) -> None:
    page.goto(f"{base}/quiz?{url_query}")
    settle(page)
    click_button(page, "Start the quiz")
    attempts = Attempts(db, course)
    state = attempts.load(attempts.open_attempt_id(user_id, quiz_id), user_id)
    total = len(state.items)
    for item in state.items:
        answer_correctly(page, question_box(page, item.position + 1, total), item)
    see(page, f"{total} of {total} answered")
    click_button(page, "Submit all and finish")
    expect(page.get_by_text("Passed (pass mark").first).to_be_visible()


def test_trainee_goes_from_quizzes_to_mock_exam_to_certificate(server, people, page, tmp_path):
    base, _ = server
    course = load_course(REPO)
    sign_in(page, base, "tom", PASSWORD)
    see(page, "Signed in as Tom Trainee")
    for module in course.modules:
        take_quiz(page, base, people, course, 2, f"module={module}", module)

    page.goto(base + "/quiz?exam=certification")
    settle(page)
    see(page, "60 questions drawn at random")
    see(page, "Blueprint")
    click_button(page, "Start the exam")
    see(page, "Time left:")  # the 90-minute exam is timed
    attempts = Attempts(people, course)
    state = attempts.load(attempts.open_attempt_id(2, "certification"), 2)
    assert len(state.items) == 60
    for item in state.items:  # the exam shows one question per page (layout: one_per_page)
        answer_correctly(page, question_box(page, item.position + 1, 60), item)
        click_button(page, "Next question" if item.position + 1 < 60 else "Summary of attempt")
    click_button(page, "Submit all and finish")
    expect(page.get_by_text("Passed (pass mark").first).to_be_visible()

    page.goto(base + "/certification")
    settle(page)
    see(page, "Certificate issued")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the certificate (PDF)").click()
    pdf = tmp_path / "certificate.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    code = Certificates(people, course).for_user(2)[0].code
    assert code.encode() in pdf.read_bytes() or len(pdf.read_bytes()) > 1000

    # anyone can check the code without signing in
    other = page.context.browser.new_context()
    public = other.new_page()
    public.goto(f"{base}/verify?code={code}")
    settle(public)
    expect(public.get_by_text("Valid certificate").first).to_be_visible()
    expect(public.get_by_text("Tom Trainee").first).to_be_visible()
    other.close()


def test_instructor_runs_a_cohort_from_invitation_to_gradebook(server, people, browser):
    base, _ = server
    course = load_course(REPO)
    teacher = browser.new_context().new_page()
    sign_in(teacher, base, "ada", PASSWORD)
    teacher.goto(base + "/cohorts")
    settle(teacher)
    teacher.get_by_label("New cohort name").fill("Spring cohort")
    click_button(teacher, "Create cohort")
    see(teacher, "Invite code:")
    code_text = teacher.get_by_text("Invite code:").first.inner_text()
    code = code_text.split("Invite code:")[1].split("—")[0].strip()
    teacher.get_by_role("tab", name="Assignments").click()
    click_button(teacher, "Assign to the cohort")
    see(teacher, "Assigned")

    trainee = browser.new_context().new_page()
    sign_in(trainee, base, "eve", PASSWORD)
    trainee.get_by_text("Join a cohort with an invite code").click()
    trainee.get_by_label("Invite code").fill(code)
    click_button(trainee, "Join")
    see(trainee, "You joined Spring cohort")
    trainee.reload()
    settle(trainee)
    first_module = next(iter(course.modules.values()))
    see(trainee, "Your assignments")
    expect(trainee.get_by_role("link", name=first_module.title).first).to_be_visible()
    take_quiz(trainee, base, people, course, 3, f"module={first_module.id}", first_module.id)

    teacher.goto(base + "/gradebook")
    settle(teacher)
    grid = teacher.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible()
    with teacher.expect_download() as info:
        teacher.get_by_role("button", name="Download CSV").click()
    csv_text = Path(info.value.path()).read_text()
    eve_rows = [line for line in csv_text.splitlines() if "Eve Example" in line and first_module.title in line]
    assert eve_rows and "passed" in eve_rows[0] and "100" in eve_rows[0]

    # and on to item analysis for that quiz
    teacher.goto(base + "/item-analysis")
    settle(teacher)
    expect(teacher.get_by_text("Attempts analysed").first).to_be_visible()
    expect(teacher.get_by_text("Cronbach's alpha").first).to_be_visible()
