"""True/false: the answer is true or false; score 1 or 0. Only a real bool counts as an answer.

Moodle: ``truefalse`` (XML answers ``true``/``false``, the right one at fraction 100), ``{TRUE}`` /
``{FALSE}`` (GIFT, also ``T``/``F``, with ``#wrong feedback#right feedback``).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Literal

from pydantic import StrictBool

from mesolearn.content.models import QuestionBase
from mesolearn.questions.base import NOT_MINE, Layout, QuestionType, QuestionView, ResponseError, make_view

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET


class TrueFalse(QuestionBase):
    type: Literal["true_false"]
    answer: StrictBool


def _word(value: bool) -> str:
    return "True" if value else "False"


class TrueFalseType(QuestionType[TrueFalse, bool]):
    model = TrueFalse
    order = 30
    decode_priority = 40
    xml_types = ("truefalse",)
    single_best_answer = True

    def example(self) -> dict:
        return {"type": "true_false", "answer": False}

    def distractors(self, q: TrueFalse) -> list[tuple[tuple, str]]:
        """A false statement with an absolute word ("all", "never") gives itself away."""
        return [(("prompt",), q.prompt)] if q.answer is False else []

    def make_layout(self, q: TrueFalse, rng: random.Random) -> Layout:
        return {}

    def view(self, q: TrueFalse, layout: Layout) -> QuestionView:
        return make_view(q)

    def to_response(self, q: TrueFalse, layout: Layout, shown: Any) -> bool:
        return bool(shown)

    def to_shown(self, q: TrueFalse, layout: Layout, response: Any) -> Any:
        return response

    def normalise(self, q: TrueFalse, layout: Layout, raw: Any) -> bool | None:
        if raw is None:
            return None
        if not isinstance(raw, bool):
            raise ResponseError("Choose True or False.")
        return raw

    def grade(self, q: TrueFalse, response: Any) -> float:
        return 1.0 if isinstance(response, bool) and response == q.answer else 0.0

    def correct_response(self, q: TrueFalse) -> bool:
        return q.answer

    def wrong_response(self, q: TrueFalse) -> bool:
        return not q.answer

    def is_answered(self, q: TrueFalse, response: Any) -> bool:
        return response is not None

    def random_guess_score(self, q: TrueFalse) -> float:
        return 0.5

    def answer_text(self, q: TrueFalse) -> str:
        return _word(q.answer)

    def response_text(self, q: TrueFalse, response: Any) -> str:
        return _word(bool(response))

    # ------------------------------------------------------------ Moodle
    def gift_encode(self, q: TrueFalse, head: str) -> list[str]:
        return [head + "{" + ("TRUE" if q.answer else "FALSE")]

    def gift_decode(self, a: Any) -> dict | None:
        hash_at = a.text.find("#")
        word = a.text[:hash_at].strip() if hash_at > 0 else a.text
        if word not in ("T", "TRUE", "F", "FALSE"):
            return NOT_MINE
        bits = a.text.split("#", 2)
        value = word in ("T", "TRUE")
        wrong_fb = a.text_of(bits[1]) if len(bits) > 1 else ""
        right_fb = a.text_of(bits[2]) if len(bits) > 2 else ""
        if right_fb:
            a.feedback(_word(value), right_fb)
        if wrong_fb:
            a.feedback(_word(not value), wrong_fb)
        return {"type": self.name, "prompt": a.prompt, "answer": value}

    def xml_encode(self, q: TrueFalse, qe: ET.Element, x: Any) -> str:
        x.answer(qe, "100" if q.answer else "0", "true", "moodle_auto_format")
        x.answer(qe, "0" if q.answer else "100", "false", "moodle_auto_format")
        return "truefalse"

    def xml_decode(self, x: Any) -> dict | None:
        value = None
        for a in x.qe.findall("answer"):
            text = x.text(a).lower()
            if text in ("true", "false") and (x.fraction(a) or 0) >= 100 - 1e-6:
                value = text == "true"
            fb_el = a.find("feedback")
            if fb_el is not None and x.text(fb_el):
                x.feedback(text.capitalize(), x.text_of(fb_el))
        if value is None:
            x.warn("neither 'true' nor 'false' has fraction 100; skipped")
            return None
        return {"type": self.name, "prompt": x.prompt, "answer": value}

    def xml_penalty(self, q: TrueFalse) -> str:
        return "1"  # Moodle's default: a second try at true/false earns nothing


TYPE = TrueFalseType()
