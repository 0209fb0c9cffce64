"""Instructor tools: cohorts and invite codes, CSV enrolment, assignments and overrides, the
gradebook, item statistics from stored attempts, and trainees' question reports. No Streamlit."""

from mesolearn.cohorts.gradebook import GradebookRow, gradebook, to_csv
from mesolearn.cohorts.item_stats import ItemAnalysisReport, quiz_item_analysis
from mesolearn.cohorts.reports import ReportError, ReportInfo, create_report, list_reports, resolve
from mesolearn.cohorts.service import (
    STATUSES,
    AssignmentInfo,
    CohortError,
    CohortInfo,
    Cohorts,
    CreatedAccount,
    EffectiveAssignment,
    ExistingAccount,
    ImportResult,
    Member,
    OverrideInfo,
    RowError,
    Status,
)

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
    "ItemAnalysisReport",
    "Member",
    "OverrideInfo",
    "ReportError",
    "ReportInfo",
    "RowError",
    "Status",
    "create_report",
    "gradebook",
    "list_reports",
    "quiz_item_analysis",
    "resolve",
    "to_csv",
]
