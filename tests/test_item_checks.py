"""Item-writing checks: each rule catches a small broken course at file:line: field, and a clean course passes.

The fixture course is the loader tests' two-module course with its options rewritten so that it breaks
no item-writing rule; each test then breaks one rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mesolearn.content import ContentIssue, Course, load_course
from mesolearn.content.item_checks import check_items, pool_figures
from tests.test_content_loading import edit, line_of, run_cli, write_course

ALPHA = "quizzes/01-alpha.yaml"
BETA = "quizzes/02-beta.yaml"
MY_FILES = ("quizzes/05-ingredients.yaml", "quizzes/06-consultation.yaml", "quizzes/07-evidence.yaml")


def clean_course(root: Path) -> Path:
    write_course(root)
    for file in (ALPHA, BETA):  # the key "Right" is as long as "Wrong": the longest-option cue
        edit(root, file, "{id: b, text: Wrong}", "{id: b, text: Wrong answer}")
    edit(root, BETA, "prompt: Pick a.", "prompt: Choose the first letter of the alphabet from the two options.")
    edit(root, BETA, "prompt: Pick a and b.", "prompt: Choose the two smallest numbers.")
    edit(root, BETA, "prompt: How many?", "prompt: What volume is injected per point in beta?")
    return root


@pytest.fixture
def good_dir(tmp_path: Path) -> Path:
    return clean_course(tmp_path / "course")


def findings(root: Path) -> list[ContentIssue]:
    course = load_course(root)
    assert course.errors == [], [str(i) for i in course.errors]  # the loader accepts the file
    return check_items(course)


def only(issues: list[ContentIssue], words: str) -> ContentIssue:
    found = [i for i in issues if words in i.message]
    assert len(found) == 1, [str(i) for i in issues]
    return found[0]


def test_the_clean_course_has_no_item_writing_finding(good_dir: Path) -> None:
    assert findings(good_dir) == []


# ------------------------------------------------------------------ critical flags (errors)
@pytest.mark.parametrize("question, kind", [("alpha-q2", "multiple_response"), ("alpha-q3", "numeric")])
def test_critical_on_a_partial_credit_item_is_an_error(good_dir: Path, question: str, kind: str) -> None:
    edit(good_dir, ALPHA, "difficulty:", "critical: true\n    difficulty:", question=question)
    issue = only(findings(good_dir), "critical is allowed")
    assert issue.severity == "error"
    assert (issue.file, issue.field) == (ALPHA, f"questions[{int(question[-1]) - 1}].critical")
    assert issue.line == line_of(good_dir, ALPHA, "critical: true")
    assert kind in issue.message and str(issue).startswith(f"{ALPHA}:{issue.line}: questions[")


def test_critical_on_a_single_best_answer_item_is_fine(good_dir: Path) -> None:
    edit(good_dir, ALPHA, "difficulty:", "critical: true\n    difficulty:", question="alpha-q1")
    assert findings(good_dir) == []


def test_critical_on_ordering_or_matching_is_an_error(good_dir: Path) -> None:
    edit(
        good_dir,
        ALPHA,
        "  - id: alpha-q3\n",
        """\
  - id: alpha-q4
    type: ordering
    prompt: Put these steps of the alpha routine in order.
    items: [First step, Second step, Third step]
    explanation: Because.
    references: [SRC1]
    objective: alpha-one
    section: intro
    difficulty: easy
    critical: true
  - id: alpha-q5
    type: matching
    prompt: Match each beta term with its meaning.
    pairs: [{left: Left one, right: Right one}, {left: Left two, right: Right two}]
    explanation: Because.
    references: [SRC1]
    objective: alpha-one
    section: intro
    difficulty: easy
    critical: true
  - id: alpha-q3
