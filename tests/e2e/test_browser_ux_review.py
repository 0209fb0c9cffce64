"""The UX review's bugs that had no browser test yet (docs/UX-BUGS.md), and the spaced review on 1280 and 390 px.

What a trainee or instructor notices, in Chromium against a real ``streamlit run`` server (one server for the file):
- B3: right after joining a cohort with its code, "Your assignments" lists the cohort's assignment (no reload).
- B4: a submitted attempt that did not pass is "not passed" in the gradebook's CSV, never "in progress".
- B1e: on an attempt page the sidebar's "Quizzes & exams" link leads to the list of quizzes.
- B7: Build a quiz offers only the chosen module's objectives, and the first "Start practice" starts it.
- B9: one attempt flags no question in Item analysis or Content health.
- B10: a half-filled matching cannot be checked in practice.
- B11, B14: My attempts calls a review session "finished" (not passed/failed); readiness says "no answers yet"
  for a module never answered (not 50 %).
- B6 and issue 13 §3: the spaced review shows one card, its Again / Hard / Good / Easy buttons carry the next
  interval and fit the screen (1280 px and a 390 px phone); a card rated Good leaves "due now" and the page says
  when it comes back.
- Issue 13 §2: the exam's question navigator works on a phone from the sidebar.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mesolearn.accounts import Accounts
from mesolearn.clock import utcnow
from mesolearn.cohorts import Cohorts
from mesolearn.content import load_course
from mesolearn.content.text import plain_text
from mesolearn.learning import cards, start_review_session, sync_from_attempt
from mesolearn.learning.custom import start_custom_practice
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from tests.e2e.streamlit_page import answer_correctly, choose_option, click_button, rendered, see, settle, sign_in
from tests.factories import PASSWORD, take

pytestmark = pytest.mark.browser
COURSE = load_course(Path(__file__).resolve().parents[2])
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def world(server) -> dict[str, object]:
    """An instructor, a cohort with an assignment, and trainees with the history behind each test."""
    _, db_url = server
    db = Database(db_url)
    accounts = Accounts(db)
    ada = accounts.create_first_instructor("ada", "Ada Instructor", PASSWORD)
    attempts = Attempts(db, COURSE)
    cohorts = Cohorts(db, accounts, course=COURSE)
    cohort = cohorts.create_cohort("Autumn cohort", ada.id)
    first = next(iter(COURSE.modules))
    cohorts.assign(first, cohort_id=cohort.id, instructor_id=ada.id, course=COURSE)
    ids = {}
    for username, name in (("ines", "Ines Joiner"), ("max", "Max Failed"), ("rita", "Rita Desk"), ("pia", "Pia Phone")):
        ids[username] = accounts.create_user(username, name, PASSWORD, "trainee").id
    # Max: one graded attempt, submitted and not passed; a spaced-review session, finished
    failed = take(attempts, ids["max"], first, False, rest="wrong")
    sync_from_attempt(db, COURSE, failed.id)
    cohorts.add_member(cohort.id, ids["max"])
    review = start_review_session(attempts, ids["max"], [c.question_id for c in cards(db, ids["max"])][:2])
    attempts.submit(review, ids["max"])
    # Rita and Pia: wrong answers that became review cards
    for who in ("rita", "pia"):
        sync_from_attempt(db, COURSE, take(attempts, ids[who], first, False, rest="wrong").id)
    yield {"db": db, "attempts": attempts, "ids": ids, "code": cohort.invite_display, "first": first}
    db.dispose()


def _context(browser, viewport: dict[str, int]) -> tuple[object, Page]:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(20_000)
    return context, context.new_page()


def grid_cells(page: Page, nth: int = 0) -> list[str]:
    """What a Streamlit dataframe shows (its cells are drawn on a canvas; the grid keeps an accessible table)."""
    grid = page.get_by_test_id("stDataFrame").nth(nth)
    expect(grid).to_be_visible()
    expect(grid.locator("table [role=gridcell]").first).to_be_attached()
    return [t.strip() for t in grid.locator("table [role=gridcell]").all_inner_texts()]


def test_joined_trainee_sees_the_assignment_at_once(server, world, page):
    """B3: "Your assignments" was drawn before the join was handled, so it showed only after a reload."""
    base, _ = server
    sign_in(page, base, "ines", PASSWORD)
    expect(page.get_by_text("Your assignments", exact=True)).to_have_count(0)
    page.get_by_text("Join a cohort with an invite code").click()
    page.get_by_label("Invite code").fill(str(world["code"]).lower())
    click_button(page, "Join")
    see(page, "You joined Autumn cohort")
    see(page, "Your assignments")
    title = COURSE.modules[str(world["first"])].title
    expect(page.get_by_role("link", name=f"{title} · ").first).to_be_visible()


def test_gradebook_csv_calls_a_failed_attempt_not_passed(server, world, page):
    """B4: a submitted attempt that did not pass read "in progress" in the gradebook and its CSV."""
    base, _ = server
    sign_in(page, base, "ada", PASSWORD)
    page.goto(base + "/gradebook")
    settle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    text = Path(info.value.path()).read_text()
    title = COURSE.modules[str(world["first"])].title
    rows = [line for line in text.splitlines() if "Max Failed" in line and title in line]
    assert rows and "not passed" in rows[0] and "in progress" not in rows[0]


def test_statistics_flag_nothing_after_one_attempt(server, world, page):
    """B9: after a single attempt about 60 questions were flagged "too easy" or "harder than guessing"."""
    base, _ = server
    sign_in(page, base, "ada", PASSWORD)
    page.goto(base + "/item-analysis")
    settle(page)
    see(page, "Attempts analysed")
    see(page, "Flagged questions (0)")
    page.goto(base + "/content-health")
    settle(page)
    see(page, "No question is flagged")


def test_my_attempts_progress_and_readiness_say_what_happened(server, world, page):
    """B11: a review session was "passed" or "failed"; B13: the time axis; B14: a module with no answers had
    "accuracy 50 %"."""
    base, _ = server
    sign_in(page, base, "max", PASSWORD)
    page.goto(base + "/attempts")
    settle(page)
    cells = grid_cells(page)
    row = cells[cells.index("Spaced review") :][:5]
    assert "finished" in row and "passed" not in row and "not passed" not in row
    assert "review" not in cells and "None" not in cells
    # B13: the time axis of "Scores over time" read ".221" (Vega's milliseconds) for a single attempt
    page.goto(base + "/progress")
    settle(page)
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator("svg")).to_be_visible()
    x_axis = chart.locator("svg g.role-axis").filter(has_text="submitted (UTC)")
    ticks = x_axis.locator("g.role-axis-label text").all_text_contents()
    month = f"{utcnow():%b}"
    assert ticks and not [t for t in ticks if re.fullmatch(r"\.?\d+", t.strip())] and any(month in t for t in ticks)
    page.goto(base + "/certification")
    settle(page)
    header = page.locator("th[role=columnheader]", has_text="accuracy %")  # the grid's accessible table
    table = page.get_by_test_id("stDataFrame").filter(has=header)
    expect(table).to_have_count(1)
    cells = [t.strip() for t in table.locator("table [role=gridcell]").all_inner_texts()]
    assert "no answers yet" in cells  # a module never answered, not a made-up 50 %


def _pick(page: Page, label: str, option: str) -> None:
    """Choose ``option`` in the multiselect ``label`` with the mouse, and close its list."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.fill(option[:25])
    page.get_by_role("option", name=option).click()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_have_count(0)
    settle(page)


