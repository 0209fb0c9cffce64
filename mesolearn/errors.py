"""The one base class of errors meant for the person at the keyboard.

Rules:
- A :class:`UserError`'s message is written for the user: plain words, what went wrong and what to do, never an
  internal detail (no SQL, no path, no exception name). Pages catch ``UserError`` and show ``str(exc)``.
- Every error a core service raises *on purpose* for bad input or a refused action derives from it:
  attempts (``AttemptError``, ``CustomQuizError``), accounts (``AccountError``), cohorts (``CohortError``),
  question reports (``ReportError``), the exam date (``ExamDateError``), item statistics, certificates and the
  Moodle exchange (``GiftError``, ``MoodleXmlError``).
- Anything else escaping a service is a bug or an outage: the page shows a generic message (see
  ``mesolearn.ui.auth.database_guard``), never the exception's text.
- The subclasses that were ``ValueError`` stay ``ValueError`` too (``class CohortError(UserError, ValueError)``),
  so code catching ``ValueError`` keeps working; ``UserError`` itself is not a ``ValueError``, so a stray
  ``ValueError`` from deep inside (which might carry internals) is not mistaken for a message for the user.

This module imports nothing of MesoLearn: every layer may import it.
"""

from __future__ import annotations


class UserError(Exception):
    """A refusal or a mistake explained to the user: show ``str(exc)`` as it is."""
