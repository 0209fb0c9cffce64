"""The trainee's side: catalogue (the home page), lesson reader, printable lesson, lesson search, attempt history.

* The home page offers one "Continue where you left off" step (the rule is :mod:`mesolearn.progress.resume`) and
  says per lesson how many of its sections the trainee has read ("3 of 8 sections read").
* Opening a section of a lesson counts it as read and makes it the place to continue at (trainees only).
* ``/lesson?module=M&print=1`` shows the whole lesson on one page (objectives, every section with its figure and
  the figure's description, key points, references); ``@media print`` hides Streamlit's sidebar, header and
  toolbar and the page's own links, so the browser's Print gives the lesson alone.
* ``/search`` finds sections by their words (:mod:`mesolearn.content.search`); the query stays in the URL
  (``?q=``), and what it shows is content text: the query itself is only ever shown escaped.
"""

from __future__ import annotations

import base64
import functools
import html
from pathlib import Path

import streamlit as st

from mesolearn.app import UserError, utcnow
from mesolearn.content.search import MAX_QUERY, SearchHit, index_for
from mesolearn.content.text import link_citations
from mesolearn.progress.resume import next_step
from mesolearn.quiz.attempts import PRACTICE_SESSIONS
from mesolearn.text import plural
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
            f"⚠️ {plural(len(errors), 'content error')} in {plural(len(files), 'file')}: "
            "those parts are hidden from trainees",
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
    readings = {}
    if account.role == "trainee":
        assigned = svc.cohorts.assignments_for(account.id)
        _continue(svc, account, assigned)
        _assignments(svc, account, assigned)
        readings = svc.progress.lessons(account.id, {m.id: m.lesson for m in course.modules.values()})
    progress = svc.progress.for_user(account.id, list(course.modules))
    for module in course.modules.values():
        p = progress[module.id]
        with st.container(border=True):
            left, right = st.columns([3, 1])
            with left:
                st.subheader(f"{module.lesson.order}. {module.title}")
                st.write(module.lesson.summary)
                read = readings[module.id].label if module.id in readings else f"{len(module.lesson.sections)} sections"
                st.caption(f"About {module.lesson.estimated_minutes} min · {read}")
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


def _continue(svc, account, assigned) -> None:
    """ "Continue where you left off": the open attempt, else the section read last, else assigned work."""
    course = svc.course
    lessons = {m.id: m.lesson for m in course.modules.values()}
    titles = {m.id: m.title for m in course.modules.values()} | {e.id: e.title for e in course.exams.values()}
    open_attempts = [a for a in svc.attempts.history(account.id, mode=None) if a.submitted_at is None]
    last = svc.progress.last_read(account.id, lessons)
    step = next_step(open_attempts, titles | PRACTICE_SESSIONS, last, assigned, lessons, utcnow())
    if step is None:
        return
    icon = {"attempt": ":material/play_circle:", "section": ":material/bookmark:"}.get(
        step.kind, ":material/menu_book:"
    )
    with st.container(border=True, key="continue"):
        st.subheader("Continue where you left off")
        st.page_link(nav.page(step.page), label=step.label, icon=icon, query_params=step.params)
        if step.detail:
            st.caption(step.detail)


def _assignments(svc, account, rows) -> None:
    """The trainee's assigned work with due dates; overdue work is marked; joining a cohort by code."""
    if joined := st.session_state.pop(_JOINED, None):
        st.success(f"You joined {escape_markdown(joined)}.")
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


PRINT_CSS = """<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  .st-key-print-links { display: none !important; }
  [data-testid="stMain"] .block-container, [data-testid="stMainBlockContainer"] { max-width: 100% !important;
    padding: 0 !important; }
  figure, img { break-inside: avoid; }
  a { color: inherit; }
}
</style>"""


