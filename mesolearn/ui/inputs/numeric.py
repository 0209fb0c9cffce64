"""Numeric: a text field (so that a decimal comma works); the value is the typed text, which the
numeric type reads (and refuses with a message when it is not a plain finite number). Blank is no answer.

Phones show a number keyboard for the field (``inputmode="decimal"``, UX review B16): Streamlit's text_input has no
such parameter, and ``st.number_input`` would turn a blank into 0 and refuse a decimal comma. So the field sits in a
container keyed ``keys.decimal_key`` and a small script, installed once per browser tab, sets the attribute on every
input inside such containers, including the ones Streamlit draws later (it watches the page for new inputs).
The calculated type's field uses the same helper.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from mesolearn.questions import numeric
from mesolearn.questions.base import QuestionView
from mesolearn.ui.inputs import BrowserStep, Changed, Renderer, WidgetValue
from mesolearn.ui.keys import decimal_key

_DECIMAL_SCRIPT = """<script>
if (!window.mesolearnDecimal) {
  const mark = () => document.querySelectorAll('[class*="-inputmode-decimal"] input').forEach((el) => {
    if (el.getAttribute("inputmode") !== "decimal") el.setAttribute("inputmode", "decimal");
  });
  window.mesolearnDecimal = new MutationObserver(mark);
  window.mesolearnDecimal.observe(document.body, {childList: true, subtree: true});
  mark();
}
</script>"""


def number_field(label: str, value: str, key: str, changed: Changed, disabled: bool) -> None:
    """A text field for a number that opens the number keyboard on phones (see the module docstring)."""
    with st.container(key=decimal_key(key)):
        st.text_input(
            label,
            value=value,
            key=key,
            on_change=lambda: changed(st.session_state[key]),
            disabled=disabled,
            max_chars=numeric.MAX_CHARS,
            placeholder="Type a number and press Enter",
        )
    st.html(_DECIMAL_SCRIPT, unsafe_allow_javascript=True)


class NumericRenderer(Renderer):
    qtype = numeric.TYPE
    hint = "Enter a number."

    def render(self, view: QuestionView, shown: Any, key: str, label: str, changed: Changed, disabled: bool) -> None:
        number_field(
            f"{label} ({view.unit})" if view.unit else label,
            "" if shown is None else f"{shown:g}",
            key,
            changed,
            disabled,
        )

    def widget_values(self, view: QuestionView, key: str, shown: Any) -> list[WidgetValue]:
        return [("text_input", key, "" if shown is None else f"{shown:g}")]

    def browser_steps(self, q: Any) -> list[BrowserStep]:
        return [("fill", f"{q.answer:g}")]


RENDERER = NumericRenderer()
