"""Multiple response: options (3+), one or more right answers, partial credit by Moodle's rule.

With k right options, each right option chosen adds 1/k and each wrong option chosen takes 1/k
away; the score is never below 0 (unknown ids and repeats are ignored). Response: the sorted list of
chosen option ids ([] is no answer). Moodle: ``multichoice`` with ``<single>false</single>`` and
weights +100/k % / -100/k %, which is exactly this rule; other weights import with a warning.
"""

from __future__ import annotations

import itertools
import random
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mesolearn.content.models import _duplicates
from mesolearn.questions.base import (
    NOT_MINE,
    ChoiceOption,
    Layout,
    QuestionType,
    QuestionView,
    ResponseError,
    display_index,
)
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


class MultipleResponse(WithOptions):
    type: Literal["multiple_response"]
    options: list[Option] = Field(min_length=3)
    answers: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _answers_are_options(self):
        ids = {o.id for o in self.options}
        if missing := [a for a in self.answers if a not in ids]:
            raise ValueError(f"answers {missing} are not option ids")
        if dup := _duplicates(self.answers):
            raise ValueError(f"answers repeat {dup}")
        return self


def weights(k: int) -> tuple[float, float]:
    """Moodle weights (percent) for k right options: +100/k on each right one, -100/k on each wrong one."""
    return 100.0 / k, -100.0 / k


class MultipleResponseType(QuestionType[MultipleResponse, list[str]]):
    model = MultipleResponse
    order = 20
    decode_priority = 21
    xml_types = ("multichoice",)

    def example(self) -> dict:
        return {
            "type": "multiple_response",
            "options": [
                {"id": "a", "text": "Sterile gloves"},
                {"id": "b", "text": "Skin antisepsis"},
                {"id": "c", "text": "Reusing a needle"},
                {"id": "d", "text": "A sharps bin"},
            ],
            "answers": ["a", "b", "d"],
        }

    def make_layout(self, q: MultipleResponse, rng: random.Random) -> Layout:
        return shuffled_options(q, rng)

    def view(self, q: MultipleResponse, layout: Layout) -> QuestionView:
        return options_view(q, layout)

    def to_response(self, q: MultipleResponse, layout: Layout, shown: Any) -> list[str]:
        return sorted(layout["options"][i] for i in shown)

    def to_shown(self, q: MultipleResponse, layout: Layout, response: Any) -> list[int]:
        return sorted(layout["options"].index(r) for r in response)

    def normalise(self, q: MultipleResponse, layout: Layout, raw: Any) -> list[str] | None:
        if raw is None:
            return None
        if not isinstance(raw, (list, tuple, set)):
            raise ResponseError("That answer does not fit the question; choose again.")
        n = len(layout["options"])
        return self.to_response(q, layout, sorted({display_index(i, n) for i in raw}))

    def grade(self, q: MultipleResponse, response: Any) -> float:
        chosen = set(response or []) & {o.id for o in q.options}
        right = set(q.answers)
        raw = (len(chosen & right) - len(chosen - right)) / len(right)
        return max(0.0, min(1.0, raw))

    def correct_response(self, q: MultipleResponse) -> list[str]:
        return sorted(q.answers)

    def wrong_response(self, q: MultipleResponse) -> list[str]:
        return [o.id for o in q.options if o.id not in q.answers]

    def is_answered(self, q: MultipleResponse, response: Any) -> bool:
        return bool(response)

    def random_guess_score(self, q: MultipleResponse) -> float:
        """Average score over every non-empty subset of the options."""
        ids = [o.id for o in q.options]
        subsets = [c for r in range(1, len(ids) + 1) for c in itertools.combinations(ids, r)]
        return sum(self.grade(q, list(s)) for s in subsets) / len(subsets)

    def answer_text(self, q: MultipleResponse) -> str:
        return "; ".join(q.option_text(a) for a in q.answers)

    def response_text(self, q: MultipleResponse, response: Any) -> str:
        return "; ".join(q.option_text(a) for a in response)

    def choice_options(self, q: MultipleResponse) -> list[ChoiceOption]:
        return choice_options(q, set(q.answers))

    def chosen_options(self, response: Any) -> list[str]:
        return list(dict.fromkeys(v for v in response if isinstance(v, str))) if isinstance(response, list) else []

    # ------------------------------------------------------------ Moodle
    def gift_encode(self, q: MultipleResponse, head: str) -> list[str]:
        from mesolearn.exchange.common import format_percent, on_moodle_grade_list
        from mesolearn.exchange.gift import gift_md

        right, wrong = weights(len(q.answers))
        lines = []
        if not on_moodle_grade_list(right):
            lines.append(
                f"// note: weights {format_percent(right)}% / {format_percent(wrong)}% are not on Moodle's "
                f"list of grades; choose 'Nearest grade if not listed' when importing"
            )
        lines.append(head + "{")
        lines += [f"\t~%{format_percent(right if o.id in q.answers else wrong)}%{gift_md(o.text)}" for o in q.options]
        return lines

    def gift_decode(self, a: Any) -> dict | None:
        if "~" not in a.text or "=" in a.text:
            return NOT_MINE
        options = gift_choices(a)
        return self._body(a, [t for t, _ in options], [w * 100 for _, w in options])

    def _body(self, ctx: Any, texts: list[str], percents: list[float]) -> dict | None:
        from mesolearn.exchange.common import format_percent

        options = option_dicts(texts)
        right = [o["id"] for o, p in zip(options, percents, strict=True) if p > 1e-6]
        if not right:
            ctx.warn("no answer has a positive weight; skipped")
            return None
        want_r, want_w = weights(len(right))
        if any(abs(p - (want_r if p > 1e-6 else want_w)) > 1e-3 for p in percents):
            ctx.warn(
                f"weights differ from MesoLearn's rule (+{format_percent(want_r)}% for each of the {len(right)} "
                f"correct answers, {format_percent(want_w)}% for each wrong one); the question is scored by "
                f"MesoLearn's rule"
            )
        return {"type": self.name, "prompt": ctx.prompt, "options": options, "answers": right}

    def xml_encode(self, q: MultipleResponse, qe: ET.Element, x: Any) -> str:
        from mesolearn.exchange.common import format_percent

        x.choice_header(qe, single=False)
        right, wrong = weights(len(q.answers))
        for o in q.options:
            x.answer(qe, format_percent(right if o.id in q.answers else wrong), o.text)
        return "multichoice"

    def xml_decode(self, x: Any) -> dict | None:
        if xml_single(x):
            return NOT_MINE
        opts = x.answers()
        if len(opts) < 2:
            x.warn("fewer than two answers; skipped")
            return None
        return self._body(x, [t for t, _, _ in opts], [f for _, f, _ in opts])

    def meta(self, q: MultipleResponse) -> dict:
        return {"option_ids": [o.id for o in q.options]}

    def apply_meta(self, body: dict, meta: dict) -> None:
        if (mapping := remap_option_ids(body, meta)) is not None:
            body["answers"] = [mapping[a] for a in body["answers"]]


TYPE = MultipleResponseType()
