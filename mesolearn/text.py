"""Words on screen that depend on a number: "1 trainee", "2 trainees", never "(1 trainees)" or "trainee(s)".

Rule: the singular for exactly 1 (and -1), the plural for everything else, 0 included ("0 cards"). The plural is
the word plus "s" unless given (``plural(n, "reply", "replies")``). No Streamlit: the core and the pages use it.
"""

from __future__ import annotations


def plural(n: int | float, word: str, many: str | None = None) -> str:
    """``n`` followed by ``word`` in the right number: ``plural(1, "trainee") == "1 trainee"``."""
    number = f"{n:g}" if isinstance(n, float) and not n.is_integer() else f"{int(n)}"
    return f"{number} {word if abs(n) == 1 else (many or word + 's')}"
