"""The trainee's side: catalogue, lesson reader, attempt history."""

from __future__ import annotations

import base64
import functools
import html
from pathlib import Path

import streamlit as st

from mesolearn.app import UserError
from mesolearn.content.text import link_citations
from mesolearn.ui import auth, nav
from mesolearn.ui.services import services
from mesolearn.ui.text import escape_markdown

_JOINED = "joined-cohort"
STATUS_ICON = {"not started": "⚪", "in progress": "🟡", "not passed": "🟠", "passed": "🟢"}


def content_problems(svc, account) -> None:
    errors = svc.course.errors
    if not errors:
        return
    if account.role == "instructor":
        files = sorted({e.file for e in errors})
        with st.expander(
            f"⚠️ {len(errors)} content error(s) in {len(files)} file(s): those parts are hidden from trainees",
            expanded=True,
        ):
            for e in errors[:50]:
                st.text(str(e))
            st.page_link(nav.page("health"), label="Open Content health")
    else:
        st.warning(
            "Part of the course is temporarily unavailable while an instructor fixes it. "
            "Everything shown here works normally."
        )


def catalogue() -> None:
    svc = services()
    account = auth.require(svc)
    course = svc.course
    st.title(course.info.title)
    st.caption(f"Signed in as {escape_markdown(account.display_name)} ({account.role})")
    content_problems(svc, account)
    if account.role == "trainee":
        _assignments(svc, account)
    progress = svc.progress.for_user(account.id, list(course.modules))
    for module in course.modules.values():
        p = progress[module.id]
        with st.container(border=True):
            left, right = st.columns([3, 1])
            with left:
                st.subheader(f"{module.lesson.order}. {module.title}")
                st.write(module.lesson.summary)
                st.caption(f"About {module.lesson.estimated_minutes} min · {len(module.lesson.sections)} sections")
            with right:
                st.markdown(f"{STATUS_ICON[p.status]} **{p.status.capitalize()}**")
                if p.best_score is not None:
                    st.markdown(f"Best score: **{p.best_score:g}%**")
                st.page_link(
                    nav.page("lesson"),
                    label="Read the lesson",
                    icon=":material/menu_book:",
                    query_params={"module": module.id},
                )
                if module.quiz:
                    st.page_link(
                        nav.page("quiz"),
                        label="Take the quiz",
                        icon=":material/quiz:",
                        query_params={"module": module.id},
                    )
                else:
                    st.caption("Quiz unavailable")


def _assignments(svc, account) -> None:
    """The trainee's assigned work with due dates; overdue work is marked; joining a cohort by code."""
    if joined := st.session_state.pop(_JOINED, None):
        st.success(f"You joined {escape_markdown(joined)}.")
    rows = svc.cohorts.assignments_for(account.id)
    if rows:
        st.subheader("Your assignments")
        for r in rows:
            due = f"due {r.due_at:%d %B %Y}" if r.due_at else "no due date"
            mark = "🔴 **Overdue** · " if r.overdue else ""
            target = {"module": r.quiz_id} if r.kind == "module" else {"exam": r.quiz_id}
            st.page_link(
                nav.page("quiz"),
                label=f"{r.title} · {due} · {r.status}",
                query_params=target,
                icon=":material/assignment_late:" if r.overdue else ":material/assignment:",
            )
            if mark:
                st.markdown(f"{mark}{r.title} was due {r.due_at:%d %B %Y}.")
    with st.expander("Join a cohort with an invite code"), st.form("join-cohort", clear_on_submit=True):
        code = st.text_input("Invite code", placeholder="ABCDE-FGH23")
        if st.form_submit_button("Join"):
            try:
                joined = svc.cohorts.join_with_code(account.id, code, auth.client_address())
            except UserError as exc:
                st.error(str(exc))
            else:  # rerun so the cohort's assignments above are drawn at once (UX review B3)
                st.session_state[_JOINED] = joined.name
                st.rerun()


@functools.lru_cache(maxsize=32)
def _data_uri(path: str, mtime_ns: int) -> str:
    """The figure file as a data: URI (read once per file version; a plain string, safe to share)."""
    mime = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f"data:{mime.get(Path(path).suffix.lower(), 'application/octet-stream')};base64,{data}"


def _figure(path: Path, alt: str, caption: str | None) -> None:
    """A figure with its real alt text (``st.image`` leaves ``alt`` empty for screen readers, UX review B16)."""
    uri = _data_uri(str(path), path.stat().st_mtime_ns)
    cap = f"<figcaption style='font-size:0.875rem;opacity:0.8'>{html.escape(caption)}</figcaption>" if caption else ""
    st.html(
        f"<figure style='margin:0'><img src='{uri}' alt='{html.escape(alt, quote=True)}' "
        f"style='width:100%;height:auto'/>{cap}</figure>"
    )


