"""Instructor tools for groups of trainees: cohorts and invite codes, CSV enrolment, assignments and overrides,
and the gradebook. No Streamlit.

``Cohorts`` (``service.py``) is one object over the parts, each in the module named for what it holds:
``cohorts.py``, ``enrolment.py``, ``assignments.py``, ``overrides.py`` (``base.py``: what they share). Item
statistics are in ``mesolearn.analytics.quiz_report``; trainees' question reports in ``mesolearn.quality``.
"""

from mesolearn.cohorts.assignments import STATUSES, AssignmentInfo, EffectiveAssignment, Status
from mesolearn.cohorts.base import CohortError
from mesolearn.cohorts.cohorts import CohortInfo, Member
from mesolearn.cohorts.enrolment import CreatedAccount, ExistingAccount, ImportResult, RowError
from mesolearn.cohorts.gradebook import GradebookRow, gradebook, to_csv
from mesolearn.cohorts.service import Cohorts
from mesolearn.quiz.overrides import OverrideInfo

__all__ = [
    "STATUSES",
    "AssignmentInfo",
    "CohortError",
    "CohortInfo",
    "Cohorts",
    "CreatedAccount",
    "EffectiveAssignment",
    "ExistingAccount",
    "GradebookRow",
    "ImportResult",
    "Member",
    "OverrideInfo",
    "RowError",
    "Status",
    "gradebook",
    "to_csv",
]
