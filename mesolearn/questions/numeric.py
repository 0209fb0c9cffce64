"""Numeric: a number within ``answer ± tolerance`` (absolute) scores 1, anything else 0.

Response: a finite float. The trainee types text; :meth:`NumericType.normalise` reads it with a
decimal comma or point and spaces allowed (``2,5``, ``1 000``), and refuses, with a message and
without storing anything, what is not a plain finite number: ``nan``, ``inf``, ``1e309`` (overflows
to infinity), words, and anything longer than ``MAX_CHARS`` characters.
Moodle: ``numerical`` with ``<tolerance>`` (XML), ``{#answer:tolerance}`` or ``{#min..max}`` (GIFT);
only the first fully correct answer is kept on import. The unit has no GIFT syntax (metadata only).
"""

from __future__ import annotations

import math
import random
import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from mesolearn.content.models import QuestionBase
from mesolearn.questions.base import NOT_MINE, Layout, QuestionType, QuestionView, ResponseError, make_view

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

EPS = 1e-9
MAX_CHARS = 40
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class Numeric(QuestionBase):
    type: Literal["numeric"]
    answer: float
    tolerance: float = Field(ge=0)
    unit: str = ""


def parse_number(text: str) -> float | None:
    """A typed answer as a finite float; None for an empty field; :class:`ResponseError` otherwise."""
    text = (text or "").strip()
    if len(text) > MAX_CHARS:
        raise ResponseError(f"That is too long for a number (at most {MAX_CHARS} characters).")
    text = text.replace(",", ".").replace(" ", "")
    if not text:
        return None
    if not NUMBER.match(text):
        raise ResponseError("That is not a number; use digits, e.g. 2.5.")
    value = float(text)
    if not math.isfinite(value):
        raise ResponseError("That number is too large; check the digits and the exponent.")
    return value


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else x


def xml_units(qe: ET.Element, x: Any, unit: str) -> None:
    """Moodle's unit elements of a numerical or calculated question (the unit is shown, never graded)."""
    if unit:
        element = x.sub(x.sub(qe, "units"), "unit")
        x.sub(element, "multiplier", "1")
        x.sub(element, "unit_name", unit)
    x.sub(qe, "unitgradingtype", "0")
    x.sub(qe, "unitpenalty", "0.1000000")
    x.sub(qe, "showunits", "0" if unit else "3")
    x.sub(qe, "unitsleft", "0")


