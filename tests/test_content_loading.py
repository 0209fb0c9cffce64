"""Loading and validating course content: what an author sees when a file is wrong.

Every broken file must be reported with its file, line and field, must be left out of the course
(hidden from trainees), and must not take the other modules down with it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from mesolearn.content import ContentIssue, Course, load_course

LESSON = """\
module: {m}
title: Module {m}
order: {order}
summary: A short summary of module {m}.
estimated_minutes: 10
objectives:
  - id: {m}-one
    text: Do the first thing.
sections:
  - id: intro
    heading: Introduction
    body: |
      Some text citing a source [SRC1].
    figure:
      file: figures/{m}.svg
      alt: A diagram showing the {m} thing in detail.
      caption: The {m} thing.
key_points:
  - Remember {m}.
references:
  - id: SRC1
    citation: Someone. A paper. 2020.
    url: https://example.org/src1
"""

QUIZ = """\
module: {m}
pass_mark: 70
questions_per_attempt: 3
questions:
  - id: {m}-q1
    type: single_choice
    prompt: Pick a.
    options:
      - {{id: a, text: Right}}
      - {{id: b, text: Wrong}}
    answer: a
    explanation: Because [SRC1].
    references: [SRC1]
    objective: {m}-one
    section: intro
    difficulty: easy
  - id: {m}-q2
    type: multiple_response
    prompt: Pick a and b.
    options:
      - {{id: a, text: One}}
      - {{id: b, text: Two}}
      - {{id: c, text: Three}}
    answers: [a, b]
    explanation: Because.
    references: [SRC1]
    objective: {m}-one
    section: intro
    difficulty: medium
  - id: {m}-q3
    type: numeric
    prompt: How many?
    answer: 4
    tolerance: 0.5
    unit: mL
    explanation: Because.
    references: [SRC1]
    objective: {m}-one
    section: intro
    difficulty: hard
"""

EXAM = """\
id: final
title: Final exam
questions: 4
pass_mark: 75
blueprint:
  - {module: alpha, weight: 1}
  - {module: beta, weight: 1}
