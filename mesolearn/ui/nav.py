"""The page registry and the role → pages rule that ``app.py`` hands to ``st.navigation``."""
from __future__ import annotations

import streamlit as st

_PAGES: dict[str, st.Page] = {}


def _build() -> dict[str, st.Page]:
    from mesolearn.ui.pages import account_pages, instructor_pages, learning_pages, quiz_pages, study_pages

    P = st.Page
    return {
        "setup": P(account_pages.setup, title="Set up", url_path="setup", icon=":material/build:"),
        "signin": P(account_pages.sign_in, title="Sign in", url_path="signin", icon=":material/login:"),
        "register": P(account_pages.register, title="Register", url_path="register", icon=":material/person_add:"),
        "about": P(instructor_pages.about, title="About this course", url_path="about", icon=":material/info:"),
        "exchange": P(instructor_pages.exchange, title="Moodle exchange", url_path="exchange", icon=":material/swap_horiz:"),
        "verify": P(learning_pages.verify, title="Verify a certificate", url_path="verify", icon=":material/verified:"),
        "catalogue": P(study_pages.catalogue, title="Modules", url_path="modules", icon=":material/school:"),
        "lesson": P(study_pages.lesson, title="Lesson", url_path="lesson", icon=":material/menu_book:"),
        "quiz": P(quiz_pages.quiz, title="Quizzes & exams", url_path="quiz", icon=":material/quiz:"),
        "history": P(study_pages.history, title="My attempts", url_path="attempts", icon=":material/history:"),
        "dashboard": P(learning_pages.dashboard, title="My progress", url_path="progress", icon=":material/monitoring:"),
        "review": P(learning_pages.review, title="Due for review", url_path="review", icon=":material/replay:"),
        "build": P(learning_pages.build_quiz, title="Build a quiz", url_path="build-quiz", icon=":material/tune:"),
        "certification": P(learning_pages.certification, title="Certification", url_path="certification",
                           icon=":material/workspace_premium:"),
        "cohorts": P(instructor_pages.cohorts, title="Cohorts & assignments", url_path="cohorts", icon=":material/groups:"),
        "gradebook": P(instructor_pages.gradebook_page, title="Gradebook", url_path="gradebook", icon=":material/table:"),
        "items": P(instructor_pages.item_analysis, title="Item analysis", url_path="item-analysis",
                   icon=":material/query_stats:"),
        "health": P(instructor_pages.content_health, title="Content health", url_path="content-health",
                    icon=":material/health_and_safety:"),
        "settings": P(account_pages.settings, title="Settings & accounts", url_path="settings", icon=":material/settings:"),
    }


def page(name: str) -> st.Page:
    if not _PAGES:
        _PAGES.update(_build())
    return _PAGES[name]


SIGNED_IN_ONLY = ("catalogue", "lesson", "quiz", "history", "dashboard", "review", "build", "certification",
                  "cohorts", "gradebook", "items", "health", "exchange", "settings")


def _gate(name: str) -> st.Page:
    """The sign-in form at a signed-in page's URL: a deep link survives signing in."""
    key = f"gate-{name}"
    if key not in _PAGES:
        from mesolearn.ui.pages import account_pages

        real = page(name)
        _PAGES[key] = st.Page(account_pages.sign_in, title=real.title, url_path=real.url_path or name,
                              visibility="hidden")
    return _PAGES[key]


def pages_for(role: str | None, has_users: bool, self_registration: bool) -> list[st.Page] | dict[str, list[st.Page]]:
    """Only the pages a role may open are registered, so other URLs do not resolve at all."""
    if not has_users:
        return [page("setup")]
    if role is None:
        return ([page("signin")] + ([page("register")] if self_registration else []) + [page("verify"), page("about")]
                + [_gate(name) for name in SIGNED_IN_ONLY])
    study = [page("catalogue"), page("lesson"), page("quiz"), page("history")]
    learn = [page("dashboard"), page("review"), page("build"), page("certification")]
    if role == "instructor":
        return {"Study": study, "Learning": learn,
                "Instructor": [page("cohorts"), page("gradebook"), page("items"), page("health"), page("exchange"),
                               page("settings")],
                "Course": [page("about"), page("verify")]}
    return {"Study": study, "Learning": learn, "Course": [page("about"), page("verify")]}
