"""The yardstick page for bench_load.py: three elements, one of them a widget a click changes.

Run by the benchmark with the same `.streamlit/config.toml` as the app, so the difference between the two
is what MesoLearn's pages cost, not what Streamlit costs.
"""

import streamlit as st

st.title("Hello")
choice = st.radio("Pick one", ["alpha", "beta", "gamma", "delta"], key="pick")
st.write(f"You picked {choice}.")
