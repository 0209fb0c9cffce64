"""Question widgets and the answer review. Widgets work in display positions only (see quiz.drawing).

``question_input`` draws a question through its type's renderer (``mesolearn/ui/inputs/``) and turns
the raw widget value into a canonical response through the type's ``normalise``; a value the type
refuses (not a number, a crafted value that is not one of the choices) is not stored: its message is
shown under the input instead.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from mesolearn.content.loader import Course
from mesolearn.content.models import ReviewPolicy
from mesolearn.content.text import link_citations
from mesolearn.quiz import drawing, grading
from mesolearn.quiz.attempts import Item
from mesolearn.ui import keys
from mesolearn.ui.inputs import renderer_for


def question_input(item: Item, key: str, on_answer: Callable[[object], None], disabled: bool = False) -> None:
    """Render one question's input; ``on_answer`` receives the canonical response when it changes."""
    q, layout = item.question, item.layout
    renderer = renderer_for(q)
    shown = drawing.to_shown(q, layout, item.response)
    error = keys.error_key(key)

    def changed(raw: object) -> None:
        try:
            response = drawing.normalise(q, layout, raw)
        except drawing.ResponseError as exc:
            st.session_state[error] = str(exc)
            return
        st.session_state.pop(error, None)
        on_answer(response)

    st.caption(renderer.hint)
    renderer.render(item.view, shown, key, f"Answer to question {item.position + 1}", changed, disabled)
    if message := st.session_state.get(error):
        st.error(message)
    elif not disabled and (why := grading.incomplete(q, item.response)):
        st.warning(why, icon=":material/rule:")


def feedback(course: Course, item: Item, policy: ReviewPolicy, lesson_page=None) -> None:
    """Result, correct answer, explanation with linked sources, and a link to the lesson section."""
    q = item.question
    score = item.score if item.score is not None else grading.grade(q, item.response)
    module = course.module_of(q.id)
    if score >= 1:
        st.success("Correct")
    elif score > 0:
        st.warning(f"Partly correct ({score:.0%} of the mark)")
    else:
        st.error("Incorrect" if item.answered else "Not answered")
    st.markdown(f"**Your answer:** {grading.response_text(q, item.response)}")
    if policy.show_correct_answers:
        st.markdown(f"**Correct answer:** {grading.answer_text(q)}")
    if policy.show_explanations:
        refs = module.lesson.references if module else []
        st.markdown(link_citations(q.explanation, refs))
        if module and lesson_page is not None:
            section = module.lesson.section(q.section)
            st.page_link(
                lesson_page,
                label=f"Read again: {module.title} › {section.heading if section else q.section}",
                icon=":material/menu_book:",
                query_params={"module": module.id, "section": q.section},
            )
