"""Instructor-only pages: cohorts, invite links and assignments, gradebook, item analysis, content health.

Words on these pages: trainees by name (deactivated ones marked "(deactivated)"), quizzes by title, questions by
their text and their file:line, never by internal id; counts through :func:`mesolearn.text.plural`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from mesolearn.analytics.item_analysis import MIN_RESPONSES_FOR_FLAGS, wilson_interval
from mesolearn.app import UserError, utcnow
from mesolearn.cohorts import STATUSES, to_csv
from mesolearn.content.item_checks import question_location
from mesolearn.content.models import ReviewPolicy
from mesolearn.content.text import course_markdown
from mesolearn.quiz.grading import answer_text
from mesolearn.text import plural
from mesolearn.ui import auth, nav
from mesolearn.ui.services import services
from mesolearn.ui.text import escape_markdown
from mesolearn.ui.widgets import feedback


def cohorts() -> None:
    svc = services()
    account = auth.require(svc, "instructor")
    st.title("Cohorts and assignments")
    with st.form("new-cohort", clear_on_submit=True):
        name = st.text_input("New cohort name", placeholder="e.g. Spring 2027 trainees")
        if st.form_submit_button("Create cohort"):
            try:
                c = svc.cohorts.create_cohort(name, account.id)
                st.success(f"Created {escape_markdown(c.name)}. Invite code: {c.invite_display}")
            except UserError as exc:
                st.error(str(exc))
    all_cohorts = svc.cohorts.list_cohorts()
    if not all_cohorts:
        st.info("No cohorts yet.")
    else:
        cohort = st.selectbox("Cohort", all_cohorts, format_func=lambda c: f"{c.name} ({plural(c.members, 'trainee')})")
        _cohort_panel(svc, account, cohort)
    st.divider()
    _trainee_panel(svc, account)


def _cohort_panel(svc, account, cohort) -> None:
    quizzes = svc.quizzes.choices()
    left, right = st.columns([2, 1])
    left.markdown(f"Invite code: **{cohort.invite_display}** — trainees enter it on their home page to join.")
    if right.button("New invite code", help="The old code stops working"):
        svc.cohorts.rotate_invite(cohort.id)
        st.rerun()
    members = svc.cohorts.members(cohort.id)
    tab_members, tab_add, tab_links, tab_assign = st.tabs(["Members", "Add trainees", "Invite links", "Assignments"])
    with tab_links:
        _invite_links(svc, account, cohort)
    gone = svc.admin.deactivated_ids()
    with tab_members:
        if members:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "name": m.display_name,
                            "username": m.username,
                            "email": m.email or "",
                            "joined": m.joined_at,
                            "account": "deactivated" if m.user_id in gone else "active",
                        }
                        for m in members
                    ]
                ),
                hide_index=True,
            )
        else:
            st.caption("No members yet.")
    with tab_add:  # a deactivated account cannot sign in: it is not offered
        joined = {m.user_id for m in members}
        trainees = [a for a in svc.accounts.list_users("trainee") if a.id not in joined and a.id not in gone]
        pick = st.selectbox(
            "Add one trainee",
            trainees,
            index=None,
            format_func=lambda a: f"{a.display_name} ({a.username})",
            placeholder="Choose a trainee",
        )
        if st.button("Add to cohort", disabled=pick is None) and pick is not None:
            svc.cohorts.add_member(cohort.id, pick.id)
            st.rerun()
        st.markdown(
            "**Or import a CSV** of `name,email` (one trainee per line; a header row is optional). "
            "New accounts get a one-time password shown once below."
        )
        upload = st.file_uploader("CSV file", type=["csv", "txt"], key=f"csv-{cohort.id}")
        if upload is not None and st.button("Import", key=f"import-{cohort.id}"):
            try:
                text = upload.getvalue().decode("utf-8-sig")
            except UnicodeDecodeError:
                st.error("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again.")
                return
            with st.spinner("Creating accounts…"):
                result = svc.cohorts.import_csv(cohort.id, text)
            (st.success if result.ok else st.warning)(result.summary)
            for err in result.errors:
                st.error(escape_markdown(err))
            if result.created:
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                "name": c.display_name,
                                "username": c.username,
                                "email": c.email,
                                "one-time password": c.password,
                            }
                            for c in result.created
                        ]
                    ),
                    hide_index=True,
                )
    with tab_assign:
        with st.form(f"assign-{cohort.id}", clear_on_submit=True):
            quiz_id = st.selectbox("Module or exam", list(quizzes), format_func=lambda q: quizzes[q])
            due = st.date_input("Due date", value=None)
            if st.form_submit_button("Assign to the cohort"):
                due_at = datetime.combine(due, time(23, 59)) if due else None
                try:
                    svc.cohorts.assign(quiz_id, due_at, cohort_id=cohort.id, instructor_id=account.id)
                    st.success(f"Assigned {quizzes[quiz_id]}.")
                except UserError as exc:
                    st.error(str(exc))
        for a in svc.cohorts.assignments(cohort_id=cohort.id):
            c1, c2 = st.columns([4, 1])
            c1.markdown(
                f"**{quizzes.get(a.quiz_id, a.quiz_id)}** · due {a.due_at:%Y-%m-%d}"
                if a.due_at
                else f"**{quizzes.get(a.quiz_id, a.quiz_id)}** · no due date"
            )
            if c2.button("Remove", key=f"unassign-{a.id}"):
                svc.cohorts.unassign(a.id)
                st.rerun()


def _app_address() -> str:
    """The app's address as the instructor's browser sees it (for a link to copy), or "" if unknown."""
    try:
        url = st.context.url
    except Exception:  # no browser context
        return ""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _invite_links(svc, account, cohort) -> None:
    """Links that register and join this cohort in one step; optional expiry and use limit; revocable."""
    invites = svc.invites
    st.caption(
        "Send a link to your trainees: opening it, a visitor registers and joins this cohort in one step (even "
        "when self-registration is off), and a signed-in trainee joins."
    )
    with st.form(f"invite-{cohort.id}", clear_on_submit=True):
        c1, c2 = st.columns(2)
        days = c1.number_input("Valid for (days, 0 = no expiry)", 0, 365, 14, key=f"invite-days-{cohort.id}")
        uses = c2.number_input("Use limit (0 = no limit)", 0, 10_000, 0, key=f"invite-uses-{cohort.id}")
        if st.form_submit_button("Create an invite link"):
            try:
                invites.create(
                    account.id,
                    cohort.id,
                    expires_at=utcnow() + timedelta(days=int(days)) if days else None,
                    max_uses=int(uses) or None,
                )
                st.success("Invite link created: copy it below.")
            except UserError as exc:
                st.error(str(exc))
    links = invites.for_cohort(cohort.id)
    if not links:
        st.caption("No invite links yet.")
        return
    now, base = utcnow(), _app_address()
    for link in links:
        state = link.state(now)
        with st.container(border=True):
            limit = f"{link.uses} of {link.max_uses} used" if link.max_uses else plural(link.uses, "use")
            expiry = f"expires {link.expires_at:%Y-%m-%d %H:%M} UTC" if link.expires_at else "no expiry"
            st.markdown(f"**{state.capitalize()}** · {limit} · {expiry} · created {link.created_at:%Y-%m-%d}")
            if state == "active":
                st.code(base + link.path, language=None)
                if st.button("Revoke", key=f"revoke-invite-{link.id}", help="The link stops working at once"):
                    invites.revoke(account.id, link.id)
                    st.rerun()


def _trainee_panel(svc, account) -> None:
    quizzes = svc.quizzes.choices()
    st.subheader("One trainee: assignment or accommodation")
    trainees = svc.accounts.list_users("trainee")
    if not trainees:
        st.caption("No trainees yet.")
        return
    gone = svc.admin.deactivated_ids()
    who = st.selectbox(
        "Trainee",
        trainees,
        format_func=lambda a: f"{a.display_name} ({a.username})" + (" · deactivated" if a.id in gone else ""),
        key="one-trainee",
    )
    quiz_id = st.selectbox("Module or exam", list(quizzes), format_func=lambda q: quizzes[q], key="one-quiz")
    c1, c2 = st.columns(2)
    with c1.form("assign-one"):
        due = st.date_input("Due date", value=None)
        if st.form_submit_button("Assign to this trainee"):
            svc.cohorts.assign(
                quiz_id, datetime.combine(due, time(23, 59)) if due else None, user_id=who.id, instructor_id=account.id
            )
            st.success("Assigned.")
    current = next(iter(svc.cohorts.overrides(user_id=who.id, quiz_id=quiz_id)), None)
    with c2.form("override"):
        minutes = st.number_input("Extra minutes", 0, 10_000, current.extra_minutes if current else 0)
        tries = st.number_input("Extra attempts", 0, 100, current.extra_attempts if current else 0)
        if st.form_submit_button("Save accommodation"):
            try:
                svc.cohorts.set_override(who.id, quiz_id, int(minutes), int(tries))
                st.success("Saved.")
            except UserError as exc:
                st.error(str(exc))
    rows = svc.cohorts.assignments_for(who.id)
    if rows:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "quiz": r.title,
                        "due": r.due_at,
                        "status": r.status,
                        "overdue": "yes" if r.overdue else "",
                        "best %": r.best_score,
                    }
                    for r in rows
                ]
            ),
            hide_index=True,
            placeholder="–",
        )


def gradebook_page() -> None:
    svc = services()
    auth.require(svc, "instructor")
    st.title("Gradebook")
    all_cohorts = svc.cohorts.list_cohorts()
    c1, c2 = st.columns(2)
    cohort = c1.selectbox("Cohort", [None, *all_cohorts], format_func=lambda c: "All trainees" if c is None else c.name)
    status = c2.selectbox(
        "Status", [None, *STATUSES, "overdue"], format_func=lambda s: "Any status" if s is None else s
    )
    rows = svc.gradebook.rows(cohort_id=cohort.id if cohort else None, status=status)
    if not rows:
        st.info("No trainees match.")
        return
    gone = svc.admin.deactivated_ids()

    def who(r) -> str:
        return r.display_name + (" (deactivated)" if r.user_id in gone else "")

    frame = pd.DataFrame(
        [
            {
                "trainee": who(r),
                "quiz": r.quiz_title,
                "cell": ("⚠️ " if r.overdue else "")
                + r.status
                + (f" · {r.best_score:g}%" if r.best_score is not None else "")
                + (f" · {r.attempts}×" if r.attempts else ""),
            }
            for r in rows
        ]
    )
    grid = frame.pivot_table(index="trainee", columns="quiz", values="cell", aggfunc="first", sort=False).fillna("")
    st.dataframe(grid)
    st.caption("Each cell: status · best score · graded attempts. ⚠️ marks overdue assigned work.")
    with st.expander("Details (last activity, due dates)"):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "trainee": who(r),
                        "username": r.username,
                        "quiz": r.quiz_title,
                        "status": r.status,
                        "best %": r.best_score,
                        "attempts": r.attempts,
                        "last activity": r.last_activity,
                        "due": r.due_at,
                        "overdue": r.overdue,
                    }
                    for r in rows
                ]
            ),
            hide_index=True,
            placeholder="–",
        )
    st.download_button(
        "Download CSV",
        to_csv([replace(r, display_name=who(r)) for r in rows]),  # deactivated trainees marked there too
        file_name="gradebook.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    _open_attempt(svc, rows, gone)


def _open_attempt(svc, rows, gone: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    """Open any trainee's submitted attempt: their answers, the key, the explanation and the time taken."""
    st.subheader("Open a trainee's attempt")
    trainees = {r.user_id: r.display_name + (" (deactivated)" if r.user_id in gone else "") for r in rows}
    user_id = st.selectbox("Trainee", list(trainees), format_func=lambda u: trainees[u], key="gb-trainee")
    done = svc.gradebook.trainee_attempts(user_id)
    if not done:
        st.caption("No submitted graded attempt yet.")
        return
    chosen = st.selectbox(
        "Attempt",
        done,
        key="gb-attempt",
        format_func=lambda a: (
            f"{a.quiz_title} · {a.submitted_at:%Y-%m-%d %H:%M} UTC · "
            + ("" if a.score is None else f"{a.score:g}% · ")
            + ("passed" if a.passed else "not passed")
        ),
    )
    state = svc.attempts.load(chosen.attempt_id, chosen.user_id)
    st.markdown(
        f"Time taken: **{chosen.minutes:.0f} min** · score **{state.score:g}%** · "
        + ("passed" if state.passed else "not passed")
    )
    policy = ReviewPolicy(show_score=True, show_correct_answers=True, show_explanations=True)
    for item in state.items:
        with st.container(border=True):
            st.markdown(
                f"**Question {item.position + 1}**" + (" · ⚠️ safety-critical" if item.question.critical else "")
            )
            st.markdown(course_markdown(item.view.prompt))
            feedback(svc.course, item, policy, answer_label="Their answer")


