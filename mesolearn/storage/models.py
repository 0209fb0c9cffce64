"""Tables. Content (lessons, questions) is not stored: rows refer to content by its stable ids.

Rules the database itself enforces (races between requests, sessions or replicas cannot break them):

* a trainee has at most one open (unsubmitted) graded attempt per quiz: the partial unique index
  ``uq_attempts_one_open_graded`` on ``attempts (user_id, quiz_id) WHERE mode = 'graded' AND submitted_at IS NULL``;
* graded attempts are numbered 1, 2, ... per trainee and quiz (``attempt_number``, unique per
  ``(user_id, quiz_id, mode)``), so two concurrent starts cannot both become attempt *n*, and the attempt
  limit is checked against the number being inserted (``NULL`` for practice attempts, which are unlimited);
* one certificate per exam attempt: the unique index ``uq_certificates_attempt_id``;
* an invite link is never used more often than its limit: the check ``ck_cohort_invites_uses`` (``uses <= max_uses``),
  with the conditional update in ``mesolearn.cohorts.invites`` that counts a use only while one is left.

The schema changes only through the Alembic revisions in ``mesolearn/storage/migrations`` (a test checks that
these models and the revisions agree).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # "trainee" | "instructor"
    created_at: Mapped[datetime] = mapped_column(DateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    exam_date: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # set by an instructor (mesolearn.accounts.admin): a deactivated account cannot sign in; its data stays
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # after a password reset: the next sign-in must choose a new password before anything else
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AuthSession(Base):
    """A sign-in. Only a hash of the token is kept, so a stolen database does not sign anyone in."""

    __tablename__ = "auth_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    user: Mapped[User] = relationship()


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class Attempt(Base):
    """One sitting of a module quiz or an exam, with its draw, so a reload shows the same paper."""

    __tablename__ = "attempts"
    __table_args__ = (
        Index(
            "uq_attempts_one_open_graded",
            "user_id",
            "quiz_id",
            unique=True,
            sqlite_where=text("mode = 'graded' AND submitted_at IS NULL"),
            postgresql_where=text("mode = 'graded' AND submitted_at IS NULL"),
        ),
        Index("uq_attempts_number", "user_id", "quiz_id", "mode", "attempt_number", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[str] = mapped_column(String(80), index=True)  # module id or exam id
    kind: Mapped[str] = mapped_column(String(16))  # "module" | "exam"
    mode: Mapped[str] = mapped_column(String(16), default="graded")  # "graded" | "practice"
    attempt_number: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1, 2, ... (graded only)
    seed: Mapped[int] = mapped_column(Integer)
    layout: Mapped[list] = mapped_column(JSON)  # [{question_id, layout}, ...]
    started_at: Mapped[datetime] = mapped_column(DateTime)
    deadline: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)  # percent
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    critical_failed: Mapped[list | None] = mapped_column(JSON, nullable=True)  # question ids
    answers: Mapped[list[Answer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="Answer.position"
    )


class Answer(Base):
    """A saved response, written the moment it is given; graded at submission."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(80), index=True)
    position: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    saved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    attempt: Mapped[Attempt] = relationship(back_populates="answers")


class LessonVisit(Base):
    __tablename__ = "lesson_visits"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "section_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(String(80))
    section_id: Mapped[str] = mapped_column(String(80))
    visited_at: Mapped[datetime] = mapped_column(DateTime)  # the first time the section was opened


class LessonPosition(Base):
    """Where a trainee is in one lesson: the page of it opened last ("continue where you left off").

    One row per trainee and module (the unique constraint: two tabs cannot make two); ``read_at`` only moves
    forward, so a slow request cannot put an older position back.
    """

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)  # also the index of a trainee's rows
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(80))
    section_id: Mapped[str] = mapped_column(String(80))
    read_at: Mapped[datetime] = mapped_column(DateTime)


class QuestionReport(Base):
    """A trainee's report of a problem with a question, for instructors to resolve."""

    __tablename__ = "question_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(80), index=True)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ReviewCard(Base):
    """A spaced-review card (FSRS) for one question a trainee got wrong or flagged."""

    __tablename__ = "review_cards"
    __table_args__ = (UniqueConstraint("user_id", "question_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    card: Mapped[dict] = mapped_column(JSON)  # fsrs.Card.to_dict()
    due: Mapped[datetime] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # the trainee's last own rating


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (Index("uq_certificates_attempt_id", "attempt_id", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    holder_name: Mapped[str] = mapped_column(String(120))
    exam_title: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float)
    modules: Mapped[list] = mapped_column(JSON)  # titles of the modules passed
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Cohort(Base):
    __tablename__ = "cohorts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    invite_code: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class CohortMember(Base):
    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime)


class Assignment(Base):
    """A module quiz or exam assigned to a cohort or to one trainee (exactly one of the two)."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[str] = mapped_column(String(80))
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=True, index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class Override(Base):
    """Per-trainee accommodations for one quiz: extra minutes, extra graded attempts."""

    __tablename__ = "overrides"
    __table_args__ = (UniqueConstraint("user_id", "quiz_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[str] = mapped_column(String(80))
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    extra_attempts: Mapped[int] = mapped_column(Integer, default=0)


class ThrottleCounter(Base):
    """Recent failures for one throttle key (an account, a client address, ...): see mesolearn.accounts.throttle."""

    __tablename__ = "throttle_counters"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime)
    next_allowed_at: Mapped[datetime] = mapped_column(DateTime)


class CohortInvite(Base):
    """An invite link to a cohort (``/register?invite=TOKEN``): optional expiry and use limit; revocable."""

    __tablename__ = "cohort_invites"
    __table_args__ = (CheckConstraint("max_uses IS NULL OR uses <= max_uses", name="ck_cohort_invites_uses"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    max_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uses: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
