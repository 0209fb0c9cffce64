"""Taking a quiz or an exam, practising, and reviewing an attempt. All rules live in quiz.attempts.

URLs: /quiz?module=M or /quiz?exam=E is the quiz's front page; /quiz?attempt=N is one attempt,
live or reviewed, so a reload or a closed tab always comes back to the same place.

A running attempt (the rules a trainee sees, as Moodle's quiz shows them):
* Layout, set per quiz file (``layout:``): all questions on one page (module quizzes), or one question per page
  (the certification exam): Previous / Next, the current question in the URL (``&q=K``, or ``&q=summary``), so a
  reload stays on it and a click draws one question, not sixty.
* A navigator in the sidebar (first there, above the account): each question's state as a shape and, in its
  tooltip and the summary, a word (✓ answered, ◐ incomplete, ○ not answered, ⚑ flagged); a click goes to it (on one
  page, a link scrolls to it). The timer sticks to the top of the main area and still ticks every second.
* Before the final submit, the summary of the attempt: every question's state and a way back to it, then "Submit all
  and finish". Questions without an answer, or with an incomplete one (half-filled matching or ordering), need an
  explicit "Yes, submit now".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import streamlit as st

from mesolearn.app import UserError, utcnow
from mesolearn.content.text import course_markdown
from mesolearn.quiz import drawing, grading
from mesolearn.quiz.attempts import AttemptError, AttemptState, Item
from mesolearn.quiz.drawing import allocate
from mesolearn.text import plural
from mesolearn.ui import auth, keys, nav
from mesolearn.ui.services import services
from mesolearn.ui.widgets import answer_hint, answer_to_check, feedback, question_input


def _go(**params: str) -> None:
    """Move within this page: the server sets the URL's query (the browser follows), then reruns.

    A ``st.page_link`` to the page you are on does not update the browser's URL, so the next rerun (any button
    click) would run with the stale query and undo the move; the quiz page therefore moves with this instead.
    """
    st.query_params.clear()
    st.query_params.update(params)
    st.rerun()


def _go_attempt(attempt_id: int, scroll_top: bool = False) -> None:
    if scroll_top:
        st.session_state[_SCROLL_TOP] = True
    _go(attempt=str(attempt_id))


def _link(label: str, key: str, icon: str | None = None, **params: str) -> None:
    """A link-looking button to another view of this page (see ``_go``)."""
    if st.button(label, key=key, icon=icon, type="tertiary"):
        _go(**params)


_SCROLL_TOP = "quiz-scroll-top"
_SCROLL_SCRIPT = (
    "<script>for (const el of [document.querySelector('[data-testid=\"stMain\"]'), "
    "document.scrollingElement]) { if (el) el.scrollTo(0, 0); }</script>"
)


def _scroll_to_top_once() -> None:
    """After a submission the result opens at its top (score, pass or fail), not at the Submit button's height."""
    if st.session_state.pop(_SCROLL_TOP, False):
        st.html(_SCROLL_SCRIPT, unsafe_allow_javascript=True)


_STYLE = (  # Streamlit 1.67 wraps a keyed container in a stLayoutWrapper: sticky and order go on the wrapper
    "<style>[data-testid='stLayoutWrapper']:has(> .st-key-quiz-timer),.st-key-quiz-timer"
    "{{position:sticky;top:3.75rem;z-index:99;background-color:{bg};padding-top:0.25rem}}"
    " [id^='question-'],#summary{{scroll-margin-top:9rem}}"
    " .st-key-quiz-nav a{{white-space:nowrap;margin-right:0.4rem}}"
    " [data-testid='stLayoutWrapper']:has(> .st-key-quiz-navigator),.st-key-quiz-navigator{{order:-1}}</style>"
)


def _style() -> None:
    """The timer sticks below Streamlit's header, on the theme's background; a jump to a question lands below it;
    the navigator comes first in the sidebar, above the account and the disclaimer."""
    theme = getattr(st.context, "theme", None)
    dark = getattr(theme, "type", None) == "dark"
    st.html(_STYLE.format(bg="#0e1117" if dark else "#ffffff"))


def _countdown(state: AttemptState) -> None:
    """The time left, a 1-second fragment in a container that sticks to the top of the main area: however far a
    trainee scrolls a long page, the clock stays in view. At the deadline the whole page reruns and the server
    submits the attempt."""

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
        (st.warning if left < 300 else st.info)(
            f"Time left: **{text}** (answers are saved as you go)", icon=":material/timer:"
        )

    with st.container(key="quiz-timer"):
        clock()