def item_analysis() -> None:
    svc = services()
    auth.require(svc, "instructor")
    st.title("Item analysis")
    st.caption(
        "Moodle's quiz statistics, computed exactly over graded attempts. Facility: share of the mark "
        "earned. Discrimination: correlation of the item with the rest of the test (×100). "
        "Cronbach's alpha: internal consistency."
    )
    quizzes = svc.quizzes.choices()
    quiz_id = st.selectbox("Quiz", list(quizzes), format_func=lambda q: quizzes[q])
    first_only = st.toggle("First attempts only", value=True)
    report = svc.item_analysis.report(quiz_id, first_attempts_only=first_only)
    q = report.quiz
    if q.n_attempts == 0:
        st.info("No submitted graded attempts yet.")
        return
    cols = st.columns(4)
    fmt = lambda v, unit="": "–" if v is None else f"{v:.2f}{unit}"  # noqa: E731
    cols[0].metric("Attempts analysed", q.n_attempts)
    cols[1].metric("Mean", fmt(q.mean, "%"), help=f"median {fmt(q.median, '%')}, SD {fmt(q.sd, '%')}")
    cols[2].metric("Cronbach's alpha", fmt(None if q.cronbach_alpha is None else 100 * q.cronbach_alpha, "%"))
    cols[3].metric("Standard error", fmt(q.standard_error, "%"), help=f"error ratio {fmt(q.error_ratio, '%')}")
    st.caption(
        f"Skewness {fmt(q.skewness)} · kurtosis {fmt(q.kurtosis)} · {plural(report.attempts_excluded, 'attempt')} "
        "left out because their questions changed since."
    )
    st.caption(
        f"Statistics of a question seen fewer than {MIN_RESPONSES_FOR_FLAGS} times are shown but raise no "
        "flag: with so few answers they are mostly chance. The 95 % interval shows how uncertain a facility is."
    )

    def interval(r) -> str:
        ci = None if r.facility is None else wilson_interval(r.facility * r.n, r.n)
        return "" if ci is None else f"{100 * ci[0]:.0f}–{100 * ci[1]:.0f}"

    st.dataframe(
        pd.DataFrame(
            [
                {
                    "question": r.prompt,  # what instructors recognise; the id is in the file (Content health)
                    "type": r.type.replace("_", " "),
                    "n": r.n,
                    "facility %": None if r.facility is None else round(100 * r.facility, 1),
                    "facility 95% interval": interval(r),
                    "SD": None if r.sd is None else round(r.sd, 3),
                    "guess %": round(100 * r.random_guess, 1),
                    "discrimination": None if r.discrimination_index is None else round(r.discrimination_index, 1),
                    "efficiency": None
                    if r.discriminative_efficiency is None
                    else round(r.discriminative_efficiency, 1),
                    "flags": "; ".join(r.flags),
                }
                for r in report.questions
            ]
        ),
        hide_index=True,
        placeholder="–",
    )
    flagged = [r for r in report.questions if r.flags]
    st.subheader(f"Flagged questions ({len(flagged)})")
    for r in flagged:
        with st.expander(f"{r.prompt[:80]}: {'; '.join(r.flags)}"):
            st.write(r.prompt)
            if r.options:
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                "option": o.text,
                                "correct": "✓" if o.correct else "",
                                "chosen": o.count,
                                "share": None if o.fraction is None else f"{o.fraction:.0%}",
                            }
                            for o in r.options
                        ]
                    ),
                    hide_index=True,
                )


