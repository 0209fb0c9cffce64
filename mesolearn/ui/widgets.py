"""Question widgets and the answer review. Widgets work in display positions only (see quiz.drawing)."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from mesolearn.content.loader import Course
from mesolearn.content.models import ReviewPolicy
from mesolearn.content.text import link_citations, plain_text
from mesolearn.quiz import drawing, grading
from mesolearn.quiz.attempts import Item

TYPE_HINT = {
    "single_choice": "Choose one answer.",
    "multiple_response": "Select all that apply (wrong choices cost marks).",
    "true_false": "True or false?",
    "numeric": "Enter a number.",
    "matching": "Match each item on the left with one on the right.",
    "ordering": "Put the items in the right order: choose the item for each position.",
}


def _parse_number(text: str) -> float | None:
    text = (text or "").strip().replace(",", ".").replace(" ", "")
    if not text:
        return None
    return float(text)  # ValueError is handled by the caller


def question_input(item: Item, key: str, on_answer: Callable[[object], None], disabled: bool = False) -> None:
    """Render one question's input; ``on_answer`` receives the canonical response when it changes."""
    v = item.view
    q, layout = item.question, item.layout
    shown = drawing.to_shown(q, layout, item.response)
    label = f"Answer to question {item.position + 1}"

    def save(value) -> None:
        on_answer(drawing.to_response(q, layout, value))

    st.caption(TYPE_HINT[v.type])
    if v.type == "single_choice":
        st.radio(label, range(len(v.choices)), format_func=lambda i: v.choices[i], index=shown, key=key,
                 label_visibility="collapsed", disabled=disabled,
                 on_change=lambda: save(st.session_state[key]))
    elif v.type == "multiple_response":
        chosen = set(shown or [])

        def changed() -> None:
            save([i for i in range(len(v.choices)) if st.session_state.get(f"{key}-{i}")])

        for i, text in enumerate(v.choices):
            st.checkbox(text, value=i in chosen, key=f"{key}-{i}", on_change=changed, disabled=disabled)
    elif v.type == "true_false":
        st.radio(label, [True, False], format_func=lambda b: "True" if b else "False",
                 index=None if shown is None else (0 if shown else 1), key=key, horizontal=True,
                 label_visibility="collapsed", disabled=disabled, on_change=lambda: save(st.session_state[key]))
    elif v.type == "numeric":
        def number_changed() -> None:
            try:
                value = _parse_number(st.session_state[key])
            except ValueError:
                st.session_state[f"{key}-error"] = "That is not a number; use digits, e.g. 2.5."
                return
            st.session_state.pop(f"{key}-error", None)
            save(value)

        st.text_input(f"{label} ({v.unit})" if v.unit else label, value="" if shown is None else f"{shown:g}",
                      key=key, on_change=number_changed, disabled=disabled, placeholder="Type a number and press Enter")
        if err := st.session_state.get(f"{key}-error"):
            st.error(err)
    elif v.type == "matching":
        current = list(shown or [None] * len(v.lefts))

        def pair_changed() -> None:
            save([st.session_state.get(f"{key}-{i}") for i in range(len(v.lefts))])

        for i, left in enumerate(v.lefts):
            st.selectbox(left, range(len(v.choices)), format_func=lambda j: plain_text(v.choices[j]), index=current[i],
                         key=f"{key}-{i}", placeholder="Choose a match", on_change=pair_changed, disabled=disabled)
    elif v.type == "ordering":
        current = list(shown or [None] * len(v.items))

        def order_changed() -> None:
            save([st.session_state.get(f"{key}-{i}") for i in range(len(v.items))])

        for i in range(len(v.items)):
            st.selectbox(f"Position {i + 1}", range(len(v.items)), format_func=lambda j: plain_text(v.items[j]),
                         index=current[i], key=f"{key}-{i}", placeholder="Choose an item",
                         on_change=order_changed, disabled=disabled)
        picked = [x for x in current if x is not None]
        if len(picked) != len(set(picked)):
            st.warning("You used the same item in two positions.")


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
            st.page_link(lesson_page, label=f"Read again: {module.title} › {section.heading if section else q.section}",
                         icon=":material/menu_book:", query_params={"module": module.id, "section": q.section})
