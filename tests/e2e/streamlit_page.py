"""Small Playwright helpers for Streamlit pages: wait for reruns, find elements by key (else by label).

Streamlit 1.67 gives an element made with ``key=`` the CSS class ``st-key-<key>`` (characters other than letters,
digits, ``_`` and ``-`` become ``-``). :func:`by_key` finds it; build the key with the named functions of
``mesolearn/ui/keys.py`` (and a renderer's own, e.g. ``ui/inputs/case.confirm_key``), never by hand.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from mesolearn.content.text import plain_text
from mesolearn.ui import keys
from mesolearn.ui.inputs import renderer_for

expect.set_options(timeout=15_000)  # a loaded 2-core CI machine: Streamlit reruns can take seconds

_RUN_FINISHED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.dataset.testConnectionState === "CONNECTED" && app.dataset.testScriptState === "notRunning"
    && !document.querySelector('[data-testid="stStatusWidget"]');
}"""


_RUN_STATE = """(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return null;
  let seen = window.__mesolearnRunState;
  if (!seen || seen.app !== app) {  // counts the app's script-state changes from now on (two per run)
    seen = window.__mesolearnRunState = {app, changed: Date.now(), changes: 0};
    new MutationObserver((records) => { seen.changed = Date.now(); seen.changes += records.length; }).observe(app, {
      attributes: true, attributeFilter: ["data-test-script-state", "data-test-connection-state"]});
  }
  return seen;
})()"""
_QUIET_FOR = f"(ms) => {{ const seen = {_RUN_STATE}; return seen !== null && Date.now() - seen.changed >= ms; }}"
_RUN_BEGAN = f"(before) => {{ const seen = {_RUN_STATE}; return seen !== null && seen.changes > before; }}"


def runs_so_far(page: Page) -> int:
    """How often the app's script state has changed since the page loaded (call it before an action, then
    :func:`settle_after`)."""
    return int(page.evaluate(f"() => {{ const seen = {_RUN_STATE}; return seen === null ? 0 : seen.changes; }}"))


def settle_after(page: Page, before: int, quiet_ms: int = 150) -> None:
    """Wait for the run an action asked for: until it has begun (the state changed since ``before``; at most 5 s, as
    an action may ask for none), then until the app is done and quiet for ``quiet_ms``. On a loaded machine a run
    can begin later than :func:`settle`'s pause, and a check of the database right after would read the old state."""
    try:
        page.wait_for_function(_RUN_BEGAN, arg=before, timeout=5_000)
    except PlaywrightTimeoutError:
        pass
    settle(page, quiet_ms)


def settle(page: Page, quiet_ms: int = 0) -> None:
    """Wait until the app has finished its rerun: the app's own script state, as Streamlit's e2e harness does
    (``wait_for_app_run``), after a short pause that lets the rerun a click asked for begin.

    ``quiet_ms``: also wait until the script state has not changed for that long. A run can start the next one at
    once: a question's first answer on a one-question page reruns the whole page from its fragment, so the
    navigator shows the new state. A click that landed in that second run once left a moved row's old Move button
    on the page (CI, cause not found); the driver clicks only once the app is quiet."""
    page.wait_for_timeout(100)
    page.wait_for_function(_RUN_FINISHED, timeout=60_000)
    if quiet_ms:
        page.wait_for_function(_QUIET_FOR, arg=quiet_ms, timeout=60_000)
        page.wait_for_function(_RUN_FINISHED, timeout=60_000)


def fill(page: Page, label: str, value: str, scope: Locator | Page | None = None) -> None:
    (scope or page).get_by_label(label, exact=True).fill(value)


def click_button(page: Page, name: str) -> None:
    before = runs_so_far(page)
    page.get_by_role("button", name=name, exact=True).click()
    settle_after(page, before, quiet_ms=0)


def key_class(key: str) -> str:
    """The CSS class Streamlit 1.67 gives the element made with ``key`` (its frontend's rule, mirrored)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def by_key(scope: Page | Locator, key: str) -> Locator:
    """The element (widget or container) made with ``key=key``, inside ``scope``."""
    return scope.locator(f".{key_class(key)}")


def question_box(page: Page, n: int, total: int) -> Locator:
    """The attempt page's box of question ``n`` (its heading "Question n of total", prompt, input and flag), found by
    its key (``keys.question_box_key``)."""
    return by_key(page, keys.question_box_key(n)).filter(has_text=f"Question {n} of {total}")


def flag_box(page: Page, attempt_id: int, question_id: str) -> Locator:
    """The "Flag for review" checkbox of one question of an attempt, by its key."""
    return by_key(page, keys.flag_key(keys.answer_key(attempt_id, question_id)))


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
    # the dropdown renders only the options in view: type to filter, as a keyboard user would
    combo.fill(option_text[:30])
    listbox.get_by_role("option").filter(has_text=option_text).first.click()
    expect(listbox).to_have_count(0)
    settle(page)


def see(page: Page, text: str) -> None:
    expect(page.get_by_text(text, exact=False).first).to_be_visible()


def rendered(markdown: str) -> str:
    """Option labels are Markdown: what the trainee reads has no emphasis markers."""
    return re.sub(r"[*_`]", "", markdown)


def click_text(page: Page, box: Locator, text: str) -> None:
    """Click the element reading ``text``. When it is a radio option, see it picked, as a trainee would, and click
    again if it is not: a click that lands while a rerun replaces the page can be dropped by the browser."""
    target = box.get_by_text(text, exact=True)
    radio = box.get_by_role("radio", name=text, exact=True)
    for _ in range(3):
        target.click()
        if radio.count() != 1:
            return
        try:
            expect(radio).to_be_checked(timeout=3_000)
            return
        except AssertionError:
            settle(page)
    expect(radio).to_be_checked()


def answer_correctly(page: Page, box: Locator, item) -> None:
    """Answer one question through its widgets, as a trainee who knows the answer would: the steps come
    from the question type's renderer (mesolearn/ui/inputs/)."""
    for step in renderer_for(item.question).browser_steps_for(item.question, item.layout):
        before = runs_so_far(page)
        if step[0] == "click":
            click_text(page, box, rendered(step[1]))
        elif step[0] == "fill":
            field = box.get_by_role("textbox")
            field.fill(step[1])
            field.press("Enter")
        elif step[0] == "press":
            button = box.get_by_role("button", name=step[1], exact=True)
            expect(button).to_have_count(1)  # a moved row's old button may linger until the rerun's stale nodes go
            button.click()
        elif step[0] == "choose":
            choose_option(page, box, rendered(step[1]), plain_text(step[2]))
        else:
            raise AssertionError(f"unknown browser step {step!r}")
        settle_after(page, before)  # a first answer may rerun the whole page right after its fragment
    settle(page)


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base)
    settle(page)
    fill(page, "Username", username)
    fill(page, "Password", password)
    click_button(page, "Sign in")
    see(page, "Signed in as")
    page.wait_for_function("() => document.cookie.includes('mesolearn_session=')")
