"""AppTest tests of the learning flows (issue: practice/exam, review, readiness, certificates) and of
the instructor workspace (cohorts, assignments, gradebook, item analysis, content health)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from mesolearn.app import Services
from mesolearn.certificates import Certificates
from mesolearn.cohorts import Cohorts
from mesolearn.learning.spaced import start_review_session
from mesolearn.quality import create_report
from mesolearn.quiz import drawing
from mesolearn.quiz.attempts import Attempts
from mesolearn.quiz.grading import correct_response
from mesolearn.storage import Database, utcnow
from tests.app_driver import new_app, open_page, sign_in, texts
from tests.factories import save_whole, take

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


@pytest.fixture
def world(tmp_path, monkeypatch, course):
    """An app database with an instructor (id 1) and a trainee (id 2), plus direct service access."""
    url = f"sqlite:///{tmp_path}/app.db"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", url)
    monkeypatch.delenv("MESOLEARN_CONTENT_DIR", raising=False)
    svc = Services(course, Database(url))  # the app's own wiring: a submission syncs review cards, issues certificates
    instructor = svc.accounts.create_first_instructor("ada", "Ada Instructor", PASSWORD)
    trainee = svc.accounts.create_user("tom", "Tom Trainee", PASSWORD, "trainee")
    return {
        "db": svc.db,
        "accounts": svc.accounts,
        "instructor": instructor,
        "trainee": trainee,
        "attempts": svc.attempts,
        "course": course,
    }


def as_user(username):
    return sign_in(new_app(), username, PASSWORD)


# ---------------------------------------------------------------- trainee learning flows
def test_dashboard_shows_progress_and_mastery(world):
    take(world["attempts"], 2, "history", True, rest="wrong")
    at = open_page(as_user("tom"), "progress")
    assert not at.exception
    page = texts(at)
    assert "Scores over time" in page and "Mastery by learning objective" in page
    table = at.dataframe[0].value
    row = table[table["module"] == world["course"].modules["history"].title].iloc[0]
    assert row["status"] == "passed" and row["best %"] == 100.0


def test_review_one_card_at_a_time_with_self_rating_and_next_intervals(world):
    take(world["attempts"], 2, "risks", False, rest="wrong")
    from mesolearn.learning import cards
    from mesolearn.learning.spaced import start_review_session as start

    course = world["course"]
    # cards answered in one step (a branching case is walked stage by stage: tests/test_case.py reviews one)
    one_step = [c.question_id for c in cards(world["db"], 2) if not drawing.stepwise(course.question(c.question_id))]
    session = start(world["attempts"], 2, one_step[:3])
    at = open_page(as_user("tom"), "review")
    assert not at.exception
    assert "Card 1 of 3" in " ".join(str(p.proto.text) for p in at.get("progress"))
    assert any(b.label == "Show the answer" for b in at.button)
    first = world["attempts"].load(session, 2).items[0]
    save_whole(world["attempts"], session, 2, first.question.id, correct_response(first.question))
    at = open_page(as_user("tom"), "review")
    labels = [b.label for b in at.button]
    assert {"Again · 1 min", "Good · 10 min"} <= set(labels) and any(lbl.startswith("Easy · ") for lbl in labels)
    next(b for b in at.button if b.label.startswith("Good")).click()
    at.run()
    card = next(c for c in cards(world["db"], 2) if c.question_id == first.question.id)
    assert card.due > utcnow() + timedelta(minutes=9)  # rated Good: back in about 10 minutes
    assert "Card 2 of 3" in " ".join(str(p.proto.text) for p in at.get("progress"))
    assert "Reviewed today" not in texts(at)  # still inside the session


def test_wrong_answers_become_review_cards_and_a_review_session(world):
    take(world["attempts"], 2, "risks", False, rest="wrong")
    at = open_page(as_user("tom"), "review")
    due = next(m for m in at.metric if m.label == "Cards due now")
    assert int(due.value) >= 5
    next(b for b in at.button if b.label.startswith("Review ")).click()
    at.run()
    assert not at.exception
    session = world["attempts"].open_attempt_id(2, "review", "practice")
    assert session is not None
    assert len(world["attempts"].load(session, 2).items) == min(20, int(due.value))


def test_build_your_own_quiz_from_wrong_answers(world):
    take(world["attempts"], 2, "methods", False, rest="wrong")
    at = open_page(as_user("tom"), "build-quiz")
    at.button_group(key="custom-filters").set_value(["wrong"])
    at.number_input[0].set_value(5)
    next(b for b in at.button if b.label == "Start practice").click()
    at.run()
    assert not at.exception
    session = world["attempts"].open_attempt_id(2, "custom", "practice")
    state = world["attempts"].load(session, 2)
    assert len(state.items) == 5 and state.mode == "practice"


def test_readiness_says_when_there_is_not_enough_data_then_estimates(world):
    at = open_page(as_user("tom"), "certification")
    assert "Not enough" in texts(at)
    for module in ("history", "technique", "risks"):
        take(world["attempts"], 2, module, True, rest="wrong")
    at = open_page(as_user("tom"), "certification")
    labels = [m.label for m in at.metric]
    assert "Estimated chance of passing" in labels
    assert "with 80% probability" in texts(at)  # the uncertainty is stated, not just a number


def test_exam_time_limit_is_enforced_when_the_trainee_comes_back(world):
    started = utcnow() - timedelta(minutes=120)  # a 90-minute exam begun two hours ago
    clock = lambda: started  # noqa: E731
    attempts = Attempts(world["db"], world["course"], clock=clock)
    attempt_id = attempts.start(2, "certification")
    first = attempts.load(attempt_id, 2).items[0]
    save_whole(attempts, attempt_id, 2, first.question.id, correct_response(first.question))
    at = open_page(as_user("tom"), "quiz", attempt=str(attempt_id))
    page = texts(at)
    assert "Time ran out" in page and "Not passed" in page
    state = world["attempts"].load(attempt_id, 2)
    assert state.auto_submitted and state.items[0].response is not None


def test_certificate_is_issued_downloaded_and_verified_publicly(world):
    for module in world["course"].modules:
        take(world["attempts"], 2, module, True, rest="wrong")
    exam_attempt = take(world["attempts"], 2, "certification", True, rest="wrong").id
    at = open_page(as_user("tom"), "certification")
    assert not at.exception
    cert = Certificates(world["db"], world["course"]).for_user(2)[0]
    assert cert.attempt_id == exam_attempt
    assert cert.code in texts(at)
    assert any(b.label == "Download the certificate (PDF)" for b in at.get("download_button"))
    public = new_app()  # not signed in
    public = open_page(public, "verify", code=cert.code.lower().replace("-", " "))
    assert "Valid certificate" in texts(public) and "Tom Trainee" in texts(public)
    public = open_page(public, "verify", code="MESO-AAAA-BBBB-CCCC-DDDD")
    assert "No certificate has this code" in texts(public)


# ---------------------------------------------------------------- instructor workspace
def test_cohort_invite_assignment_overdue_and_gradebook(world):
    at = open_page(as_user("ada"), "cohorts")
    at.text_input[0].input("Spring cohort")
    next(b for b in at.button if b.label == "Create cohort").click()
    at.run()
    cohort = Cohorts(world["db"], world["accounts"], course=world["course"]).list_cohorts()[0]
    assert cohort.invite_display in texts(at)
    # an assignment with a due date in the past shows as overdue for the trainee and in the gradebook
    Cohorts(world["db"], world["accounts"], course=world["course"]).assign(
        "risks", utcnow() - timedelta(days=1), cohort_id=cohort.id, instructor_id=1
    )
    # the trainee joins with the code from the home page, and sees the cohort's assignment at once (B3)
    tom = as_user("tom")
    code_box = next(t for t in tom.text_input if t.label == "Invite code")
    code_box.input(cohort.invite_display.lower())
    next(b for b in tom.button if b.label == "Join").click()
    tom.run()
    assert "You joined Spring cohort" in texts(tom)
    assert "Your assignments" in texts(tom) and "Overdue" in texts(tom)
    tom = open_page(as_user("tom"), "")
    assert "Overdue" in texts(tom)
    take(world["attempts"], 2, "history", True, rest="wrong")
    book = open_page(as_user("ada"), "gradebook")
    grid = book.dataframe[0].value
    assert "Tom Trainee" in list(grid.index)
    assert grid.loc["Tom Trainee", world["course"].modules["history"].title].startswith("passed · 100%")
    assert grid.loc["Tom Trainee", world["course"].modules["risks"].title].startswith("⚠️")
    assert any(b.label == "Download CSV" for b in book.get("download_button"))


def test_item_analysis_page_shows_statistics(world):
    accounts = world["accounts"]
    for i in range(4):
        user = accounts.create_user(f"trainee{i}", f"T {i}", PASSWORD, "trainee")
        take(world["attempts"], user.id, "history", i % 2 == 0, rest="wrong")
    at = open_page(as_user("ada"), "item-analysis")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Attempts analysed"] == "4"
    table = at.dataframe[0].value
    assert {"facility %", "facility 95% interval", "discrimination", "flags"} <= set(table.columns)
    # four attempts are too few to call any question too easy or harder than guessing (B9)
    assert set(table["flags"]) == {""}
    assert "Flagged questions (0)" in texts(at)
    shown = table.astype(str).to_string()
    assert "history-q" not in shown and "single_choice" not in shown  # no internal ids or type names (UX §5)


def test_reported_problem_reaches_content_health_and_can_be_resolved(world):
    q = world["course"].modules["history"].quiz.questions[0]
    create_report(world["db"], 2, q.id, "Option b also looks right to me.", course=world["course"])
    at = open_page(as_user("ada"), "content-health")
    assert "Option b also looks right to me." in texts(at)
    assert "Tom Trainee (tom)" in texts(at)  # who reported it
    line = next(
        i
        for i, text in enumerate((REPO / "quizzes/01-history.yaml").read_text().splitlines(), 1)
        if text.strip() == f"- id: {q.id}"
    )
    assert f"quizzes/01-history.yaml:{line}" in texts(at)  # where to edit it
    next(b for b in at.button if b.label == "Mark resolved").click()
    at.run()
    assert "No open reports." in texts(at)


def test_trainee_cannot_reach_instructor_workspace(world):
    at = as_user("tom")
    paths = [i.get("url_pathname") for i in at._registered_pages.values()]
    for p in ("cohorts", "gradebook", "item-analysis", "content-health", "settings"):
        assert p not in paths


def test_about_page_states_education_not_medical_advice_without_sign_in(world):
    at = open_page(new_app(), "about")
    page = texts(at)
    assert "education, not medical advice" in page and "differs" in page and "country" in page


def test_instructor_can_download_a_quiz_as_gift_and_moodle_xml(world):
    at = open_page(as_user("ada"), "exchange")
    labels = [b.label for b in at.get("download_button")]
    assert "Download GIFT" in labels and "Download Moodle XML" in labels


def test_a_gift_file_imported_on_the_exchange_page_gives_the_yaml_the_command_line_writes(world, monkeypatch):
    """The page and ``python -m mesolearn exchange import-gift`` write one YAML: long and multi-line text as the
    authors' '|' blocks, not folded by a second dumper."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    from mesolearn.exchange import dump_quiz_yaml, gift_to_quiz_dict

    downloads: dict[str, bytes] = {}
    keep = MemoryMediaFileStorage.load_and_get_id

    def recording(self, data, mimetype, kind, filename=None):
        if filename:
            downloads[filename] = data if isinstance(data, bytes) else data.encode()
        return keep(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    lesson = world["course"].modules["history"].lesson
    gift = (
        "::q1::Which statement about the first published description of the technique is supported by the "
        "lesson's sources?\n\nPick one. {=It came from a French physician ~It came from a dentist}"
    )
    at = open_page(as_user("ada"), "exchange")
    at.selectbox(key="import-module").set_value(world["course"].modules["history"]).run()
    at.file_uploader[0].set_value(("q.gift", gift.encode(), "text/plain")).run()
    assert not at.exception and not at.error
    data, _ = gift_to_quiz_dict(
        gift, "history", lesson.objectives[0].id, lesson.sections[0].id, [lesson.references[0].id]
    )
    assert downloads["history-imported.yaml"].decode() == dump_quiz_yaml(data)


def test_trainee_reports_a_problem_during_an_attempt(world):
    at = open_page(as_user("tom"), "quiz", module="history")
    next(b for b in at.button if b.label == "Start the quiz").click()
    at.run()
    attempt_id = world["attempts"].open_attempt_id(2, "history")
    item = world["attempts"].load(attempt_id, 2).items[0]
    key = f"a{attempt_id}-{item.question.id}-report"
    at.text_area(key=f"{key}-msg").input("The prompt has a typo.")
    at.button(key=f"{key}-send").click()
    at.run()
    from mesolearn.quality import list_reports

    assert [r.message for r in list_reports(world["db"])] == ["The prompt has a typo."]


def test_my_attempts_names_practice_sessions_and_does_not_pass_or_fail_them(world):
    take(world["attempts"], 2, "history", False, rest="wrong")
    some = [q.id for q in world["course"].modules["history"].quiz.questions[:3]]
    review = start_review_session(world["attempts"], 2, some)
    world["attempts"].submit(review, 2)
    at = open_page(as_user("tom"), "attempts")
    assert not at.exception
    table = at.dataframe[0].value
    by_quiz = {row["quiz"]: row for _, row in table.iterrows()}
    assert by_quiz["Spaced review"]["result"] == "finished"  # not "passed"/"failed" (B11)
    assert by_quiz[world["course"].modules["history"].title]["result"] == "not passed"
    assert "review" not in set(table["quiz"]) and "None" not in table.astype(str).to_string()


def test_a_card_reviewed_right_leaves_due_now_and_says_when_it_comes_back(world):
    take(world["attempts"], 2, "risks", False, rest="wrong")
    at = open_page(as_user("tom"), "review")
    before = int(next(m for m in at.metric if m.label == "Cards due now").value)
    from mesolearn.learning import cards

    session = start_review_session(world["attempts"], 2, [c.question_id for c in cards(world["db"], 2)])
    item = world["attempts"].load(session, 2).items[0]
    save_whole(world["attempts"], session, 2, item.question.id, correct_response(item.question))
    world["attempts"].submit(session, 2)
    from mesolearn.learning import sync_from_attempt

    sync_from_attempt(world["db"], world["course"], session)  # what the app does after a submission
    at = open_page(as_user("tom"), "review")
    after = int(next(m for m in at.metric if m.label == "Cards due now").value)
    assert after == before - 1  # B6: it used to stay "due now"
    assert "Next card comes back in" in texts(at)


def test_build_a_quiz_offers_only_the_objectives_of_the_chosen_modules(world):
    at = open_page(as_user("tom"), "build-quiz")
    at.multiselect(key="custom-modules").set_value(["history"])
    at.run()
    offered = set(at.button_group(key="custom-objectives").options)
    history = {o.text for o in world["course"].modules["history"].lesson.objectives}
    assert offered and offered <= history  # B7: it used to list every module's objectives


def test_exam_date_is_saved_with_the_form_and_confirmed(world):
    at = open_page(as_user("tom"), "certification")
    day = date.today() + timedelta(days=30)
    box = next(t for t in at.text_input if t.label.startswith("Date of your certification exam"))
    box.input("tomorrow")
    next(b for b in at.button if b.label == "Save the exam date").click()
    at.run()
    assert "is not a date" in texts(at)  # a clear message, nothing saved
    box = next(t for t in at.text_input if t.label.startswith("Date of your certification exam"))
    box.input(day.isoformat())
    next(b for b in at.button if b.label == "Save the exam date").click()
    at.run()
    assert not at.exception
    assert f"Exam date saved: {day:%d %B %Y}" in texts(at)
    from mesolearn.learning.readiness import exam_date

    assert exam_date(world["db"], 2) == day
    at = open_page(as_user("tom"), "certification")
    assert next(t for t in at.text_input if t.label.startswith("Date of your")).value == day.isoformat()


def test_readiness_table_says_no_answers_instead_of_a_made_up_accuracy(world):
    take(world["attempts"], 2, "history", True, rest="wrong")
    at = open_page(as_user("tom"), "certification")
    table = next(d.value for d in at.dataframe if "accuracy %" in d.value.columns)
    untouched = table[table["answered"] == 0]
    assert len(untouched) and set(untouched["accuracy %"]) == {"no answers yet"}  # B14: it said 50 %


def test_the_exam_front_page_shows_the_blueprint_it_promises(world):
    at = open_page(as_user("tom"), "quiz", exam="certification")
    assert not at.exception
    exam = world["course"].exams["certification"]
    assert "blueprint" in exam.description  # the description promises it (B12)
    table = at.table[0].value
    assert set(table["module"]) == {world["course"].modules[b.module].title for b in exam.blueprint}
    assert table["questions"].sum() == exam.questions
    assert any(b.label == "Start the exam" for b in at.button)


def test_instructor_opens_a_trainees_attempt_from_the_gradebook(world):
    attempt_id = take(world["attempts"], 2, "history", False, rest="wrong").id
    at = open_page(as_user("ada"), "gradebook")
    assert not at.exception
    at.selectbox(key="gb-trainee").set_value(2)
    at.run()
    page = texts(at)
    state = world["attempts"].load(attempt_id, 2)
    assert "Time taken:" in page and f"{state.score:g}%" in page
    assert page.count("Correct answer:") == len(state.items)  # the key of each question
    first = state.items[0].view  # the prompt as drawn for this attempt
    assert first.prompt.strip().splitlines()[0][:40] in page


def test_the_course_notice_is_shown_once_on_the_home_page(world):
    at = open_page(as_user("tom"), "")
    notice = world["course"].info.notice
    shown = [str(e.value) for kind in ("markdown", "caption", "info", "warning") for e in getattr(at, kind)]
    assert sum(notice in text for text in shown) == 1  # the sidebar, not also a banner


def test_a_tab_left_open_shows_the_answer_saved_from_another_tab(world):
    """Security review 7b: tab A must not go on showing an answer that tab B has since changed."""
    from mesolearn.ui import keys
    from tests.app_driver import answer

    attempt_id = world["attempts"].start(2, "history")
    state = world["attempts"].load(attempt_id, 2)
    item = next(it for it in state.items if it.question.type == "single_choice")
    q = item.question
    wrong = next(o.id for o in q.options if o.id != q.answer)
    tab_a = open_page(as_user("tom"), "quiz", attempt=str(attempt_id))
    answer(tab_a, attempt_id, q, item.layout, wrong)
    tab_a.run()
    assert world["attempts"].load(attempt_id, 2).items[item.position].response == wrong
    tab_b = open_page(as_user("tom"), "quiz", attempt=str(attempt_id))
    answer(tab_b, attempt_id, q, item.layout, q.answer)
    tab_b.run()
    assert world["attempts"].load(attempt_id, 2).items[item.position].response == q.answer
    tab_a.run()  # any click in tab A reruns it
    shown = tab_a.radio(key=keys.answer_key(attempt_id, q.id)).value
    assert item.view.choices[shown] == q.option_text(q.answer)
    assert not tab_a.exception


def test_a_half_filled_matching_cannot_be_checked_in_practice(world):
    """UX review B10: "a checked answer is final", so Check refuses, and says so, until every row is matched."""
    from mesolearn.learning.custom import start_custom_practice
    from mesolearn.ui import keys
    from tests.app_driver import set_widgets

    course = world["course"]
    q = next(q for m in course.modules.values() for q in m.quiz.questions if q.type == "matching")
    session = start_custom_practice(world["db"], course, 2, [q.id], "custom")
    item = world["attempts"].load(session, 2).items[0]
    at = open_page(as_user("tom"), "quiz", attempt=str(session))
    key = keys.answer_key(session, q.id)
    half = [0] + [None] * (len(q.pairs) - 1)
    set_widgets(at, q, item.layout, key, half)
    at.run()
    assert f"1 of {len(q.pairs)} items are matched." in texts(at)
    at.button(key=keys.check_key(key)).click()
    at.run()
    assert f"Not checked yet: 1 of {len(q.pairs)} items are matched." in texts(at)
    assert world["attempts"].load(session, 2).items[0].score is None  # a half answer is not checked
    set_widgets(at, q, item.layout, key, list(range(len(q.pairs))))
    at.run()
    at.button(key=keys.check_key(key)).click()
    at.run()
    assert world["attempts"].load(session, 2).items[0].score is not None  # the whole answer is checked
