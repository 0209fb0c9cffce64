"""Long-lived objects shared by every session: parsed course, database, services (cached once).

Rules that keep a rerun cheap (issue 8, measured in benchmarks/README.md):
- The parsed course lives as long as the process. Once it is loaded it is moved out of the garbage collector's
  reach (``gc.freeze``), so full collections (Python's own, and Streamlit's after-run one if
  ``runner.postScriptGC`` is turned back on) do not walk it again.
  A reload (authoring mode) unfreezes first, so a replaced course is still collected: memory stays bounded.
- In production the content files are read once per server start; the per-run stat() of every content file is
  done only in authoring mode (``MESOLEARN_AUTHORING=1``, see ``scripts/run-app --author``), where an edit
  reloads the course on the next rerun.
"""

from __future__ import annotations

import gc
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from mesolearn.accounts import Accounts
from mesolearn.certificates import Certificates
from mesolearn.cohorts import Cohorts
from mesolearn.content import Course, load_course
from mesolearn.learning import spaced
from mesolearn.progress import Progress
from mesolearn.quiz.attempts import Attempts
from mesolearn.storage import Database
from mesolearn.storage.models import Attempt

REPO = Path(__file__).resolve().parents[2]


def content_root() -> Path:
    return Path(os.environ.get("MESOLEARN_CONTENT_DIR", REPO))


def authoring() -> bool:
    """Authoring mode: content edits show on the next rerun (costs a stat() of every content file per run)."""
    return os.environ.get("MESOLEARN_AUTHORING", "").strip().lower() not in ("", "0", "false", "no")


def _fingerprint(root: Path) -> tuple:
    """Change detector for authoring mode: an edit to any content file reloads the course on the next rerun."""
    files = [root / "course.yaml"]
    for folder in ("lessons", "quizzes", "exams", "lessons/figures"):
        files.extend(sorted((root / folder).glob("*.*")))
    out = []
    for path in files:
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        out.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(out)


_PRODUCTION_STAMPS: dict[str, tuple] = {}  # content root -> fingerprint at first use (production mode)


def _content_stamp(root: Path) -> tuple:
    """The fingerprint as one short digest: st.cache_resource hashes its arguments on every call (the whole tuple of
    every content file cost about 1 ms per call, and pages call services() more than once per run)."""
    if authoring():
        return (hashlib.sha256(repr(_fingerprint(root)).encode()).hexdigest(),)
    stamp = _PRODUCTION_STAMPS.get(str(root))
    if stamp is None:  # a race computes it twice at worst: same value
        digest = hashlib.sha256(repr(_fingerprint(root)).encode()).hexdigest()
        stamp = _PRODUCTION_STAMPS.setdefault(str(root), (digest,))
    return stamp


@st.cache_resource(show_spinner="Loading the course…", max_entries=2)
def _course(root: str, fingerprint: tuple) -> Course:
    gc.unfreeze()  # a course loaded before (authoring reload) becomes collectable again
    course = load_course(root)
    gc.collect()
    gc.freeze()  # everything alive now (modules, the course) is skipped by later collections
    return course


@st.cache_resource
def _database(url: str | None) -> Database:
    return Database(url)


@dataclass(frozen=True)
class Services:
    course: Course
    db: Database
    accounts: Accounts
    attempts: Attempts
    progress: Progress
    cohorts: Cohorts
    certificates: Certificates

    def after_submit(self, attempt_id: int) -> None:
        """What follows a submission: review cards for wrong or flagged answers, and a certificate
        as soon as the trainee has earned one."""
        spaced.sync_from_attempt(self.db, self.course, attempt_id)
        with self.db.session() as s:
            row = s.get_one(Attempt, attempt_id)
            user_id, mode = row.user_id, row.mode
        if mode == "graded" and self.course.exams:
            eligibility = self.certificates.eligibility(user_id)
            if eligibility.eligible and eligibility.certificate is None:
                self.certificates.issue(user_id)


def services() -> Services:
    root = content_root()
    course = _course(str(root), _content_stamp(root))
    db = _database(os.environ.get("MESOLEARN_DATABASE_URL") or None)
    accounts = Accounts(db)
    attempts = Attempts(db, course)
    svc = Services(
        course, db, accounts, attempts, Progress(db), Cohorts(db, accounts, course=course), Certificates(db, course)
    )
    attempts.on_submit = svc.after_submit  # also after a submission forced by the deadline
    return svc
