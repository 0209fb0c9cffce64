"""Branching case: the stages walked so far (their text and the decision made, no feedback or score while the case
is open), then the current stage's text, its question as a radio with no default and a "Confirm decision" button.
The button is always enabled: its click carries the radio's value, so a trainee who picks and confirms at once on a
loaded server is never met by a button still disabled from the run before the pick (a click that did nothing).
Confirming with nothing picked says so. Confirming hands the saved path's display positions plus the one just
chosen to ``changed`` (saved at once; the server refuses anything but the saved path plus one decision).
Once the path has ended: "Case complete".

The view (``QuestionType.view_for``) holds nothing of a later stage, so nothing of it reaches the browser early. The
review (after submission, or once a practice case is complete) shows the path taken beside the best path, with each
decision's score and feedback.

AppTest drivers answer in rounds (``answer_rounds``: pick the choice, confirm, rerun); the browser steps click the
choice's text, then "Confirm decision", once per stage of the best path.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from mesolearn.content.text import course_markdown, link_citations
from mesolearn.questions import case
from mesolearn.questions.base import QuestionView
from mesolearn.ui import keys
from mesolearn.ui.inputs import BrowserStep, Changed, Renderer, WidgetValue

CONFIRM = "Confirm decision"


def stage_key(key: str, n: int) -> str:
    """The radio of the n-th stage (1-based) of the case; a new stage is a new widget, so it starts empty."""
    return keys.part_key(key, n)


def confirm_key(key: str, n: int) -> str:
    return f"{keys.part_key(key, n)}-confirm"


class CaseRenderer(Renderer):
    qtype = case.TYPE
    hint = "A patient seen over time: read each stage and decide. A confirmed decision is final."

    def render(self, view: QuestionView, shown: Any, key: str, label: str, changed: Changed, disabled: bool) -> None:
        walked = [s for s in view.stages if s.chosen is not None]
        current = next((s for s in view.stages if s.chosen is None), None)
        for n, s in enumerate(walked, start=1):
            st.markdown(f"**Stage {n} · {course_markdown(s.title)}**")
            st.markdown(course_markdown(s.text))
            st.markdown(course_markdown(s.question))
            st.markdown(f"Your decision: {course_markdown(s.chosen or '')}")
            st.divider()
        if current is None:
            st.success("Case complete", icon=":material/task_alt:")
            return
        n = len(walked) + 1
        st.markdown(f"**Stage {n} · {course_markdown(current.title)}**")
        st.markdown(course_markdown(current.text))
        radio = stage_key(key, n)
        st.radio(
            course_markdown(current.question),
            range(len(view.choices)),
            format_func=lambda i: view.choices[i],
            index=None,
            key=radio,
            disabled=disabled,
        )
        if disabled:
            return
        path = list(shown or [])

        nothing = f"{radio}-nothing-picked"

        def confirm() -> None:
            picked = st.session_state.get(radio)
            if picked is None:
                st.session_state[nothing] = True
            else:
                changed(path + [picked])

        st.button(CONFIRM, key=confirm_key(key, n), on_click=confirm, type="primary")
        if st.session_state.pop(nothing, False):
            st.warning("Pick a decision first, then confirm it.", icon=":material/info:")

    def widget_values(self, view: QuestionView, key: str, shown: Any) -> list[WidgetValue]:
        """No widget holds a saved decision (walked stages are text; the current radio holds an unconfirmed pick),
        so there is nothing for the page to redraw after another tab moved the case on."""
        return []

    def answer_rounds(self, q: Any, layout: Any, key: str, response: Any) -> list[list[WidgetValue]]:
        shown = case.TYPE.to_shown(q, layout, response) if response else []
        rounds: list[list[WidgetValue]] = []
        for n, pos in enumerate(shown, start=1):  # pick, then confirm
            rounds += [[("radio", stage_key(key, n), pos)], [("button", confirm_key(key, n), True)]]
        return rounds

    def browser_steps(self, q: Any) -> list[BrowserStep]:
        steps: list[BrowserStep] = []
        for _, c in q.best_path():
            steps += [("click", c.text), ("click", CONFIRM)]
        return steps

    def review(
        self, q: Any, response: Any, show_answer: bool, show_explanation: bool, references: list, whose: str = "Your"
    ) -> bool:
        try:
            taken = case.walk(q, response)
        except ValueError:
            taken = case.walk(q, None)
        columns = st.columns(2) if show_answer else [st.container()]
        with columns[0]:
            st.markdown(f"**{whose} path**")
            if not taken.steps:
                st.markdown("(no decision made)")
            _path(taken.steps, show_explanation, references)
            if not taken.ended:
                st.caption("The case was not finished.")
        if show_answer:
            with columns[1]:
                st.markdown("**Best path**")
                _path(q.best_path(), show_explanation, references)
        return True


def _path(steps: list, show_explanation: bool, references: list) -> None:
    for n, (stage, choice) in enumerate(steps, start=1):
        mark = " · ⚠️ unsafe (critical)" if choice.critical else ""
        st.markdown(
            f"{n}. **{course_markdown(stage.title)}:** {course_markdown(choice.text)} "
            f"(score {choice.score:g} of 1{mark})"
        )
        if show_explanation:
            st.caption(link_citations(choice.feedback, references))


RENDERER = CaseRenderer()
