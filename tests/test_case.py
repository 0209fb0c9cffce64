"""The branching clinical case (issue 11): what an author, a trainee and an instructor notice.

- Authors: each validation rule of a case, broken in a file, is reported at the file, line and field.
- Trainees: the path's score over the best path's; one stage at a time (nothing of a later stage is in the view
  before the decision that leads to it); a saved decision is final; the draw is stored and the same after a reload;
  an unsafe (critical) choice fails a graded attempt even above the pass mark; practice scores the case when it ends.
- Everywhere else: the exam draw holds it, spaced review makes a card of a missed case, item analysis counts per
  stage how often each choice was taken, and the Moodle export says plainly what it cannot carry.

The fixture course (tests/fixtures/case_course) has one module whose quiz is a case and two plain questions.
Case ``cases-anticoagulant``: consult (ask 1 | postpone 0.5 | treat 0, critical) -> plan (topical 1 | inject 0, end)
or bruise (see 1 | reassure 0, end) -> followup (document 1 | nothing 0). Best path ask > topical > document = 3.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path

import pytest
import yaml

from mesolearn.content import Course, load_course
from mesolearn.exchange import quiz_to_gift, quiz_to_moodle_xml
from mesolearn.exchange.cli import main as exchange_main
from mesolearn.learning.spaced import cards, sync_from_attempt
from mesolearn.questions import case as case_type
from mesolearn.questions.case import Case
from mesolearn.quiz import drawing, grading
from mesolearn.quiz.attempts import AttemptError, Attempts
from tests.conftest import make_user

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "case_course"
QUIZ = "quizzes/01-cases.yaml"
CASE = "cases-anticoagulant"
BEST = ["ask", "topical", "document"]
UNSAFE = ["treat", "see", "document"]  # through the critical choice, recovered: 2 of 3


@pytest.fixture(scope="module")
def fixture_course() -> Course:
    course = load_course(FIXTURE)
    assert course.errors == [], [str(i) for i in course.errors]
    return course


@pytest.fixture
def the_case(fixture_course: Course) -> Case:
    q = fixture_course.question(CASE)
    assert isinstance(q, Case)
    return q


def copy_course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(FIXTURE, root)
    return root


def nth_line(root: Path, needle: str, nth: int = 1) -> int:
    hits = [n for n, line in enumerate((root / QUIZ).read_text().splitlines(), start=1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} occurs {len(hits)} time(s)"
    return hits[nth - 1]


# ------------------------------------------------------------------ validation: one broken file per rule
TREAT = "            next: bruise\n            critical: true\n"
INJECT = (
    "          - id: inject\n            text: Inject anyway with a finer needle\n            score: 0\n"
    "            feedback: A finer needle does not remove the risk.\n"
)
EXTRA_CHOICES = "".join(
    f"          - id: extra{i}\n            text: Extra choice {i}\n            score: 0\n            feedback: No.\n"
    for i in range(4)
)
BROKEN = [
    # (rule, edits, field, (needle, nth) of the line, words of the message)
    ("stage ids unique", [("      - id: bruise\n", "      - id: plan\n")], "stages[2].id", ("- id: plan", 2), "twice"),
    (
        "choice ids unique in a stage",
        [("          - id: postpone\n", "          - id: ask\n")],
        "stages[0].choices[1].id",
        ("- id: ask", 2),
        "twice in this stage",
    ),
    (
        "start names a stage",
        [("    critical: true\n    stages:", "    critical: true\n    start: nowhere\n    stages:")],
        "start",
        ("start: nowhere", 1),
        "'nowhere'",
    ),
    (
        "next names a stage",
        [("next: bruise", "next: bruised")],
        "stages[0].choices[2].next",
        ("bruised", 1),
        "'bruised'",
    ),
    ("every stage reachable", [("next: bruise", "next: followup")], "stages[2].id", ("- id: bruise", 1), "reached"),
    (
        "no cycles",
        [("            references: [SRC2]\n", "            references: [SRC2]\n            next: consult\n")],
        "stages[3].choices[0].next",
        ("next: consult", 1),
        "loops",
    ),
    ("at least 2 choices", [(INJECT, "")], "stages[1].choices", ("choices:", 2), "at least 2"),
    ("at most 5 choices", [(INJECT, INJECT + EXTRA_CHOICES)], "stages[1].choices", ("choices:", 2), "at most 5"),
    ("score in [0, 1]", [("score: 1\n", "score: 1.5\n")], "stages[0].choices[0].score", ("score: 1.5", 1), "1"),
    (
        "a sound decision at every stage",
        [("assess the bruise\n            score: 1\n", "assess the bruise\n            score: 0.8\n")],
        "stages[2].choices",
        ("choices:", 3),
        "none scores 1",
    ),
    ("the best path is unique", [("score: 0.5", "score: 1")], "stages", ("stages:", 1), "best total"),
    (
        "a critical path totals less than the best",
        [
            ("thins the blood\n            score: 1\n", "thins the blood\n            score: 0.9\n"),
            ("Treat as booked\n            score: 0\n", "Treat as booked\n            score: 1\n"),
        ],
        "stages",
        ("stages:", 1),
        "critical choice",
    ),
    (
        "critical case when a choice is critical",
        [("    critical: true\n    stages:", "    stages:")],
        "",
        ("- id: cases-anticoagulant", 1),
        "critical: must be true",
    ),
    (
        "critical case only when a choice is critical",
        [(TREAT, "            next: bruise\n")],
        "critical",
        ("    critical: true", 1),
        "only when",
    ),
    (
        "choice references are the lesson's",
        [("references: [SRC2]", "references: [SRC9]")],
        "stages[3].choices[0].references",
        ("[SRC9]", 1),
        "SRC9",
    ),
    ("title at most 60 characters", [("title: Day 2", "title: " + "x" * 61)], "stages[2].title", ("x" * 61, 1), "60"),
]


@pytest.mark.parametrize(("rule", "edits", "field", "where", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_case_is_reported_at_its_file_line_and_field(
    tmp_path: Path, rule: str, edits: list, field: str, where: tuple[str, int], words: str
) -> None:
    root = copy_course(tmp_path)
    path = root / QUIZ
    text = path.read_text()
    for old, new in edits:
        assert text.count(old) >= 1, old
        text = text.replace(old, new, 1)
    path.write_text(text)
    course = load_course(root)
    errors = [i for i in course.errors if i.file == QUIZ]
    assert len(errors) == 1, [str(i) for i in course.errors]
    (issue,) = errors
    assert issue.field == "questions[0]" + ("." + field if field and not field.startswith("[") else field)
    assert issue.line == nth_line(root, *where)
    assert words in issue.message
    assert str(issue).startswith(f"{QUIZ}:{issue.line}: {issue.field}: ")
    assert course.modules["cases"].quiz is None  # a broken quiz is hidden from trainees


def _chain(n: int) -> dict:
    """A case whose one long path asks ``n`` decisions."""
    stages = []
    for i in range(1, n + 1):
        go = {"id": "go", "text": f"Go on {i}", "score": 1, "feedback": "Fine."}
        if i < n:
            go["next"] = f"s{i + 1}"
        stages.append(
            {
                "id": f"s{i}",
                "title": f"Step {i}",
                "text": f"Stage {i}.",
                "question": "Next?",
                "choices": [go, {"id": "stop", "text": f"Stop {i}", "score": 0, "feedback": "Stopped."}],
            }
        )
    return {"stages": stages}


def test_a_path_of_more_than_six_decisions_is_reported(tmp_path: Path) -> None:
    root = copy_course(tmp_path)
    quiz = yaml.safe_load((root / QUIZ).read_text())
    q = quiz["questions"][0]
    q.update(_chain(7), critical=False)
    (root / QUIZ).write_text(yaml.safe_dump(quiz, sort_keys=False))
    (issue,) = [i for i in load_course(root).errors if i.file == QUIZ]
    assert issue.field == "questions[0].stages" and "7 decisions; at most 6" in issue.message
    assert issue.line == nth_line(root, "stages:")
    q.update(_chain(6))  # six is allowed
    (root / QUIZ).write_text(yaml.safe_dump(quiz, sort_keys=False))
    assert [str(i) for i in load_course(root).errors] == []


# ------------------------------------------------------------------ paths and scores
def test_the_best_path_and_the_score_of_each_path(the_case: Case) -> None:
    t = case_type.TYPE
    assert t.correct_response(the_case) == BEST
    assert [c.id for _, c in the_case.best_path()] == BEST and the_case.best_total() == 3
    expected = {
        ("ask", "topical", "document"): 1.0,
        ("postpone", "topical", "document"): 2.5 / 3,
        ("treat", "see", "document"): 2 / 3,
        ("ask", "inject"): 1 / 3,
        ("treat", "reassure"): 0.0,
    }
    paths = {tuple(c.id for _, c in p) for p in the_case.paths()}
    assert len(paths) == 9 and set(expected) <= paths
    for path, score in expected.items():
        assert grading.grade(the_case, list(path)) == pytest.approx(score)
        assert grading.is_answered(the_case, list(path))
    assert t.wrong_response(the_case) == ["treat", "reassure"]
    # random choices at every stage: E(followup) = 0.5, E(plan) = E(bruise) = 0.75, E(consult) = 1.25 of 3
    assert grading.random_guess_score(the_case) == pytest.approx(1.25 / 3)


def test_an_unfinished_path_is_not_an_answer_and_says_which_stage_waits(the_case: Case) -> None:
    assert not grading.is_answered(the_case, ["ask"])
    assert grading.incomplete(the_case, ["ask"]) == "Stage 2 of the case is waiting for your decision."
    assert grading.incomplete(the_case, BEST) is None
    assert grading.grade(the_case, ["ask"]) == pytest.approx(1 / 3)  # submitted mid-case: the decisions made count
    assert grading.response_text(the_case, ["ask"]) == "(no answer)"  # not answered: the path did not end
    assert "Planning: Offer a plan without needles" in grading.answer_text(the_case)
    assert grading.response_text(the_case, UNSAFE).startswith("Consultation: Treat as booked; Day 2: See him")


# ------------------------------------------------------------------ the draw and the view
def test_the_layout_is_drawn_per_attempt_stored_and_the_same_after_a_reload(db, fixture_course: Course) -> None:
    user = make_user(db)
    attempts = Attempts(db, fixture_course)
    attempt_id = attempts.start(user, "cases", seed=11)
    (item,) = [i for i in attempts.load(attempt_id, user).items if i.question.id == CASE]
    assert set(item.layout) == {s.id for s in item.question.stages}
    for s in item.question.stages:
        assert sorted(item.layout[s.id]) == sorted(c.id for c in s.choices)
    again = Attempts(db, load_course(FIXTURE))  # a reload: a new process reads the stored draw
    (reloaded,) = [i for i in again.load(attempt_id, user).items if i.question.id == CASE]
    assert reloaded.layout == item.layout and reloaded.view == item.view
    q = item.question
    orders = {json.dumps(case_type.TYPE.make_layout(q, random.Random(seed))) for seed in range(20)}
    assert len(orders) > 1  # shuffled per attempt


def _later(q: Case, stage_ids: set[str]) -> list[str]:
    """Every text of the given stages and every choice's feedback: what must not reach the browser yet."""
    out = []
    for s in q.stages:
        if s.id in stage_ids:
            out += [s.title, s.text.strip(), s.question] + [c.text for c in s.choices]
        out += [c.feedback.strip() for c in s.choices]
    return out


