"""Analytics for instructors: quiz item analysis with Moodle's quiz statistics definitions.

The package's top level is pure NumPy (``item_analysis.py``: no Streamlit, no database), so it can be tested and
benchmarked on its own; ``quiz_report.py`` is the glue that reads the stored attempts of one quiz into it (import it
by its module name: it is not loaded with the package).
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
