"""The page registry: every page declared once, and the role -> pages rule that ``app.py`` hands to ``st.navigation``.

Each :class:`PageSpec` names its function (as ``"module:function"``, so this module imports no page module and the
pages may import it), title, URL, icon, who may open it and its group in the menu. Navigation and the server-side
role check both read the same spec.

``st.Page`` objects belong to one script run of one session: ``st.navigation`` marks the chosen page object runnable
and ``Page.run`` clears that mark, so an object shared between sessions makes a concurrent session fail with "This
page cannot be called directly". They are therefore built anew on every call (they are cheap: a title, a URL and a
function reference) and never kept in a module global or a cache.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import streamlit as st

Access = Literal["setup", "signed_out", "public", "signed_in", "new_password"]
EVERY_ROLE: tuple[str, ...] = ("trainee", "instructor")


@dataclass(frozen=True)
class PageSpec:
    name: str
    target: str  # "module:function" below mesolearn.ui.pages
    title: str
    url: str
    icon: str
    access: Access = "signed_in"
    roles: tuple[str, ...] = EVERY_ROLE  # for signed-in pages: who may open it
    group: str = "Study"  # the menu group of a signed-in user
    hidden: bool = False  # registered (its URL works) but not in the menu

    def function(self) -> Callable[[], None]:
        module, _, func = self.target.partition(":")
        return getattr(importlib.import_module(f"mesolearn.ui.pages.{module}"), func)

    def allows(self, role: str | None) -> bool:
        """The server-side role rule: may a user with ``role`` (None: signed out) open this page?"""
        if self.access == "public":
            return True
        if self.access in ("signed_in", "new_password"):
            return role in self.roles
        return role is None


PAGES: tuple[PageSpec, ...] = (
    PageSpec("setup", "account_pages:setup", "Set up", "setup", ":material/build:", access="setup"),
    PageSpec("signin", "account_pages:sign_in", "Sign in", "signin", ":material/login:", access="signed_out"),
    PageSpec(
        "register", "account_pages:register", "Register", "register", ":material/person_add:", access="signed_out"
    ),
    PageSpec(
        "new_password",
        "account_pages:new_password",
        "Choose a new password",
        "new-password",
        ":material/password:",
        access="new_password",
    ),
    PageSpec("catalogue", "study_pages:catalogue", "Modules", "modules", ":material/school:"),
    PageSpec("lesson", "study_pages:lesson", "Lesson", "lesson", ":material/menu_book:"),
    PageSpec("search", "study_pages:search", "Search lessons", "search", ":material/search:"),
    PageSpec("quiz", "quiz_pages:quiz", "Quizzes & exams", "quiz", ":material/quiz:"),
    PageSpec("history", "study_pages:history", "My attempts", "attempts", ":material/history:"),
    PageSpec(
        "dashboard", "learning_pages:dashboard", "My progress", "progress", ":material/monitoring:", group="Learning"
    ),
    PageSpec("review", "learning_pages:review", "Due for review", "review", ":material/replay:", group="Learning"),
    PageSpec("build", "learning_pages:build_quiz", "Build a quiz", "build-quiz", ":material/tune:", group="Learning"),
    PageSpec(
        "certification",
        "learning_pages:certification",
        "Certification",
        "certification",
        ":material/workspace_premium:",
        group="Learning",
    ),
    PageSpec(
        "cohorts",
        "instructor_pages:cohorts",
        "Cohorts & assignments",
        "cohorts",
        ":material/groups:",
        roles=("instructor",),
        group="Instructor",
    ),
    PageSpec(
        "gradebook",
        "instructor_pages:gradebook_page",
        "Gradebook",
        "gradebook",
        ":material/table:",
        roles=("instructor",),
        group="Instructor",
    ),
    PageSpec(
        "items",
        "instructor_pages:item_analysis",
        "Item analysis",
        "item-analysis",
        ":material/query_stats:",
        roles=("instructor",),
        group="Instructor",
    ),
    PageSpec(
        "health",
        "instructor_pages:content_health",
        "Content health",
        "content-health",
        ":material/health_and_safety:",
        roles=("instructor",),
        group="Instructor",
    ),
    PageSpec(
        "exchange",
        "instructor_pages:exchange",
        "Moodle exchange",
        "exchange",
        ":material/swap_horiz:",
        roles=("instructor",),
        group="Instructor",
    ),
    PageSpec(
        "settings",
        "account_pages:settings",
        "Settings & accounts",
        "settings",
        ":material/settings:",
        roles=("instructor",),
        group="Instructor",
    ),
    PageSpec(  # an invite link opened by a signed-in user: the same URL as registration
        "invite",
        "account_pages:invite_join",
        "Join a cohort",
        "register",
        ":material/group_add:",
        hidden=True,
    ),
    PageSpec(
        "about",
        "instructor_pages:about",
        "About this course",
        "about",
        ":material/info:",
        access="public",
        group="Course",
    ),
    PageSpec(
        "verify",
        "learning_pages:verify",
        "Verify a certificate",
        "verify",
        ":material/verified:",
        access="public",
        group="Course",
    ),
)
SPECS: dict[str, PageSpec] = {spec.name: spec for spec in PAGES}
GROUPS: tuple[str, ...] = ("Study", "Learning", "Instructor", "Course")


def spec(name: str) -> PageSpec:
    return SPECS[name]


def page(name: str) -> st.Page:
    """A fresh ``st.Page`` for this run, for ``st.page_link`` / ``st.switch_page`` (matched by URL)."""
    s = SPECS[name]
    return st.Page(s.function(), title=s.title, url_path=s.url, icon=s.icon)


def menu(pages: list[st.Page] | dict[str, list[st.Page]]) -> None:
    """The page menu in the sidebar, drawn by the app (``st.navigation(..., position="hidden")``).

    Streamlit's own grouped menu puts each group's ``<li>`` items in a ``<div>`` inside its ``<ul>``, which a
    screen reader cannot read as a list (axe ``list``/``listitem``, serious), and it folds pages behind
    "View N more". Here every page a user may open is one link, under its group's name.
    """
    groups = pages if isinstance(pages, dict) else {"": pages}
    for group, items in groups.items():
        shown = [p for p in items if p.visibility != "hidden"]
        if not shown:
            continue
        if group:
            st.caption(group)
        for p in shown:
            st.page_link(p)


def _hidden(name: str) -> st.Page:
    s = SPECS[name]
    return st.Page(s.function(), title=s.title, url_path=s.url, icon=s.icon, visibility="hidden")


def _gate(s: PageSpec) -> st.Page:
    """The sign-in form at a signed-in page's URL: a deep link survives signing in."""
    return st.Page(SPECS["signin"].function(), title=s.title, url_path=s.url, visibility="hidden")


