"""Accommodations: an instructor grants one trainee extra minutes and/or extra graded attempts on one quiz.

The rule itself (what an override is, its limits, how it is read and written) is in ``mesolearn.quiz.overrides``,
which the attempt engine reads; this part of the cohort service checks who may get one and which quiz it is for.
"""

from __future__ import annotations

from mesolearn.cohorts.base import CohortError, CohortsBase
from mesolearn.quiz import overrides as override_rule
from mesolearn.quiz.overrides import OverrideInfo


class OverrideManagement(CohortsBase):
    """Overrides (a part of :class:`mesolearn.cohorts.Cohorts`)."""

    def set_override(
        self, user_id: int, quiz_id: str, extra_minutes: int = 0, extra_attempts: int = 0
    ) -> OverrideInfo | None:
        """Grant a trainee extra minutes and/or extra graded attempts on one quiz (0 and 0 removes it).

        Extra minutes apply to attempts started afterwards.
        """
        message = override_rule.problem(extra_minutes, extra_attempts)
        if message:
            raise CohortError(message)
        if self.course is not None:
            self._check_quiz(None, quiz_id)
        with self.db.session() as s:
            self._user(s, user_id, "trainee")
            return override_rule.save(s, user_id, quiz_id, extra_minutes, extra_attempts)

    def overrides(self, user_id: int | None = None, quiz_id: str | None = None) -> list[OverrideInfo]:
        with self.db.session() as s:
            return override_rule.find(s, user_id, quiz_id)