def _results(svc, account, state: AttemptState) -> None:
    spec = state.spec
    st.header("Result")
    if state.mode == "practice":
        right = sum(1 for it in state.items if (it.score or 0) >= 1)
        st.info(f"Practice: {right} of {len(state.items)} right. Practice does not count towards the module.")
    else:
        if state.auto_submitted:
            st.info(
                "Time ran out, so the attempt was submitted automatically with the answers saved before the deadline."
            )
        if spec.review.show_score:
            st.metric("Score", f"{state.score:g}%", help=f"Pass mark {spec.pass_mark:g}%")
        if state.passed:
            st.success(f"Passed (pass mark {spec.pass_mark:g}%).")
        else:
            st.error(f"Not passed (pass mark {spec.pass_mark:g}%).")
        if state.critical_failed and spec.critical_fails:
            by_id = {it.question.id: it for it in state.items}
            # a question left blank is not "answered wrongly" (UX review B14); either fails the attempt
            blank = [q for q in state.critical_failed if q in by_id and by_id[q].response is None]
            wrong = [q for q in state.critical_failed if q not in blank]

            def which(ids: list[str], how: str) -> str:
                subject = "A safety-critical question was" if len(ids) == 1 else "Safety-critical questions were"
                names = ", ".join(f"question {by_id[q].position + 1}" if q in by_id else "a question" for q in ids)
                return f"{subject} {how} ({names})."

            said = [which(ids, how) for ids, how in ((wrong, "answered wrongly"), (blank, "left unanswered")) if ids]
            st.error(
                " ".join(said) + " A safety-critical question answered wrongly or left unanswered fails the attempt "
                "whatever the score.",
                icon=":material/warning:",
            )
        if not (spec.review.show_correct_answers or spec.review.show_explanations):
            st.caption("This quiz does not show answers after submission.")
    for item in state.items:
        with st.container(border=True):
            st.markdown(
                f"**Question {item.position + 1}**" + (" · ⚠️ safety-critical" if item.question.critical else "")
            )
            st.markdown(course_markdown(item.view.prompt))
            feedback(svc.course, item, spec.review, nav.page("lesson"))
            _report_problem(svc, account, item, f"r{state.id}-{item.question.id}")
    _next_steps(svc, state)


def _next_steps(svc, state: AttemptState) -> None:
    """The end of a result: what to do next (review mistakes, retake, the next module)."""
    spec = state.spec
    st.subheader("What next?")
    cols = st.columns(3)
    if any((it.score or 0) < 1 for it in state.items):
        cols[0].page_link(nav.page("review"), label="Review my mistakes", icon=":material/replay:")
    if spec.kind in ("module", "exam"):
        with cols[1]:
            back = {"module": spec.id} if spec.kind == "module" else {"exam": spec.id}
            _link("Retake or practise", f"retake-{state.id}", icon=":material/restart_alt:", **back)
    if spec.kind == "module":
        ids = list(svc.course.modules)
        if spec.id in ids and ids.index(spec.id) + 1 < len(ids):
            nxt = svc.course.modules[ids[ids.index(spec.id) + 1]]
            cols[2].page_link(
                nav.page("lesson"),
                label=f"Next module: {nxt.title}",
                icon=":material/arrow_forward:",
                query_params={"module": nxt.id},
            )


def _report_problem(svc, account, item: Item, key: str) -> None:
    with st.popover("Report a problem with this question", icon=":material/flag:"):
        message = st.text_area(
            "What is wrong?",
            key=f"{key}-msg",
            max_chars=2000,
            placeholder="e.g. two options are both right; the explanation contradicts the lesson",
        )
        if st.button("Send report", key=f"{key}-send"):
            try:
                svc.reports.create(account.id, item.question.id, message)
                st.success("Thank you: your instructors will see this report.")
            except UserError as exc:
                st.error(str(exc))