class NumericType(QuestionType[Numeric, float]):
    model = Numeric
    order = 40
    decode_priority = 10
    xml_types = ("numerical",)
    plain_gift_loses = frozenset({"unit"})  # GIFT has no unit syntax

    def example(self) -> dict:
        return {"type": "numeric", "answer": 4, "tolerance": 0.5, "unit": "mm"}

    def make_layout(self, q: Numeric, rng: random.Random) -> Layout:
        return {}

    def view(self, q: Numeric, layout: Layout) -> QuestionView:
        return make_view(q, unit=q.unit)

    def to_response(self, q: Numeric, layout: Layout, shown: Any) -> float:
        return float(shown)

    def to_shown(self, q: Numeric, layout: Layout, response: Any) -> Any:
        return response

    def normalise(self, q: Numeric, layout: Layout, raw: Any) -> float | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            return parse_number(raw)
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            raise ResponseError("That is not a number; use digits, e.g. 2.5.")
        return float(raw)

    def grade(self, q: Numeric, response: Any) -> float:
        if isinstance(response, bool) or not isinstance(response, (int, float)) or not math.isfinite(response):
            return 0.0
        return 1.0 if abs(float(response) - q.answer) <= q.tolerance + EPS * max(1.0, abs(q.answer)) else 0.0

    def correct_response(self, q: Numeric) -> float:
        return q.answer

    def wrong_response(self, q: Numeric) -> float:
        return q.answer + q.tolerance + 1000

    def is_answered(self, q: Numeric, response: Any) -> bool:
        return response is not None

    def random_guess_score(self, q: Numeric) -> float:
        return 0.0  # a blind guess at a number is never within the tolerance in any useful sense

    def answer_text(self, q: Numeric) -> str:
        tol = f" (± {q.tolerance:g})" if q.tolerance else ""
        return f"{q.answer:g}{tol} {q.unit}".strip()

    def response_text(self, q: Numeric, response: Any) -> str:
        return f"{response:g} {q.unit}".strip()

    # ------------------------------------------------------------ Moodle
    def gift_encode(self, q: Numeric, head: str) -> list[str]:
        from mesolearn.exchange.common import format_number

        return [head + "{#" + f"{format_number(q.answer)}:{format_number(q.tolerance)}"]

    def gift_decode(self, a: Any) -> dict | None:
        from mesolearn.exchange.common import full_credit_numeric

        if not a.text.startswith("#"):
            return NOT_MINE
        body = a.text[1:]
        wrong_fb = ""
        tilde = body.find("~")
        if tilde >= 0:
            wrong_fb, body = body[tilde:], body[:tilde]
        parts = [p for p in a.answers(body, "=") if p.strip()]
        if not parts:
            raise a.error("a numeric question needs an answer ({#answer:tolerance})")
        answers: list[tuple[float, float, float]] = []  # (weight, answer, tolerance)
        for part in parts:
            weight, part = a.weight(part.strip())
            weight = 1.0 if weight is None else weight
            bits = part.split("#", 1)
            value = bits[0].strip()
            if len(bits) > 1 and (fb := a.text_of(bits[1])):
                a.feedback(a.unescape(value), fb)
            at = max(0, a.text.find(value))
            if a.escaped(":") in value or a.escaped("=") in value:
                raise a.error("write a numeric answer as {#answer:tolerance} with the ':' not escaped", at)
            if ".." in value[1:]:
                lo_raw, hi_raw = value.split("..", 1)
                lo, hi = a.number(lo_raw, at), a.number(hi_raw, at)
                ans, tol = (lo + hi) / 2, abs(hi - lo) / 2
            elif ":" in value[1:]:
                a_raw, t_raw = value.split(":", 1)
                ans, tol = a.number(a_raw, at), abs(a.number(t_raw, at))
            else:
                ans, tol = a.number(value, at), 0.0
            answers.append((weight, ans, tol))
        if wrong_fb:
            bits = wrong_fb.split("#", 1)
            if len(bits) > 1 and (fb := a.text_of(bits[1])):
                a.feedback("any other answer", fb)
        chosen = full_credit_numeric(answers, 1.0, a.label, a.warnings)
        if chosen is None:
            return None
        _, ans, tol = chosen
        return {"type": self.name, "prompt": a.prompt, "answer": _plain(ans), "tolerance": _plain(tol), "unit": ""}

    def xml_encode(self, q: Numeric, qe: ET.Element, x: Any) -> str:
        from mesolearn.exchange.common import format_number

        ans = x.answer(qe, "100", format_number(q.answer), "moodle_auto_format")
        x.sub(ans, "tolerance", format_number(q.tolerance))
        xml_units(qe, x, q.unit)
        return "numerical"

    def xml_decode(self, x: Any) -> dict | None:
        from mesolearn.exchange.common import full_credit_numeric

        nums = []
        for a in x.qe.findall("answer"):
            raw = x.text(a)
            frac = x.fraction(a)
            if raw == "*" or frac is None:
                continue
            value, tol = x.number(raw), x.number(x.text(a, "tolerance") or "0")
            if value is None or tol is None:
                x.warn(f"answer {raw!r} or its tolerance is not a number; ignored")
                continue
            nums.append((frac, value, abs(tol)))
            fb_el = a.find("feedback")
            if fb_el is not None and x.text(fb_el):
                x.feedback(raw, x.text_of(fb_el))
        chosen = full_credit_numeric(nums, 100.0, x.label, x.warnings)
        if chosen is None:
            return None
        unit = ""
        for u in x.qe.findall("units/unit"):
            if x.number(x.text(u, "multiplier") or "1") == 1:
                unit = x.text(u, "unit_name")
                break
        _, value, tol = chosen
        return {"type": self.name, "prompt": x.prompt, "answer": _plain(value), "tolerance": _plain(tol), "unit": unit}

    def meta(self, q: Numeric) -> dict:
        return {"unit": q.unit}

    def apply_meta(self, body: dict, meta: dict) -> None:
        if isinstance(meta.get("unit"), str):
            body["unit"] = meta["unit"]


TYPE = NumericType()