def test_build_a_quiz_follows_the_chosen_module(server, world, page):
    """B7: the objectives ignored the module choice (they sat inside the form), and a mismatched objective was
    dropped silently from the quiz."""
    base, _ = server
    module = COURSE.modules["history"]
    other = next(m for m in COURSE.modules.values() if m.id != module.id)
    sign_in(page, base, "rita", PASSWORD)
    page.goto(base + "/build-quiz")
    settle(page)
    _pick(page, "Modules", module.title)
    foreign = other.lesson.objectives[0].text
    mine = module.lesson.objectives[0].text
    expect(page.get_by_role("button", name=mine, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=foreign, exact=True)).to_have_count(0)  # another module's is not offered
    page.get_by_role("button", name=mine, exact=True).click()
    click_button(page, "Start practice")
    see(page, "· practice")
    assert "attempt=" in page.url


def test_build_a_quiz_starts_on_the_first_click_after_a_pick(server, world, page):
    """B7 remainder: with a multiselect's list just closed inside the form, the first click on "Start practice" was
    lost (the objectives and filters are now chips)."""
    base, _ = server
    module = COURSE.modules["history"]
    sign_in(page, base, "rita", PASSWORD)
    page.goto(base + "/build-quiz")
    settle(page)
    page.get_by_role("button", name=module.lesson.objectives[0].text, exact=True).click()
    page.get_by_role("button", name="Start practice", exact=True).click()
    expect(page).to_have_url(re.compile(r"/quiz\?attempt=\d+"), timeout=10_000)


