"""The application layer: what the pages call. Pure Python (no Streamlit), above the core, below ``mesolearn/ui``.

Layers and the rule of imports (docs/ARCHITECTURE.md; ``tests/test_app_layer.py`` holds it):
content/questions -> the core services (quiz, learning, cohorts, ...) and storage -> ``mesolearn.app`` -> ui.
Pages import ``mesolearn.app`` and the core's pure helpers and DTOs, never ``mesolearn.storage``; they call
``svc.<area>.<method>(...)`` and never take ``svc.db``.
"""

from mesolearn.app.areas import Gradebook, ItemAnalysis, Mastery, Practice, Quizzes, Readiness, Reports, Review
from mesolearn.app.services import Services, after_submit, open_accounts, open_database
from mesolearn.clock import utcnow
from mesolearn.errors import UserError
from mesolearn.settings import Settings
from mesolearn.storage.db import Database, StorageError

__all__ = [
    "Database",
    "Gradebook",
    "ItemAnalysis",
    "Mastery",
    "Practice",
    "Quizzes",
    "Readiness",
    "Reports",
    "Review",
    "Services",
    "Settings",
    "StorageError",
    "UserError",
    "after_submit",
    "open_accounts",
    "open_database",
    "utcnow",
]
