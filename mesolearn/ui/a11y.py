"""Accessibility fixes the app makes to Streamlit's defaults (WCAG 2.2 AA, checked by axe-core in
``tests/e2e/test_browser_accessibility.py``).

* Captions (``st.caption``) are drawn by Streamlit at 60 % opacity: grey text at about 3.9:1 on white and their
  links at about 3:1, under the 4.5:1 that normal-size text needs (axe ``color-contrast``). They are drawn at
  85 % instead (about 8:1 for text and 5:1 for links in the light theme; relative, so a dark theme keeps its
  colours).
* Streamlit's own grouped page menu puts each group's ``<li>`` items in a ``<div>`` inside its ``<ul>`` (axe
  ``list`` and ``listitem``, serious); the app draws its own menu instead (:func:`mesolearn.ui.nav.menu`).

The style sheet is sent on every run (a style-only ``st.html`` goes to Streamlit's event container and takes no
space on the page).
"""

from __future__ import annotations

import streamlit as st

APP_CSS = """<style>
[data-testid="stCaptionContainer"] { opacity: 0.85 !important; }
</style>"""


def style() -> None:
    st.html(APP_CSS)
