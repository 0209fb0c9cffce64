"""Moving around the quiz page in a real browser: every button does what it says (UX review B1, B2).

A link to the page you are on used to change the app's query without the browser's URL, so the next click ran with
the stale URL: "Start" from *Quizzes & exams* bounced back to the list, a result could not be retaken, and a problem
report sent from a past attempt was lost. The result also opened scrolled to the Submit button's height.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from mesolearn.content import load_course
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from mesolearn.storage.models import QuestionReport
from tests.e2e.streamlit_page import answer_correctly, click_button, question_box, see, settle, sign_in
from tests.factories import PASSWORD, instructor_and_trainee

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trainee(server):
    _, db_url = server
    db = Database(db_url)
    yield db, instructor_and_trainee(db, "nina", "Nina Navigator")
    db.dispose()


def follow(page, text: str) -> None:
    """Click a link or a link-looking button by what it says (whichever element the app uses)."""
    page.get_by_text(text, exact=True).first.click()
    settle(page)


def _scroll_top(page) -> float:
    return page.evaluate(
        "() => Math.max(document.querySelector('[data-testid=\"stMain\"]')?.scrollTop || 0,"
        " document.scrollingElement.scrollTop)"
    )


def test_start_retake_and_report_from_the_quizzes_menu(server, trainee, page):
    base, _ = server
    db, user_id = trainee
    course = load_course(REPO)
    attempts = Attempts(db, course)
    sign_in(page, base, "nina", PASSWORD)

    # the menu entry named for quizzes: list -> module -> Start really starts an attempt
    page.get_by_role("link", name="Quizzes & exams").click()
    settle(page)
    follow(page, course.modules["history"].title)
    see(page, "questions drawn at random")
    click_button(page, "Start the quiz")
    see(page, "0 of 10 answered")
    attempt_id = attempts.open_attempt_id(user_id, "history")
    assert attempt_id is not None
    assert f"attempt={attempt_id}" in page.url  # the browser's URL says where the trainee is

    state = attempts.load(attempt_id, user_id)
    for item in state.items:
        answer_correctly(page, question_box(page, item.position + 1, len(state.items)), item)
    click_button(page, "Submit all and finish")
    see(page, "Passed (pass mark")
    # the result opens at its top: the score is in view, not the bottom of the page
    page.wait_for_timeout(300)
    assert _scroll_top(page) < 50
    expect(page.get_by_text("Passed (pass mark").first).to_be_in_viewport()

    # from the result back to the quiz page, and a new attempt really starts
    follow(page, "Back to the quiz page")
    click_button(page, "Start a new attempt")
    see(page, "0 of 10 answered")
    second = attempts.open_attempt_id(user_id, "history")
    assert second is not None and second != attempt_id

    # a report sent from a past attempt opened through "Previous attempts" reaches the instructors
    page.goto(f"{base}/quiz?module=history")
    settle(page)
    page.get_by_text("· passed").first.click()
    settle(page)
    see(page, "Result")
    page.get_by_role("button", name="Report a problem with this question").first.click()
    page.get_by_label("What is wrong?").first.fill("Option b reads as correct too.")
    page.get_by_role("button", name="Send report").first.click()
    settle(page)
    see(page, "your instructors will see this report")
    with db.session() as s:
        texts = [r.message for r in s.query(QuestionReport).all()]
    assert "Option b reads as correct too." in texts


def test_matching_and_ordering_are_readable_and_answerable_on_a_phone(server, trainee, browser):
    """UX review B5: on a 390 px screen long choices were cut off mid-word inside the dropdowns."""
    from mesolearn.learning.custom import start_custom_practice
    from mesolearn.ui.inputs import letter

    base, _ = server
    db, user_id = trainee
    course = load_course(REPO)
    questions = [q for m in course.modules.values() for q in m.quiz.questions]
    matching = max((q for q in questions if q.type == "matching"), key=lambda q: max(len(p.right) for p in q.pairs))
    ordering = max((q for q in questions if q.type == "ordering"), key=lambda q: max(len(t) for t in q.items))
    session = start_custom_practice(db, course, user_id, [matching.id, ordering.id], "custom")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(20_000)
    phone = context.new_page()
    try:
        sign_in(phone, base, "nina", PASSWORD)
        phone.goto(f"{base}/quiz?attempt={session}")
        settle(phone)
        state = Attempts(db, course).load(session, user_id)
        for item in state.items:
            view = item.view
            texts = view.choices if item.question.type == "matching" else view.items
            longest = max(range(len(texts)), key=lambda i: len(texts[i]))
            full = phone.get_by_text(texts[longest].split("*")[0][:60], exact=False).first
            expect(full).to_be_visible()  # the whole choice is on screen, wrapped
            box = full.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 390 + 1
            assert letter(longest) + "." in phone.content()
            answer_correctly(phone, question_box(phone, item.position + 1, len(state.items)), item)
    finally:
        context.close()
