"""A third yardstick for bench_load.py (``--yardstick hello-fragment``): the hello page with its radio in an
``st.fragment``, as a MesoLearn answer is. A click reruns the fragment (one widget) instead of the page (three
elements), so the figures are what Streamlit's fragment machinery costs on its own for the smallest possible click:
no database, no other element, no MesoLearn code. Compare it with hello in the same run.
"""

import streamlit as st


@st.fragment
def pick() -> None:
    st.radio("Pick one", ["alpha", "beta", "gamma", "delta"], index=None, key="pick")


st.title("Hello")
pick()
st.write("You picked.")