def _practice_item(svc, account, state: AttemptState, item: Item, key: str) -> None:
    """Practice: answer, check, see feedback at once. A checked answer is final."""
    if item.score is not None:
        question_input(item, keys.done_key(key), lambda r: None, disabled=True, hint=False)
        feedback(svc.course, item, state.spec.review, nav.page("lesson"))
        return
    if drawing.stepwise(item.question):  # a case: each decision is saved at once; checked when its path ends

        def step(response) -> None:
            try:
                item.score = svc.attempts.save_answer(state.id, account.id, item.question.id, response)
                item.response = response
            except AttemptError as exc:
                st.session_state["quiz-error"] = str(exc)

        question_input(item, key, step, hint=False)
        if item.score is not None:
            feedback(svc.course, item, state.spec.review, nav.page("lesson"))
        return
    pending = answer_to_check(item, key, "Check answer", hint=False)
    if pending is not None:
        if not auth.still_signed_in():  # signed out in another tab: nothing is checked, the sign-in form shows
            st.rerun(scope="app")
        try:
            svc.attempts.save_answer(state.id, account.id, item.question.id, pending)
        except AttemptError as exc:
            st.session_state["quiz-error"] = str(exc)
        st.rerun()


def _answered(state: AttemptState) -> int:
    practice = state.mode == "practice"
    return sum(1 for it in state.items if (it.score is not None if practice else it.answered))


def _progress_line(target, state: AttemptState) -> None:
    answered = _answered(state)
    target.progress(
        answered / max(1, len(state.items)),
        text=f"{answered} of {len(state.items)} {'checked' if state.mode == 'practice' else 'answered'}",
    )


# ---------------------------------------------------------------- layout, navigator and summary
ONE_PER_PAGE = "one_per_page"
SUMMARY = "summary"  # the value of ?q= that shows the summary of the attempt instead of a question
LEGEND = "✓ answered · ◐ incomplete · ○ not answered · ⚑ flagged"


def _layout(svc, state: AttemptState) -> str:
    """The quiz file's ``layout`` (a module's practice follows its quiz); custom and review sessions: one page."""
    spec = state.spec
    if spec.kind == "module":
        module = svc.course.modules.get(spec.id)
        return module.quiz.layout if module is not None and module.quiz is not None else "all_on_one_page"
    if spec.kind == "exam" and spec.id in svc.course.exams:
        return svc.course.exams[spec.id].layout
    return "all_on_one_page"


def _status(item: Item, practice: bool) -> tuple[str, str, bool]:
    """(shape, words, flagged) of one question: a shape and a word as well as any colour, for accessibility."""
    if practice:
        shape, word = ("✓", "checked") if item.score is not None else ("○", "not checked")
    elif not item.answered:
        shape, word = "○", "not answered"
    elif grading.incomplete(item.question, item.response):
        shape, word = "◐", "incomplete"
    else:
        shape, word = "✓", "answered"
    return shape, word, item.flagged


def _nav_label(item: Item, practice: bool) -> str:
    shape, _word, flagged = _status(item, practice)
    return f"{item.position + 1} {shape}" + (" ⚑" if flagged else "")


def _status_words(item: Item, practice: bool) -> str:
    _shape, word, flagged = _status(item, practice)
    return word.capitalize() + (" · ⚑ flagged" if flagged else "")


def _anchor_navigator(state: AttemptState) -> str:
    """All questions on one page: links that scroll to each question (no rerun, so the fragments can redraw them)."""
    practice = state.mode == "practice"
    return " ".join(
        f'[{_nav_label(it, practice)}](#question-{it.position + 1} "Question {it.position + 1}: '
        f'{_status_words(it, practice)}")'
        for it in state.items
    )


def _anchor_summary(state: AttemptState) -> str:
    practice = state.mode == "practice"
    rows = [
        f"| [Question {it.position + 1}](#question-{it.position + 1}) | {_status_words(it, practice)} |"
        for it in state.items
    ]
    return "\n".join(["| Question | Status |", "|---|---|", *rows])


@dataclass
class _Live:
    """What a question's fragment redraws after an answer: the "k of N answered" line and, with all questions on one
    page, the navigator and the summary (Markdown only: a fragment may not put widgets in outside containers).
    ``drawn`` is each question's status as the last full run drew it: on a one-question page the navigator is made
    of widgets, so a change of status reruns the page (which costs one question's page)."""

    progress: Any
    one_per_page: bool
    drawn: dict[str, tuple[str, str, bool]]
    navigator: Any = None
    summary: Any = None

    def refresh(self, state: AttemptState) -> None:
        _progress_line(self.progress, state)
        if self.navigator is not None:
            self.navigator.markdown(_anchor_navigator(state))
        if self.summary is not None:
            self.summary.markdown(_anchor_summary(state))


