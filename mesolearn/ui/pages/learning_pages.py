"""The trainee's learning tools: progress dashboard, spaced review, build-your-own quiz,
certification readiness and certificates, and the public certificate check."""
from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from mesolearn.accounts.throttle import Throttled
from mesolearn.certificates import pdf as certificate_pdf
from mesolearn.learning import LEVELS, build_custom_quiz, cards, due_cards, mastery_for_user, readiness, start_review_session
from mesolearn.learning.custom import CustomQuizError
from mesolearn.quiz.attempts import AttemptError
from mesolearn.storage import utcnow
from mesolearn.storage.models import User
from mesolearn.ui import auth, nav
from mesolearn.ui.services import services
from mesolearn.ui.text import escape_markdown

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
        if a.submitted_at:
            spent[a.quiz_id] = spent.get(a.quiz_id, 0.0) + (a.submitted_at - a.started_at).total_seconds() / 60
    st.dataframe(pd.DataFrame([{
        "module": m.title, "status": progress[m.id].status, "best %": progress[m.id].best_score,
        "last %": progress[m.id].last_score, "graded attempts": progress[m.id].attempts,
        "sections read": f"{progress[m.id].sections_read}/{len(m.lesson.sections)}",
        "minutes in quizzes": round(spent.get(m.id, 0.0)),
    } for m in course.modules.values()]), hide_index=True)

    titles = {m.id: m.title for m in course.modules.values()} | {e.id: e.title for e in course.exams.values()}
    scores = [(a.submitted_at, titles.get(a.quiz_id, a.quiz_id), a.score) for a in history
              if a.submitted_at and a.score is not None]
    st.subheader("Scores over time")
    if scores:
        frame = pd.DataFrame(scores, columns=["submitted", "quiz", "score %"])
        st.scatter_chart(frame, x="submitted", y="score %", color="quiz", size=80)  # points: one attempt is visible too
    else:
        st.caption("Your graded attempts will appear here.")

    st.subheader("Mastery by learning objective")
    st.caption("Levels: attempted → familiar (a right answer) → proficient (last 3 right) → mastered "
               "(proficient and right again in a spaced review at least a day later). A wrong answer drops one level.")
    levels = mastery_for_user(svc.db, course, account.id)
    rows = []
    for m in course.modules.values():
        for o in m.lesson.objectives:
            lv = levels.get(o.id)
            rows.append({"objective": o.id, "module": m.title, "level": lv.level if lv else LEVELS[0],
                         "mastery points": lv.points if lv else 0, "answers": lv.answers if lv else 0})
    frame = pd.DataFrame(rows)
    st.bar_chart(frame, x="objective", y="mastery points", color="module", horizontal=True, height=640)
    st.dataframe(frame, hide_index=True)


LEARN_AHEAD = timedelta(minutes=20)  # like Anki: cards due within 20 minutes may be reviewed now


def review() -> None:
    svc = services()
    account = auth.require(svc, "trainee", "instructor")
    st.title("Due for review")
    st.caption("Every question you answered wrongly, or flagged, becomes a review card scheduled with FSRS "
               "(spaced repetition): the better you know it, the longer until it comes back.")
    now = utcnow()
    due = [c for c in due_cards(svc.db, account.id, now + LEARN_AHEAD) if svc.course.question(c.question_id)]
    upcoming = sorted((c for c in cards(svc.db, account.id) if c.due > now + LEARN_AHEAD), key=lambda c: c.due)
    c1, c2 = st.columns(2)
    c1.metric("Cards due now", len(due))
    c2.metric("Cards scheduled later", len(upcoming),
              help=f"next one {upcoming[0].due:%d %b %H:%M} UTC" if upcoming else None)
    open_id = svc.attempts.open_attempt_id(account.id, "review", "practice")
    if open_id is not None and st.button("Resume your review session", type="primary"):
        _go_attempt(open_id)
    if due and open_id is None and st.button(f"Review {min(len(due), 20)} card(s) now", type="primary"):
        try:
            _go_attempt(start_review_session(svc.attempts, account.id, [c.question_id for c in due[:20]]))
        except AttemptError as exc:
            st.error(str(exc))
    if not due:
        st.success("Nothing is due. Come back later, or build your own practice quiz.")


def build_quiz() -> None:
    svc = services()
    account = auth.require(svc, "trainee", "instructor")
    course = svc.course
    st.title("Build your own quiz")
    st.caption("Practice mode: feedback after each answer; it does not count towards your modules.")
    with st.form("custom-quiz"):
        modules = st.multiselect("Modules", list(course.modules), format_func=lambda m: course.modules[m].title,
                                 placeholder="All modules")
        objective_ids = [o.id for m in course.modules.values() if not modules or m.id in modules
                         for o in m.lesson.objectives]
        texts = {o.id: o.text for m in course.modules.values() for o in m.lesson.objectives}
        objectives = st.multiselect("Learning objectives", objective_ids, format_func=lambda o: texts[o],
                                    placeholder="All objectives")
        filters = st.multiselect("Only questions that are", list(FILTERS), format_func=FILTERS.get,
                                 placeholder="Any question")
        count = st.number_input("Number of questions", min_value=1, max_value=50, value=10, step=1)
        ok = st.form_submit_button("Start practice", type="primary")
    if ok:
        try:
            _go_attempt(build_custom_quiz(svc.db, course, account.id, modules=modules, objectives=objectives,
                                          filters=filters, count=int(count)))
        except CustomQuizError as exc:
            st.error(str(exc))


