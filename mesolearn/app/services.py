"""The composition root: every service of one course and one database, and what follows a submission.

Rules:
- :class:`Services` is plain Python (no Streamlit): tests build it on a temporary database exactly as the app does,
  so a test of a workflow runs the same wiring (``attempts.on_submit``) as a page.
- After a submission (by the trainee, or by the deadline sweep) :meth:`Services.after_submit` runs once:
  wrong or flagged answers become review cards; a graded submission that earns the certificate issues it.
- Building it is cheap (a few small objects): the Streamlit side caches the course and the database, not this.
"""

from __future__ import annotations

from mesolearn.accounts import Accounts
from mesolearn.accounts.admin import AccountAdmin
from mesolearn.app.areas import Gradebook, ItemAnalysis, Mastery, Practice, Quizzes, Readiness, Reports, Review
from mesolearn.certificates import Certificates
from mesolearn.certificates.service import CertificateInfo, Eligibility
from mesolearn.cohorts import Cohorts
from mesolearn.cohorts.invites import Invites
from mesolearn.content.loader import Course
from mesolearn.learning import spaced
from mesolearn.progress import Progress
from mesolearn.quiz.attempts import Attempts
from mesolearn.settings import current
from mesolearn.storage import Database
from mesolearn.storage.db import Health
from mesolearn.storage.models import Attempt


def certificate_status(certificates: Certificates, user_id: int) -> tuple[Eligibility, CertificateInfo | None]:
    """The trainee's eligibility and certificate, issuing it first if it is earned and not issued yet (the one place
    that decides to issue: after a submission, and when the certification page is opened)."""
    eligibility = certificates.eligibility(user_id)
    if eligibility.eligible and eligibility.certificate is None:
        return eligibility, certificates.issue(user_id)
    return eligibility, eligibility.certificate


def after_submit(db: Database, course: Course, certificates: Certificates, attempt_id: int) -> None:
    """What follows a submission: review cards for wrong or flagged answers, and a certificate as soon as the
    trainee has earned one."""
    spaced.sync_from_attempt(db, course, attempt_id)
    with db.session() as s:
        row = s.get_one(Attempt, attempt_id)
        user_id, mode = row.user_id, row.mode
    if mode == "graded" and course.exams:
        certificate_status(certificates, user_id)


class Services:
    """Everything a page calls, for one course on one database (``svc.<area>.<method>(...)``)."""

    def __init__(self, course: Course, db: Database):
        self.course = course
        self.db = db  # for the app layer and tests; pages never use it (tests/test_app_layer.py)
        self.accounts = Accounts(db)
        self.attempts = Attempts(db, course)
        self.progress = Progress(db)
        self.cohorts = Cohorts(db, self.accounts, course=course)
        self.admin = AccountAdmin(self.accounts)  # passwords reset, accounts deactivated, instructors added
        self.invites = Invites(db, self.accounts, self.cohorts)  # cohort invite links
        self.certificates = Certificates(db, course)
        self.quizzes = Quizzes(course)
        self.gradebook = Gradebook(db, course, self.after_submit)
        self.item_analysis = ItemAnalysis(db, course, self.after_submit)
        self.reports = Reports(db, course)
        self.mastery = Mastery(db, course)
        self.review = Review(db, self.attempts)
        self.practice = Practice(db, course)
        self.readiness = Readiness(db, course)
        self.attempts.on_submit = self.after_submit  # also after a submission forced by the deadline

    def after_submit(self, attempt_id: int) -> None:
        after_submit(self.db, self.course, self.certificates, attempt_id)

    def certificate_status(self, user_id: int) -> tuple[Eligibility, CertificateInfo | None]:
        """Eligibility and the certificate (issued now if earned): see :func:`certificate_status`."""
        return certificate_status(self.certificates, user_id)

    def health(self) -> Health:
        """Whether the database answers and is the file this server opened (the Settings page shows it)."""
        return self.db.health()


def open_database(url: str | None = None) -> Database:
    """The database at ``url``; None: the configured one (``Settings.database_url``, else the SQLite file in the
    data directory)."""
    return Database(url if url is not None else current().database_url)


def open_accounts(url: str | None = None) -> Accounts:
    """The account service alone, on the configured database (the sign-in cookie routes need only this)."""
    return Accounts(open_database(url))