def _current(state: AttemptState) -> int | str:
    """The question shown on a one-question page (0-based), or SUMMARY; kept in the URL (?q=) so a reload stays."""
    raw = st.query_params.get("q", "1")
    if raw == SUMMARY:
        return SUMMARY
    try:
        index = int(raw) - 1
    except ValueError:
        index = 0
    return min(max(index, 0), len(state.items) - 1)


def _show(target: int | str) -> None:
    """Widget callback: move to question ``target`` (0-based) or to the summary; the page opens at its top."""
    st.query_params["q"] = SUMMARY if target == SUMMARY else str(int(target) + 1)
    st.session_state[_SCROLL_TOP] = True


def _navigator(state: AttemptState, live: _Live, current: int | str | None) -> None:
    """The question navigator in the sidebar: every question's state at a glance, a click goes to it."""
    practice = state.mode == "practice"
    with st.sidebar, st.container(key="quiz-navigator"):
        if live.one_per_page:
            key = f"nav-{state.id}"
            st.session_state[key] = current if isinstance(current, int) else None

            def jump() -> None:
                if st.session_state.get(key) is not None:  # a click on the current question keeps it
                    _show(st.session_state[key])

            st.pills(
                "Questions",
                range(len(state.items)),
                format_func=lambda i: _nav_label(state.items[i], practice),
                key=key,
                on_change=jump,
                help="Go to a question. " + LEGEND,
            )
            st.caption(LEGEND)
            st.button("Summary and submit", key=f"nav-summary-{state.id}", on_click=_show, args=(SUMMARY,))
        else:
            st.markdown("**Questions**")
            live.navigator = st.container(key="quiz-nav").empty()
            st.caption(LEGEND)
            st.markdown("[Summary and submit](#summary)")


def _summary_rows(state: AttemptState) -> None:
    """Summary of a one-question-per-page attempt: each question's state and a way back to it."""
    practice = state.mode == "practice"
    words = [_status(it, practice)[1] for it in state.items]
    counts = [f"{words.count(w)} {w}" for w in ("answered", "checked", "incomplete", "not answered", "not checked")]
    flagged = sum(1 for it in state.items if it.flagged)
    st.markdown(" · ".join([c for c in counts if not c.startswith("0 ")] + [f"{flagged} flagged"]))
    with st.container(gap=None):
        for item in state.items:
            _summary_row(state, item, practice)


def _summary_row(state: AttemptState, item: Item, practice: bool) -> None:
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.button(
            f"Question {item.position + 1}",
            key=f"sum-{state.id}-{item.position}",
            type="tertiary",
            on_click=_show,
            args=(item.position,),
        )
        st.markdown(_status_words(item, practice), width="content")


def _question_box(svc, account, state: AttemptState, item: Item, live: _Live) -> None:
    with st.container(border=True, key=keys.question_box_key(item.position + 1)):
        n = item.position + 1
        head = f'<span id="question-{n}"></span>**Question {n} of {len(state.items)}**'
        if item.question.critical:
            head += " · ⚠️ safety-critical"
        st.markdown(head, unsafe_allow_html=True)
        st.markdown(course_markdown(item.view.prompt))
        answer_hint(item)  # outside the fragment: a click does not redraw it
        _answer(svc, account, state, item, live)
        _report_problem(svc, account, item, keys.report_key(keys.answer_key(state.id, item.question.id)))


@st.fragment
def _answer(svc, account, state: AttemptState, item: Item, live: _Live) -> None:
    """A question's input and flag in their own fragment: an answer reruns this part only, not the page.

    The answer is saved by the widget's callback before the fragment reruns; the in-memory item is updated
    too, so the "k of N answered" line, the navigator and the summary stay right without reloading the attempt.
    Those are ``st.empty`` placeholders outside the questions which every question's fragment rewrites (Streamlit
    1.67 lets a fragment write to an outside container only if it did so in the last full run too). The heading, the
    prompt and the problem report stay outside: they do not change when the trainee answers.
    """
    key = keys.answer_key(state.id, item.question.id)
    if state.mode == "practice":
        _practice_item(svc, account, state, item, key)
    else:

        def save(response, qid=item.question.id) -> None:
            try:
                svc.attempts.save_answer(state.id, account.id, qid, response)
                item.response = response
            except AttemptError as exc:
                st.session_state["quiz-error"] = str(exc)

        question_input(item, key, save, hint=False)

    def flag(qid=item.question.id, k=keys.flag_key(key)) -> None:
        if not auth.still_signed_in():  # signed out in another tab: nothing is saved, question_input reruns the app
            return
        svc.attempts.set_flag(state.id, account.id, qid, st.session_state[k])
        item.flagged = st.session_state[k]

    st.checkbox(
        "Flag for review",
        value=item.flagged,
        key=keys.flag_key(key),
        help="Flagged questions are added to your spaced review.",
        on_change=flag,
    )
    if "quiz-error" in st.session_state:  # e.g. time ran out: the whole page shows what happened
        st.rerun(scope="app")
    if live.one_per_page and _status(item, state.mode == "practice") != live.drawn.get(item.question.id):
        st.rerun(scope="app")  # the navigator's widgets show the new state
    live.refresh(state)


