"""The layers hold: pages reach the database only through the application layer, and settings have one home.

Rules checked by reading the source (the AST, so a lazy import inside a function counts too):
- no module under ``mesolearn/ui`` imports ``mesolearn.storage`` or reads an attribute named ``db``
  (pages call ``svc.<area>.<method>(...)``; docs/ARCHITECTURE.md);
- Streamlit is imported only under ``mesolearn/ui``;
- every ``MESOLEARN_*`` variable named in the code is a setting of ``mesolearn.settings`` and has a row in README's
  table, and only ``mesolearn/settings.py`` reads the environment.
And by running it: the application layer's services, built on a temp database as the app builds them, run the
after-submission workflow.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mesolearn.app import Services
from mesolearn.questions.registry import type_of
from mesolearn.quiz.grading import correct_response
from mesolearn.settings import VARIABLES, Settings
from tests.factories import instructor_and_trainee

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "mesolearn"


def _modules(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, ``from a import b`` giving both ``a`` and ``a.b``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return out


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(REPO)}:{line}"


def storage_imports(root: Path) -> list[str]:
    return [
        f"{p.relative_to(root)}:{line}: {name}"
        for p in _modules(root)
        for line, name in _imports(p)
        if name == "mesolearn.storage" or name.startswith("mesolearn.storage.")
    ]


def test_no_ui_module_imports_storage():
    assert storage_imports(PACKAGE / "ui") == []


def test_the_import_rule_sees_a_lazy_import_inside_a_function(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("def page():\n    from mesolearn import storage\n    import mesolearn.storage.models as m\n")
    assert storage_imports(tmp_path) == ["page.py:2: mesolearn.storage", "page.py:3: mesolearn.storage.models"]


def test_no_ui_module_passes_the_database():
    found = [
        _where(p, node.lineno)
        for p in _modules(PACKAGE / "ui")
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "db"
    ]
    assert found == []


def test_streamlit_is_imported_only_under_ui():
    found = [
        f"{_where(p, line)}: {name}"
        for p in _modules(PACKAGE)
        if "ui" not in p.relative_to(PACKAGE).parts[:1]
        for line, name in _imports(p)
        if name == "streamlit" or name.startswith("streamlit.")
    ]
    assert found == []


def _readme_variables() -> set[str]:
    table = re.search(r"### Environment variables\n(.*?)\n\n", (REPO / "README.md").read_text(), re.S)
    assert table, "README has no environment-variable table"
    return set(re.findall(r"^\| `(MESOLEARN_[A-Z_]+)`", table.group(1), re.M))


def test_every_setting_is_in_the_readme_and_named_in_one_place():
    named = {m for p in _modules(PACKAGE) for m in re.findall(r"\bMESOLEARN_[A-Z_]+\b", p.read_text())}
    assert named - set(VARIABLES) == set(), "variables named in the code but not in mesolearn.settings.VARIABLES"
    assert set(VARIABLES) - _readme_variables() == set(), "settings missing from README's table"
    readers = [
        _where(p, node.lineno)
        for p in _modules(PACKAGE)
        if p.name != "settings.py"
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
    ]
    assert readers == []


def test_settings_read_the_environment_with_the_documented_defaults(tmp_path):
    plain = Settings.from_env({})
    assert plain.database_url is None and plain.content_dir == REPO and plain.data_dir == REPO / "data"
    assert not plain.authoring and plain.trusted_proxies == 0 and not plain.server_cookie
    env = {
        "MESOLEARN_DATABASE_URL": " sqlite:///x.db ",
        "MESOLEARN_CONTENT_DIR": str(tmp_path),
        "MESOLEARN_AUTHORING": "yes",
        "MESOLEARN_TRUSTED_PROXIES": "two",
        "MESOLEARN_SERVER_COOKIE": "1",
    }
    s = Settings.from_env(env)
    assert s.database_url == "sqlite:///x.db" and s.content_dir == tmp_path and s.authoring
    assert s.trusted_proxies == 0 and s.server_cookie  # a count that is not a number trusts no proxy


@pytest.fixture
def svc(tmp_path, course) -> Services:
    from mesolearn.app import open_database

    db = open_database(f"sqlite:///{tmp_path / 'app.db'}")
    yield Services(course, db)
    db.dispose()


def test_a_wrong_answer_submitted_through_the_services_becomes_a_review_card(svc):
    trainee = instructor_and_trainee(svc.db, "tom", "Tom Trainee")
    attempt_id = svc.attempts.start(trainee, "history")
    first, *rest = svc.attempts.load(attempt_id, trainee).items
    svc.attempts.save_answer(
        attempt_id, trainee, first.question.id, type_of(first.question).wrong_response(first.question)
    )
    for item in rest:
        svc.attempts.save_answer(attempt_id, trainee, item.question.id, correct_response(item.question))
    svc.attempts.submit(attempt_id, trainee)
    assert [c.question_id for c in svc.review.cards(trainee)] == [first.question.id]
    assert svc.quizzes.title("history") == svc.course.modules["history"].title
    assert "history" in svc.quizzes.choices()
    assert svc.quizzes.title("review") == "Spaced review" and svc.quizzes.title("gone") == "gone"


def test_the_submission_that_earns_the_certificate_issues_it_once(svc):
    from tests.factories import take

    trainee = instructor_and_trainee(svc.db, "tom", "Tom Trainee")
    for module in svc.course.modules:
        take(svc.attempts, trainee, module)
    assert svc.certificates.for_user(trainee) == []  # the exam is still to pass
    exam = take(svc.attempts, trainee, svc.readiness.exam().id)
    (cert,) = svc.certificates.for_user(trainee)  # issued by the submission, before any page is opened
    assert cert.attempt_id == exam.id
    eligibility, shown = svc.certificate_status(trainee)
    assert eligibility.eligible and shown.code == cert.code and len(svc.certificates.for_user(trainee)) == 1


def test_a_right_answer_makes_no_card(svc):
    trainee = instructor_and_trainee(svc.db, "tom", "Tom Trainee")
    attempt_id = svc.attempts.start(trainee, "history")
    for item in svc.attempts.load(attempt_id, trainee).items:
        svc.attempts.save_answer(attempt_id, trainee, item.question.id, correct_response(item.question))
    svc.attempts.submit(attempt_id, trainee)
    assert svc.review.cards(trainee) == []


def _user_error_classes() -> list[type]:
    from mesolearn.accounts import AccountError
    from mesolearn.accounts.throttle import Throttled
    from mesolearn.analytics.quiz_report import ItemStatsError
    from mesolearn.certificates.service import CertificateError
    from mesolearn.cohorts import CohortError
    from mesolearn.exchange import GiftError
    from mesolearn.exchange.moodle_xml import MoodleXmlError
    from mesolearn.learning.custom import CustomQuizError
    from mesolearn.learning.readiness import ExamDateError
    from mesolearn.quality import ReportError
    from mesolearn.quiz.attempts import AttemptError

    return [
        AccountError,
        Throttled,
        CertificateError,
        CohortError,
        ReportError,
        ItemStatsError,
        GiftError,
        MoodleXmlError,
        AttemptError,
        CustomQuizError,
        ExamDateError,
    ]


def test_every_error_meant_for_the_user_shares_one_base_class():
    from mesolearn.errors import UserError

    assert [c.__name__ for c in _user_error_classes() if not issubclass(c, UserError)] == []


def test_an_unusable_import_default_is_a_user_error_not_a_bare_value_error():
    from mesolearn.errors import UserError
    from mesolearn.exchange import gift_to_quiz_dict

    with pytest.raises(UserError, match="module must be an id of lowercase letters"):
        gift_to_quiz_dict("::q1::What? {=yes ~no}", "Not A Module", "history-o1", "origins", ["KT13"])


def test_a_bad_exam_date_is_a_user_error_with_a_message_for_the_trainee():
    from datetime import date

    from mesolearn.errors import UserError
    from mesolearn.learning.readiness import parse_exam_date

    with pytest.raises(UserError, match="is not a date: write it as year-month-day"):
        parse_exam_date("15/03/27x", today=date(2027, 1, 1))
    with pytest.raises(UserError, match="in the past"):
        parse_exam_date("2026-12-31", today=date(2027, 1, 1))


def test_a_session_reuses_its_services_across_runs_and_another_session_gets_its_own(tmp_path, monkeypatch):
    """The page runs of one browser session share one Services (built once, not on every run and every click);
    two sessions never share one."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MESOLEARN_DATABASE_URL", f"sqlite:///{tmp_path}/app.db")

    def page() -> None:
        import streamlit as st

        from mesolearn.ui.services import services

        st.session_state.setdefault("seen", []).append(id(services()))
        st.write(len(set(st.session_state["seen"])))

    first = AppTest.from_function(page, default_timeout=30)
    first.run()
    first.run()
    first.run()
    assert len(first.session_state["seen"]) == 3 and len(set(first.session_state["seen"])) == 1
    second = AppTest.from_function(page, default_timeout=30)
    second.run()
    assert second.session_state["seen"][0] != first.session_state["seen"][0]


