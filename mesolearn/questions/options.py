"""Shared pieces of the question types that have options (single choice, multiple response)."""

from __future__ import annotations

import random
from typing import Annotated, Any

from pydantic import StringConstraints, model_validator

from mesolearn.content.models import QuestionBase, Strict, Text, _duplicates
from mesolearn.questions.base import ChoiceOption, Layout, QuestionView, make_view


class Option(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{1,8}$")]
    text: Text


class WithOptions(QuestionBase):
    options: list[Option]

    @model_validator(mode="after")
    def _unique_options(self):
        if dup := _duplicates([o.id for o in self.options]):
            raise ValueError(f"duplicate option id(s): {', '.join(dup)}")
        if dup := _duplicates([o.text for o in self.options]):
            raise ValueError(f"duplicate option text(s): {', '.join(dup)}")
        return self

    def option_text(self, option_id: str) -> str:
        return next((o.text for o in self.options if o.id == option_id), option_id)


def shuffled_options(q: WithOptions, rng: random.Random) -> Layout:
    ids = [o.id for o in q.options]
    rng.shuffle(ids)
    return {"options": ids}


def options_view(q: WithOptions, layout: Layout) -> QuestionView:
    return make_view(q, choices=[q.option_text(i) for i in layout["options"]])


def choice_options(q: WithOptions, right: set[str]) -> list[ChoiceOption]:
    return [ChoiceOption(o.id, o.text, o.id in right) for o in q.options]


def remap_option_ids(body: dict, meta: dict) -> dict[str, str] | None:
    """Rename imported option ids (a, b, ...) to the ids in the metadata; the mapping, or None."""
    import re

    ids = meta.get("option_ids")
    if not (
        "options" in body
        and isinstance(ids, list)
        and len(ids) == len(body["options"])
        and all(isinstance(i, str) and re.fullmatch(r"[a-z0-9]{1,8}", i) for i in ids)
        and len(set(ids)) == len(ids)
    ):
        return None
    mapping = {o["id"]: new for o, new in zip(body["options"], ids, strict=True)}
    for o in body["options"]:
        o["id"] = mapping[o["id"]]
    return mapping


def gift_choices(a: Any) -> list[tuple[str, float]]:
    """(text, weight 0..1) of each answer of a GIFT multiple-choice block (``=`` right, ``~%w%`` weighted)."""
    parts = a.answers(a.text.replace("=", "~="), "~")
    if len(parts) < 2:
        raise a.error("a multiple-choice question needs at least two answers")
    options: list[tuple[str, float]] = []
    for part in parts:
        part = part.strip()
        if part.startswith("="):
            weight, part = 1.0, part[1:]
        else:
            weight, part = a.weight(part)
            weight = 0.0 if weight is None else weight
        bits = part.split("#", 1)
        text = a.text_of(bits[0])
        if len(bits) > 1 and (fb := a.text_of(bits[1])):
            a.feedback(text, fb)
        options.append((text, weight))
    return options


def option_dicts(texts: list[str]) -> list[dict]:
    from mesolearn.exchange.common import option_letters

    return [{"id": i, "text": t} for i, t in zip(option_letters(len(texts)), texts, strict=True)]


def xml_single(x: Any) -> bool:
    """Moodle's ``trans_single``: a multichoice question is single unless ``<single>`` says false."""
    el = x.qe.find("single")
    return el is None or (el.text or "").strip().lower() not in ("false", "0", "")
