"""A page with one question of the type named in the ``type`` query parameter, drawn through the
registered renderer (the contract test drives it with AppTest). The canonical response the input
reports is kept in ``st.session_state["saved"]`` and shown again on the next run, as an attempt does."""

import random

import streamlit as st

from mesolearn.questions.registry import TYPES
from mesolearn.quiz.attempts import Item
from mesolearn.ui import keys
from mesolearn.ui.widgets import question_input

qtype = TYPES[st.query_params["type"]]
q = qtype.sample()
layout = qtype.make_layout(q, random.Random(7))
item = Item(0, q, layout, st.session_state.get("saved"))
st.markdown(q.prompt)
question_input(item, keys.answer_key(1, q.id), lambda response: st.session_state.__setitem__("saved", response))