""",
    )
    errors = [i for i in findings(good_dir) if i.severity == "error"]
    assert [(i.field, "ordering" in i.message, "matching" in i.message) for i in errors] == [
        ("questions[2].critical", True, False),
        ("questions[3].critical", False, True),
    ]


# ------------------------------------------------------------------ the longest-option cue (warnings)
def test_a_key_much_longer_than_the_next_option_is_flagged(good_dir: Path) -> None:
    edit(good_dir, ALPHA, "{id: a, text: Right}", "{id: a, text: Right because of several good reasons}")
    issues = findings(good_dir)
    issue = only(issues, "as long as the next-longest")
    assert issue.severity == "warning" and issue.field == "questions[0].options[0]"
    assert issue.line == line_of(good_dir, ALPHA, "several good reasons")
    assert "alpha-q1" in issue.message and "3.1x" in issue.message


def test_a_key_just_under_one_and_a_half_times_is_not_flagged(good_dir: Path) -> None:
    edit(good_dir, ALPHA, "{id: a, text: Right}", "{id: a, text: Right answer yes}")  # 16 < 1.5 x 12
    assert not [i for i in findings(good_dir) if "next-longest" in i.message]


def test_a_pool_where_the_key_is_the_longest_too_often_is_flagged(good_dir: Path) -> None:
    edit(good_dir, ALPHA, "{id: a, text: Right}", "{id: a, text: Right choice!}")  # 13 > 12: longest, not 1.5x
    issues = findings(good_dir)
    issue = only(issues, "single-choice items")
    assert issue.severity == "warning" and issue.file == ALPHA and issue.field == "questions"
    assert issue.line == line_of(good_dir, ALPHA, "questions:")
    assert "1 of 1" in issue.message and "100%" in issue.message and "35%" in issue.message
    figures = {f.module: f for f in pool_figures(load_course(good_dir))}
    assert (figures["alpha"].key_longest, figures["alpha"].over_limit) == (1, True)
    assert (figures["beta"].key_longest, figures["beta"].over_limit) == (0, False)


def test_the_pool_threshold_is_35_percent(good_dir: Path) -> None:
    """Two single-choice items of which one has the longest key is 50 %: flagged; one of three is 33 %: fine."""
    extra = """\
  - id: alpha-q{n}
    type: single_choice
    prompt: Which colour is item {n} of the alpha set?
    options:
      - {{id: a, text: {key}}}
      - {{id: b, text: Dark green}}
    answer: a
    explanation: Because.
    references: [SRC1]
    objective: alpha-one
    section: intro
    difficulty: easy
"""
    edit(good_dir, ALPHA, "  - id: alpha-q3\n", extra.format(n=4, key="Pale yellow") + "  - id: alpha-q3\n")
    assert "50%" in only(findings(good_dir), "single-choice items").message
    edit(good_dir, ALPHA, "  - id: alpha-q3\n", extra.format(n=5, key="Red") + "  - id: alpha-q3\n")
    assert not [i for i in findings(good_dir) if "single-choice items" in i.message]


# ------------------------------------------------------------------ absolute words, all/none of the above
def test_an_absolute_word_in_a_distractor_is_flagged(good_dir: Path) -> None:
    edit(good_dir, ALPHA, "{id: b, text: Wrong answer}", "{id: b, text: Never the right one}")
    issue = only(findings(good_dir), "absolute word")
    assert issue.severity == "warning" and issue.field == "questions[0].options[1]"
    assert "'Never'" in issue.message


def test_an_absolute_word_in_the_key_is_not_a_giveaway(good_dir: Path) -> None:
    edit(good_dir, ALPHA, "{id: a, text: Right}", "{id: a, text: Only a}")
    assert findings(good_dir) == []


def test_a_word_containing_an_absolute_is_not_flagged(good_dir: Path) -> None:
    edit(good_dir, ALPHA, "{id: b, text: Wrong answer}", "{id: b, text: Allergy or everything}")
    assert findings(good_dir) == []
    edit(good_dir, ALPHA, "{id: b, text: Allergy or everything}", "{id: b, text: A vitamin-only cocktail}")
    assert findings(good_dir) == []


def test_all_of_the_above_is_flagged_even_as_the_key(good_dir: Path) -> None:
    edit(good_dir, ALPHA, "{id: c, text: Three}", "{id: c, text: All of the above}", question="alpha-q2")
    edit(good_dir, ALPHA, "answers: [a, b]", "answers: [c]", question="alpha-q2")
    issue = only(findings(good_dir), "of the above")
    assert issue.field == "questions[1].options[2]" and issue.severity == "warning"


def test_an_absolute_false_true_false_statement_is_flagged(good_dir: Path) -> None:
    edit(
        good_dir,
        ALPHA,
        "  - id: alpha-q3\n",
        """\
  - id: alpha-q4
    type: true_false
    prompt: Alpha is always safe.
    answer: false
    explanation: Because.
    references: [SRC1]
    objective: alpha-one
    section: intro
    difficulty: easy
  - id: alpha-q3