def test_nothing_of_a_later_stage_is_in_the_view_before_the_decision(the_case: Case) -> None:
    layout = case_type.TYPE.make_layout(the_case, random.Random(3))
    steps = [
        (None, {"consult"}),
        (["treat"], {"consult", "bruise"}),
        (["treat", "see"], {"consult", "bruise", "followup"}),
    ]
    for response, shown in steps:
        view = drawing.view_for(the_case, layout, response)
        blob = json.dumps(dataclasses.asdict(view))
        assert [s.id for s in view.stages] == ["consult", "bruise", "followup"][: len(shown)]
        for text in _later(the_case, {s.id for s in the_case.stages} - shown):
            assert text not in blob, text
        assert "score" not in blob and the_case.explanation not in blob
    view = drawing.view_for(the_case, layout, ["treat"])
    assert view.stages[0].chosen == "Treat as booked" and view.stages[1].chosen is None
    assert sorted(view.choices) == ["See him today and assess the bruise", "Tell him on the phone that it will fade"]
    assert view.choices == [the_case.stage("bruise").choice(i).text for i in layout["bruise"]]  # display order


# ------------------------------------------------------------------ a decision once saved is final
def test_save_answer_refuses_to_change_an_earlier_decision_or_a_choice_of_another_stage(
    db, fixture_course: Course
) -> None:
    user = make_user(db)
    attempts = Attempts(db, fixture_course)
    attempt_id = attempts.start(user, "cases", seed=1)

    def saved() -> object:
        return next(i.response for i in attempts.load(attempt_id, user).items if i.question.id == CASE)

    attempts.save_answer(attempt_id, user, CASE, ["ask"])
    refusals = [
        (["postpone"], "final"),  # changing the first decision
        (["postpone", "topical"], "final"),
        (["ask", "see"], "not one of the choices of the current stage"),  # "see" belongs to the bruise stage
        (["ask", "nope"], "not one of the choices of the current stage"),
        (["ask", "topical", "document"], "final"),  # two decisions at once
        (None, "final"),  # clearing the case
        ([], "final"),
    ]
    for response, words in refusals:
        with pytest.raises(AttemptError, match=words):
            attempts.save_answer(attempt_id, user, CASE, response)
        assert saved() == ["ask"]
    attempts.save_answer(attempt_id, user, CASE, ["ask", "topical"])
    attempts.save_answer(attempt_id, user, CASE, BEST)
    with pytest.raises(AttemptError, match="complete"):
        attempts.save_answer(attempt_id, user, CASE, BEST + ["document"])
    assert saved() == BEST
    # the first decision must be a choice of the first stage too
    other = attempts.start(make_user(db, "Other"), "cases", seed=1)
    with pytest.raises(AttemptError, match="current stage"):
        attempts.save_answer(other, user + 1, CASE, ["see"])


