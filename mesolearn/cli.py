"""Command line: ``python -m mesolearn validate|report [DIR]`` for authors and CI.

Both commands run the loader's checks and the item-writing checks (``mesolearn.content.item_checks``):
errors from either make the exit status 1; warnings are printed and do not fail.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from mesolearn.content import load_course
from mesolearn.content.item_checks import KEY_RATIO_LIMIT, LONGEST_SHARE_LIMIT, all_issues, check_items, pool_figures
from mesolearn.content.loader import MIN_QUESTIONS_PER_OBJECTIVE, Course
from mesolearn.content.models import QUESTION_TYPES

DEFAULT_DIR = Path(__file__).resolve().parent.parent


def validate(course: Course) -> int:
    issues = all_issues(course)
    for issue in issues:
        print(issue)
    n_q = len(course.questions)
    errors = sum(i.severity == "error" for i in issues)
    print(
        f"{len(course.modules)} modules, {len(course.exams)} exams, {n_q} questions; "
        f"{errors} errors, {len(issues) - errors} warnings"
    )
    return 1 if errors else 0


def report(course: Course) -> int:
    item_issues = check_items(course)
    figures = {f.module: f for f in pool_figures(course)}
    for module in course.modules.values():
        lesson, quiz = module.lesson, module.quiz
        print(f"\n## {module.id}: {lesson.title}")
        print(
            f"lesson: {lesson.word_count} words, {len(lesson.sections)} sections, "
            f"{len(lesson.objectives)} objectives, {len(lesson.references)} references"
        )
        if quiz is None:
            print("quiz: MISSING OR BROKEN")
            continue
        qs = quiz.questions
        types = Counter(q.type for q in qs)
        print(f"quiz: {len(qs)} questions, {quiz.questions_per_attempt} per attempt, pass mark {quiz.pass_mark:g}%")
        print("  by type:       " + ", ".join(f"{t} {types[t]}" for t in QUESTION_TYPES))
        diff = Counter(q.difficulty for q in qs)
        print("  by difficulty: " + ", ".join(f"{d} {diff[d]}" for d in ("easy", "medium", "hard")))
        share = sum(q.scenario for q in qs) / len(qs)
        print(
            f"  scenarios: {sum(q.scenario for q in qs)} ({share:.0%}{', BELOW 1 IN 5' if share < 0.2 else ''})"
            f"  safety-critical: {sum(q.critical for q in qs)}"
        )
        if (fig := figures.get(module.id)) and fig.single_choice:
            over = f", OVER {LONGEST_SHARE_LIMIT:.0%}" if fig.over_limit else ""
            print(
                f"  key is the longest option: {fig.key_longest} of {fig.single_choice} single-choice items "
                f"({fig.share:.0%}{over}); key >= {KEY_RATIO_LIMIT:g}x the next: {fig.key_ratio}"
            )
        mine = [i for i in item_issues if i.file == module.quiz_file]
        print(
            f"  item-writing: {sum(i.severity == 'error' for i in mine)} errors, "
            f"{sum(i.severity == 'warning' for i in mine)} warnings (details: validate)"
        )
        per_obj = Counter(q.objective for q in qs)
        print("  by objective:")
        for obj in lesson.objectives:
            flag = "  UNDER-TESTED" if per_obj[obj.id] < MIN_QUESTIONS_PER_OBJECTIVE else ""
            print(f"    {obj.id}: {per_obj[obj.id]}{flag}")
    all_q = [q for _, q in course.questions.values()]
    if all_q:
        types = Counter(q.type for q in all_q)
        used = sum(1 for t in QUESTION_TYPES if types[t])
        scenarios = sum(q.scenario for q in all_q) / len(all_q)
        print(
            f"\n## course: {len(all_q)} questions; types used: {used} of {len(QUESTION_TYPES)}; "
            f"scenarios {scenarios:.0%}; safety-critical {sum(q.critical for q in all_q)}"
        )
    under = [
        (m.id, o.id)
        for m in course.modules.values()
        if m.quiz
        for o in m.lesson.objectives
        if sum(q.objective == o.id for q in m.quiz.questions) < MIN_QUESTIONS_PER_OBJECTIVE
    ]
    print(f"under-tested objectives: {', '.join(f'{m}/{o}' for m, o in under) or 'none'}")
    for exam in course.exams.values():
        print(
            f"\n## exam {exam.id}: {exam.questions} questions, {exam.time_limit_minutes} min, pass {exam.pass_mark:g}%"
        )
        total = sum(b.weight for b in exam.blueprint)
        for b in exam.blueprint:
            print(f"    {b.module}: weight {b.weight:g} ({b.weight / total:.0%})")
    item_errors = sum(i.severity == "error" for i in item_issues)
    print(f"\nitem-writing checks: {item_errors} errors, {len(item_issues) - item_errors} warnings")
    return 1 if course.errors or item_errors else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "exchange":  # Moodle GIFT / XML import and export
        from mesolearn.exchange.cli import main as exchange_main

        return exchange_main(argv[1:])
    if argv and argv[0] == "health":  # the database this server would use: exit 1 unless it is healthy
        from mesolearn.storage.db import check_health

        health = check_health(argv[1] if len(argv) > 1 else None)
        print(("ok: " if health.ok else "FAILED: ") + health.message)
        return 0 if health.ok else 1
    parser = argparse.ArgumentParser(prog="python -m mesolearn", description=__doc__)
    parser.epilog = (
        "Also: python -m mesolearn exchange --help (Moodle GIFT/XML import and export); "
        "python -m mesolearn health [DATABASE_URL] (exit 1 unless the database is usable)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_ in (
        ("validate", "check every content file; exit 1 on any error"),
        ("report", "questions per module by type, difficulty and objective"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("dir", nargs="?", default=str(DEFAULT_DIR), help="course directory (default: the repository)")
    args = parser.parse_args(argv)
    root = Path(args.dir)
    if not root.is_dir():
        print(f"{root}: not a directory", file=sys.stderr)
        return 2
    course = load_course(root)
    return validate(course) if args.command == "validate" else report(course)
