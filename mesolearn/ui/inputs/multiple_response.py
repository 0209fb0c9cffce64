"""Multiple response: one checkbox per option; the value is the list of ticked display positions."""

from __future__ import annotations

from typing import Any

import streamlit as st

from mesolearn.questions import multiple_response
from mesolearn.questions.base import QuestionView
from mesolearn.ui.inputs import AppTestStep, BrowserStep, Changed, Renderer
from mesolearn.ui.keys import part_key


class MultipleResponseRenderer(Renderer):
    qtype = multiple_response.TYPE
    hint = "Select all that apply (wrong choices cost marks)."

    def render(self, view: QuestionView, shown: Any, key: str, label: str, changed: Changed, disabled: bool) -> None:
        chosen = set(shown or [])
        n = len(view.choices)

        def ticked() -> None:
            changed([i for i in range(n) if st.session_state.get(part_key(key, i))])

        for i, text in enumerate(view.choices):
            st.checkbox(text, value=i in chosen, key=part_key(key, i), on_change=ticked, disabled=disabled)

    def apptest_steps(self, view: QuestionView, key: str, shown: Any) -> list[AppTestStep]:
        return [("checkbox", part_key(key, i), i in (shown or [])) for i in range(len(view.choices))]

    def browser_steps(self, q: Any) -> list[BrowserStep]:
        return [("click", q.option_text(a)) for a in q.answers]


RENDERER = MultipleResponseRenderer()
