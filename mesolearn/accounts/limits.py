"""Limits on text that people type, enforced in the core so no page can forget them.

Rules (one place for every form: registration, account creation, CSV enrolment, cohorts, reports):

* Text is normalised to Unicode NFC, so a name typed on two keyboards is stored once.
* NUL and other control characters (Unicode category ``Cc``) are refused; multi-line text (problem reports)
  may contain newlines and tabs. Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) and lone
  surrogates are refused too: they can make a name on a certificate read differently from what was stored.
* Lengths match the database columns (SQLite ignores ``String(n)``; PostgreSQL raises ``DataError``), counted
  in characters after normalisation and stripping. ``MAX_*`` constants are the single source of those numbers;
  pages pass the same numbers to ``max_chars``.

A refusal is a :class:`TextError` (a ``ValueError``) whose message names the field, e.g.
``"Your name: at most 120 characters (it has 121)."``.
"""

from __future__ import annotations

import unicodedata

MAX_NAME = 120  # users.display_name, cohorts.name, certificates.holder_name
MAX_USERNAME = 32  # the username rule allows 3 to 32 characters (column: 64)
MAX_EMAIL = 254  # users.email (RFC 5321 path limit)
MAX_PASSWORD = 1024  # argon2 accepts more; nobody types more, and the hash work stays bounded
MAX_CODE = 64  # invite and certificate codes as typed (with spaces and dashes)
MAX_REPORT = 2000  # question_reports.message

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MULTILINE_ALLOWED = frozenset("\n\t")


class TextError(ValueError):
    """A message meant for the person at the keyboard."""


def bad_character(text: str, multiline: bool = False) -> str | None:
    """A description of the first character that is not allowed, or None."""
    for ch in text:
        if multiline and ch in _MULTILINE_ALLOWED:
            continue
        if ch == "\x00":
            return "a NUL character"
        category = unicodedata.category(ch)
        if category == "Cc":
            return f"a control character (U+{ord(ch):04X})"
        if category == "Cs":
            return "an invalid character"
        if ch in _BIDI_CONTROLS:
            return f"a text-direction control character (U+{ord(ch):04X})"
    return None


def clean(text: str | None, label: str, max_chars: int, *, multiline: bool = False, collapse: bool = False) -> str:
    """``text`` normalised (NFC, stripped; ``collapse`` joins runs of white space), or :class:`TextError`.

    An empty result is returned as ``""``: whether a field is required is the caller's rule.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        raise TextError(f"{label}: expected text.")
    if len(text) > 4 * max_chars + 64:  # refuse huge input before normalising it
        raise TextError(f"{label}: at most {max_chars} characters.")
    value = unicodedata.normalize("NFC", text).strip()
    problem = bad_character(value, multiline=multiline)
    if problem:
        raise TextError(f"{label}: contains {problem}, which is not allowed.")
    if collapse:
        value = " ".join(value.split())
    if len(value) > max_chars:
        raise TextError(f"{label}: at most {max_chars} characters (it has {len(value)}).")
    return value