def lesson() -> None:
    svc = services()
    account = auth.require(svc)
    if st.query_params.get("print") == "1" and (module := svc.course.modules.get(st.query_params.get("module", ""))):
        _printable(svc, module)  # the whole lesson, without the module picker and the section list
        return
    module_id = _pick_module(svc)
    if module_id is None:
        return
    module = svc.course.modules[module_id]
    les = module.lesson
    pages = [s.id for s in les.sections] + ["key-points", "references"]
    titles = {s.id: s.heading for s in les.sections} | {"key-points": "Key points", "references": "References"}
    key = f"section-{module_id}"
    linked = st.query_params.get("section")
    if linked in pages and (st.session_state.get(f"{key}-linked") != linked or key not in st.session_state):
        # follow a link (quiz feedback, search, "Continue reading") once; the section list's state is gone
        # after a visit to another page, so the link is followed again then
        st.session_state[key] = linked
        st.session_state[f"{key}-linked"] = linked
    if st.session_state.get(key) not in pages:
        st.session_state[key] = pages[0]
    current = st.session_state[key]
    trainee = account.role == "trainee"
    if trainee and les.section(current) is not None:
        svc.progress.visit(account.id, module_id, current)  # opened: read, and the place to continue at
    reading = svc.progress.lessons(account.id, {module_id: les})[module_id] if trainee else None

    st.title(les.title)
    links = [f"[Print this lesson](lesson?module={module_id}&print=1)"]
    st.caption(" · ".join(([reading.label] if reading else []) + links))
    with st.expander("Learning objectives", expanded=False):
        for o in les.objectives:
            st.markdown(f"- {o.text}")

    def label(p: str) -> str:
        done = " ✓" if reading is not None and p in reading.read else ""
        return f"{pages.index(p) + 1}. {titles[p]}{done}"

    st.radio("Sections", pages, format_func=label, key=key, horizontal=False)
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

    def go(delta: int) -> None:
        st.session_state[key] = pages[idx + delta]

    prev_col, next_col = st.columns(2)
    if idx > 0:
        prev_col.button(f"← {titles[pages[idx - 1]]}", on_click=go, args=(-1,), key="prev")
    if idx < len(pages) - 1:
        next_col.button(f"{titles[pages[idx + 1]]} →", on_click=go, args=(1,), key="next")
    elif module.quiz:
        next_col.page_link(nav.page("quiz"), label="Take the quiz →", query_params={"module": module_id})


def _printable(svc, module) -> None:
    """The whole lesson on one page, for the browser's Print (sidebar, header and links hidden in print)."""
    les = module.lesson
    st.html(PRINT_CSS)
    with st.container(key="print-links"):
        st.markdown(
            f"[← Back to the lesson](lesson?module={module.id}) · Use your browser's *Print* (Ctrl+P or ⌘P) "
            "to print this page or save it as a PDF."
        )
    st.title(les.title)
    st.caption(f"{svc.course.info.title} · about {les.estimated_minutes} min · {len(les.sections)} sections")
    st.subheader("Learning objectives")
    st.markdown("\n".join(f"- {o.text}" for o in les.objectives))
    for n, section in enumerate(les.sections, start=1):
        st.header(f"{n}. {section.heading}", anchor=section.id)
        st.markdown(link_citations(section.body, les.references))
        if section.figure:
            _figure(svc.course.figure_path(section.figure.file), section.figure.alt, section.figure.caption)
            st.caption(f"Figure description: {escape_markdown(section.figure.alt)}")
    st.header("Key points", anchor="key-points")
    st.markdown("\n".join(f"- {kp}" for kp in les.key_points))
    st.header("References", anchor="references")
    st.markdown("\n".join(f"- **{r.id}**: {r.citation} [{r.url}]({r.url})" for r in les.references))


def _marked(hit: SearchHit) -> str:
    """The snippet as Markdown: every character shown literally, the matches in bold."""

    def literal(piece: str) -> str:
        if not piece.strip():
            return " " if piece else ""
        lead = " " if piece[0].isspace() else ""
        trail = " " if piece[-1].isspace() else ""
        return lead + escape_markdown(piece) + trail

    out, at = [], 0
    for start, end in hit.marks:
        out.append(literal(hit.snippet[at:start]))
        out.append(f"**{escape_markdown(hit.snippet[start:end])}**")
        at = end
    out.append(literal(hit.snippet[at:]))
    return "".join(out)


def search() -> None:
    """Search across lessons: sections whose heading, body or key points hold every word of the query."""
    svc = services()
    auth.require(svc)
    st.title("Search the lessons")
    if "lesson-search" not in st.session_state:
        st.session_state["lesson-search"] = st.query_params.get("q", "")[:MAX_QUERY]
    query = st.text_input(
        "Words to find in the lessons",
        key="lesson-search",
        max_chars=MAX_QUERY,
        placeholder="for example: procaine, needle depth, consent",
    )
    if query.strip():
        st.query_params["q"] = query
    elif "q" in st.query_params:
        del st.query_params["q"]
    if not query.strip():
        st.caption("Headings, section texts and key points of every lesson are searched.")
        return
    hits = index_for(svc.course).search(query)
    if not hits:
        st.info(f"No section contains every word of “{escape_markdown(query)}”. Try fewer or shorter words.")
        return
    st.caption(
        f"{len(hits)} section{'s' if len(hits) != 1 else ''} found" + (" (the best 20)" if len(hits) == 20 else "")
    )
    for hit in hits:
        with st.container(border=True):
            st.page_link(  # the section's heading as the link (short: long labels are clipped), the lesson below
                nav.page("lesson"),
                label=hit.heading,
                icon=":material/menu_book:",
                query_params={"module": hit.module_id, "section": hit.section_id},
            )
            st.caption(hit.module_title)
            st.markdown(_marked(hit))


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