# ------------------------------------------------------------------ critical choices
def _answer_the_rest(attempts: Attempts, attempt_id: int, user: int, course: Course) -> None:
    for item in attempts.load(attempt_id, user).items:
        if item.question.id != CASE:
            attempts.save_answer(attempt_id, user, item.question.id, grading.correct_response(item.question))


def _walk(attempts: Attempts, attempt_id: int, user: int, path: list[str]) -> None:
    for n in range(1, len(path) + 1):
        attempts.save_answer(attempt_id, user, CASE, path[:n])


def test_a_critical_choice_fails_a_graded_attempt_whatever_the_score(db, fixture_course: Course) -> None:
    attempts = Attempts(db, fixture_course)
    results = {}
    paths = (("unsafe", UNSAFE), ("best", BEST), ("safe", ["postpone", "topical", "document"]), ("unfinished", ["ask"]))
    for name, path in paths:
        user = make_user(db, name)
        attempt_id = attempts.start(user, "cases", seed=2)
        _answer_the_rest(attempts, attempt_id, user, fixture_course)
        _walk(attempts, attempt_id, user, path)
        results[name] = attempts.submit(attempt_id, user)
    unsafe = results["unsafe"]
    assert unsafe.score == pytest.approx(100 * (2 / 3 + 1 + 1) / 3, abs=0.1) and unsafe.score >= 70
    assert unsafe.critical_failed == [CASE] and unsafe.passed is False
    assert results["best"].critical_failed == [] and results["best"].passed is True
    # a safe path that is not the best scores below 1 but fails nothing (only a critical choice does)
    assert results["safe"].critical_failed == [] and results["safe"].passed is True
    # a critical case left unfinished fails like a blank critical question
    assert results["unfinished"].critical_failed == [CASE] and results["unfinished"].passed is False


