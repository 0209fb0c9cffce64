"""Single choice: options (2+), one right answer. Score 1 for the answer, else 0.

Response: the chosen option id. Layout: the option ids in display order. Moodle: ``multichoice``
with ``<single>true</single>`` (XML), ``{=right ~wrong}`` (GIFT); partial credit on an option in
an imported file is dropped with a warning.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mesolearn.questions.base import NOT_MINE, ChoiceOption, Layout, QuestionType, QuestionView, display_index
from mesolearn.questions.options import (
    Option,
    WithOptions,
    choice_options,
    gift_choices,
    option_dicts,
    options_view,
    remap_option_ids,
    shuffled_options,
    xml_single,
)

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET


class SingleChoice(WithOptions):
    type: Literal["single_choice"]
    options: list[Option] = Field(min_length=2)
    answer: str

    @model_validator(mode="after")
    def _answer_is_option(self):
        if self.answer not in {o.id for o in self.options}:
            raise ValueError(f"answer '{self.answer}' is not one of the option ids")
        return self


class SingleChoiceType(QuestionType[SingleChoice, str]):
    model = SingleChoice
    order = 10
    decode_priority = 20
    xml_types = ("multichoice",)
    single_best_answer = True

    def example(self) -> dict:
        return {
            "type": "single_choice",
            "options": [{"id": "a", "text": "Pistor"}, {"id": "b", "text": "Lebel"}, {"id": "c", "text": "Dalloz"}],
            "answer": "a",
        }

    def make_layout(self, q: SingleChoice, rng: random.Random) -> Layout:
        return shuffled_options(q, rng)

    def view(self, q: SingleChoice, layout: Layout) -> QuestionView:
        return options_view(q, layout)

    def to_response(self, q: SingleChoice, layout: Layout, shown: Any) -> str:
        return layout["options"][shown]

    def to_shown(self, q: SingleChoice, layout: Layout, response: Any) -> int:
        return layout["options"].index(response)

    def normalise(self, q: SingleChoice, layout: Layout, raw: Any) -> str | None:
        return None if raw is None else self.to_response(q, layout, display_index(raw, len(layout["options"])))

    def grade(self, q: SingleChoice, response: Any) -> float:
        return 1.0 if response == q.answer else 0.0

    def correct_response(self, q: SingleChoice) -> str:
        return q.answer

    def wrong_response(self, q: SingleChoice) -> str:
        return next(o.id for o in q.options if o.id != q.answer)

    def is_answered(self, q: SingleChoice, response: Any) -> bool:
        return response is not None

    def random_guess_score(self, q: SingleChoice) -> float:
        return 1 / len(q.options)

    def answer_text(self, q: SingleChoice) -> str:
        return q.option_text(q.answer)

    def response_text(self, q: SingleChoice, response: Any) -> str:
        return q.option_text(response)

    def choice_options(self, q: SingleChoice) -> list[ChoiceOption]:
        return choice_options(q, {q.answer})

    def chosen_options(self, response: Any) -> list[str]:
        return [response] if isinstance(response, str) and response else []

    # ------------------------------------------------------------ Moodle
    def gift_encode(self, q: SingleChoice, head: str) -> list[str]:
        from mesolearn.exchange.gift import gift_md, gift_wrong_option

        return [head + "{"] + [
            "\t" + ("=" + gift_md(o.text) if o.id == q.answer else gift_wrong_option(o.text)) for o in q.options
        ]

    def gift_decode(self, a: Any) -> dict | None:
        if "~" not in a.text or "=" not in a.text:
            return NOT_MINE
        options = gift_choices(a)
        full = [i for i, (_, w) in enumerate(options) if abs(w - 1) < 1e-9]
        return self._body(a, [t for t, _ in options], [w * 100 for _, w in options], full)

    def _body(self, ctx: Any, texts: list[str], percents: list[float], full: list[int]) -> dict | None:
        if len(full) != 1:
            ctx.warn(
                f"{len(full)} answers are fully correct; a MesoLearn single-choice question has exactly one; skipped"
            )
            return None
        if partial := sum(1 for p in percents if abs(p) > 1e-6 and abs(p - 100) > 1e-6):
            ctx.warn(
                f"partial credit or penalty on {partial} answer(s) was dropped (MesoLearn single choice scores 1 "
                f"for the right answer, 0 otherwise)"
            )
        options = option_dicts(texts)
        return {"type": self.name, "prompt": ctx.prompt, "options": options, "answer": options[full[0]]["id"]}

    def xml_encode(self, q: SingleChoice, qe: ET.Element, x: Any) -> str:
        x.choice_header(qe, single=True)
        for o in q.options:
            x.answer(qe, "100" if o.id == q.answer else "0", o.text)
        return "multichoice"

    def xml_decode(self, x: Any) -> dict | None:
        if not xml_single(x):
            return NOT_MINE
        opts = x.answers()
        if len(opts) < 2:
            x.warn("fewer than two answers; skipped")
            return None
        full = [i for i, (_, f, _) in enumerate(opts) if abs(f - 100) < 1e-6]
        return self._body(x, [t for t, _, _ in opts], [f for _, f, _ in opts], full)

    def meta(self, q: SingleChoice) -> dict:
        return {"option_ids": [o.id for o in q.options]}

    def apply_meta(self, body: dict, meta: dict) -> None:
        if (mapping := remap_option_ids(body, meta)) is not None:
            body["answer"] = mapping[body["answer"]]


TYPE = SingleChoiceType()
