"""A second yardstick for bench_load.py (``--yardstick fragment``): the quiz page's layout with no MesoLearn code.

Ten bordered questions (heading, prompt), each question's input in its own ``st.fragment`` as on the attempt page:
a caption, a radio whose callback stores the choice (in ``st.session_state``, not a database), a "Flag for review"
checkbox and the "k of N answered" progress line above the questions, rewritten by every fragment. A click reruns
one fragment, so the figures are what Streamlit itself costs for such a click: the floor under a MesoLearn click.
"""

import streamlit as st

N = 10
progress = st.empty()


@st.fragment
def question(i: int) -> None:
    def save() -> None:
        st.session_state.setdefault("given", {})[i] = st.session_state[f"q{i}"]

    st.caption("Choose one answer.")
    st.radio(
        f"Answer to question {i + 1}",
        ["alpha", "beta", "gamma", "delta"],
        index=None,
        key=f"q{i}",
        label_visibility="collapsed",
        on_change=save,
    )
    st.checkbox("Flag for review", key=f"flag{i}", help="Flagged questions are added to your spaced review.")
    answered = len(st.session_state.get("given", {}))
    progress.progress(answered / N, text=f"{answered} of {N} answered")


for i in range(N):
    with st.container(border=True):
        st.markdown(f"**Question {i + 1} of {N}**")
        st.markdown("Which of these is the right answer to this question?")
        question(i)
