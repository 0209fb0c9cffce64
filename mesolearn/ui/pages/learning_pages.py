"""The trainee's learning tools: progress dashboard, spaced review, build-your-own quiz,
certification readiness and certificates, and the public certificate check."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

import altair as alt
import pandas as pd
import streamlit as st

from mesolearn.app import UserError, utcnow
from mesolearn.certificates import pdf as certificate_pdf
from mesolearn.content.text import course_markdown
from mesolearn.learning import LEVELS
from mesolearn.learning.readiness import parse_exam_date
from mesolearn.quiz import drawing
from mesolearn.settings import current
from mesolearn.text import plural
from mesolearn.ui import auth, nav
from mesolearn.ui.services import services
from mesolearn.ui.text import escape_markdown
from mesolearn.ui.widgets import answer_to_check, feedback, question_input

FILTERS = {"unseen": "Not seen yet", "wrong": "Answered wrong", "flagged": "Flagged"}


def _go_attempt(attempt_id: int) -> None:
    st.switch_page(nav.page("quiz"), query_params={"attempt": str(attempt_id)})


def dashboard() -> None:
    svc = services()
    account = auth.require(svc, "trainee", "instructor")
    course = svc.course
    st.title("My progress")
    progress = svc.progress.for_user(account.id, list(course.modules))
    history = svc.attempts.history(account.id, mode="graded")
    spent: dict[str, float] = {}
    for a in history:
        if a.minutes is not None:
            spent[a.quiz_id] = spent.get(a.quiz_id, 0.0) + a.minutes
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "module": m.title,
                    "status": progress[m.id].status,
                    "best %": progress[m.id].best_score,
                    "last %": progress[m.id].last_score,
                    "graded attempts": progress[m.id].attempts,
                    "sections read": f"{progress[m.id].sections_read}/{len(m.lesson.sections)}",
                    "minutes in quizzes": round(spent.get(m.id, 0.0)),
                }
                for m in course.modules.values()
            ]
        ),
        hide_index=True,
        placeholder="–",  # no score yet: a dash, not "None"
    )

    scores = [
        (a.submitted_at, svc.quizzes.title(a.quiz_id), a.score)
        for a in history
        if a.submitted_at and a.score is not None
    ]
    st.subheader("Scores over time")
    if scores:
        frame = pd.DataFrame(scores, columns=["submitted", "quiz", "score %"])
        # points, so one attempt is visible too; an explicit date format (Vega's default shows ".221" for one point)
        chart = (
            alt.Chart(frame)
            .mark_circle(size=80)
            .encode(
                x=alt.X("submitted:T", title="submitted (UTC)", axis=alt.Axis(format="%d %b %H:%M")),
                y=alt.Y("score %:Q", scale=alt.Scale(domain=[0, 100])),
                color=alt.Color("quiz:N", legend=alt.Legend(orient="bottom", columns=1, labelLimit=400)),
                tooltip=["quiz", "score %", alt.Tooltip("submitted:T", format="%d %b %Y %H:%M")],
            )
        )
        st.altair_chart(chart, use_container_width=True)
    else:
        st.caption("Your graded attempts will appear here.")

    st.subheader("Mastery by learning objective")
    st.caption(
        "Levels: attempted → familiar (a right answer) → proficient (last 3 right) → mastered "
        "(proficient and right again in a spaced review at least a day later). A wrong answer drops one level."
    )
    levels = svc.mastery.for_user(account.id)
    rows = []
    for m in course.modules.values():
        for o in m.lesson.objectives:
            lv = levels.get(o.id)
            rows.append(
                {
                    "objective": o.id,
                    "module": m.title,
                    "level": lv.level if lv else LEVELS[0],
                    "mastery points": lv.points if lv else 0,
                    "answers": lv.answers if lv else 0,
                }
            )
    frame = pd.DataFrame(rows)
    st.bar_chart(frame, x="objective", y="mastery points", color="module", horizontal=True, height=640)
    st.dataframe(frame, hide_index=True)


def review() -> None:
    svc = services()
    account = auth.require(svc, "trainee", "instructor")
    st.title("Due for review")
    st.caption(
        "Every question you answered wrongly, or flagged, becomes a review card scheduled with FSRS "
        "(spaced repetition). One card at a time: answer it, see the answer, then say how well you knew it; "
        "the better you know it, the longer until it comes back."
    )
    now = utcnow()
    open_id = svc.attempts.open_attempt_id(account.id, "review", "practice")
    if open_id is not None:
        _review_session(svc, account, open_id)
        return
    if finished := st.session_state.pop("review-finished", None):
        st.success(f"Review session finished: {plural(finished, 'card')} reviewed.")
    queue = svc.review.queue(account.id, now)
    c1, c2, c3 = st.columns(3)
    c1.metric("Cards due now", len(queue.due))
    c2.metric(
        "Cards scheduled later",
        len(queue.upcoming),
        help=f"next one {queue.next_due:%d %b %H:%M} UTC" if queue.next_due else None,
    )
    c3.metric(
        "Reviewed today", f"{queue.done_today} / {queue.daily_limit}", help="The daily limit keeps reviews short."
    )
    if queue.next_due:
        st.caption(f"Next card comes back {_when(queue.next_due, now)}.")
    if queue.limit_reached:
        st.info("You reached today's review limit. The rest waits for tomorrow.")
    elif queue.due:
        if st.button(f"Review {plural(queue.session_size, 'card')} now", type="primary"):
            try:
                svc.review.start(account.id, queue.session_questions)
            except UserError as exc:
                st.error(str(exc))
            else:
                st.rerun()
    else:
        st.success("Nothing is due. Come back later, or build your own practice quiz.")


def _review_session(svc, account, attempt_id: int) -> None:
    """One card at a time: answer, check, see the answer, rate Again / Hard / Good / Easy (the next interval is on
    each button). What counts as done and which card is next: ``mesolearn.learning.review_queue``."""
    session = svc.review.session(account.id, attempt_id)
    state, progress = session.attempt, session.progress
    st.progress(progress.fraction, text=f"Card {progress.number} of {progress.total}")
    if progress.current is None:
        try:
            svc.attempts.submit(attempt_id, account.id)  # the follow-up work applies answers not rated here
        except UserError as exc:  # e.g. a timed exam was opened meanwhile: finish it first
            st.warning(str(exc))
            return
        st.session_state["review-finished"] = len(state.items)
        st.rerun()
        return
    item = progress.current
    key = f"rv{attempt_id}-{item.question.id}"
    with st.container(border=True):
        st.markdown(course_markdown(item.view.prompt))
        if item.score is None and drawing.stepwise(item.question):  # a case: each decision saved at once

            def step(response, qid=item.question.id) -> None:
                try:
                    svc.attempts.save_answer(attempt_id, account.id, qid, response)
                except UserError as exc:
                    st.session_state[f"{key}-refused"] = str(exc)

            question_input(item, key, step)
            if refused := st.session_state.pop(f"{key}-refused", None):
                st.error(refused)
            return
        if item.score is None:
            pending = answer_to_check(item, key, "Show the answer", primary=True)
            if pending is not None:
                try:
                    svc.attempts.save_answer(attempt_id, account.id, item.question.id, pending)
                except UserError as exc:
                    st.error(str(exc))
                else:
                    st.rerun()
            return
        question_input(item, key + "-done", lambda r: None, disabled=True)
        feedback(svc.course, item, state.spec.review, nav.page("lesson"))
    st.markdown("**How well did you know it?**")
    choices = svc.review.rating_choices(session.card(item.question.id), utcnow())
    for col, choice in zip(st.columns(len(choices)), choices, strict=True):
        if col.button(choice.label, key=f"{key}-rate-{choice.name}", width="stretch"):
            svc.review.rate(account.id, item.question.id, choice.name, utcnow(), once_since=state.started_at)
            st.rerun()


def _when(due: datetime, now: datetime) -> str:
    minutes = max(1, round((due - now).total_seconds() / 60))
    if minutes < 60:
        return f"in {plural(minutes, 'minute')}"
    if minutes < 48 * 60:
        return f"in {plural(round(minutes / 60), 'hour')} ({due:%d %b %H:%M} UTC)"
    return f"on {due:%d %B %Y}"


def build_quiz() -> None:
    svc = services()
    account = auth.require(svc, "trainee", "instructor")
    course = svc.course
    st.title("Build your own quiz")
    st.caption("Practice mode: feedback after each answer; it does not count towards your modules.")
    # outside the form, so that the objectives below follow the chosen modules at once (B7)
    modules = st.multiselect(
        "Modules",
        list(course.modules),
        format_func=lambda m: course.modules[m].title,
        placeholder="All modules",
        key="custom-modules",
    )
    with st.form("custom-quiz"):
        objective_ids = [
            o.id for m in course.modules.values() if not modules or m.id in modules for o in m.lesson.objectives
        ]
        texts = {o.id: o.text for m in course.modules.values() for o in m.lesson.objectives}
        # chips, not dropdowns: with a multiselect's list just closed inside this form, the first click on "Start
        # practice" was lost (UX review B7, Streamlit 1.67)
        objectives = (
            st.pills(
                "Learning objectives (none chosen: all of them)",
                objective_ids,
                selection_mode="multi",
                format_func=lambda o: texts[o],
                key="custom-objectives",
            )
            or []
        )
        filters = (
            st.pills(
                "Only questions that are (none chosen: any question)",
                list(FILTERS),
                selection_mode="multi",
                format_func=lambda f: FILTERS[f],
                key="custom-filters",
            )
            or []
        )
        count = st.number_input("Number of questions", min_value=1, max_value=50, value=10, step=1)
        ok = st.form_submit_button("Start practice", type="primary")
    if ok:
        try:
            _go_attempt(
                svc.practice.build(
                    account.id,
                    modules=modules,
                    objectives=objectives,
                    filters=filters,
                    count=int(count),
                )
            )
        except UserError as exc:
            st.error(str(exc))


def _base_url() -> str:
    configured = current().public_url
    if configured:
        return configured.rstrip("/")
    url = st.context.url
    if not url:  # no browser URL known (urlsplit(None) would give bytes parts)
        return "http://localhost:8501"
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"
    except Exception:
        return "http://localhost:8501"


def certification() -> None:
    svc = services()
    account = auth.require(svc, "trainee", "instructor")
    course = svc.course
    exam = svc.readiness.exam()
    st.title("Certification")
    if exam is None:
        st.warning("No certification exam is available.")
        return

    current = svc.readiness.exam_date(account.id)
    # A text field in a form: Enter saves it, as a keyboard user expects. (Streamlit's segmented date field commits
    # a typed date only when its calendar is used or the field is left, so a typed date + Enter was lost: B8.)
    with st.form("exam-date"):
        typed = st.text_input(
            "Date of your certification exam (YYYY-MM-DD)",
            max_chars=10,
            placeholder="2027-03-15",
            value=current.isoformat() if current else "",
            help="The readiness report predicts how much you will remember on that day, and review "
            "cards are weighted by it. Leave it empty to clear it.",
        )
        if st.form_submit_button("Save the exam date"):
            try:
                picked = parse_exam_date(typed, today=date.today())
            except UserError as exc:
                st.error(str(exc))
            else:
                svc.readiness.set_exam_date(account.id, picked)
                st.session_state["exam-date-saved"] = picked
                st.rerun()
    if "exam-date-saved" in st.session_state:
        saved = st.session_state.pop("exam-date-saved")
        st.success(f"Exam date saved: {saved:%d %B %Y}." if saved else "Exam date cleared.")

    st.header("Readiness report")
    report = svc.readiness.report(account.id, exam.id)
    est = report.estimate
    if est is None:  # the same as not report.enough_data
        st.info(report.message or "Not enough answers yet for an estimate.")
    else:
        c1, c2, c3 = st.columns(3)
        c1.metric(
            "Estimated chance of passing",
            f"{est.probability:.0%}",
            help=f"80% credible interval {est.low:.0%} to {est.high:.0%}",
        )
        c2.metric(
            "Expected score",
            f"{est.expected_score:.0f}%",
            help=f"80% interval {est.score_low:.0f}–{est.score_high:.0f}%",
        )
        c3.metric("Risk of missing a safety-critical item", f"{est.critical_miss:.0%}")
        st.caption(
            f"How sure is this? The chance lies between {est.low:.0%} and {est.high:.0%} with 80% "
            f"probability, given the {report.answered} questions you have been scored on (a question left "
            "blank in a submitted attempt counts as wrong). It assumes the exam draws "
            f"{est.questions} questions by the blueprint, needs {est.questions_needed} right, and fails on any "
            "wrong safety-critical answer. Few answers mean a wide interval: treat it as a guide, not a promise."
        )
    if report.modules:
        st.subheader("By module")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "module": m.title,
                        "answered": m.answered,
                        "accuracy %": round(100 * m.accuracy) if m.answered else "no answers yet",
                        "80% interval": f"{m.low:.0%}–{m.high:.0%}" if m.answered else "",
                        "exam questions": m.exam_questions,
                    }
                    for m in report.modules
                ]
            ),
            hide_index=True,
        )
    if report.weakest:
        st.subheader("Weakest objectives")
        for o in report.weakest:
            st.page_link(
                nav.page("lesson"),
                label=f"{o.text} ({o.accuracy:.0%}, {o.level})",
                icon=":material/menu_book:",
                query_params={"module": o.module_id, "section": o.section_id},
            )
    if report.untested:
        n = len(report.untested)
        st.caption(f"{plural(n, 'objective')} {'has' if n == 1 else 'have'} no answers yet.")

    st.header("Mock exam")
    st.markdown(
        f"{exam.questions} questions · {exam.time_limit_minutes} minutes · pass mark {exam.pass_mark:g}%"
        + (" · a wrong safety-critical answer fails the exam" if exam.critical_fails else "")
    )
    st.page_link(nav.page("quiz"), label="Go to the exam", icon=":material/timer:", query_params={"exam": exam.id})

    st.header("Certificate")
    eligibility, eligibility_cert = svc.certificate_status(account.id)
    if eligibility_cert is not None:
        st.success(
            f"Certificate issued on {eligibility_cert.issued_at:%d %B %Y}. Verification code: "
            f"**{eligibility_cert.code}**"
        )
        data = certificate_pdf.certificate_pdf(eligibility_cert, _base_url(), course.info.title)
        st.download_button(
            "Download the certificate (PDF)",
            data,
            file_name=f"certificate-{eligibility_cert.code}.pdf",
            mime="application/pdf",
            icon=":material/download:",
        )
    else:
        st.info("A certificate is issued when you pass the certification exam and every assigned module.")
        for reason in eligibility.reasons:
            st.markdown(f"- {reason}")


def verify() -> None:
    """Public: anyone with a code can check a certificate, without signing in.

    The holder's name is their own text: it is escaped, so it reads exactly as typed (no links, images, emphasis).
    Checks are throttled per client address (misses count; see ``mesolearn.accounts.throttle``).
    """
    svc = services()
    st.title("Verify a certificate")
    code = st.text_input(
        "Verification code",
        value=st.query_params.get("code", "")[:64],
        max_chars=64,
        placeholder="MESO-XXXX-XXXX-XXXX-XXXX",
    )
    if not code:
        return
    try:
        cert = svc.certificates.verify(code, auth.client_address())
    except UserError as exc:
        st.error(str(exc))
        return
    if cert is None:
        st.error("No certificate has this code. Check it for typos.")
    elif not cert.valid:
        st.warning(f"This certificate was revoked on {cert.revoked_at:%d %B %Y}.")
    else:
        st.success(
            f"Valid certificate: **{escape_markdown(cert.holder_name)}** passed "
            f"*{escape_markdown(cert.exam_title)}* with {cert.score:g}% on {cert.issued_at:%d %B %Y}."
        )
        st.markdown("Modules: " + "; ".join(escape_markdown(m) for m in cert.modules))
