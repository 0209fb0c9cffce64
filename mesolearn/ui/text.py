"""User text inside Markdown: shown as typed, never interpreted.

Streamlit renders ``st.markdown``/``st.success``/``st.error``... bodies as Markdown (links, images fetched from
any server, emphasis, ``:red[...]`` colour directives, KaTeX between dollar signs, raw HTML is off). Any text a
person typed (display names, cohort names, usernames, values echoed in error messages) goes through
:func:`escape_markdown` before it is put into such a string; or it is shown with ``st.text``.
"""

from __future__ import annotations

import re

# every ASCII punctuation character that CommonMark lets a backslash escape, plus ":" (Streamlit's
# ":red[...]" and ":material/...:" directives), "$" (KaTeX) and "~" (strike-through)
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&\"'=^@%/,;?])")


def escape_markdown(text: object) -> str:
    """``text`` as a Markdown fragment that renders literally, on one line (line breaks become spaces)."""
    value = " ".join(str(text).split())
    return _SPECIAL.sub(r"\\\1", value)
