"""The registry of question types: every module of this package that defines ``TYPE``.

``TYPES`` maps a type's name (the ``type:`` authors write) to its :class:`~.base.QuestionType`;
the pydantic discriminated ``Question`` union and ``QUESTION_TYPES`` are *derived* from it, so a new
type is one new module here (plus its renderer in ``mesolearn/ui/inputs/``) and nothing else.
Order: by each type's ``order``, then name.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Any, Union

from pydantic import Field

import mesolearn.questions as _package
from mesolearn.questions.base import QuestionType

_NOT_TYPES = {"base", "registry", "options"}


def _discover() -> dict[str, QuestionType]:
    found: list[QuestionType] = []
    for info in pkgutil.iter_modules(_package.__path__):
        if info.name in _NOT_TYPES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{_package.__name__}.{info.name}")
        qtype = getattr(module, "TYPE", None)
        if isinstance(qtype, QuestionType):
            found.append(qtype)
    found.sort(key=lambda t: (t.order, t.name))
    types: dict[str, QuestionType] = {}
    for t in found:
        if t.name in types:
            raise RuntimeError(f"two question types are named {t.name!r}")
        types[t.name] = t
    return types


TYPES: dict[str, QuestionType] = _discover()
QUESTION_TYPES: tuple[str, ...] = tuple(TYPES)
# Union[...] of a runtime tuple: the only spelling that builds a union from a computed list (hence noqa UP007).
# Annotated as Any: mypy cannot follow a union made at run time, so the alias is a plain value to it.
Question: Any = Annotated[Union[tuple(t.model for t in TYPES.values())], Field(discriminator="type")]  # noqa: UP007


class UnknownQuestionType(LookupError):
    pass


def type_of(q: Any) -> QuestionType:
    """The type of a question model (or of a type name)."""
    name = q if isinstance(q, str) else q.type
    try:
        return TYPES[name]
    except KeyError:
        raise UnknownQuestionType(f"no question type {name!r} is registered") from None


def decoders() -> list[QuestionType]:
    """Types in the order a Moodle importer asks them to claim a question."""
    return sorted(TYPES.values(), key=lambda t: (t.decode_priority, t.order))
