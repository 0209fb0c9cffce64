"""True/false: a horizontal radio of True and False; the value is the bool."""

from __future__ import annotations

from typing import Any

import streamlit as st

from mesolearn.questions import true_false
from mesolearn.questions.base import QuestionView
from mesolearn.ui.inputs import AppTestStep, BrowserStep, Changed, Renderer


class TrueFalseRenderer(Renderer):
    qtype = true_false.TYPE
    hint = "True or false?"

    def render(self, view: QuestionView, shown: Any, key: str, label: str, changed: Changed, disabled: bool) -> None:
        st.radio(
            label,
            [True, False],
            format_func=lambda b: "True" if b else "False",
            index=None if shown is None else (0 if shown else 1),
            key=key,
            horizontal=True,
            label_visibility="collapsed",
            disabled=disabled,
            on_change=lambda: changed(st.session_state[key]),
        )

    def apptest_steps(self, view: QuestionView, key: str, shown: Any) -> list[AppTestStep]:
        return [("radio", key, shown)]

    def browser_steps(self, q: Any) -> list[BrowserStep]:
        return [("click", "True" if q.answer else "False")]


RENDERER = TrueFalseRenderer()
