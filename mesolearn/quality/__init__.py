"""Content quality: trainees' reports of a problem with a question, and their resolution by an instructor.

(The checks of the content files themselves are ``mesolearn.content.item_checks``; item statistics from answers are
``mesolearn.analytics``.) No Streamlit.
"""

from mesolearn.quality.reports import ReportError, ReportInfo, create_report, list_reports, resolve

__all__ = ["ReportError", "ReportInfo", "create_report", "list_reports", "resolve"]