"""

FILES = {
    "alpha": ("lessons/01-alpha.yaml", "quizzes/01-alpha.yaml"),
    "beta": ("lessons/02-beta.yaml", "quizzes/02-beta.yaml"),
}


def write_course(root: Path) -> Path:
    """A small valid course: modules alpha and beta (3 questions each) and an exam 'final'."""
    for folder in ("lessons/figures", "quizzes", "exams"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "course.yaml").write_text("title: Test course\nnotice: Education, not medical advice.\n")
    for order, (m, (lesson, quiz)) in enumerate(FILES.items(), start=1):
        (root / lesson).write_text(LESSON.format(m=m, order=order))
        (root / quiz).write_text(QUIZ.format(m=m))
        (root / f"lessons/figures/{m}.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (root / "exams/final.yaml").write_text(EXAM)
    return root


def edit(root: Path, file: str, old: str, new: str, question: str | None = None) -> str:
    """Replace ``old`` by ``new`` once in ``file`` (only inside question ``question`` if given)."""
    path = root / file
    text = path.read_text()
    start, end = 0, len(text)
    if question is not None:
        start = text.index(f"- id: {question}\n")
        nxt = text.find("\n  - id: ", start)
        end = len(text) if nxt < 0 else nxt
    block = text[start:end]
    assert old in block, f"{old!r} not in {file}"
    text = text[:start] + block.replace(old, new, 1) + text[end:]
    path.write_text(text)
    return text


def line_of(root: Path, file: str, needle: str) -> int:
    lines = (root / file).read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def the_issue(course: Course, file: str, field: str) -> ContentIssue:
    found = [i for i in course.issues if i.file == file and i.field == field]
    assert len(found) == 1, f"expected one issue for {file} {field!r}, got: {[str(i) for i in course.issues]}"
    return found[0]


@pytest.fixture
def good_dir(tmp_path: Path) -> Path:
    return write_course(tmp_path / "course")


# ------------------------------------------------------------------ the real course and the test course
def test_real_course_is_valid(course: Course) -> None:
    assert course.errors == [], "\n".join(map(str, course.errors))
    assert len(course.modules) == 8
    assert list(course.exams) == ["certification"]
    assert all(m.quiz is not None for m in course.modules.values())
    # every question of every quiz is registered and findable by id
    assert len(course.questions) == sum(len(m.quiz.questions) for m in course.modules.values())


def test_small_test_course_is_valid(good_dir: Path) -> None:
    course = load_course(good_dir)
    assert course.issues == []
    assert set(course.modules) == {"alpha", "beta"}
    assert course.modules["alpha"].quiz is not None and course.modules["beta"].quiz is not None
    assert list(course.exams) == ["final"]


# ------------------------------------------------------------------ broken files: file, line, field
# (file edited, old, new, question block or None, expected field, needle on the expected line, message part,
#  what must disappear from the course)
BROKEN = {
    "yaml syntax error": (
        "quizzes/01-alpha.yaml",
        "prompt: Pick a.",
        "prompt: Pick a: or b",
        None,
        "",
        "Pick a: or b",
        "mapping values are not allowed",
        ("quiz", "alpha"),
    ),
    "unknown field (typo)": (
        "quizzes/01-alpha.yaml",
        "    answer: a\n",
        "    answer: a\n    explaination: Typo.\n",
        None,
        "questions[0].explaination",
        "explaination:",
        "unknown field",
        ("quiz", "alpha"),
    ),
    "missing required field": (
        "quizzes/01-alpha.yaml",
        "    answer: a\n",
        "",
        None,
        "questions[0].answer",
        "- id: alpha-q1",
        "required field is missing",
        ("quiz", "alpha"),
    ),
    "wrong question type": (
        "quizzes/01-alpha.yaml",
        "type: single_choice",
        "type: essay",
        None,
        "questions[0].type",
        "type: essay",
        "'essay'",
        ("quiz", "alpha"),
    ),
    "single_choice answer not an option": (
        "quizzes/01-alpha.yaml",
        "answer: a",
        "answer: z",
        "alpha-q1",
        "questions[0].answer",
        "answer: z",
        "'z' is not one of the option ids",
        ("quiz", "alpha"),
    ),
    "multiple_response answers not options": (
        "quizzes/01-alpha.yaml",
        "answers: [a, b]",
        "answers: [a, x]",
        None,
        "questions[1].answers",
        "answers: [a, x]",
        "['x']",
        ("quiz", "alpha"),
    ),
    "numeric negative tolerance": (
        "quizzes/01-alpha.yaml",
        "tolerance: 0.5",
        "tolerance: -1",
        None,
        "questions[2].tolerance",
        "tolerance: -1",
        "greater than or equal to 0",
        ("quiz", "alpha"),
    ),
    "duplicate question id across modules": (
        "quizzes/02-beta.yaml",
        "- id: beta-q2",
        "- id: alpha-q1",
        None,
        "questions[1].id",
        "- id: alpha-q1",
        "already used in quizzes/01-alpha.yaml",
        ("quiz", "beta"),
    ),
    "question objective not in lesson": (
        "quizzes/01-alpha.yaml",
        "objective: alpha-one",
        "objective: alpha-nope",
        "alpha-q2",
        "questions[1].objective",
        "objective: alpha-nope",
        "'alpha-nope'",
        ("quiz", "alpha"),
    ),
    "question section not in lesson": (
        "quizzes/01-alpha.yaml",
        "section: intro",
        "section: outro",
        "alpha-q3",
        "questions[2].section",
        "section: outro",
        "'outro'",
        ("quiz", "alpha"),
    ),
    "question reference not in lesson": (
        "quizzes/01-alpha.yaml",
        "references: [SRC1]",
        "references: [NOPE]",
        "alpha-q1",
        "questions[0].references",
        "references: [NOPE]",
        "'NOPE'",
        ("quiz", "alpha"),
    ),
    "pool smaller than questions_per_attempt": (
        "quizzes/01-alpha.yaml",
        "questions_per_attempt: 3",
        "questions_per_attempt: 5",
        None,
        "questions_per_attempt",
        "questions_per_attempt: 5",
        "only 3 questions",
        ("quiz", "alpha"),
    ),
    "quiz whose module has no lesson": (
        "quizzes/01-alpha.yaml",
        "module: alpha",
        "module: gamma",
        None,
        "module",
        "module: gamma",
        "no valid lesson has module 'gamma'",
        ("quiz", "alpha"),
    ),
    "lesson cites a reference it does not list": (
        "lessons/01-alpha.yaml",
        "[SRC1]",
        "[XYZ]",
        None,
        "sections[0].body",
        "body: |",
        "[XYZ]",
        ("module", "alpha"),
    ),
    "missing figure file": (
        "lessons/01-alpha.yaml",
        "file: figures/alpha.svg",
        "file: figures/nothere.svg",
        None,
        "sections[0].figure.file",
        "figures/nothere.svg",
        "does not exist",
        ("module", "alpha"),
    ),
    "exam layout not one of the two": (
        "exams/final.yaml",
        "pass_mark: 75",
        "pass_mark: 75\nlayout: one_question_per_page",
        None,
        "layout",
        "layout: one_question_per_page",
        "'all_on_one_page' or 'one_per_page'",
        ("exam", "final"),
    ),
    "exam blueprint names a missing module": (
        "exams/final.yaml",
        "module: beta",
        "module: gamma",
        None,
        "blueprint[1].module",
        "module: gamma",
        "'gamma'",
        ("exam", "final"),
    ),
}


@pytest.mark.parametrize("case", BROKEN.values(), ids=BROKEN.keys())
def test_broken_file_is_reported_at_file_line_field(good_dir: Path, case) -> None:
    file, old, new, question, field, needle, message, (kind, name) = case
    edit(good_dir, file, old, new, question)
    course = load_course(good_dir)

    issue = the_issue(course, file, field)
    assert issue.severity == "error"
    assert issue.line == line_of(good_dir, file, needle)
    assert message in issue.message
    assert str(issue).startswith(f"{file}:{issue.line}:")

    # the broken content is hidden from trainees ...
    if kind == "quiz":
        assert course.modules[name].quiz is None
        assert not any(qid.startswith(f"{name}-") for qid in course.questions)
    elif kind == "module":
        assert name not in course.modules
    else:
        assert name not in course.exams
    # ... and the other module keeps working
    other = "beta" if name == "alpha" else "alpha"
    if kind != "exam":
        assert course.modules[other].quiz is not None
        assert f"{other}-q1" in course.questions


def test_python_tag_is_refused_and_not_executed(good_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    edit(
        good_dir,
        "quizzes/01-alpha.yaml",
        "prompt: Pick a.",
        f"prompt: !!python/object/apply:os.system ['touch {marker}']",
    )
    course = load_course(good_dir)
    assert not marker.exists(), "a !!python tag in a course file was executed"
    issue = the_issue(course, "quizzes/01-alpha.yaml", "")
    assert issue.line == line_of(good_dir, "quizzes/01-alpha.yaml", "!!python")
    assert "not allowed" in issue.message
    assert course.modules["alpha"].quiz is None
    assert course.modules["beta"].quiz is not None


def test_python_object_tag_is_refused(good_dir: Path) -> None:
    edit(good_dir, "lessons/01-alpha.yaml", "title: Module alpha", "title: !!python/object:builtins.object {}")
    course = load_course(good_dir)
    issue = the_issue(course, "lessons/01-alpha.yaml", "")
    assert issue.line == 2
    assert "not allowed" in issue.message
    assert "alpha" not in course.modules


def test_alias_bomb_is_refused_quickly(good_dir: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=False):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    (good_dir / "quizzes/01-alpha.yaml").write_text("\n".join(lines) + "\n")

    started = time.perf_counter()
    course = load_course(good_dir)
    assert time.perf_counter() - started < 5.0

    issue = the_issue(course, "quizzes/01-alpha.yaml", "")
    assert issue.line == 2  # the first alias
    assert "alias" in issue.message
    assert course.modules["alpha"].quiz is None
    assert course.modules["beta"].quiz is not None


def test_simple_alias_is_refused(good_dir: Path) -> None:
    edit(good_dir, "quizzes/01-alpha.yaml", "    difficulty: easy\n", "    difficulty: &d easy\n")
    edit(good_dir, "quizzes/01-alpha.yaml", "    difficulty: medium\n", "    difficulty: *d\n")
    course = load_course(good_dir)
    issue = the_issue(course, "quizzes/01-alpha.yaml", "")
    assert issue.line == line_of(good_dir, "quizzes/01-alpha.yaml", "difficulty: *d")
    assert course.modules["alpha"].quiz is None


def test_file_over_one_megabyte_is_refused(good_dir: Path) -> None:
    path = good_dir / "quizzes/01-alpha.yaml"
    text = path.read_text()
    path.write_text(text + "# padding\n" * 110_000)  # valid YAML, but 1.1 MB
    assert path.stat().st_size > 1_000_000
    course = load_course(good_dir)
    issue = the_issue(course, "quizzes/01-alpha.yaml", "")
    assert "limit" in issue.message
    assert course.modules["alpha"].quiz is None
    assert course.modules["beta"].quiz is not None


def test_one_broken_quiz_leaves_the_other_modules_working(good_dir: Path) -> None:
    edit(good_dir, "quizzes/02-beta.yaml", "tolerance: 0.5", "tolerance: lots")
    course = load_course(good_dir)
    assert {i.file for i in course.errors} == {"quizzes/02-beta.yaml", "exams/final.yaml"}
    assert course.modules["beta"].quiz is None  # beta's lesson is still readable, its quiz is hidden
    assert course.modules["alpha"].quiz is not None
    assert course.question("alpha-q3") is not None
    assert course.question("beta-q1") is None
    assert "final" not in course.exams  # the exam needs beta's pool


def test_objective_tested_by_fewer_than_three_questions(good_dir: Path) -> None:
    edit(
        good_dir,
        "lessons/01-alpha.yaml",
        "objectives:\n",
        "objectives:\n  - id: alpha-two\n    text: Do the second thing.\n",
    )
    edit(good_dir, "quizzes/01-alpha.yaml", "objective: alpha-one", "objective: alpha-two", "alpha-q3")
    course = load_course(good_dir)
    found = sorted((i for i in course.issues if i.field == "questions"), key=lambda i: i.message)
    assert [i.message.split(";")[0] for i in found] == [
        "objective 'alpha-one' is tested by 2 question(s)",
        "objective 'alpha-two' is tested by 1 question(s)",
    ]
    for issue in found:
        assert issue.file == "quizzes/01-alpha.yaml"
        assert issue.line == line_of(good_dir, "quizzes/01-alpha.yaml", "questions:")
        # validate fails on it, but trainees can still take the quiz meanwhile
        assert issue.severity == "error"
    assert course.modules["alpha"].quiz is not None


# ------------------------------------------------------------------ the command line
def run_cli(repo_root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mesolearn", *args], cwd=repo_root, capture_output=True, text=True, timeout=60
    )


def test_cli_validate_broken_dir_exits_1_with_file_and_line(good_dir: Path, repo_root: Path) -> None:
    edit(good_dir, "quizzes/01-alpha.yaml", "tolerance: 0.5", "tolerance: -1")
    line = line_of(good_dir, "quizzes/01-alpha.yaml", "tolerance: -1")
    result = run_cli(repo_root, "validate", str(good_dir))
    assert result.returncode == 1
    assert f"quizzes/01-alpha.yaml:{line}: questions[2].tolerance:" in result.stdout


def test_cli_validate_real_course_exits_0(repo_root: Path) -> None:
    result = run_cli(repo_root, "validate", str(repo_root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 modules, 1 exams" in result.stdout
    assert "0 errors" in result.stdout


def test_cli_validate_not_a_directory(tmp_path: Path, repo_root: Path) -> None:
    result = run_cli(repo_root, "validate", str(tmp_path / "nope"))
    assert result.returncode != 0
    assert "not a directory" in result.stderr


def test_cli_report_lists_under_tested_objectives(good_dir: Path, repo_root: Path) -> None:
    edit(
        good_dir,
        "lessons/02-beta.yaml",
        "objectives:\n",
        "objectives:\n  - id: beta-two\n    text: Do the second thing.\n",
    )
    result = run_cli(repo_root, "report", str(good_dir))
    assert "under-tested objectives: beta/beta-two" in result.stdout
    assert "beta-two: 0  UNDER-TESTED" in result.stdout
    assert "alpha-one: 3\n" in result.stdout


def test_cli_report_real_course_has_no_under_tested_objectives(repo_root: Path) -> None:
    result = run_cli(repo_root, "report", str(repo_root))
    assert result.returncode == 0
    assert "under-tested objectives: none" in result.stdout