def content_health() -> None:
    svc = services()
    auth.require(svc, "instructor")
    course = svc.course
    from mesolearn.content.item_checks import LONGEST_SHARE_LIMIT, all_issues, pool_figures

    issues = all_issues(course)  # the loader's checks and the item-writing checks, as `validate` prints them
    errors = [i for i in issues if i.severity == "error"]
    st.title("Content health")
    st.caption("Validation runs whenever a content file changes. Fix a file, save it, and this page updates.")
    c1, c2, c3 = st.columns(3)
    c1.metric("Modules available", len(course.modules))
    c2.metric("Errors", len(errors))
    c3.metric("Warnings", len(issues) - len(errors))
    if not issues:
        st.success("Every content file is valid.")
    for issue in issues:
        (st.error if issue.severity == "error" else st.warning)(str(issue))
    figures = [f for f in pool_figures(course) if f.single_choice]
    if figures:
        st.caption(f"Key is the longest option (single-choice items; limit {LONGEST_SHARE_LIMIT:.0%} per pool):")
        st.dataframe(
            [
                {
                    "module": course.modules[f.module].title if f.module in course.modules else f.file,
                    "single-choice items": f.single_choice,
                    "key longest": f.key_longest,
                    "share": f"{f.share:.0%}",
                    "key >= 1.5x next": f.key_ratio,
                    "over limit": "yes" if f.over_limit else "no",
                }
                for f in figures
            ],
            hide_index=True,
        )

    st.subheader("Problems reported by trainees")
    open_reports = svc.reports.list(resolved=False)
    if not open_reports:
        st.caption("No open reports.")
    for r in open_reports:
        with st.container(border=True):
            q = course.question(r.question_id)
            module = course.module_of(r.question_id)
            where = question_location(course, r.question_id)
            st.markdown(
                f"**{module.title if module else 'A question no longer in the course'}** · "
                f"reported {r.created_at:%Y-%m-%d %H:%M} UTC by"
            )
            st.text(f"{r.display_name} ({r.username})")  # user text, shown literally
            if where:
                st.caption(f"Edit it in `{where}`")
            st.text(r.message)  # user text, shown literally
            if q is not None and module is not None:
                section = module.lesson.section(q.section)
                st.page_link(
                    nav.page("lesson"),
                    label=f"Its lesson section: {module.title} › {section.heading if section else 'lesson'}",
                    icon=":material/menu_book:",
                    query_params={"module": module.id, "section": q.section},
                )
            if q is not None:
                with st.expander("The question, with its key"):
                    st.markdown(course_markdown(q.prompt))
                    st.markdown(f"**Correct answer:** {answer_text(q)}")
                    st.markdown(course_markdown(q.explanation))
            if st.button("Mark resolved", key=f"resolve-{r.id}"):
                svc.reports.resolve(r.id)
                st.rerun()

    st.subheader("Questions flagged by the statistics")
    any_flag = False
    for quiz_id, title in svc.quizzes.choices().items():
        rep = svc.item_analysis.report(quiz_id)
        for row in rep.questions:
            if row.flags:
                any_flag = True
                where = question_location(course, row.question_id)
                st.markdown(
                    f"- **{escape_markdown(_short(row.prompt))}** ({title}"
                    + (f", `{where}`" if where else "")
                    + f"): {'; '.join(row.flags)}"
                )
    if not any_flag:
        st.caption("No question is flagged (statistics need submitted graded attempts).")

    st.subheader("Modules")
    st.dataframe(
        [
            {
                "module": m.title,
                "lesson file": m.lesson_file,
                "lesson words": m.lesson.word_count,
                "questions": len(m.quiz.questions) if m.quiz else 0,
                "quiz": "ok" if m.quiz else "unavailable",
            }
            for m in course.modules.values()
        ],
        hide_index=True,
    )


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def exchange() -> None:
    """Moodle exchange in the browser: download a quiz as GIFT or Moodle XML; turn a GIFT file into a quiz file."""
    from mesolearn.content.models import Quiz
    from mesolearn.exchange import GiftError, dump_quiz_yaml, gift_to_quiz_dict, quiz_to_gift, quiz_to_moodle_xml

    svc = services()
    auth.require(svc, "instructor")
    course = svc.course
    st.title("Exchange with Moodle")
    modules = [m for m in course.modules.values() if m.quiz]
    st.subheader("Export a quiz")
    module = st.selectbox("Quiz", modules, format_func=lambda m: m.title, key="export-quiz")
    assert module.quiz is not None  # modules holds only modules with a quiz
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download GIFT",
        quiz_to_gift(module.quiz, module.lesson),
        file_name=f"{module.id}.gift.txt",
        mime="text/plain",
        icon=":material/download:",
    )
    c2.download_button(
        "Download Moodle XML",
        quiz_to_moodle_xml(module.quiz, module.lesson),
        file_name=f"{module.id}.moodle.xml",
        mime="application/xml",
        icon=":material/download:",
    )
    st.caption(
        "Ordering questions become Moodle ordering questions in XML and matching questions in GIFT "
        "(GIFT has no ordering type). Fields Moodle lacks (objective, section, references) travel in comments "
        "or tags, so a re-import is lossless."
    )

    st.subheader("Import a GIFT file into a quiz file")
    target = st.selectbox(
        "Module the questions belong to",
        list(course.modules.values()),
        format_func=lambda m: m.title,
        key="import-module",
    )
    lesson = target.lesson
    objective = st.selectbox("Default learning objective", [o.id for o in lesson.objectives])
    section = st.selectbox("Default lesson section", [s.id for s in lesson.sections])
    refs = st.multiselect("Default references", [r.id for r in lesson.references], default=[lesson.references[0].id])
    upload = st.file_uploader("GIFT file", type=["txt", "gift"])
    if upload is not None and refs:
        try:
            data, warnings = gift_to_quiz_dict(
                upload.getvalue().decode("utf-8-sig"), target.id, objective, section, refs
            )
            quiz = Quiz.model_validate(data)
        except UnicodeDecodeError:
            st.error("The file is not UTF-8 text.")
            return
        except GiftError as exc:
            st.error(escape_markdown(f"Line {exc.line}: {exc.message}" if exc.line else exc.message))
            return
        except UserError as exc:  # e.g. a default the importer cannot use
            st.error(escape_markdown(str(exc)))
            return
        for w in warnings:
            st.warning(w)
        st.success(
            f"{plural(len(quiz.questions), 'question')} read. Save the file as quizzes/NN-{target.id}.yaml (or merge "
            "its questions into the existing quiz file), then run `python -m mesolearn validate`."
        )
        st.download_button(
            "Download the quiz file (YAML)",
            dump_quiz_yaml(data),  # the command line's writer: text in '|' blocks, as authors write it
            file_name=f"{target.id}-imported.yaml",
            mime="text/yaml",
            icon=":material/download:",
        )


def about() -> None:
    """Public: what the course is, and is not."""
    svc = services()
    info = svc.course.info
    st.title("About this course")
    st.warning(info.notice, icon=":material/medical_information:")
    if info.description:
        st.write(info.description)
    st.markdown(
        "- **Sources.** Every lesson cites its sources inline, like [KT13]; each citation links to the reference. "
        "Quiz explanations cite the same references.\n"
        "- **Evidence.** Where sources disagree (session intervals, session length, how long to stop aspirin or "
        "NSAIDs) the lessons give the range rather than one invented standard, and weak claims are marked as such.\n"
        "- **Marketing claims.** The module on evidence and regulation teaches common marketing errors as errors.\n"
        "- **Who may inject** differs by country: some professional societies hold that mesotherapy is a medical act "
        "for physicians only, while England has proposed licensing non-medical practitioners. Follow the law and "
        "professional rules where you practise.\n"
        "- **Not medical advice.** Nothing here replaces clinical training, supervision or a prescriber's decision."
    )
    st.subheader("Modules")
    for m in svc.course.modules.values():
        st.markdown(f"{m.lesson.order}. **{m.title}**: {m.lesson.summary}")
