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
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from mesolearn.app import Database, Services, open_database
from mesolearn.content import Course, load_course
from mesolearn.settings import REPO as REPO
from mesolearn.settings import current

__all__ = ["REPO", "Services", "authoring", "content_root", "services"]


def content_root() -> Path:
    return current().content_dir


def authoring() -> bool:
    """Authoring mode: content edits show on the next rerun (costs a stat() of every content file per run)."""
    return current().authoring


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
    return open_database(url)


_SESSION_SERVICES = "_mesolearn_services"  # this session's Services, reused by its later runs


def services() -> Services:
    """The app's services for this run: the cached course and database, wired by ``mesolearn.app``.

    One ``Services`` per browser session, built on its first run and reused while the course and the database are
    the same objects (an authoring reload or another database URL builds a new one). In production (no authoring)
    a session that has its ``Services`` for the same content folder and database URL gets it back without the two
    cache lookups (each hashes its arguments; a click calls this once or twice). Not shared between sessions:
    the service objects then never see two sessions' runs at once. Outside a script run (no session) a new one is
    built each time.
    """
    settings = current()
    root = settings.content_dir
    if get_script_run_ctx() is None:
        return Services(_course(str(root), _content_stamp(root)), _database(settings.database_url))
    where = (str(root), settings.database_url)
    made_for, svc = st.session_state.get(_SESSION_SERVICES, ((None, None, None), None))
    if svc is not None and not settings.authoring and made_for[2] == where:
        return svc  # production: the course never changes, so the session's own is the one
    course = _course(str(root), _content_stamp(root))
    db = _database(settings.database_url)
    if svc is None or made_for[0] is not course or made_for[1] is not db:
        svc = Services(course, db)
        st.session_state[_SESSION_SERVICES] = ((course, db, where), svc)
    return svc
