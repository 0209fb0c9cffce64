"""Lessons in a real browser: the printable lesson (whole lesson on one page; when printed, no sidebar, header or
toolbar) and search across lessons (a hit opens the lesson at that section; a query is shown as typed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from mesolearn.content import load_course
from mesolearn.content.search import index_for
from mesolearn.storage import Database
from tests.e2e.streamlit_page import see, settle, sign_in
from tests.factories import PASSWORD, instructor_and_trainee

pytestmark = pytest.mark.browser
COURSE = load_course(Path(__file__).resolve().parents[2])


@pytest.fixture(scope="module")
def trainee(server):
    _, db_url = server
    db = Database(db_url)
    yield instructor_and_trainee(db, "lena", "Lena Reader")
    db.dispose()


def test_the_printable_lesson_has_the_whole_lesson_and_prints_without_the_app_around_it(server, trainee, page):
    base, _ = server
    module = next(m for m in COURSE.modules.values() if any(s.figure for s in m.lesson.sections))
    lesson = module.lesson
    sign_in(page, base, "lena", PASSWORD)
    page.goto(f"{base}/lesson?module={module.id}")
    settle(page)
    with page.context.expect_page() as opened:  # the lesson's link opens the print view in a new tab
        page.get_by_role("link", name="Print this lesson").click()
    printable = opened.value
    printable.wait_for_load_state()
    settle(printable)
    assert "print=1" in printable.url
    main = printable.locator('[data-testid="stMain"]')
    for n, section in enumerate(lesson.sections, start=1):  # every section on one page
        expect(main.get_by_role("heading", name=f"{n}. {section.heading}")).to_be_visible()
    expect(main.get_by_role("heading", name="Key points")).to_be_visible()
    expect(main.get_by_role("heading", name="References")).to_be_visible()
    figures = [s.figure for s in lesson.sections if s.figure]
    images = main.locator("figure img")
    expect(images).to_have_count(len(figures))
    assert [images.nth(i).get_attribute("alt") for i in range(len(figures))] == [f.alt for f in figures]
    sidebar, header = printable.locator('[data-testid="stSidebar"]'), printable.locator('[data-testid="stHeader"]')
    back = main.get_by_role("link", name="← Back to the lesson")
    expect(sidebar).to_be_visible()
    expect(back).to_be_visible()

    printable.emulate_media(media="print")
    expect(sidebar).to_be_hidden()
    expect(header).to_be_hidden()
    expect(back).to_be_hidden()
    expect(main.get_by_role("heading", name=f"1. {lesson.sections[0].heading}")).to_be_visible()
    expect(main.get_by_role("heading", name="References")).to_be_visible()
    printable.close()


def test_search_finds_sections_and_opens_the_lesson_at_the_one_chosen(server, trainee, page):
    base, _ = server
    sign_in(page, base, "lena", PASSWORD)
    page.get_by_role("link", name="Search lessons").click()
    settle(page)
    box = page.get_by_role("textbox", name="Words to find in the lessons")
    box.fill("procaine")
    box.press("Enter")
    settle(page)
    best = index_for(COURSE).search("procaine")
    results = page.locator('[data-testid="stMain"] [data-testid="stPageLink"]')
    expect(results.first).to_contain_text(best[0].heading)
    expect(results).to_have_count(len(best))
    captions = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]')
    expect(captions.filter(has_text=best[0].module_title).first).to_be_visible()  # which lesson a hit is in
    expect(page.locator('[data-testid="stMain"] strong').filter(has_text="rocaine").first).to_be_visible()
    results.first.click()
    settle(page)
    assert f"module={best[0].module_id}" in page.url and f"section={best[0].section_id}" in page.url
    expect(page.get_by_role("heading", name=best[0].heading, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=best[0].module_title, level=1)).to_be_visible()


def test_a_search_query_is_shown_as_typed_never_as_markup(server, trainee, page):
    base, _ = server
    sign_in(page, base, "lena", PASSWORD)
    page.goto(f"{base}/search")
    settle(page)
    box = page.get_by_role("textbox", name="Words to find in the lessons")
    box.fill("<b>zebra</b> **stripes**")
    box.press("Enter")
    settle(page)
    see(page, "No section contains every word of “<b>zebra</b> **stripes**”")
    expect(page.locator('[data-testid="stMain"] [data-testid="stAlert"] b')).to_have_count(0)
    expect(page.locator('[data-testid="stMain"] [data-testid="stAlert"] strong')).to_have_count(0)
