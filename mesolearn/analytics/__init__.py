"""Analytics for instructors: quiz item analysis with Moodle's quiz statistics definitions.

Pure NumPy (no Streamlit, no database), so it can be tested and benchmarked on its own.
"""

from mesolearn.analytics.item_analysis import (
    FlagKind,
    ItemFlag,
    ItemStats,
    OptionCount,
    QuizAnalysis,
    QuizStats,
    Responses,
    analyse,
    first_attempt_mask,
    flag_items,
    never_chosen,
    option_counts,
)

__all__ = [
    "FlagKind",
    "ItemFlag",
    "ItemStats",
    "OptionCount",
    "QuizAnalysis",
    "QuizStats",
    "Responses",
    "analyse",
    "first_attempt_mask",
    "flag_items",
    "never_chosen",
    "option_counts",
]
