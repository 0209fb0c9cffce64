"""Question widgets and the answer review. Widgets work in display positions only (see quiz.drawing).

``question_input`` draws a question through its type's renderer (``mesolearn/ui/inputs/``) and turns
the raw widget value into a canonical response through the type's ``normalise``; a value the type
refuses (not a number, a crafted value that is not one of the choices) is not stored: its message is
shown under the input instead. Before anything is stored the callback checks that the session is still signed
in (a click reruns only the question's fragment, not the page's sign-in check); if it is not, nothing is stored
and the whole app reruns, which shows the sign-in form.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from mesolearn.content.loader import Course
from mesolearn.content.models import ReviewPolicy
from mesolearn.content.text import link_citations
from mesolearn.quiz import drawing, grading
from mesolearn.quiz.attempts import Item
from mesolearn.ui import auth, keys
from mesolearn.ui.inputs import renderer_for


def question_input(
    item: Item, key: str, on_answer: Callable[[object], None], disabled: bool = False, hint: bool = True
) -> None:
    """Render one question's input; ``on_answer`` receives the canonical response when it changes.

    ``hint=False``: the caller draws the type's hint (:func:`answer_hint`) itself, outside the fragment that reruns
    this input on every click (the hint never changes, so a click need not redraw it)."""
    q, layout = item.question, item.layout
    renderer = renderer_for(q)
    shown = drawing.to_shown(q, layout, item.response)
    error = keys.error_key(key)

    def changed(raw: object) -> None:
        if not auth.still_signed_in():  # signed out in another tab: nothing is saved, the app reruns below
            return
        try:
            response = drawing.normalise(q, layout, raw)
        except drawing.ResponseError as exc:
            st.session_state[error] = str(exc)
            return
        st.session_state.pop(error, None)
        on_answer(response)

    if "token" in st.session_state and not st.session_state["token"]:  # still_signed_in() refused a callback
        st.rerun(scope="app")
    if error not in st.session_state:
        _follow_saved_answer(renderer, item, key, shown)
    if hint:
        answer_hint(item)
    renderer.render(item.view, shown, key, f"Answer to question {item.position + 1}", changed, disabled)
    if message := st.session_state.get(error):
        st.error(message)
    elif not disabled and (why := grading.incomplete(q, item.response)):
        st.warning(why, icon=":material/rule:")


def answer_to_check(item: Item, key: str, label: str, hint: bool = True, primary: bool = False) -> object | None:
    """A question answered, then checked with a button (practice's "Check answer", the review's "Show the answer").

    The input keeps the answer in the session as pending (nothing is saved); the button returns the pending answer
    when it is clicked with a whole one, else None. The button is always enabled: its click carries the widgets'
    values, so a pick followed at once by the button counts even before the pick's rerun came back (a button
    disabled until then took such a click for nothing). A click with no answer, or half of one (UX review B10: a
    checked answer is final), says what is missing instead."""
    pending_key = keys.pending_key(key)
    pending = st.session_state.get(pending_key)
    shown = Item(item.position, item.question, item.layout, pending, None, item.flagged)
    question_input(shown, key, lambda r: st.session_state.__setitem__(pending_key, r), hint=hint)
    if not st.button(label, key=keys.check_key(key), type="primary" if primary else "secondary"):
        return None
    why = "Choose an answer first." if pending is None else grading.incomplete(item.question, pending)
    if why:
        st.warning(f"Not checked yet: {why}", icon=":material/rule:")
        return None
    return pending


def answer_hint(item: Item) -> None:
    """One line under the prompt: how to answer a question of this type."""
    st.caption(renderer_for(item.question).hint)


def _follow_saved_answer(renderer, item: Item, key: str, shown: object) -> None:
    """The saved answer wins over what this tab's widgets still hold.

    Another tab or replica may have changed the answer since this tab drew it (security review 7b); Streamlit keeps
    a widget's last value in the session, so the widget would go on showing the old answer while the new one is
    graded. Where a widget's value differs from the saved answer, the saved value is written into the widget's
    state, which Streamlit also sends to the browser (merely dropping the state would leave the browser holding the
    old value, and its next message would save that old value back). Skipped while a refused value waits to be
    corrected, so nothing typed is lost. (``global.disableWidgetStateDuplicationWarning`` in the config keeps
    Streamlit from warning that such a widget also has a default.)
    """
    for _kind, widget_key, value in renderer.widget_values(item.view, key, shown):
        if widget_key in st.session_state and st.session_state[widget_key] != value:
            st.session_state[widget_key] = value


def feedback(
    course: Course, item: Item, policy: ReviewPolicy, lesson_page=None, answer_label: str = "Your answer"
) -> None:
    """Result, correct answer, explanation with linked sources, and a link to the lesson section.

    ``answer_label``: "Your answer" for the trainee; an instructor reviewing a trainee's attempt reads "Their answer".
    """
    q = item.question
    score = item.score if item.score is not None else grading.grade(q, item.response)
    module = course.module_of(q.id)
    if score >= 1:
        st.success("Correct")
    elif score > 0:
        st.warning(f"Partly correct ({score:.0%} of the mark)")
    else:
        st.error("Incorrect" if item.answered else "Not answered")
    refs = module.lesson.references if module else []
    whose = answer_label.split()[0]  # "Your" or "Their"
    own = renderer_for(q).review(q, item.response, policy.show_correct_answers, policy.show_explanations, refs, whose)
    if not own:  # a case draws the path taken beside the best path instead
        st.markdown(f"**{answer_label}:** {grading.response_text(q, item.response)}")
        if policy.show_correct_answers:
            st.markdown(f"**Correct answer:** {grading.answer_text(q)}")
    if policy.show_explanations:
        st.markdown(link_citations(q.explanation, refs))
        if module and lesson_page is not None:
            section = module.lesson.section(q.section)
            st.page_link(
                lesson_page,
                label=f"Read again: {module.title} › {section.heading if section else q.section}",
                icon=":material/menu_book:",
                query_params={"module": module.id, "section": q.section},
            )
