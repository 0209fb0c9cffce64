"""Calculated: a text field like numeric's (a decimal comma works), labelled with the unit; the numbers to
calculate with are in the prompt the view already filled in. The typed text is read by the calculated type,
which pairs it with the values drawn for this attempt on the server. Phones show a number keyboard
(``numeric.number_field``)."""

from __future__ import annotations

from typing import Any

from mesolearn.questions import calculated
from mesolearn.questions.base import QuestionView
from mesolearn.ui.inputs import BrowserStep, Changed, Renderer, WidgetValue
from mesolearn.ui.inputs.numeric import number_field


def _text(shown: Any) -> str:
    return "" if shown is None else f"{shown:.12g}"


class CalculatedRenderer(Renderer):
    qtype = calculated.TYPE
    hint = "Calculate with the numbers given and enter the result."

    def render(self, view: QuestionView, shown: Any, key: str, label: str, changed: Changed, disabled: bool) -> None:
        number_field(f"{label} ({view.unit})" if view.unit else label, _text(shown), key, changed, disabled)

    def widget_values(self, view: QuestionView, key: str, shown: Any) -> list[WidgetValue]:
        return [("text_input", key, _text(shown))]

    def browser_steps(self, q: Any) -> list[BrowserStep]:
        return [("fill", _text(calculated.TYPE.correct_response(q)["value"]))]

    def browser_steps_for(self, q: Any, layout: Any) -> list[BrowserStep]:
        return [("fill", _text(calculated.TYPE.correct_for(q, layout)["value"]))]


RENDERER = CalculatedRenderer()
