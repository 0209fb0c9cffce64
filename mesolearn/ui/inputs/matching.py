"""Matching: one selectbox per left-hand text; the value is, for each row, the display position of the
right-hand text chosen (or None).

The dropdowns' option labels ("A. text", the text without Markdown) are made once per view and kept in the session
(every row shares them, and a click reruns the question): not once per row and choice on every rerun.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from mesolearn.content.text import plain_text
from mesolearn.questions import matching
from mesolearn.questions.base import QuestionView
from mesolearn.ui.inputs import BrowserStep, Changed, Renderer, WidgetValue, letter, lettered_list
from mesolearn.ui.keys import part_key


def _labels(key: str, choices: list[str]) -> list[str]:
    """The option labels of this view's dropdowns, from the session when the same choices were labelled before."""
    memo_key = f"{key}-labels"
    memo = st.session_state.get(memo_key)
    if memo is None or memo[0] != choices:
        memo = (list(choices), [f"{letter(j)}. {plain_text(text)}" for j, text in enumerate(choices)])
        st.session_state[memo_key] = memo
    return memo[1]


class MatchingRenderer(Renderer):
    qtype = matching.TYPE
    hint = "Match each item with one of the lettered answers: choose its letter in the item's box."

    def render(self, view: QuestionView, shown: Any, key: str, label: str, changed: Changed, disabled: bool) -> None:
        current = list(shown or [None] * len(view.lefts))

        def picked() -> None:
            changed([st.session_state.get(part_key(key, i)) for i in range(len(view.lefts))])

        labels = _labels(key, view.choices)
        lettered_list(view.choices)
        for i, left in enumerate(view.lefts):
            st.selectbox(
                left,
                range(len(view.choices)),
                format_func=labels.__getitem__,
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