def test_readiness_counts_a_safe_path_as_partial_credit_and_an_unsafe_one_as_a_critical_miss(
    db, fixture_course: Course
) -> None:
    from mesolearn.learning.readiness import question_observations
    from mesolearn.storage import utcnow

    attempts = Attempts(db, fixture_course)
    seen = {}
    for name, path in (("safe", ["postpone", "topical", "document"]), ("unsafe", UNSAFE), ("best", BEST)):
        user = make_user(db, name)
        attempt_id = attempts.start(user, "cases", seed=2)
        _answer_the_rest(attempts, attempt_id, user, fixture_course)
        _walk(attempts, attempt_id, user, path)
        attempts.submit(attempt_id, user)
        seen[name] = question_observations(db, fixture_course, user, utcnow())[CASE]
    assert seen["best"] == 1.0
    assert seen["safe"] == pytest.approx(2.5 / 3)  # not the best path, but nothing unsafe: what the exam counts
    assert seen["unsafe"] == 0.0  # an unsafe decision fails the exam: no credit towards readiness


# ------------------------------------------------------------------ practice, the exam, review cards
def test_practice_saves_each_decision_and_scores_the_case_when_it_ends(db, fixture_course: Course) -> None:
    user = make_user(db)
    attempts = Attempts(db, fixture_course)
    attempt_id = attempts.start(user, "cases", mode="practice", seed=4)
    assert attempts.save_answer(attempt_id, user, CASE, ["postpone"]) is None  # saved, not scored yet
    assert attempts.save_answer(attempt_id, user, CASE, ["postpone", "topical"]) is None
    assert attempts.save_answer(attempt_id, user, CASE, ["postpone", "topical", "document"]) == pytest.approx(2.5 / 3)
    with pytest.raises(AttemptError):
        attempts.save_answer(attempt_id, user, CASE, ["postpone", "topical", "nothing"])