def _orm_classes_in(annotation) -> list[type]:
    """The storage.models (ORM) classes an annotation names, at any depth (``list[Attempt]``, ``X | None``)."""
    import typing

    from mesolearn.storage.models import Base

    if isinstance(annotation, type) and issubclass(annotation, Base):
        return [annotation]
    return [c for arg in typing.get_args(annotation) for c in _orm_classes_in(arg)]


def _service_methods(svc: Services):
    """(area name, method name, bound method) of every public method a page can reach as ``svc.<area>.<method>``."""
    for area, obj in [("", svc), *vars(svc).items()]:
        if area in ("db", "course") or not type(obj).__module__.startswith("mesolearn."):
            continue
        for name in dir(type(obj)):
            if not name.startswith("_") and callable(method := getattr(obj, name)):
                yield area, name, method


def test_no_method_a_page_calls_returns_database_rows(svc):
    """Pages get the core's dataclasses, never ORM rows (rows detach from their session, and pages would come to
    depend on the schema): every public method of ``Services`` and its areas has a return annotation, and none names a
    storage.models class."""
    import typing

    leaks, unannotated = [], []
    for area, name, method in _service_methods(svc):
        hints = typing.get_type_hints(method)
        where = f"svc.{area}.{name}" if area else f"svc.{name}"
        if "return" not in hints:  # an unannotated method could return rows unseen
            unannotated.append(where)
        leaks += [f"{where} -> {c.__name__}" for c in _orm_classes_in(hints.get("return"))]
    assert leaks == [] and unannotated == []


def test_a_trainees_attempt_history_is_plain_data(svc):
    from mesolearn.quiz.attempts import AttemptSummary
    from mesolearn.storage.models import Base

    trainee = instructor_and_trainee(svc.db, "tom", "Tom Trainee")
    first = svc.attempts.start(trainee, "history")
    svc.attempts.submit(first, trainee)
    second = svc.attempts.start(trainee, "history")
    (newest, oldest) = svc.attempts.history(trainee, "history")
    assert isinstance(newest, AttemptSummary) and not isinstance(newest, Base)
    assert (newest.id, newest.submitted_at, newest.score) == (second, None, None)
    assert oldest.id == first and oldest.submitted_at is not None and oldest.score == 0 and oldest.passed is False
    assert oldest.quiz_id == "history" and oldest.mode == "graded" and oldest.kind == "module"