def _show_error() -> None:
    if err := st.session_state.pop("quiz-error", None):
        st.error(err)


def _take(svc, account, state: AttemptState) -> None:
    """A running attempt: all questions on one page, or (``layout: one_per_page``) the question in ``?q=`` with
    Previous / Next, so a click on a 60-question exam draws one question, not sixty. Both have the navigator in the
    sidebar, the timer stuck to the top, and a summary of the attempt before the final submit."""
    practice = state.mode == "practice"
    one = _layout(svc, state) == ONE_PER_PAGE
    current = _current(state) if one else None
    _scroll_to_top_once()
    _style()
    progress = st.empty()  # filled by the questions' fragments
    live = _Live(progress, one, {it.question.id: _status(it, practice) for it in state.items})
    if practice:
        st.caption("Practice mode: feedback right after each answer; it does not count towards the module.")
    if state.deadline:
        _countdown(state)
    _navigator(state, live, current)

    if one:
        _show_error()
        if current == SUMMARY:
            _progress_line(progress, state)
            st.subheader("Summary of attempt")
            _summary_rows(state)
            _submit_block(svc, account, state)
            return
        assert isinstance(current, int)
        _question_box(svc, account, state, state.items[current], live)
        with st.container(horizontal=True):
            st.button(
                "Previous question",
                key=f"prev-{state.id}",
                on_click=_show,
                args=(current - 1,),
                disabled=current == 0,
            )
            if current + 1 < len(state.items):
                st.button("Next question", key=f"next-{state.id}", on_click=_show, args=(current + 1,))
            else:
                st.button("Summary of attempt", key=f"next-{state.id}", on_click=_show, args=(SUMMARY,))
        return

    questions = st.container()
    st.markdown('<span id="summary"></span>', unsafe_allow_html=True)
    st.subheader("Summary of attempt")
    live.summary = st.empty()
    with questions:
        for item in state.items:
            _question_box(svc, account, state, item, live)
    live.refresh(state)
    _show_error()
    _submit_block(svc, account, state)


def _submit_block(svc, account, state: AttemptState) -> None:
    """Submit all and finish. Questions without an answer, or with an incomplete one, need an explicit "yes"."""
    practice = state.mode == "practice"
    missing = len(state.items) - _answered(state)
    partial = 0 if practice else sum(1 for it in state.items if _status(it, practice)[1] == "incomplete")
    confirm_key = f"confirm-{state.id}"
    label = "Finish practice" if practice else "Submit all and finish"
    if st.button(label, type="primary", key=f"submit-{state.id}"):
        if (missing or partial) and not st.session_state.get(confirm_key):
            st.session_state[confirm_key] = True
        else:
            _submit(svc, account, state)
    if st.session_state.get(confirm_key) and (missing or partial):
        verb = {True: "has", False: "have"}
        parts = [f"{plural(missing, 'question')} {verb[missing == 1]} no answer"] if missing else []
        parts += [f"{plural(partial, 'question')} {verb[partial == 1]} an incomplete answer"] if partial else []
        st.warning(f"{' and '.join(parts)}. Submit anyway? You cannot change answers afterwards.")
        if st.button("Yes, submit now", key=f"submit-anyway-{state.id}"):
            _submit(svc, account, state)


def _submit(svc, account, state: AttemptState) -> None:
    try:
        svc.attempts.submit(state.id, account.id)
    except AttemptError as exc:
        st.session_state["quiz-error"] = str(exc)
        st.rerun()
    _go_attempt(state.id, scroll_top=True)