""",
    )
    assert only(findings(good_dir), "false statement").field == "questions[2].prompt"
    edit(good_dir, ALPHA, "answer: false", "answer: true", question="alpha-q4")
    assert findings(good_dir) == []


# ------------------------------------------------------------------ near-duplicate stems
def test_near_duplicate_stems_in_two_modules_are_flagged_unless_in_one_enemy_group(good_dir: Path) -> None:
    stem = "Which organism group caused the outbreak of late nodules after injections?"
    edit(good_dir, ALPHA, "prompt: Pick a.", f"prompt: {stem}")
    edit(
        good_dir,
        BETA,
        "prompt: Choose the first letter of the alphabet from the two options.",
        f"prompt: {stem.replace('Which', 'What')}",
    )
    issue = only(findings(good_dir), "near-duplicate")
    assert (issue.file, issue.field, issue.severity) == (BETA, "questions[0].prompt", "warning")
    assert f"alpha-q1 ({ALPHA}:{line_of(good_dir, ALPHA, stem)}" in issue.message
    for file, q in ((ALPHA, "alpha-q1"), (BETA, "beta-q1")):
        edit(good_dir, file, "difficulty: easy", "difficulty: easy\n    enemy_group: nodule-organism", question=q)
    assert findings(good_dir) == []


def test_different_stems_are_not_duplicates(good_dir: Path) -> None:
    edit(good_dir, ALPHA, "prompt: Pick a.", "prompt: Which organism group caused the late nodules?")
    edit(
        good_dir,
        BETA,
        "prompt: Choose the first letter of the alphabet from the two options.",
        "prompt: How long after the injections did the late nodules appear?",
    )
    assert findings(good_dir) == []


# ------------------------------------------------------------------ enemy groups
def group(root: Path, file: str, question: str, slug: str) -> None:
    edit(root, file, "difficulty:", f"enemy_group: {slug}\n    difficulty:", question=question)


def test_an_enemy_group_with_one_member_is_flagged(good_dir: Path) -> None:
    group(good_dir, ALPHA, "alpha-q1", "lonely-fact")
    issue = only(findings(good_dir), "no other member")
    assert (issue.field, issue.severity) == ("questions[0].enemy_group", "warning")
    assert issue.line == line_of(good_dir, ALPHA, "enemy_group: lonely-fact")


def test_a_bad_enemy_group_slug_is_a_loader_error(good_dir: Path) -> None:
    group(good_dir, ALPHA, "alpha-q1", "Not A Slug")
    course = load_course(good_dir)
    assert [i.field for i in course.errors if i.file == ALPHA] == ["questions[0].enemy_group"]


def test_enemy_groups_that_empty_a_quiz_below_its_attempt_size_are_an_error(good_dir: Path) -> None:
    group(good_dir, ALPHA, "alpha-q1", "same-fact")
    group(good_dir, ALPHA, "alpha-q2", "same-fact")
    issue = only(findings(good_dir), "questions_per_attempt is 3")
    assert (issue.file, issue.field, issue.severity) == (ALPHA, "questions_per_attempt", "error")
    assert issue.line == line_of(good_dir, ALPHA, "questions_per_attempt:")
    assert "only 2" in issue.message


def test_a_group_spanning_modules_that_the_blueprint_cannot_fill_is_an_error(good_dir: Path) -> None:
    """The exam draws 2 questions from each module; alpha-q1/q2 and beta-q1/q2 test one fact. Each pool alone
    can give 2 (its ungrouped q3 and one of the group), but the exam as a whole may show the fact only once,
    so one module comes up short."""
    edit(good_dir, ALPHA, "questions_per_attempt: 3", "questions_per_attempt: 2")
    edit(good_dir, BETA, "questions_per_attempt: 3", "questions_per_attempt: 2")
    for file, m in ((ALPHA, "alpha"), (BETA, "beta")):
        group(good_dir, file, f"{m}-q1", "shared-fact")
        group(good_dir, file, f"{m}-q2", "shared-fact")
    issues = findings(good_dir)
    assert [i for i in issues if i.file.startswith("quizzes/") and i.severity == "error"] == []
    issue = only(issues, "at most one question per group in the whole exam")
    assert (issue.file, issue.field, issue.severity) == ("exams/final.yaml", "blueprint", "error")
    assert issue.line == line_of(good_dir, "exams/final.yaml", "blueprint:")
    # a second fact for beta makes the exam possible again
    edit(good_dir, BETA, "enemy_group: shared-fact", "enemy_group: other-fact", question="beta-q2")
    assert not [i for i in findings(good_dir) if i.severity == "error"]


def test_a_blueprint_section_one_pool_cannot_fill_is_an_error(good_dir: Path) -> None:
    edit(good_dir, "exams/final.yaml", "questions: 4", "questions: 6")
    edit(good_dir, ALPHA, "questions_per_attempt: 3", "questions_per_attempt: 1")
    group(good_dir, ALPHA, "alpha-q1", "same-fact")
    group(good_dir, ALPHA, "alpha-q2", "same-fact")
    issue = only(findings(good_dir), "draws 3 questions from 'alpha'")
    assert (issue.file, issue.field, issue.severity) == ("exams/final.yaml", "blueprint[0]", "error")
    assert issue.line == line_of(good_dir, "exams/final.yaml", "module: alpha")


# ------------------------------------------------------------------ command line and the real course
def test_validate_fails_on_an_item_writing_error_and_prints_warnings(good_dir: Path, repo_root: Path) -> None:
    edit(good_dir, ALPHA, "difficulty:", "critical: true\n    difficulty:", question="alpha-q2")
    edit(good_dir, BETA, "{id: b, text: Wrong answer}", "{id: b, text: Always wrong}")
    result = run_cli(repo_root, "validate", str(good_dir))
    assert result.returncode == 1, result.stdout
    assert f"{ALPHA}:{line_of(good_dir, ALPHA, 'critical: true')}: questions[1].critical:" in result.stdout
    assert f"{BETA}:{line_of(good_dir, BETA, 'Always wrong')}: questions[0].options[1]:" in result.stdout
    assert "1 errors, 1 warnings" in result.stdout


def test_validate_passes_with_warnings_only(good_dir: Path, repo_root: Path) -> None:
    edit(good_dir, BETA, "{id: b, text: Wrong answer}", "{id: b, text: Always wrong}")
    result = run_cli(repo_root, "validate", str(good_dir))
    assert result.returncode == 0, result.stdout
    assert "0 errors, 1 warnings" in result.stdout and "(warning)" in result.stdout


def test_report_gives_the_longest_option_figures_per_pool(good_dir: Path, repo_root: Path) -> None:
    edit(good_dir, ALPHA, "{id: a, text: Right}", "{id: a, text: Right choice!}")
    result = run_cli(repo_root, "report", str(good_dir))
    assert "key is the longest option: 1 of 1 single-choice items (100%, OVER 35%)" in result.stdout
    assert "key is the longest option: 0 of 1 single-choice items (0%)" in result.stdout


# Groups of modules 5-7 whose other members are in quizzes 01-04 (content review §4e; another helper adds
# them there), and microneedling-device-class, whose partner is methods-q24.
GROUPS_SHARED_WITH_01_04 = {
    "ntm-organism-group",
    "kybella-year",
    "oily-alcohol-substances",
    "ntm-latency",
    "cited-contraindications",
    "amin-2006-result",
    "dutasteride-data",
    "ntm-workup-order",
    "late-nodule-ntm",
    "microneedling-device-class",
}


def test_modules_5_to_7_have_no_item_writing_error_and_no_longest_option_cue(course: Course) -> None:
    issues = [i for i in check_items(course) if i.file in MY_FILES]
    assert [str(i) for i in issues if i.severity == "error"] == []
    assert [str(i) for i in issues if "longest" in i.message] == []
    assert [str(i) for i in issues if "absolute word" in i.message or "of the above" in i.message] == []
    # near-duplicates among modules 5-7 are all in one enemy group
    assert [
        str(i) for i in issues if "near-duplicate" in i.message and any(f"({f}:" in i.message for f in MY_FILES)
    ] == []
    lonely = {i.message.split("'")[1] for i in issues if "no other member" in i.message}
    assert lonely <= GROUPS_SHARED_WITH_01_04, lonely
    figures = {f.file: f for f in pool_figures(course)}
    assert all(not figures[f].over_limit for f in MY_FILES), figures


# ------------------------------------------------------------------ the Content health page
def test_content_health_shows_item_writing_errors_and_warnings(good_dir: Path, tmp_path: Path, monkeypatch) -> None:
    from mesolearn.accounts import Accounts
    from mesolearn.storage import Database
    from tests.app_driver import new_app, open_page, sign_in, texts

    edit(good_dir, ALPHA, "difficulty:", "critical: true\n    difficulty:", question="alpha-q2")
    edit(good_dir, BETA, "{id: b, text: Wrong answer}", "{id: b, text: Always wrong}")
    url = f"sqlite:///{tmp_path}/app.db"
    monkeypatch.setenv("MESOLEARN_DATABASE_URL", url)
    monkeypatch.setenv("MESOLEARN_CONTENT_DIR", str(good_dir))
    Accounts(Database(url)).create_first_instructor("ada", "Ada Instructor", "correct horse battery")
    at = open_page(sign_in(new_app(), "ada", "correct horse battery"), "content-health")
    errors = [e.value for e in at.error]
    warnings = [w.value for w in at.warning]
    line = line_of(good_dir, ALPHA, "critical: true")
    assert any(e.startswith(f"{ALPHA}:{line}: questions[1].critical:") for e in errors), errors
    assert any("'Always'" in w and w.startswith(f"{BETA}:") for w in warnings), warnings
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Errors"], metrics["Warnings"]) == ("1", "1")
    assert "Every content file is valid." not in texts(at)
