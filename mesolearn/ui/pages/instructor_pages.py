"""Instructor-only pages."""
from __future__ import annotations

import streamlit as st

from mesolearn.ui import auth
from mesolearn.ui.services import services


def content_health() -> None:
    svc = services()
    auth.require(svc, "instructor")
    course = svc.course
    st.title("Content health")
    st.caption("Validation runs whenever a content file changes. Fix a file, save it, and this page updates.")
    c1, c2, c3 = st.columns(3)
    c1.metric("Modules available", len(course.modules))
    c2.metric("Errors", len(course.errors))
    c3.metric("Warnings", len(course.warnings))
    if not course.issues:
        st.success("Every content file is valid.")
    for issue in course.issues:
        (st.error if issue.severity == "error" else st.warning)(str(issue))
    st.subheader("Modules")
    st.dataframe([{"module": m.id, "title": m.title, "lesson words": m.lesson.word_count,
                   "questions": len(m.quiz.questions) if m.quiz else 0,
                   "quiz": "ok" if m.quiz else "unavailable"} for m in course.modules.values()], hide_index=True)