def test_the_exam_draw_holds_the_case_and_a_missed_case_becomes_a_review_card(db, fixture_course: Course) -> None:
    user = make_user(db)
    attempts = Attempts(db, fixture_course)
    attempt_id = attempts.start(user, "final", seed=9)
    assert CASE in [i.question.id for i in attempts.load(attempt_id, user).items]
    _answer_the_rest(attempts, attempt_id, user, fixture_course)
    _walk(attempts, attempt_id, user, ["postpone", "topical", "document"])
    state = attempts.submit(attempt_id, user)
    assert next(i.score for i in state.items if i.question.id == CASE) == pytest.approx(2.5 / 3)
    sync_from_attempt(db, fixture_course, attempt_id)
    assert [c.question_id for c in cards(db, user)] == [CASE]


# ------------------------------------------------------------------ item analysis per stage
def test_item_analysis_counts_per_stage_how_often_each_choice_was_taken(db, fixture_course: Course) -> None:
    from mesolearn.analytics.quiz_report import quiz_item_analysis

    attempts = Attempts(db, fixture_course)
    for n, path in enumerate([BEST, BEST, UNSAFE, ["treat", "reassure"], ["postpone", "topical", "nothing"]]):
        user = make_user(db, f"t{n}")
        attempt_id = attempts.start(user, "cases", seed=n)
        _answer_the_rest(attempts, attempt_id, user, fixture_course)
        _walk(attempts, attempt_id, user, path)
        attempts.submit(attempt_id, user)
    report = quiz_item_analysis(db, fixture_course, "cases")
    (row,) = [r for r in report.questions if r.question_id == CASE]
    assert row.options is not None
    counts = {o.option_id: o.count for o in row.options}
    assert counts["consult/ask"] == 2 and counts["consult/treat"] == 2 and counts["consult/postpone"] == 1
    assert counts["plan/topical"] == 3 and counts["plan/inject"] == 0
    assert counts["bruise/see"] == 1 and counts["bruise/reassure"] == 1
    assert counts["followup/document"] == 3 and counts["followup/nothing"] == 1
    texts = {o.option_id: o.text for o in row.options}
    assert texts["bruise/see"] == "Day 2: See him today and assess the bruise"
    assert {o.option_id for o in row.options if o.correct} >= {"consult/ask", "plan/topical", "followup/document"}


