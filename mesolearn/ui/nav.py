"""The page registry and the role → pages rule that ``app.py`` hands to ``st.navigation``."""
from __future__ import annotations

import streamlit as st

_PAGES: dict[str, st.Page] = {}


def _build() -> dict[str, st.Page]:
    from mesolearn.ui.pages import account_pages, instructor_pages, quiz_pages, study_pages

    return {
        "setup": st.Page(account_pages.setup, title="Set up", url_path="setup", icon=":material/build:"),
        "signin": st.Page(account_pages.sign_in, title="Sign in", url_path="signin", icon=":material/login:"),
        "register": st.Page(account_pages.register, title="Register", url_path="register", icon=":material/person_add:"),
        "catalogue": st.Page(study_pages.catalogue, title="Modules", url_path="modules", icon=":material/school:"),
        "lesson": st.Page(study_pages.lesson, title="Lesson", url_path="lesson", icon=":material/menu_book:"),
        "quiz": st.Page(quiz_pages.quiz, title="Quiz", url_path="quiz", icon=":material/quiz:"),
        "history": st.Page(study_pages.history, title="My attempts", url_path="attempts", icon=":material/history:"),
        "health": st.Page(instructor_pages.content_health, title="Content health", url_path="content-health",
                          icon=":material/health_and_safety:"),
        "settings": st.Page(account_pages.settings, title="Settings & accounts", url_path="settings",
                            icon=":material/settings:"),
    }


def page(name: str) -> st.Page:
    if not _PAGES:
        _PAGES.update(_build())
    return _PAGES[name]


def pages_for(role: str | None, has_users: bool, self_registration: bool) -> list[st.Page] | dict[str, list[st.Page]]:
    """Only the pages a role may open are registered, so other URLs do not resolve at all."""
    if not has_users:
        return [page("setup")]
    if role is None:
        return [page("signin")] + ([page("register")] if self_registration else [])
    study = [page("catalogue"), page("lesson"), page("quiz"), page("history")]
    if role == "instructor":
        return {"Study": study, "Instructor": [page("health"), page("settings")]}
    return study
