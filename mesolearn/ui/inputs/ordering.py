"""Ordering: the items as a list the trainee arranges with "Move X up" / "Move X down" buttons (no dropdowns, no
JavaScript component; readable and usable on a phone). The value is, for each position, the display position of
the item placed there (or None).

Rules:
* The list first shows the items in their drawn (shuffled) order, and that starting order is *not* an answer: an
  untouched list counts as unanswered. Each move saves the whole arrangement as the answer; "Keep this order as my
  answer" saves the order shown without moving anything.
* The arrangement is also a field of letters ("Or type the letters in order"), for keyboard users: each letter once,
  so an item cannot be in two positions (UX review B10); fewer letters than items is an incomplete answer, which the
  type's ``incomplete`` warns about and practice will not check.
* A move reads the arrangement from the session, not from the run that drew the button, so two quick clicks both
  count.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from mesolearn.content.text import course_markdown
from mesolearn.questions import ordering
from mesolearn.questions.base import QuestionView
from mesolearn.ui.inputs import BrowserStep, Changed, Renderer, WidgetValue, letter
from mesolearn.ui.keys import move_key

KEEP = "Keep this order as my answer"


def _placed(shown: Any) -> list[int]:
    return [p for p in (shown or []) if p is not None]


def _arrangement(placed: list[int], n: int) -> list[int]:
    """Display positions first to last: the placed items, then the others in their drawn order."""
    seen = [p for i, p in enumerate(placed) if isinstance(p, int) and 0 <= p < n and p not in placed[:i]]
    return seen + [i for i in range(n) if i not in seen]


def _move_label(item: int, direction: str) -> str:
    return f"Move {letter(item)} {direction}"


def _padded(letters: list[int], n: int) -> list[int | None] | None:
    return None if not letters else [*letters, *[None] * (n - len(letters))]


class OrderingRenderer(Renderer):
    qtype = ordering.TYPE
    hint = "Arrange the items in the right order with the Move buttons; each move is saved as your answer."

    def render(self, view: QuestionView, shown: Any, key: str, label: str, changed: Changed, disabled: bool) -> None:
        n = len(view.items)
        placed = _placed(shown)
        arrangement = _arrangement(placed, n)

        def save(order: list[int]) -> None:
            st.session_state[key] = list(order)  # the letters field follows
            changed(list(order))

        def move(item: int, step: int) -> None:
            order = _arrangement(list(st.session_state.get(key) or placed), n)
            pos = order.index(item)
            if 0 <= pos + step < n:
                order[pos], order[pos + step] = order[pos + step], order[pos]
                save(order)

        if not placed:
            st.caption("Not answered yet: this is only the starting order. Move the items, or keep this order.")
        for pos, item in enumerate(arrangement):
            where = f"**{pos + 1}.**" if not placed or pos < len(placed) else "_not placed yet:_"
            st.markdown(f"{where} {letter(item)}. {course_markdown(view.items[item])}")
            with st.container(horizontal=True, gap="small"):
                st.button(
                    _move_label(item, "up"),
                    key=move_key(key, item, "up"),
                    on_click=move,
                    args=(item, -1),
                    disabled=disabled or pos == 0,
                )
                st.button(
                    _move_label(item, "down"),
                    key=move_key(key, item, "down"),
                    on_click=move,
                    args=(item, 1),
                    disabled=disabled or pos == n - 1,
                )
        if len(placed) < n and not disabled:
            st.button(KEEP, key=move_key(key, n, "keep"), on_click=save, args=(arrangement,))
        st.multiselect(
            "Or type the letters in order, first to last",
            range(n),
            default=placed,
            format_func=letter,
            key=key,
            on_change=lambda: changed(_padded(list(st.session_state.get(key) or []), n)),
            disabled=disabled,
            placeholder="e.g. C, A, B",
            max_selections=n,
        )

    def widget_values(self, view: QuestionView, key: str, shown: Any) -> list[WidgetValue]:
        return [("multiselect", key, _placed(shown))]

    def browser_steps(self, q: Any) -> list[BrowserStep]:
        """Items drawn in their written order (layout-free): keeping the starting order is the answer."""
        return [("press", KEEP)]

    def browser_steps_for(self, q: Any, layout: Any) -> list[BrowserStep]:
        """From the untouched list, move each item up to its place (the drawn order is never the answer)."""
        drawn = layout["items"]
        target = [drawn.index(i) for i in range(len(q.items))]
        order = list(range(len(q.items)))
        steps: list[BrowserStep] = []
        for pos, item in enumerate(target):
            at = order.index(item)
            while at > pos:
                steps.append(("press", _move_label(item, "up")))
                order[at - 1], order[at] = order[at], order[at - 1]
                at -= 1
        return steps or [("press", KEEP)]


RENDERER = OrderingRenderer()
