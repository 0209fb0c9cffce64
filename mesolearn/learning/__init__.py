"""The learning core (no Streamlit): mastery per objective, FSRS spaced review, custom practice
quizzes and the certification-readiness report. The rules are documented in docs/LEARNING.md.

Typical page flow: after ``Attempts.submit`` call ``spaced.sync_from_attempt``; show
``mastery.mastery_for_user``, ``spaced.due_cards`` and ``readiness.readiness``; start sessions with
``spaced.start_review_session`` or ``custom.build_custom_quiz`` and run them with ``Attempts``.
"""

from mesolearn.learning.custom import (
    CustomQuizError,
    QuestionStatus,
    build_custom_quiz,
    matching_questions,
    question_status,
    start_custom_practice,
)
from mesolearn.learning.mastery import (
    LEVELS,
    AnswerRecord,
    MasteryEvent,
    ModuleMastery,
    ObjectiveMastery,
    answer_records,
    compute_mastery,
    mastery_for_user,
    module_mastery,
    objective_mastery,
)
from mesolearn.learning.readiness import (
    Evidence,
    ModuleReadiness,
    ObjectiveReadiness,
    PassEstimate,
    ReadinessReport,
    estimate_pass,
    readiness,
)
from mesolearn.learning.spaced import (
    ReviewItem,
    SyncResult,
    cards,
    due_cards,
    predicted_recall,
    rating_for,
    record_review,
    start_review_session,
    sync_from_attempt,
    sync_user,
)

__all__ = [
    "LEVELS",
    "AnswerRecord",
    "CustomQuizError",
    "Evidence",
    "MasteryEvent",
    "ModuleMastery",
    "ModuleReadiness",
    "ObjectiveMastery",
    "ObjectiveReadiness",
    "PassEstimate",
    "QuestionStatus",
    "ReadinessReport",
    "ReviewItem",
    "SyncResult",
    "answer_records",
    "build_custom_quiz",
    "cards",
    "compute_mastery",
    "due_cards",
    "estimate_pass",
    "mastery_for_user",
    "matching_questions",
    "module_mastery",
    "objective_mastery",
    "predicted_recall",
    "question_status",
    "rating_for",
    "readiness",
    "record_review",
    "start_custom_practice",
    "start_review_session",
    "sync_from_attempt",
    "sync_user",
]
