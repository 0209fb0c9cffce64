"""The cohort service as one object: ``Cohorts`` joins the parts, each in the module named for what it holds.

- ``cohorts.py``: cohorts, membership, invite codes and joining;
- ``enrolment.py``: CSV enrolment (accounts created from a list);
- ``assignments.py``: assignments with due dates, and "which quizzes are assigned to me" (one function);
- ``overrides.py``: granting accommodations (the rule itself is ``mesolearn.quiz.overrides``);
- ``base.py``: the shared state, lookups and :class:`CohortError`.

The public names that lived in this module before the split stay importable from here, so code written against it
(other branches) keeps working; new code imports them from the module that holds them.
"""

from __future__ import annotations

from mesolearn.cohorts.assignments import (
    NO_RESULT,
    STATUSES,
    AssignmentInfo,
    AssignmentManagement,
    EffectiveAssignment,
    QuizResult,
    Status,
    effective_assignments,
    graded_results,
)
from mesolearn.cohorts.base import MAX_NAME, CohortError, naive_utc
from mesolearn.cohorts.cohorts import (
    INVITE_ALPHABET,
    INVITE_LENGTH,
    CohortInfo,
    CohortManagement,
    Member,
    format_invite,
    new_invite_code,
    normalise_invite,
)
from mesolearn.cohorts.enrolment import (
    MAX_CSV_CHARS,
    MAX_CSV_ROWS,
    MAX_EMAIL,
    PASSWORD_ALPHABET,
    CreatedAccount,
    Enrolment,
    ExistingAccount,
    ImportResult,
    RowError,
    new_password,
)
from mesolearn.cohorts.overrides import OverrideManagement
from mesolearn.content.catalogue import quiz_catalogue, quiz_kind_title
from mesolearn.quiz.overrides import MAX_EXTRA_ATTEMPTS, MAX_EXTRA_MINUTES, OverrideInfo

__all__ = [
    "INVITE_ALPHABET",
    "INVITE_LENGTH",
    "MAX_CSV_CHARS",
    "MAX_CSV_ROWS",
    "MAX_EMAIL",
    "MAX_EXTRA_ATTEMPTS",
    "MAX_EXTRA_MINUTES",
    "MAX_NAME",
    "NO_RESULT",
    "PASSWORD_ALPHABET",
    "STATUSES",
    "AssignmentInfo",
    "CohortError",
    "CohortInfo",
    "Cohorts",
    "CreatedAccount",
    "EffectiveAssignment",
    "ExistingAccount",
    "ImportResult",
    "Member",
    "OverrideInfo",
    "QuizResult",
    "RowError",
    "Status",
    "effective_assignments",
    "format_invite",
    "graded_results",
    "naive_utc",
    "new_invite_code",
    "new_password",
    "normalise_invite",
    "quiz_catalogue",
    "quiz_kind_title",
]


class Cohorts(CohortManagement, Enrolment, AssignmentManagement, OverrideManagement):
    """Cohorts, CSV enrolment, assignments and overrides (UI-free; errors are :class:`CohortError`)."""