def _pick_module(svc) -> str | None:
    modules = svc.course.modules
    wanted = st.query_params.get("module")
    if wanted not in modules:
        wanted = st.session_state.get("module")
    if not modules:
        st.warning("No module is available.")
        return None
    ids = list(modules)
    chosen = st.selectbox(
        "Module",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=lambda m: modules[m].title,
        key="module-select",
    )
    st.session_state["module"] = chosen
    if st.query_params.get("module") != chosen:
        st.query_params["module"] = chosen
    return chosen


def lesson() -> None:
    svc = services()
    account = auth.require(svc)
    module_id = _pick_module(svc)
    if module_id is None:
        return
    module = svc.course.modules[module_id]
    les = module.lesson
    pages = [s.id for s in les.sections] + ["key-points", "references"]
    titles = {s.id: s.heading for s in les.sections} | {"key-points": "Key points", "references": "References"}
    key = f"section-{module_id}"
    linked = st.query_params.get("section")
    if linked in pages and st.session_state.get(f"{key}-linked") != linked:
        st.session_state[key] = linked  # follow a link from quiz feedback once
        st.session_state[f"{key}-linked"] = linked
    if st.session_state.get(key) not in pages:
        st.session_state[key] = pages[0]

    st.title(les.title)
    with st.expander("Learning objectives", expanded=False):
        for o in les.objectives:
            st.markdown(f"- {o.text}")
    st.radio("Sections", pages, format_func=lambda p: f"{pages.index(p) + 1}. {titles[p]}", key=key, horizontal=False)
    current = st.session_state[key]
    idx = pages.index(current)
    st.query_params["section"] = current
    st.session_state[f"{key}-linked"] = current
    st.divider()
    st.header(titles[current], anchor=current)
    if current == "key-points":
        for kp in les.key_points:
            st.markdown(f"- {kp}")
    elif current == "references":
        for r in les.references:
            st.markdown(f"- **{r.id}**: {r.citation} [{r.url}]({r.url})")
    elif (section := les.section(current)) is not None:  # always: current is one of pages
        st.markdown(link_citations(section.body, les.references))
        if section.figure:
            path = svc.course.figure_path(section.figure.file)
            _figure(path, section.figure.alt, section.figure.caption)
            with st.expander("Figure description (text alternative)"):
                st.write(section.figure.alt)
        if account.role == "trainee":
            svc.progress.visit(account.id, module_id, current)

    def go(delta: int) -> None:
        st.session_state[key] = pages[idx + delta]

    prev_col, next_col = st.columns(2)
    if idx > 0:
        prev_col.button(f"← {titles[pages[idx - 1]]}", on_click=go, args=(-1,), key="prev")
    if idx < len(pages) - 1:
        next_col.button(f"{titles[pages[idx + 1]]} →", on_click=go, args=(1,), key="next")
    elif module.quiz:
        next_col.page_link(nav.page("quiz"), label="Take the quiz →", query_params={"module": module_id})


def history() -> None:
    svc = services()
    account = auth.require(svc)
    st.title("My attempts")
    attempts = svc.attempts.history(account.id, mode=None)
    if not attempts:
        st.info("No attempts yet. Take a quiz from the catalogue.")
        return

    def result(a) -> str:
        if a.submitted_at is None:
            return "in progress"
        if a.mode == "practice":
            return "finished"  # practice does not pass or fail
        return "passed" if a.passed else "not passed"

    rows = [
        {
            "quiz": svc.quizzes.title(a.quiz_id),
            "mode": "graded" if a.mode == "graded" else "practice",
            "started (UTC)": a.started_at.strftime("%Y-%m-%d %H:%M"),
            "score %": "" if a.score is None else f"{a.score:g}",
            "result": result(a),
        }
        for a in attempts
    ]
    st.dataframe(rows, hide_index=True)
    done = [a for a in attempts if a.submitted_at]
    if done:
        choice = st.selectbox(
            "Review an attempt",
            done,
            format_func=lambda a: f"{svc.quizzes.title(a.quiz_id)} · {a.started_at:%Y-%m-%d %H:%M} · {a.score:g}%",
        )
        st.page_link(
            nav.page("quiz"),
            label="Open the review",
            icon=":material/rate_review:",
            query_params={"attempt": str(choice.id)},
        )
