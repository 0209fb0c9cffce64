"""A quiz built for exams, in a real browser at 1280 px and 390 px (issue 13 §2, UX review §3-4, B10, B16).

What a trainee notices: a navigator shows every question's state (answered, flagged, not answered) in shapes and
words and jumps to a question; the 60-question exam shows one question per page and a reload stays on it; the timer
stays in view however far the page scrolls; a summary lists what is unanswered or flagged before the final submit;
an ordering question is answered by moving items (and the arrangement survives a reload); number fields ask phones
for a number keyboard.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from mesolearn.content import load_course
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from tests.e2e.streamlit_page import (
    answer_correctly,
    click_button,
    flag_box,
    question_box,
    rendered,
    see,
    settle,
    sign_in,
)
from tests.factories import PASSWORD, instructor_and_trainee

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trainee(server):
    _, db_url = server
    db = Database(db_url)
    yield db, instructor_and_trainee(db, "olga", "Olga Onepage")
    db.dispose()


@pytest.fixture(scope="module")
def exam(server, trainee):
    """The certification exam started for the trainee: (attempts, attempt id, its state)."""
    db, user_id = trainee
    course = load_course(REPO)
    attempts = Attempts(db, course)
    type_of = {q.id: q.type for m in course.modules.values() if m.quiz for q in m.quiz.questions}
    spec = attempts.spec("certification")
    seed = next(
        s for s in range(1000) if _has_what_the_tests_use([type_of[d.question_id] for d in attempts._draw(spec, s)])
    )
    attempt_id = attempts.start(user_id, "certification", seed=seed)
    return attempts, attempt_id, attempts.load(attempt_id, user_id)


def _has_what_the_tests_use(types: list[str]) -> bool:
    """A draw with an ordering question after the two the first test answers, and a number field before the last."""
    return "ordering" in types[2:] and bool({"numeric", "calculated"} & set(types[:-1]))


def _phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(20_000)
    return context, context.new_page()


def _headings(page) -> list[str]:
    return page.get_by_text("Question ", exact=False).filter(has_text=" of 60").all_inner_texts()


def test_exam_one_question_per_page_navigator_reload_timer_and_summary(server, trainee, exam, page):
    base, _ = server
    attempts, attempt_id, state = exam
    sign_in(page, base, "olga", PASSWORD)
    page.goto(f"{base}/quiz?attempt={attempt_id}")
    settle(page)

    # one question per page: only question 1 of 60 is drawn
    see(page, "Question 1 of 60")
    assert [h for h in _headings(page) if h.startswith("Question")] == ["Question 1 of 60"]
    # the navigator lists all 60, each with the shape of its state
    nav = page.get_by_test_id("stSidebar")
    expect(nav.get_by_role("radio", name="60 ○", exact=True)).to_be_visible()
    see(page, "✓ answered")

    # answering question 1 marks it answered in the navigator
    answer_correctly(page, question_box(page, 1, 60), state.items[0])
    expect(nav.get_by_role("radio", name="1 ✓", exact=True)).to_be_visible()

    # Next goes to question 2; flag it: the navigator shows the flag
    click_button(page, "Next question")
    see(page, "Question 2 of 60")
    assert "q=2" in page.url
    flag_box(page, attempt_id, state.items[1].question.id).locator("label").click()
    settle(page)
    expect(nav.get_by_role("radio", name="2 ○ ⚑", exact=True)).to_be_visible()

    # a click in the navigator jumps; a reload stays on that question
    nav.get_by_role("radio", name="37 ○", exact=True).click()
    settle(page)
    see(page, "Question 37 of 60")
    assert "q=37" in page.url and len([h for h in _headings(page) if h.startswith("Question")]) == 1
    page.reload()
    settle(page)
    see(page, "Question 37 of 60")

    # the summary lists each question's state before the final submit, with a way back to each
    nav.get_by_role("button", name="Summary and submit", exact=True).click()
    settle(page)
    see(page, "Summary of attempt")
    # the summary is a long page: the timer stays in view at its bottom
    scrolled = page.evaluate(
        "() => { let top = 0; for (const el of [document.querySelector('[data-testid=\"stMain\"]'),"
        " document.scrollingElement]) if (el) { el.scrollTo(0, el.scrollHeight); top = Math.max(top, el.scrollTop); }"
        " return top; }"
    )
    assert scrolled > 1000  # the page really scrolled
    page.wait_for_timeout(300)
    expect(page.get_by_text("Time left:", exact=False).first).to_be_in_viewport()

    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("Not answered · ⚑ flagged", exact=True)).to_have_count(1)
    expect(main.get_by_text("Not answered", exact=True)).to_have_count(58)
    expect(main.get_by_text("Answered", exact=True)).to_have_count(1)
    main.get_by_role("button", name="Question 2", exact=True).click()
    settle(page)
    see(page, "Question 2 of 60")

    # "Submit all and finish" asks first: 59 questions have no answer
    nav.get_by_role("button", name="Summary and submit", exact=True).click()
    settle(page)
    see(page, "Summary of attempt")
    click_button(page, "Submit all and finish")
    see(page, "59 questions have no answer")
    assert attempts.load(attempt_id, trainee[1]).submitted_at is None


def test_ordering_is_answered_by_moving_items_and_survives_a_reload(server, trainee, exam, page):
    base, _ = server
    attempts, attempt_id, state = exam
    item = next(it for it in state.items[2:] if it.question.type == "ordering")  # 1 and 2 are used above
    n = item.position + 1
    sign_in(page, base, "olga", PASSWORD)
    page.goto(f"{base}/quiz?attempt={attempt_id}&q={n}")
    settle(page)
    see(page, f"Question {n} of 60")
    see(page, "Not answered yet")
    expect(page.get_by_role("combobox")).to_have_count(1)  # no dropdown per position, one letters field
    assert not attempts.load(attempt_id, trainee[1]).items[item.position].answered  # untouched is no answer

    answer_correctly(page, question_box(page, n, 60), item)  # "Move X up" clicks
    saved = attempts.load(attempt_id, trainee[1]).items[item.position]
    assert saved.response == list(range(len(item.question.items)))
    expect(page.get_by_test_id("stSidebar").get_by_role("radio", name=f"{n} ✓", exact=True)).to_be_visible()

    page.reload()
    settle(page)
    box = question_box(page, n, 60)
    for pos, text in enumerate(item.question.items):
        row = box.locator("p").filter(has_text=rendered(text)[:40]).first
        expect(row).to_contain_text(f"{pos + 1}. ")  # placed at its position, not "not placed yet"
    expect(box.get_by_text("Not answered yet", exact=False)).to_have_count(0)


def test_numeric_fields_ask_for_a_number_keyboard(server, trainee, exam, browser):
    base, _ = server
    _, attempt_id, state = exam
    item = next(it for it in state.items[:-1] if it.question.type in ("numeric", "calculated"))
    context, phone = _phone(browser)
    try:
        sign_in(phone, base, "olga", PASSWORD)
        phone.goto(f"{base}/quiz?attempt={attempt_id}&q={item.position + 1}")
        settle(phone)
        field = question_box(phone, item.position + 1, 60).get_by_role("textbox")
        expect(field).to_have_attribute("inputmode", "decimal")
        # still so after moving to another question and back (Streamlit draws new inputs)
        click_button(phone, "Next question")
        click_button(phone, "Previous question")
        field = question_box(phone, item.position + 1, 60).get_by_role("textbox")
        expect(field).to_have_attribute("inputmode", "decimal")
    finally:
        context.close()


def test_navigator_on_a_phone_and_on_a_one_page_quiz(server, trainee, browser):
    """390 px: the sidebar navigator opens from the menu button and jumps; on a module quiz (all questions on one
    page) its links scroll to the question, and the states follow the answers without a page rerun."""
    base, _ = server
    db, user_id = trainee
    attempts = Attempts(db, load_course(REPO))
    attempt_id = attempts.start(user_id, "history")
    state = attempts.load(attempt_id, user_id)
    context, phone = _phone(browser)
    try:
        sign_in(phone, base, "olga", PASSWORD)
        phone.goto(f"{base}/quiz?attempt={attempt_id}")
        settle(phone)
        expect(phone.get_by_text("Question 10 of 10", exact=False)).to_have_count(1)  # all on one page
        answer_correctly(phone, question_box(phone, 1, 10), state.items[0])
        phone.get_by_test_id("stExpandSidebarButton").click()
        nav = phone.get_by_test_id("stSidebar")
        expect(nav.get_by_role("link", name="1 ✓", exact=True)).to_be_visible()
        nav.get_by_role("link", name="8 ○", exact=True).click()
        phone.wait_for_timeout(500)
        phone.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        phone.wait_for_timeout(500)
        expect(phone.get_by_text("Question 8 of 10", exact=False)).to_be_in_viewport()
        # the summary at the end of the page follows the answers too
        summary = phone.get_by_test_id("stMain").get_by_role("table")
        expect(summary.get_by_role("row", name="Question 1 Answered", exact=True)).to_have_count(1)
        expect(summary.get_by_role("row", name="Question 2 Not answered", exact=True)).to_have_count(1)
    finally:
        context.close()