def test_half_filled_matching_cannot_be_checked(server, world, page):
    """B10: "Check answer" checked a matching with one of four matches filled. Now a half answer is not checked and
    the page says what is missing; the button stays enabled so a pick followed at once by a check counts."""
    base, _ = server
    db, attempts, user_id = world["db"], world["attempts"], world["ids"]["rita"]
    matching = next(q for m in COURSE.modules.values() for q in m.quiz.questions if q.type == "matching")
    session = start_custom_practice(db, COURSE, user_id, [matching.id], "custom")
    item = attempts.load(session, user_id).items[0]
    sign_in(page, base, "rita", PASSWORD)
    page.goto(f"{base}/quiz?attempt={session}")
    settle(page)
    check = page.get_by_role("button", name="Check answer")
    check.click()
    settle(page)
    see(page, "Not checked yet: Choose an answer first.")
    main = page.get_by_test_id("stMain")
    choose_option(page, main, rendered(item.view.lefts[0]), plain_text(item.view.choices[0]))
    check.click()  # one of several matches is not an answer yet: it is not checked, and the page says why
    settle(page)
    see(page, "Not checked yet:")
    expect(page.get_by_text("Correct", exact=True)).to_have_count(0)
    state = attempts.load(session, user_id)
    assert state.items[0].score is None and state.items[0].response is None  # nothing checked, nothing saved


def _pick_and_press_at_once(page: Page, option: str, button: str) -> None:
    """A quick hand on a busy server: the button clicked right after the pick, in one go, before the pick's rerun
    could come back."""
    main = page.get_by_test_id("stMain")
    pick = main.get_by_text(option, exact=True)
    press = main.get_by_role("button", name=button).element_handle()
    pick.evaluate("(label, button) => { label.click(); button.click(); }", press)
    settle(page)


def test_a_pick_checked_at_once_counts_in_practice_and_in_review(server, world, page):
    """ "Check answer" (practice) and "Show the answer" (spaced review) clicked right after the pick count: their
    click carries the pick. Both used to land on a button still disabled from the run before the pick."""
    base, db_url = server
    db, attempts = world["db"], world["attempts"]
    user_id = Accounts(db).create_user("quin", "Quin Quick", PASSWORD, "trainee").id
    single = next(q for m in COURSE.modules.values() for q in m.quiz.questions if q.type == "single_choice")
    session = start_custom_practice(db, COURSE, user_id, [single.id], "custom")
    sign_in(page, base, "quin", PASSWORD)
    page.goto(f"{base}/quiz?attempt={session}")
    settle(page)
    _pick_and_press_at_once(page, rendered(single.option_text(single.answer)), "Check answer")
    expect(page.get_by_text("Correct", exact=True).first).to_be_visible()
    assert attempts.load(session, user_id).items[0].score == 1.0

    sync_from_attempt(db, COURSE, take(attempts, user_id, world["first"], False, rest="wrong").id)
    card = next(c for c in cards(db, user_id) if COURSE.question(c.question_id).type == "single_choice")
    question = COURSE.question(card.question_id)
    review = start_review_session(attempts, user_id, [card.question_id])
    page.goto(base + "/review")
    settle(page)
    see(page, "Card 1 of 1")
    _pick_and_press_at_once(page, rendered(question.option_text(question.answer)), "Show the answer")
    see(page, "How well did you know it?")
    assert attempts.load(review, user_id).items[0].score == 1.0


def test_the_quizzes_link_works_on_an_attempt_page(server, world, page):
    """B1e: on an attempt or result page the sidebar's "Quizzes & exams" link did nothing."""
    base, _ = server
    attempts, user_id = world["attempts"], world["ids"]["rita"]
    done = take(attempts, user_id, "history", True)
    sign_in(page, base, "rita", PASSWORD)
    page.goto(f"{base}/quiz?attempt={done.id}")
    settle(page)
    see(page, "Passed (pass mark")
    page.get_by_test_id("stSidebar").get_by_role("link", name="Quizzes & exams").click()
    settle(page)
    expect(page.get_by_text("Passed (pass mark")).to_have_count(0)
    expect(page.get_by_role("heading", name="Quizzes", level=1)).to_be_visible()
    expect(page.get_by_test_id("stMain").get_by_text(COURSE.modules["history"].title, exact=True)).to_be_visible()
    expect(page).not_to_have_url(re.compile("attempt="))  # the URL says where the trainee is (B1d)
    page.reload()
    settle(page)
    expect(page.get_by_role("heading", name="Quizzes", level=1)).to_be_visible()


