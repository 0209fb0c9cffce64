"""Small Playwright helpers for Streamlit pages: wait for reruns, find widgets by label."""
from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def settle(page: Page) -> None:
    """Wait until the app has finished its rerun."""
    page.wait_for_timeout(150)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
    page.wait_for_timeout(100)


def fill(page: Page, label: str, value: str, scope: Locator | Page | None = None) -> None:
    (scope or page).get_by_label(label, exact=True).fill(value)


def click_button(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    settle(page)


def question_box(page: Page, n: int, total: int) -> Locator:
    """The innermost block holding the question's heading and its inputs."""
    heading = page.get_by_text(f"Question {n} of {total}", exact=False)
    return page.locator('[data-testid="stVerticalBlock"]').filter(has=heading).filter(
        has=page.locator("input")).last


def choose_option(page: Page, box: Locator, label: str, option_text: str) -> None:
    """Pick ``option_text`` in the selectbox labelled ``label`` inside ``box``."""
    combo = box.get_by_role("combobox", name=label, exact=True)
    listbox = page.get_by_role("listbox")
    for attempt in range(3):
        combo.click()
        try:
            expect(listbox).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            page.keyboard.press("Escape")
            combo.focus()
            combo.press("ArrowDown")
            try:
                expect(listbox).to_be_visible(timeout=3_000)
                break
            except AssertionError:
                if attempt == 2:
                    page.screenshot(path="/tmp/combobox-failure.png")
                    raise
    listbox.get_by_role("option").filter(has_text=option_text).first.click()
    expect(listbox).to_have_count(0)
    settle(page)


def see(page: Page, text: str) -> None:
    expect(page.get_by_text(text, exact=False).first).to_be_visible()
