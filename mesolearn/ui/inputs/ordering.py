"""Ordering: one selectbox per position; the value is, for each position, the display position of the
item chosen (or None). An item used twice, or a position left empty, is warned about (the type's
``incomplete``) and a practice answer cannot be checked until it is whole."""

from __future__ import annotations

from typing import Any

import streamlit as st

from mesolearn.content.text import plain_text
from mesolearn.questions import ordering
from mesolearn.questions.base import QuestionView
from mesolearn.ui.inputs import BrowserStep, Changed, Renderer, WidgetValue, letter, lettered_list
from mesolearn.ui.keys import part_key


class OrderingRenderer(Renderer):
    qtype = ordering.TYPE
    hint = "Put the lettered items in the right order: for each position choose the item's letter."

    def render(self, view: QuestionView, shown: Any, key: str, label: str, changed: Changed, disabled: bool) -> None:
        n = len(view.items)
        current = list(shown or [None] * n)

        def picked() -> None:
            changed([st.session_state.get(part_key(key, i)) for i in range(n)])

        lettered_list(view.items)
        for i in range(n):
            st.selectbox(
                f"Position {i + 1}",
                range(n),
                format_func=lambda j: f"{letter(j)}. {plain_text(view.items[j])}",
                index=current[i],
                key=part_key(key, i),
                placeholder="Choose an item",
                on_change=picked,
                disabled=disabled,
            )

    def widget_values(self, view: QuestionView, key: str, shown: Any) -> list[WidgetValue]:
        return [("selectbox", part_key(key, i), value) for i, value in enumerate(shown or [None] * len(view.items))]

    def browser_steps(self, q: Any) -> list[BrowserStep]:
        return [("choose", f"Position {pos + 1}", text) for pos, text in enumerate(q.items)]


RENDERER = OrderingRenderer()
