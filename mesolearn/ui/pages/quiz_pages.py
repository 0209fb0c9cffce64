"""Taking a quiz or an exam, and reviewing an attempt. All rules live in quiz.attempts."""
from __future__ import annotations

from datetime import timedelta

import streamlit as st

from mesolearn.quiz.attempts import AttemptError, AttemptState
from mesolearn.storage import utcnow
from mesolearn.ui import auth, nav
from mesolearn.ui.services import services
from mesolearn.ui.widgets import feedback, question_input


def _quiz_id(svc) -> str | None:
    params = st.query_params
    for key in ("module", "exam"):
        if params.get(key):
            return params[key]
    return None


def _countdown(state: AttemptState) -> None:
    @st.fragment(run_every=timedelta(seconds=1))
    def clock() -> None:
        left = state.seconds_left(utcnow())
        if left is None:
            return
        if left <= 0:
            st.rerun(scope="app")  # the server submits the expired attempt on the next load
        mins, secs = divmod(int(left), 60)
        hours, mins = divmod(mins, 60)
        text = f"{hours}:{mins:02d}:{secs:02d}" if hours else f"{mins:02d}:{secs:02d}"
        (st.warning if left < 300 else st.info)(f"Time left: **{text}** (answers are saved as you go)",
                                                icon=":material/timer:")

    clock()


def _results(svc, state: AttemptState) -> None:
    spec = state.spec
    st.header("Result")
    if state.auto_submitted:
        st.info("Time ran out, so the attempt was submitted automatically with the answers saved before the deadline.")
    if spec.review.show_score:
        st.metric("Score", f"{state.score:g}%", help=f"Pass mark {spec.pass_mark:g}%")
    if state.passed:
        st.success(f"Passed (pass mark {spec.pass_mark:g}%).")
    else:
        st.error(f"Not passed (pass mark {spec.pass_mark:g}%).")
    if state.critical_failed and spec.critical_fails:
        by_pos = {it.question.id: it.position + 1 for it in state.items}
        names = ", ".join(f"question {by_pos.get(q, '?')}" for q in state.critical_failed)
        st.error(f"A safety-critical question was answered wrongly ({names}). "
                 "A wrong safety-critical answer fails the attempt whatever the score.", icon=":material/warning:")
    if not (spec.review.show_correct_answers or spec.review.show_explanations):
        st.caption("This quiz does not show answers after submission.")
    for item in state.items:
        with st.container(border=True):
            st.markdown(f"**Question {item.position + 1}**" + (" · ⚠️ safety-critical" if item.question.critical else ""))
            st.markdown(item.question.prompt)
            feedback(svc.course, item, spec.review, nav.page("lesson"))


def _take(svc, account, state: AttemptState) -> None:
    spec = state.spec
    answered = sum(it.answered for it in state.items)
    st.progress(answered / max(1, len(state.items)), text=f"{answered} of {len(state.items)} answered")
    if state.deadline:
        _countdown(state)

    for item in state.items:
        with st.container(border=True):
            head = f"**Question {item.position + 1} of {len(state.items)}**"
            if item.question.critical:
                head += " · ⚠️ safety-critical"
            st.markdown(head)
            st.markdown(item.question.prompt)
            key = f"a{state.id}-{item.question.id}"

            def save(response, qid=item.question.id) -> None:
                try:
                    svc.attempts.save_answer(state.id, account.id, qid, response)
                except AttemptError as exc:
                    st.session_state["quiz-error"] = str(exc)

            question_input(item, key, save)
            st.checkbox("Flag for review", value=item.flagged, key=f"{key}-flag",
                        on_change=lambda qid=item.question.id, k=f"{key}-flag":
                        svc.attempts.set_flag(state.id, account.id, qid, st.session_state[k]))

    if err := st.session_state.pop("quiz-error", None):
        st.error(err)
    missing = len(state.items) - answered
    confirm_key = f"confirm-{state.id}"
    if st.button("Submit answers", type="primary", key=f"submit-{state.id}"):
        if missing and not st.session_state.get(confirm_key):
            st.session_state[confirm_key] = True
        else:
            _submit(svc, account, state)
    if st.session_state.get(confirm_key) and missing:
        st.warning(f"{missing} question(s) have no answer. Submit anyway? You cannot change answers afterwards.")
        if st.button("Yes, submit now", key=f"submit-anyway-{state.id}"):
            _submit(svc, account, state)


def _submit(svc, account, state: AttemptState) -> None:
    try:
        svc.attempts.submit(state.id, account.id)
    except AttemptError as exc:
        st.session_state["quiz-error"] = str(exc)
        st.rerun()
    st.query_params.clear()
    st.query_params["attempt"] = str(state.id)  # the review has its own URL: a reload keeps it
    st.rerun()


def quiz() -> None:
    svc = services()
    account = auth.require(svc)
    attempt_param = st.query_params.get("attempt")
    if attempt_param:
        try:
            state = svc.attempts.load(int(attempt_param), account.id)
        except (AttemptError, ValueError):
            st.error("That attempt does not exist or is not yours.")
            return
        st.title(state.spec.title)
        if state.submitted:
            back = {"module": state.spec.id} if state.spec.kind == "module" else {"exam": state.spec.id}
            st.page_link(nav.page("quiz"), label="Back to the quiz", icon=":material/arrow_back:", query_params=back)
            _results(svc, state)
        else:
            st.page_link(nav.page("quiz"), label="Continue this attempt", query_params={"module": state.spec.id}
                         if state.spec.kind == "module" else {"exam": state.spec.id})
        return

    quiz_id = _quiz_id(svc)
    if quiz_id is None:
        modules = [m for m in svc.course.modules.values() if m.quiz]
        st.title("Quizzes")
        for m in modules:
            st.page_link(nav.page("quiz"), label=m.title, icon=":material/quiz:", query_params={"module": m.id})
        return
    try:
        spec = svc.attempts.spec(quiz_id)
    except AttemptError as exc:
        st.error(str(exc))
        return
    st.title(spec.title + (" · quiz" if spec.kind == "module" else ""))

    open_id = svc.attempts.open_attempt_id(account.id, quiz_id)
    if open_id is not None:
        _take(svc, account, svc.attempts.load(open_id, account.id))
        return

    last = svc.attempts.history(account.id, quiz_id)
    used = len(last)
    facts = [f"{spec.questions} questions drawn at random", f"pass mark {spec.pass_mark:g}%"]
    facts.append(f"time limit {spec.time_limit_minutes} min" if spec.time_limit_minutes else "no time limit")
    facts.append(f"attempts used {used} of {spec.max_attempts}" if spec.max_attempts else f"attempts used {used}")
    if spec.critical_fails:
        facts.append("a wrong safety-critical answer fails the attempt")
    st.markdown(" · ".join(facts))
    best = max((a.score for a in last if a.score is not None), default=None)
    if best is not None:
        st.markdown(f"Best score so far: **{best:g}%**")
    if st.button("Start a new attempt" if used else "Start the quiz", type="primary"):
        try:
            svc.attempts.start(account.id, quiz_id)
        except AttemptError as exc:
            st.error(str(exc))
            return
        st.rerun()
    if last:
        st.subheader("Previous attempts")
        for a in last:
            label = f"{a.started_at:%Y-%m-%d %H:%M} · " + (f"{a.score:g}% · {'passed' if a.passed else 'not passed'}"
                                                          if a.submitted_at else "in progress")
            st.page_link(nav.page("quiz"), label=label, query_params={"attempt": str(a.id)}, icon=":material/rate_review:")
