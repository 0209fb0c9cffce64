"""Session-state keys of the quiz widgets, in one place: the pages, the renderers and the test drivers
(``tests/app_driver.py``) all build them with these functions, never by hand.

``answer_key`` names one question's input in one attempt; a renderer with several widgets names them
``part_key(key, i)``; the other keys hang off the answer key by a suffix.
"""

from __future__ import annotations


def question_box_key(position: int) -> str:
    """The container of the attempt page's question at 1-based ``position`` (its heading, prompt, input and flag).
    Browser tests find it by the class Streamlit gives a keyed element (``st-key-<key>``)."""
    return f"question-box-{position}"


def answer_key(attempt_id: int, question_id: str) -> str:
    return f"a{attempt_id}-{question_id}"


def part_key(key: str, i: int) -> str:
    """The i-th widget of a question input with several (checkboxes, one selectbox per row)."""
    return f"{key}-{i}"


def error_key(key: str) -> str:
    """Where a refused answer's message waits to be shown under the input."""
    return f"{key}-error"


def done_key(key: str) -> str:
    """The read-only input of a practice answer already checked."""
    return f"{key}-done"


def pending_key(key: str) -> str:
    """A practice answer chosen but not checked yet."""
    return f"{key}-pending"


def check_key(key: str) -> str:
    return f"{key}-check"


def flag_key(key: str) -> str:
    return f"{key}-flag"


def report_key(key: str) -> str:
    return f"{key}-report"


def move_key(key: str, item: int, direction: str) -> str:
    """An ordering question's button that moves the item shown at display position ``item`` up or down."""
    return f"{key}-move-{item}-{direction}"


def decimal_key(key: str) -> str:
    """The container of a number field: the page asks phones for a number keyboard on inputs inside it."""
    return f"{key}-inputmode-decimal"
