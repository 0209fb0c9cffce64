"""Single choice: one radio group; the value is the display position of the chosen option."""

from __future__ import annotations

from typing import Any

import streamlit as st

from mesolearn.questions import single_choice
from mesolearn.questions.base import QuestionView
from mesolearn.ui.inputs import AppTestStep, BrowserStep, Changed, Renderer


class SingleChoiceRenderer(Renderer):
    qtype = single_choice.TYPE
    hint = "Choose one answer."

    def render(self, view: QuestionView, shown: Any, key: str, label: str, changed: Changed, disabled: bool) -> None:
        st.radio(
            label,
            range(len(view.choices)),
            format_func=lambda i: view.choices[i],
            index=shown,
            key=key,
            label_visibility="collapsed",
            disabled=disabled,
            on_change=lambda: changed(st.session_state[key]),
        )

    def apptest_steps(self, view: QuestionView, key: str, shown: Any) -> list[AppTestStep]:
        return [("radio", key, shown)]

    def browser_steps(self, q: Any) -> list[BrowserStep]:
        return [("click", q.option_text(q.answer))]


RENDERER = SingleChoiceRenderer()
