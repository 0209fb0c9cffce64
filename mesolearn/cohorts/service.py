"""The cohort service as one object: ``Cohorts`` joins the parts, each in the module named for what it holds.

- ``cohorts.py``: cohorts, membership, invite codes and joining;
- ``enrolment.py``: CSV enrolment (accounts created from a list);
- ``assignments.py``: assignments with due dates, and "which quizzes are assigned to me" (one function);
- ``overrides.py``: granting accommodations (the rule itself is ``mesolearn.quiz.overrides``);
- ``base.py``: the shared state, lookups and :class:`CohortError`.
"""

from __future__ import annotations

from mesolearn.cohorts.assignments import AssignmentManagement
from mesolearn.cohorts.cohorts import CohortManagement
from mesolearn.cohorts.enrolment import Enrolment
from mesolearn.cohorts.overrides import OverrideManagement


class Cohorts(CohortManagement, Enrolment, AssignmentManagement, OverrideManagement):
    """Cohorts, CSV enrolment, assignments and overrides (UI-free; errors are :class:`CohortError`)."""