def pages_for(
    role: str | None, has_users: bool, self_registration: bool, must_change_password: bool = False
) -> list[st.Page] | dict[str, list[st.Page]]:
    """Only the pages a role may open are registered, so other URLs do not resolve at all.

    Registration stays registered (out of the menu) when self-registration is off: an invite link
    (``/register?invite=...``) still works. An account that must choose a new password (after a reset) gets only
    that page, at every URL.
    """
    if not has_users:
        return [page("setup")]
    if role is None:
        shown = [s.name for s in PAGES if s.access == "signed_out" and (s.name != "register" or self_registration)]
        public = [s.name for s in PAGES if s.access == "public"]
        taken = {s.url for s in PAGES if s.access in ("signed_out", "public")}
        gates = [_gate(s) for s in PAGES if s.access == "signed_in" and s.url not in taken]
        hidden = [] if self_registration else [_hidden("register")]
        return [page(n) for n in shown + public] + hidden + gates
    if must_change_password:
        return [page("new_password")]
    groups: dict[str, list[st.Page]] = {}
    for s in PAGES:
        if s.access in ("signed_in", "public") and s.allows(role):
            groups.setdefault(s.group, []).append(_hidden(s.name) if s.hidden else page(s.name))
    return {g: groups[g] for g in GROUPS if g in groups}