def _base_url() -> str:
    configured = os.environ.get("MESOLEARN_PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    try:
        parts = urlsplit(st.context.url)
        return f"{parts.scheme}://{parts.netloc}"
    except Exception:
        return "http://localhost:8501"


def certification() -> None:
    svc = services()
    account = auth.require(svc, "trainee", "instructor")
    course = svc.course
    exam = course.exams.get("certification") or next(iter(course.exams.values()), None)
    st.title("Certification")
    if exam is None:
        st.warning("No certification exam is available.")
        return

    with svc.db.session() as s:
        current = s.get(User, account.id).exam_date
    picked = st.date_input("Date of your certification exam", value=current.date() if current else None,
                           min_value=date.today(), help="Review cards are scored by how well you are predicted to "
                           "remember them on that day.")
    if picked != (current.date() if current else None):
        with svc.db.session() as s:
            s.get(User, account.id).exam_date = datetime.combine(picked, time(9)) if picked else None
        st.rerun()

    st.header("Readiness report")
    report = readiness(svc.db, course, account.id, exam.id)
    if not report.enough_data:
        st.info(report.message or "Not enough answers yet for an estimate.")
    else:
        est = report.estimate
        c1, c2, c3 = st.columns(3)
        c1.metric("Estimated chance of passing", f"{est.probability:.0%}",
                  help=f"80% credible interval {est.low:.0%} to {est.high:.0%}")
        c2.metric("Expected score", f"{est.expected_score:.0f}%", help=f"80% interval {est.score_low:.0f}–{est.score_high:.0f}%")
        c3.metric("Risk of missing a safety-critical item", f"{est.critical_miss:.0%}")
        st.caption(f"How sure is this? The chance lies between {est.low:.0%} and {est.high:.0%} with 80% "
                   f"probability, given your {report.answered} answered questions. It assumes the exam draws "
                   f"{est.questions} questions by the blueprint, needs {est.questions_needed} right, and fails on any "
                   "wrong safety-critical answer. Few answers mean a wide interval: treat it as a guide, not a promise.")
    if report.modules:
        st.subheader("By module")
        st.dataframe(pd.DataFrame([{"module": m.title, "answered": m.answered,
                                    "accuracy %": round(100 * m.accuracy), "80% interval": f"{m.low:.0%}–{m.high:.0%}",
                                    "exam questions": m.exam_questions} for m in report.modules]), hide_index=True)
    if report.weakest:
        st.subheader("Weakest objectives")
        for o in report.weakest:
            module = course.modules.get(o.module_id)
            st.page_link(nav.page("lesson"), label=f"{o.text} ({o.accuracy:.0%}, {o.level})",
                         icon=":material/menu_book:", query_params={"module": o.module_id, "section": o.section_id})
    if report.untested:
        st.caption(f"{len(report.untested)} objective(s) have no answers yet.")

    st.header("Mock exam")
    st.markdown(f"{exam.questions} questions · {exam.time_limit_minutes} minutes · pass mark {exam.pass_mark:g}%"
                + (" · a wrong safety-critical answer fails the exam" if exam.critical_fails else ""))
    st.page_link(nav.page("quiz"), label="Go to the exam", icon=":material/timer:", query_params={"exam": exam.id})

    st.header("Certificate")
    eligibility = svc.certificates.eligibility(account.id)
    if eligibility.eligible and eligibility.certificate is None:
        eligibility_cert = svc.certificates.issue(account.id)
    else:
        eligibility_cert = eligibility.certificate
    if eligibility_cert is not None:
        st.success(f"Certificate issued on {eligibility_cert.issued_at:%d %B %Y}. Verification code: "
                   f"**{eligibility_cert.code}**")
        data = certificate_pdf.certificate_pdf(eligibility_cert, _base_url(), course.info.title)
        st.download_button("Download the certificate (PDF)", data, file_name=f"certificate-{eligibility_cert.code}.pdf",
                           mime="application/pdf", icon=":material/download:")
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
    code = st.text_input("Verification code", value=st.query_params.get("code", "")[:64], max_chars=64,
                         placeholder="MESO-XXXX-XXXX-XXXX-XXXX")
    if not code:
        return
    try:
        cert = svc.certificates.verify(code, auth.client_address())
    except Throttled as exc:
        st.error(str(exc))
        return
    if cert is None:
        st.error("No certificate has this code. Check it for typos.")
    elif not cert.valid:
        st.warning(f"This certificate was revoked on {cert.revoked_at:%d %B %Y}.")
    else:
        st.success(f"Valid certificate: **{escape_markdown(cert.holder_name)}** passed "
                   f"*{escape_markdown(cert.exam_title)}* with {cert.score:g}% on {cert.issued_at:%d %B %Y}.")
        st.markdown("Modules: " + "; ".join(escape_markdown(m) for m in cert.modules))
