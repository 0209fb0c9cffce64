"""Streamlit renderers of the question types: one module per type, each defining ``RENDERER``.

A renderer draws one question's widgets from its browser-safe view, in display positions only, and
hands the raw widget value to ``changed``; :func:`mesolearn.ui.widgets.question_input` turns that
into a canonical response through the type's ``normalise`` (or shows the type's message). Widget
keys come from :mod:`mesolearn.ui.keys`. ``widget_values`` says what each widget holds when it shows an
answer: the page uses it to redraw widgets that fell behind the saved answer (another tab changed it), and
AppTest drivers to set an answer (``answer_rounds``: in several rounds with a rerun between them, for a question
answered a step at a time). ``browser_steps`` is test support: what a trainee who knows the answer does in a real
browser. ``review`` may draw a type's own review of an answer (a case: the path taken beside the best path).
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from mesolearn.questions.base import QuestionType, QuestionView

Changed = Callable[[Any], None]
# an AppTest step: (widget kind as in ``at.<kind>(key=...)``, key, value for ``set_value``)
WidgetValue = tuple[str, str, Any]
# a browser step: ("click", text) | ("fill", text) | ("choose", selectbox label, option text) | ("press", button name)
BrowserStep = tuple[str, ...]


class Renderer(ABC):
    qtype: QuestionType
    hint: str  # one line under the prompt: how to answer

    @abstractmethod
    def render(self, view: QuestionView, shown: Any, key: str, label: str, changed: Changed, disabled: bool) -> None:
        """Draw the widgets showing ``shown`` (display positions, or None)."""

    @abstractmethod
    def widget_values(self, view: QuestionView, key: str, shown: Any) -> list[WidgetValue]:
        """(widget kind, key, value) of each widget when it shows ``shown`` (display positions, or None)."""

    def answer_rounds(self, q: Any, layout: Any, key: str, response: Any) -> list[list[WidgetValue]]:
        """(widget kind, key, value) to set so that the input gives ``response`` (canonical), in rounds with a
        rerun after each (AppTest support); by default one round of :meth:`widget_values`."""
        from mesolearn.quiz import drawing

        shown = drawing.to_shown(q, layout, response)
        return [self.widget_values(drawing.view_for(q, layout, response), key, shown)]

    def review(
        self, q: Any, response: Any, show_answer: bool, show_explanation: bool, references: list, whose: str = "Your"
    ) -> bool:
        """Draw the type's own review of ``response`` (after the answer counts) and return True, or return False
        for the usual "your answer / correct answer" lines. ``whose`` is "Your", or "Their" when an instructor
        reviews a trainee's attempt."""
        return False

    @abstractmethod
    def browser_steps(self, q: Any) -> list[BrowserStep]:
        """How a trainee who knows the answer answers ``q`` in the browser (test support for e2e)."""

    def browser_steps_for(self, q: Any, layout: Any) -> list[BrowserStep]:
        """The same for ``q`` as drawn in ``layout`` (a calculated question's numbers); by default
        :meth:`browser_steps`."""
        return self.browser_steps(q)


def letter(i: int) -> str:
    """A, B, C, ... (then AA, AB, ...): the label of the i-th listed choice."""
    return letter(i // 26 - 1) + chr(65 + i % 26) if i >= 26 else chr(65 + i)


def lettered_list(texts: list[str]) -> None:
    """The choices in full, lettered, so that long ones wrap and stay readable on a phone (a dropdown cuts them off
    mid-word, UX review B5); the dropdowns then show the letter first."""
    import streamlit as st

    from mesolearn.content.text import course_markdown

    st.markdown("\n".join(f"{letter(i)}. {course_markdown(t)}" for i, t in enumerate(texts)).replace("\n", "  \n"))


def _discover() -> dict[str, Renderer]:
    found: dict[str, Renderer] = {}
    for info in pkgutil.iter_modules(__path__):
        renderer = getattr(importlib.import_module(f"{__name__}.{info.name}"), "RENDERER", None)
        if isinstance(renderer, Renderer):
            found[renderer.qtype.name] = renderer
    return found


RENDERERS: dict[str, Renderer] = _discover()


def renderer_for(q: Any) -> Renderer:
    name = q if isinstance(q, str) else q.type
    try:
        return RENDERERS[name]
    except KeyError:
        raise LookupError(f"question type {name!r} has no renderer in mesolearn/ui/inputs/") from None
