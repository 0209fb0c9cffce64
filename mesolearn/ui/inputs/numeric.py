"""Numeric: a text field (so that a decimal comma works); the value is the typed text, which the
numeric type reads (and refuses with a message when it is not a plain finite number)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from mesolearn.questions import numeric
from mesolearn.questions.base import QuestionView
from mesolearn.ui.inputs import AppTestStep, BrowserStep, Changed, Renderer


class NumericRenderer(Renderer):
    qtype = numeric.TYPE
    hint = "Enter a number."

    def render(self, view: QuestionView, shown: Any, key: str, label: str, changed: Changed, disabled: bool) -> None:
        st.text_input(
            f"{label} ({view.unit})" if view.unit else label,
            value="" if shown is None else f"{shown:g}",
            key=key,
            on_change=lambda: changed(st.session_state[key]),
            disabled=disabled,
            max_chars=numeric.MAX_CHARS,
            placeholder="Type a number and press Enter",
        )

    def apptest_steps(self, view: QuestionView, key: str, shown: Any) -> list[AppTestStep]:
        return [("text_input", key, "" if shown is None else f"{shown:g}")]

    def browser_steps(self, q: Any) -> list[BrowserStep]:
        return [("fill", f"{q.answer:g}")]


RENDERER = NumericRenderer()