# ------------------------------------------------------------------ Moodle
def test_the_moodle_export_says_plainly_what_it_cannot_carry(fixture_course: Course, tmp_path: Path, capsys) -> None:
    quiz = fixture_course.modules["cases"].quiz
    assert quiz is not None
    gift = quiz_to_gift(quiz)
    assert "// Moodle cannot branch: this case is exported as an essay item" in gift
    xml = quiz_to_moodle_xml(quiz)
    assert '<question type="essay">' in xml and "Best path:" in xml
    out = tmp_path / "cases.gift"
    assert exchange_main(["export-gift", str(FIXTURE / QUIZ), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"warning: {CASE}: Moodle cannot branch" in err and "the later stages, the branching" in err


# ------------------------------------------------------------------ the real app (AppTest): walk, reload, finish
def _position(q: Case, layout: dict, stage_id: str, choice_id: str) -> int:
    return layout[stage_id].index(choice_id)


def _decide(at, key: str, n: int, position: int):
    from mesolearn.ui.inputs.case import confirm_key, stage_key

    at.radio(key=stage_key(key, n)).set_value(position)
    at.run()
    at.button(key=confirm_key(key, n)).click()
    return at.run()


def test_the_app_walks_a_case_down_a_branch_resumes_after_a_reload_and_shows_both_paths(
    tmp_path: Path, monkeypatch
) -> None:
    from mesolearn.storage import Database
    from mesolearn.ui import keys
    from mesolearn.ui.inputs.case import stage_key
    from tests.app_driver import answer, fill_account_form, new_app, open_page, sign_in, sign_out, texts

    url = f"sqlite:///{tmp_path}/app.db"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", url)
    monkeypatch.setenv("MESOLEARN_CONTENT_DIR", str(FIXTURE))
    at = fill_account_form(new_app(), "Ada Instructor", "ada", "correct horse battery")
    at = fill_account_form(open_page(sign_out(at), "register"), "Tom Trainee", "tom", "trainee pass 1")
    at = open_page(at, "quiz", module="cases")
    next(b for b in at.button if b.label == "Start the quiz").click()
    at.run()
    attempts = Attempts(Database(url), load_course(FIXTURE))
    attempt_id = attempts.open_attempt_id(2, "cases")
    assert attempt_id is not None
    item = next(i for i in attempts.load(attempt_id, 2).items if i.question.id == CASE)
    q, layout, key = item.question, item.layout, keys.answer_key(attempt_id, CASE)
    page = texts(at)
    assert "Stage 1 · Consultation" in page and "Day 2" not in page and "Planning" not in page

    at = _decide(at, key, 1, _position(q, layout, "consult", "treat"))  # the unsafe branch
    assert not at.exception
    assert attempts.load(attempt_id, 2).items[item.position].response == ["treat"]  # saved at once

    # "reload": a new session on the same database, signed in again, opens the attempt's URL
    at = sign_in(new_app(), "tom", "trainee pass 1")
    at = open_page(at, "quiz", attempt=str(attempt_id))
    page = texts(at)
    assert "Your decision: Treat as booked" in page and "Stage 2 · Day 2" in page
    assert "He phones: a wide bruise" in page
    assert "One week later" not in page and "Planning" not in page  # nothing of a later or other stage
    assert "Unsafe; the tablet was never checked" not in page  # no feedback while the attempt is open
    radio_keys = {r.key for r in at.radio}
    assert stage_key(key, 2) in radio_keys and stage_key(key, 1) not in radio_keys  # the first decision is final
    assert "Stage 2 of the case is waiting for your decision." in page

    at = _decide(at, key, 2, _position(q, layout, "bruise", "see"))
    at = _decide(at, key, 3, _position(q, layout, "followup", "document"))
    assert "Case complete" in texts(at)
    for other in attempts.load(attempt_id, 2).items:
        if other.question.id != CASE:
            answer(at, attempt_id, other.question, other.layout, grading.correct_response(other.question))
    at.run()
    next(b for b in at.button if b.label == "Submit all and finish").click()
    at.run()
    assert not at.exception
    page = texts(at)
    assert "Your path" in page and "Best path" in page
    assert "**Day 2:** See him today and assess the bruise (score 1 of 1)" in page
    assert "**Planning:** Offer a plan without needles and review in a week (score 1 of 1)" in page  # best path
    assert "⚠️ unsafe (critical)" in page and "Unsafe; the tablet was never checked" in page  # feedback now
    assert "A safety-critical question was answered wrongly" in page and "Not passed" in page
    done = attempts.load(attempt_id, 2)
    assert done.critical_failed == [CASE] and done.items[item.position].response == UNSAFE


def test_the_app_practises_and_reviews_a_case_one_saved_decision_at_a_time(tmp_path: Path, monkeypatch) -> None:
    from mesolearn.learning.spaced import start_review_session
    from mesolearn.storage import Database
    from mesolearn.ui import keys
    from tests.app_driver import fill_account_form, new_app, open_page, sign_out, texts

    url = f"sqlite:///{tmp_path}/app.db"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", url)
    monkeypatch.setenv("MESOLEARN_CONTENT_DIR", str(FIXTURE))
    at = fill_account_form(new_app(), "Ada Instructor", "ada", "correct horse battery")
    at = fill_account_form(open_page(sign_out(at), "register"), "Tom Trainee", "tom", "trainee pass 1")
    attempts = Attempts(Database(url), load_course(FIXTURE))

    # practice: no "Check answer" for a case; each decision is saved, and the case is checked when it ends
    at = open_page(at, "quiz", module="cases")
    next(b for b in at.button if b.label == "Practise (does not count)").click()
    at.run()
    practice = attempts.open_attempt_id(2, "cases", "practice")
    assert practice is not None
    item = next(i for i in attempts.load(practice, 2).items if i.question.id == CASE)
    key = keys.answer_key(practice, CASE)
    at = _decide(at, key, 1, _position(item.question, item.layout, "consult", "ask"))
    assert "Your path" not in texts(at) and attempts.load(practice, 2).items[item.position].score is None
    at = _decide(at, key, 2, _position(item.question, item.layout, "plan", "inject"))
    assert not at.exception
    page = texts(at)
    assert "Your path" in page and "Best path" in page and "A finer needle does not remove the risk." in page
    assert attempts.load(practice, 2).items[item.position].score == pytest.approx(1 / 3)
    attempts.submit(practice, 2)

    # spaced review: the review page walks the case the same way
    session = start_review_session(attempts, 2, [CASE])
    at = open_page(at, "review")
    (item,) = attempts.load(session, 2).items
    key = f"rv{session}-{CASE}"
    for n, (stage, choice) in enumerate([("consult", "treat"), ("bruise", "reassure")], start=1):
        at = _decide(at, key, n, _position(item.question, item.layout, stage, choice))
        assert not at.exception
    assert [e.value for e in at.error] == ["Incorrect"]  # the path scores 0: the review's result
    page = texts(at)
    assert "Your path" in page and "How well did you know it?" in page
    assert attempts.load(session, 2).items[0].response == ["treat", "reassure"]


# ------------------------------------------------------------------ two tabs deciding at once
def test_two_tabs_deciding_at_once_keep_one_decision(database_url: str, fixture_course: Course) -> None:
    """Two tabs confirm different decisions at the same stage at the same instant: exactly one is saved and the
    other is refused, and the saved path is the winner's (never a mix, never both in turn)."""
    from mesolearn.storage import Database
    from tests.test_races import together

    db = Database(database_url)
    try:
        attempts = Attempts(db, fixture_course)
        for n in range(8):  # eight races, each on its own attempt
            user = make_user(db, f"r{n}")
            attempt_id = attempts.start(user, "cases", seed=n)
            attempts.save_answer(attempt_id, user, CASE, ["ask"])
            tabs = [["ask", "topical"], ["ask", "inject"]]
            jobs = [lambda p=p, a=attempt_id, u=user: attempts.save_answer(a, u, CASE, p) for p in tabs]
            results = together(jobs)
            won = [p for p, r in zip(tabs, results, strict=True) if not isinstance(r, Exception)]
            refused = [r for r in results if isinstance(r, Exception)]
            assert len(won) == 1 and len(refused) == 1, results
            assert isinstance(refused[0], AttemptError)
            saved = next(i.response for i in attempts.load(attempt_id, user).items if i.question.id == CASE)
            assert saved == won[0]
    finally:
        db.dispose()


def test_every_case_of_the_course_walked_down_its_best_path_on_the_texts_shown_scores_full_marks(
    course: Course,
) -> None:
    """The course's own cases: each stage's view shows only that stage's choices, in the layout's order, and a
    trainee who picks the best decision's text at each stage (display positions, as the page sends them) scores 1;
    a path through a critical choice fails the critical rule."""
    cases = [q for _, q in course.questions.values() if isinstance(q, Case)]
    assert len(cases) >= 8
    for q in cases:
        for seed in range(3):
            layout = drawing.make_layout(q, random.Random(seed))
            shown: list[int] = []  # display positions, as the page sends them
            for stage, choice in q.best_path():
                v = drawing.view_for(q, layout, drawing.to_response(q, layout, shown) if shown else None)
                assert [s.id for s in v.stages][-1] == stage.id, q.id
                assert sorted(v.choices) == sorted(c.text for c in stage.choices), q.id
                shown.append(v.choices.index(choice.text))
            path = drawing.to_response(q, layout, shown)
            assert grading.grade(q, path) == 1.0 and not grading.critical_failed(q, path, 1.0), q.id
        for p in q.paths():
            if any(c.critical for _, c in p):
                ids = [c.id for _, c in p]
                assert grading.critical_failed(q, ids, grading.grade(q, ids)), q.id