@pytest.mark.parametrize("who,viewport", [("rita", DESKTOP), ("pia", PHONE)], ids=["1280px", "390px"])
def test_spaced_review_one_card_rated_with_its_next_interval(server, world, browser, who, viewport):
    """B6 and issue 13 §3: a card reviewed right stayed "due now"; the review rates like Anki, on any screen."""
    base, _ = server
    db, attempts, user_id = world["db"], world["attempts"], world["ids"][who]
    simple = [c for c in cards(db, user_id) if COURSE.question(c.question_id).type in ("single_choice", "true_false")]
    context, page = _context(browser, viewport)
    try:
        sign_in(page, base, who, PASSWORD)
        page.goto(base + "/review")
        settle(page)
        due = page.get_by_test_id("stMetric").filter(has_text="Cards due now").get_by_test_id("stMetricValue")
        before = int(due.inner_text())
        assert before == len(cards(db, user_id))
        session = start_review_session(attempts, user_id, [simple[0].question_id])
        page.reload()
        settle(page)
        see(page, "Card 1 of 1")
        item = attempts.load(session, user_id).items[0]
        main = page.get_by_test_id("stMain")
        answer_correctly(page, main, item)
        click_button(page, "Show the answer")
        see(page, "How well did you know it?")
        for label in ("Again", "Hard", "Good", "Easy"):
            button = main.get_by_role("button", name=f"{label} · ", exact=False)
            expect(button).to_be_visible()
            button.scroll_into_view_if_needed()
            expect(button).to_be_in_viewport()
            box = button.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        expect(main.get_by_role("button", name="Good · 10 min", exact=False)).to_be_visible()
        main.get_by_role("button", name="Good · ", exact=False).click()
        settle(page)
        see(page, "Review session finished: 1 card reviewed.")
        expect(due).to_have_text(str(before - 1))  # it leaves "due now"
        see(page, "Next card comes back in 10 minutes")
    finally:
        context.close()


def test_exam_navigator_on_a_phone(server, world, browser):
    """Issue 13 §2 on a 390 px screen: the navigator opens from the menu button and jumps to a question."""
    base, _ = server
    attempts, user_id = world["attempts"], world["ids"]["pia"]
    attempt_id = attempts.start(user_id, "certification")
    context, phone = _context(browser, PHONE)
    try:
        sign_in(phone, base, "pia", PASSWORD)
        phone.goto(f"{base}/quiz?attempt={attempt_id}")
        settle(phone)
        see(phone, "Question 1 of 60")
        phone.get_by_test_id("stExpandSidebarButton").click()
        nav = phone.get_by_test_id("stSidebar")
        target = nav.get_by_role("radio", name="12 ○", exact=True)
        expect(target).to_be_visible()
        nav.get_by_text("12 ○", exact=True).click()
        settle(phone)
        see(phone, "Question 12 of 60")
        assert "q=12" in phone.url
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"]  # nothing sticks out sideways
    finally:
        context.close()


def test_a_blank_safety_critical_question_is_not_called_answered_wrongly(server, world, page):
    """B14: after an exam with blanks the banner said the safety-critical questions were "answered wrongly"."""
    base, _ = server
    attempts, user_id = world["attempts"], world["ids"]["ines"]
    quiz = max(COURSE.modules.values(), key=lambda m: sum(q.critical for q in m.quiz.questions)).id
    critical = {q.id for q in COURSE.modules[quiz].quiz.questions if q.critical}
    spec = attempts.spec(quiz)
    seed = next(s for s in range(1000) if critical & {d.question_id for d in attempts._draw(spec, s)})
    state = take(attempts, user_id, quiz, False, rest="blank", seed=seed)  # a draw with a critical question
    assert state.critical_failed
    sign_in(page, base, "ines", PASSWORD)
    page.goto(f"{base}/quiz?attempt={state.id}")
    settle(page)
    banner = page.get_by_test_id("stAlert").filter(has_text="safety-critical")
    expect(banner.first).to_contain_text("left unanswered")
    expect(banner.first).not_to_contain_text("answered wrongly (")
