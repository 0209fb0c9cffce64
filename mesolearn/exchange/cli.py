"""``python -m mesolearn exchange ...``: move questions between MesoLearn and Moodle.

    export-gift QUIZ_YAML [-o FILE] [--lesson LESSON_YAML]
    export-xml  QUIZ_YAML [-o FILE] [--lesson LESSON_YAML] [--ordering-as ordering|matching]
    import-gift GIFT_FILE --module M --objective O --section S --reference R [--reference R2 ...] [-o quizzes/NN-x.yaml]
    import-xml  XML_FILE  (same options as import-gift)

Exports write to standard output unless ``-o`` is given. Imports write the quiz YAML (standard
output unless ``-o``; an existing file is only replaced with ``--force``) and print every warning
on standard error. Exit codes: 0 done, 1 a file could not be read or converted, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from mesolearn.content.models import Lesson, Quiz
from mesolearn.content.safe_yaml import YamlProblem, load_yaml
from mesolearn.exchange.common import ExchangeError, dump_quiz_yaml
from mesolearn.exchange.gift import GiftError, gift_to_quiz_dict, quiz_to_gift
from mesolearn.exchange.moodle_xml import ORDERING_AS, MoodleXmlError, moodle_xml_to_quiz_dict, quiz_to_moodle_xml
from mesolearn.questions.registry import type_of

MAX_INPUT_BYTES = 20_000_000


class _Fail(Exception):
    """A problem to report as one line on standard error, exit code 1."""


def _load_model(path: Path, model: type[Quiz] | type[Lesson]):
    try:
        data, _ = load_yaml(path)
    except FileNotFoundError:
        raise _Fail(f"{path}: no such file") from None
    except YamlProblem as exc:
        raise _Fail(f"{path}:{exc.line}: {exc.message}" if exc.line else f"{path}: {exc.message}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        raise _Fail(
            f"{path}: not a valid {model.__name__.lower()} file ({loc}: {first.get('msg')}); "
            f"run 'python -m mesolearn validate' for details"
        ) from None


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise _Fail(f"{path}: file is larger than {MAX_INPUT_BYTES:,} bytes")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _Fail(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise _Fail(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    except OSError as exc:
        raise _Fail(f"{path}: {exc.strerror}") from None


def _write(text: str, output: str | None, force: bool = True) -> None:
    if not output or output == "-":
        sys.stdout.write(text)
        return
    path = Path(output)
    if path.exists() and not force:
        raise _Fail(f"{path} exists; use --force to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _Fail(f"{path}: {exc.strerror}") from None
    print(f"wrote {path}", file=sys.stderr)


def _export(args: argparse.Namespace, render: Callable[..., str]) -> int:
    quiz = _load_model(Path(args.quiz), Quiz)
    lesson = _load_model(Path(args.lesson), Lesson) if args.lesson else None
    if lesson is not None and lesson.module != quiz.module:
        raise _Fail(f"{args.lesson} is the lesson of module '{lesson.module}', not '{quiz.module}'")
    kwargs = {"ordering_as": args.ordering_as} if getattr(args, "ordering_as", None) else {}
    _write(render(quiz, lesson, **kwargs), args.output)
    for q in quiz.questions:  # what Moodle cannot express (a case's branching), said plainly
        if (lost := type_of(q).export_warning(q)) is not None:
            print(f"{args.quiz}: warning: {lost}", file=sys.stderr)
    return 0


def _import(args: argparse.Namespace, parse: Callable[..., tuple[dict, list[str]]], error: type[ExchangeError]) -> int:
    source = Path(args.file)
    text = _read_text(source)
    try:
        quiz, warnings = parse(
            text,
            args.module,
            args.objective,
            args.section,
            args.reference,
            pass_mark=args.pass_mark,
            questions_per_attempt=args.questions_per_attempt,
            difficulty=args.difficulty,
            use_metadata=not args.ignore_metadata,
        )
    except error as exc:
        where = f"{source}:{exc.line}" if getattr(exc, "line", None) else str(source)
        raise _Fail(f"{where}: {exc.message}") from None
    except ValueError as exc:  # bad arguments
        raise _Fail(str(exc)) from None
    for warning in warnings:
        print(f"{source}: warning: {warning}", file=sys.stderr)
    out = dump_quiz_yaml(quiz)
    _write(out, args.output, force=args.force)
    print(f"{len(quiz['questions'])} questions imported, {len(warnings)} warnings", file=sys.stderr)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mesolearn exchange",
        description="Export quizzes to Moodle (GIFT, Moodle XML) and import Moodle questions.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, what in (("export-gift", "GIFT"), ("export-xml", "Moodle XML")):
        p = sub.add_parser(name, help=f"write a quiz as {what}")
        p.add_argument("quiz", metavar="QUIZ_YAML", help="a quiz file, e.g. quizzes/01-history.yaml")
        p.add_argument("-o", "--output", metavar="FILE", help="output file (default: standard output)")
        p.add_argument(
            "--lesson",
            metavar="LESSON_YAML",
            help="the module's lesson: lists each question's references after its explanation",
        )
        if name == "export-xml":
            p.add_argument(
                "--ordering-as",
                choices=ORDERING_AS,
                default=ORDERING_AS[0],
                help="ordering questions as Moodle's ordering type (Moodle 4.4+, default) or as matching",
            )
    for name, what in (("import-gift", "GIFT_FILE"), ("import-xml", "XML_FILE")):
        p = sub.add_parser(name, help=f"convert a {what.split('_')[0]} file into a MesoLearn quiz YAML")
        p.add_argument("file", metavar=what)
        p.add_argument("--module", required=True, help="module id of the quiz (the lesson's module)")
        p.add_argument("--objective", required=True, help="objective id given to every question")
        p.add_argument("--section", required=True, help="lesson section id given to every question")
        p.add_argument(
            "--reference",
            required=True,
            action="append",
            metavar="REF",
            help="reference id given to every question (repeat for several)",
        )
        p.add_argument("--difficulty", default="medium", choices=("easy", "medium", "hard"))
        p.add_argument("--pass-mark", type=float, default=70)
        p.add_argument(
            "--questions-per-attempt",
            type=int,
            default=None,
            help="default: 10, or fewer when fewer questions are imported",
        )
        p.add_argument(
            "--ignore-metadata",
            action="store_true",
            help="ignore MesoLearn fields stored by an earlier export (comments / tags)",
        )
        p.add_argument("-o", "--output", metavar="FILE", help="quiz YAML to write, e.g. quizzes/08-x.yaml")
        p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code or 0)
    try:
        if args.command == "export-gift":
            return _export(args, quiz_to_gift)
        if args.command == "export-xml":
            return _export(args, quiz_to_moodle_xml)
        if args.command == "import-gift":
            return _import(args, gift_to_quiz_dict, GiftError)
        return _import(args, moodle_xml_to_quiz_dict, MoodleXmlError)
    except _Fail as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
