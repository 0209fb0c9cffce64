"""The workflows pages use, one small class per area, each holding the database and the course it needs.

Rules:
- A page reaches the database only through these (``svc.<area>.<method>(...)``), never with ``svc.db``.
- Methods return the core's DTOs (dataclasses), never ORM rows.
- Instructor views that read attempts (gradebook, item analysis) submit attempts past their deadline first, with
  the after-submission workflow (``on_submit``), as the core functions document.
- No Streamlit here (the import-rule test walks this package too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from mesolearn.analytics import quiz_report as _item_stats
from mesolearn.cohorts.gradebook import GradebookRow, TraineeAttempt, gradebook, trainee_attempts
from mesolearn.content.catalogue import quiz_catalogue, quiz_kind_title
from mesolearn.content.loader import Course
from mesolearn.content.models import Exam
from mesolearn.learning import custom as _custom
from mesolearn.learning import mastery as _mastery
from mesolearn.learning import review_queue as _queue
from mesolearn.learning import spaced as _spaced
from mesolearn.learning.readiness import DEFAULT_EXAM, ReadinessReport, exam_date, readiness, set_exam_date
from mesolearn.quality import reports as _reports
from mesolearn.quiz.attempts import PRACTICE_SESSIONS, Attempts
from mesolearn.storage import Database

OnSubmit = Callable[[int], None]


class Quizzes:
    """Quiz ids to kinds and titles (``mesolearn.content.catalogue``), for menus and tables."""

    def __init__(self, course: Course):
        self.course = course

    def catalogue(self) -> list[tuple[str, str, str]]:
        """(quiz id, kind, title) of every quiz that can be taken: modules with a quiz, then exams."""
        return quiz_catalogue(self.course)

    def choices(self) -> dict[str, str]:
        """quiz id -> title, in catalogue order (for a select box)."""
        return {quiz_id: title for quiz_id, _kind, title in quiz_catalogue(self.course)}

    def kind_title(self, quiz_id: str) -> tuple[str, str]:
        return quiz_kind_title(self.course, quiz_id)

    def title(self, quiz_id: str) -> str:
        """What an attempt's quiz id is called on a page: a practice session's name (spaced review, custom
        practice), else the module's or exam's title, else the id."""
        return PRACTICE_SESSIONS.get(quiz_id) or quiz_kind_title(self.course, quiz_id)[1]


class Gradebook:
    def __init__(self, db: Database, course: Course, on_submit: OnSubmit):
        self.db, self.course, self.on_submit = db, course, on_submit

    def rows(self, cohort_id: int | None = None, status: str | None = None) -> list[GradebookRow]:
        """One row per trainee × quiz (``mesolearn.cohorts.gradebook.gradebook``)."""
        return gradebook(self.db, self.course, cohort_id=cohort_id, status=status, on_submit=self.on_submit)

    def trainee_attempts(self, user_id: int) -> list[TraineeAttempt]:
        return trainee_attempts(self.db, self.course, user_id)


class ItemAnalysis:
    def __init__(self, db: Database, course: Course, on_submit: OnSubmit):
        self.db, self.course, self.on_submit = db, course, on_submit

    def report(self, quiz_id: str, first_attempts_only: bool = True) -> _item_stats.ItemAnalysisReport:
        return _item_stats.quiz_item_analysis(
            self.db, self.course, quiz_id, first_attempts_only=first_attempts_only, on_submit=self.on_submit
        )


class Reports:
    """Trainees' reports of a problem with a question."""

    def __init__(self, db: Database, course: Course):
        self.db, self.course = db, course

    def create(self, user_id: int, question_id: str, message: str) -> _reports.ReportInfo:
        return _reports.create_report(self.db, user_id, question_id, message, course=self.course)

    def list(self, resolved: bool | None = False) -> list[_reports.ReportInfo]:
        return _reports.list_reports(self.db, resolved=resolved)

    def resolve(self, report_id: int) -> _reports.ReportInfo:
        return _reports.resolve(self.db, report_id)


class Mastery:
    def __init__(self, db: Database, course: Course):
        self.db, self.course = db, course

    def for_user(self, user_id: int) -> dict[str, _mastery.ObjectiveMastery]:
        return _mastery.mastery_for_user(self.db, self.course, user_id)


class Review:
    """Spaced-review cards (FSRS): what is due, the open session's next card, its intervals, self-rating, starting a
    session. The policy (learn-ahead, daily and session limits, what "done" means) is
    ``mesolearn.learning.review_queue``."""

    def __init__(self, db: Database, attempts: Attempts):
        self.db, self.attempts = db, attempts

    def cards(self, user_id: int) -> list[_spaced.ReviewItem]:
        return _spaced.cards(self.db, user_id)

    def queue(self, user_id: int, now: datetime) -> _queue.ReviewQueue:
        """The trainee's cards due now and later, today's count and the session that can start now."""
        course = self.attempts.course
        return _queue.review_queue(self.cards(user_id), now, lambda qid: course.question(qid) is not None)

    def session(self, user_id: int, attempt_id: int) -> _queue.ReviewSession:
        """The open review session: its attempt, the card to show next (``progress.current``) and the cards."""
        return _queue.review_session(self.attempts.load(attempt_id, user_id), self.cards(user_id))

    def rating_choices(self, card: _spaced.ReviewItem | None, now: datetime) -> list[_queue.RatingChoice]:
        """Again / Hard / Good / Easy with the interval each gives the card now."""
        return _queue.rating_choices(card, now)

    def reviewed_today(self, user_id: int, now: datetime) -> int:
        """Cards the trainee rated on ``now``'s UTC day (the rule is ``review_queue.reviewed_on_day``)."""
        return _queue.reviewed_on_day(self.cards(user_id), now)

    def rate(
        self, user_id: int, question_id: str, rating: str, now: datetime, once_since: datetime | None = None
    ) -> _spaced.ReviewItem:
        return _spaced.rate_card(self.db, user_id, question_id, rating, now, once_since=once_since)

    def start(self, user_id: int, question_ids: Iterable[str] | None = None) -> int:
        return _spaced.start_review_session(self.attempts, user_id, question_ids)


class Practice:
    """The "build your own quiz" practice."""

    def __init__(self, db: Database, course: Course):
        self.db, self.course = db, course

    def build(
        self,
        user_id: int,
        *,
        modules: Iterable[str] = (),
        objectives: Iterable[str] = (),
        filters: Iterable[str] = (),
        count: int = 10,
    ) -> int:
        return _custom.build_custom_quiz(
            self.db, self.course, user_id, modules=modules, objectives=objectives, filters=filters, count=count
        )


class Readiness:
    """The trainee's exam date and the certification-readiness report."""

    def __init__(self, db: Database, course: Course):
        self.db, self.course = db, course

    def exam(self) -> Exam | None:
        """The certification exam: the one with id ``certification``, else the course's first exam (None: none)."""
        return self.course.exams.get(DEFAULT_EXAM) or next(iter(self.course.exams.values()), None)

    def exam_date(self, user_id: int) -> date | None:
        return exam_date(self.db, user_id)

    def set_exam_date(self, user_id: int, day: date | None) -> None:
        set_exam_date(self.db, user_id, day)

    def report(self, user_id: int, exam_id: str = DEFAULT_EXAM) -> ReadinessReport:
        return readiness(self.db, self.course, user_id, exam_id)
