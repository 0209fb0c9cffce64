"""Matching: one selectbox per left-hand text; the value is, for each row, the display position of the
right-hand text chosen (or None)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from mesolearn.content.text import plain_text
from mesolearn.questions import matching
from mesolearn.questions.base import QuestionView
from mesolearn.ui.inputs import BrowserStep, Changed, Renderer, WidgetValue, letter, lettered_list
from mesolearn.ui.keys import part_key


class MatchingRenderer(Renderer):
    qtype = matching.TYPE
    hint = "Match each item with one of the lettered answers: choose its letter in the item's box."

    def render(self, view: QuestionView, shown: Any, key: str, label: str, changed: Changed, disabled: bool) -> None:
        current = list(shown or [None] * len(view.lefts))

        def picked() -> None:
            changed([st.session_state.get(part_key(key, i)) for i in range(len(view.lefts))])

        lettered_list(view.choices)
        for i, left in enumerate(view.lefts):
            st.selectbox(
                left,
                range(len(view.choices)),
                format_func=lambda j: f"{letter(j)}. {plain_text(view.choices[j])}",
                index=current[i],
                key=part_key(key, i),
                placeholder="Choose a match",
                on_change=picked,
                disabled=disabled,
            )

    def widget_values(self, view: QuestionView, key: str, shown: Any) -> list[WidgetValue]:
        return [("selectbox", part_key(key, i), value) for i, value in enumerate(shown or [None] * len(view.lefts))]

    def browser_steps(self, q: Any) -> list[BrowserStep]:
        return [("choose", p.left, p.right) for p in q.pairs]


RENDERER = MatchingRenderer()