def _attempt_page(svc, account, attempt_id: int) -> None:
    try:
        state = svc.attempts.load(attempt_id, account.id)
    except AttemptError:
        st.error("That attempt does not exist or is not yours.")
        return
    st.title(state.spec.title + (" · practice" if state.mode == "practice" else ""))
    if state.spec.kind in ("module", "exam"):
        back = {"module": state.spec.id} if state.spec.kind == "module" else {"exam": state.spec.id}
        _link("Back to the quiz page", f"back-{state.id}", icon=":material/arrow_back:", **back)
    if state.submitted:
        _scroll_to_top_once()
        _results(svc, account, state)
    else:
        _take(svc, account, state)


def _front_page(svc, account, quiz_id: str) -> None:
    try:
        spec = svc.attempts.spec(quiz_id)
    except AttemptError as exc:
        st.error(str(exc))
        return
    st.title(spec.title + (" · quiz" if spec.kind == "module" else ""))
    if spec.kind == "exam":
        exam = svc.course.exams[quiz_id]
        if exam.description:
            st.write(exam.description)
        _blueprint(svc, exam)
    last = svc.attempts.history(account.id, quiz_id)
    used = len(last)
    allowed = svc.attempts.attempts_allowed(account.id, quiz_id)
    facts = [f"{spec.questions} questions drawn at random", f"pass mark {spec.pass_mark:g}%"]
    facts.append(f"time limit {spec.time_limit_minutes} min" if spec.time_limit_minutes else "no time limit")
    facts.append(f"attempts used {used} of {allowed}" if allowed else f"attempts used {used}")
    if spec.critical_fails:
        facts.append("a wrong safety-critical answer fails the attempt")
    st.markdown(" · ".join(facts))
    best = max((a.score for a in last if a.score is not None), default=None)
    if best is not None:
        st.markdown(f"Best score so far: **{best:g}%**")

    open_id = svc.attempts.open_attempt_id(account.id, quiz_id)
    cols = st.columns(2)
    if open_id is not None:
        if cols[0].button("Resume your attempt", type="primary"):
            _go_attempt(open_id)
    elif cols[0].button(
        "Start a new attempt" if used else f"Start the {'exam' if spec.kind == 'exam' else 'quiz'}",
        type="primary",
        disabled=allowed is not None and used >= allowed,
    ):
        try:
            _go_attempt(svc.attempts.start(account.id, quiz_id))
        except AttemptError as exc:
            st.error(str(exc))
    if spec.kind == "module" and cols[1].button("Practise (does not count)"):
        try:
            _go_attempt(svc.attempts.start(account.id, quiz_id, mode="practice"))
        except AttemptError as exc:  # e.g. the graded attempt of this module is open
            st.error(str(exc))
    if last:
        st.subheader("Previous attempts")
        for a in last:
            label = f"{a.started_at:%Y-%m-%d %H:%M} · " + (
                f"{a.score:g}% · {'passed' if a.passed else 'not passed'}" if a.submitted_at else "in progress"
            )
            _link(label, f"past-{a.id}", icon=":material/rate_review:", attempt=str(a.id))


def _blueprint(svc, exam) -> None:
    """The exam's blueprint: how many questions each module contributes (what the description promises, B12)."""
    modules = svc.course.modules
    pools = {
        b.module: len(modules[b.module].quiz.questions)
        for b in exam.blueprint
        if b.module in modules and modules[b.module].quiz
    }
    counts = allocate({b.module: b.weight for b in exam.blueprint}, pools, exam.questions)
    st.subheader("Blueprint")
    st.table([{"module": modules[m].title if m in modules else m, "questions": n} for m, n in counts.items()])


def quiz() -> None:
    svc = services()
    account = auth.require(svc)
    params = st.query_params
    if params.get("attempt"):
        try:
            attempt_id = int(params["attempt"])
        except ValueError:
            st.error("That attempt does not exist or is not yours.")
            return
        _attempt_page(svc, account, attempt_id)
        return
    quiz_id = params.get("module") or params.get("exam")
    if quiz_id:
        _front_page(svc, account, quiz_id)
        return
    # the sidebar's link to this page leaves the old ?attempt= in the browser's URL (a same-page link, see _go):
    # sending the empty query makes the URL match the list, so a reload or a shared link shows it too (B1d, B1e)
    st.query_params.clear()
    st.title("Quizzes")
    for m in svc.course.modules.values():
        if m.quiz:
            _link(m.title, f"open-{m.id}", icon=":material/quiz:", module=m.id)
    for e in svc.course.exams.values():
        _link(e.title, f"open-{e.id}", icon=":material/workspace_premium:", exam=e.id)
