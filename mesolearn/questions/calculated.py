"""Calculated: numbers drawn per attempt from declared grids, the answer computed by a formula (Moodle's
calculated question).

Content: ``variables`` (name -> ``{min, max, step}``: the grid min, min+step, ..., up to max), ``formula`` over
those names (checked and evaluated by :mod:`mesolearn.questions.formula`, never ``eval``), exactly one of
``tolerance`` (absolute) or ``tolerance_percent``, ``decimals`` (how the key is shown and rounded), ``unit``,
optional ``bounds: {min, max}``. The prompt names the variables as ``{name}`` placeholders.

Validation evaluates the formula for EVERY combination of the grids (at most :data:`MAX_COMBINATIONS`): a
division by zero, a math domain error, a non-finite result, a result outside ``bounds``, or a key that, rounded
to ``decimals``, falls outside the tolerance is an error naming the combination. Placeholders and variables
must match both ways.

The draw: ``make_layout`` picks one grid value per variable with the attempt's rng; the layout
(``{"values": [...]}`` in declaration order) is stored with the attempt, so a reload shows the same numbers.
The view is the prompt with the values filled in (no key). A canonical response is
``{"value": typed number, "vars": {name: drawn value}}``, built on the server from the stored layout by
``to_response``/``normalise`` (never from what the browser sends); ``grade`` recomputes the expected value from
``vars`` (vars not on the grid score 0). The typed number is read by the numeric type's parser.

Moodle: XML ``calculated`` (``{name}`` in the answer formula, ``pi()``, ``<dataset_definitions>`` listing every
grid value as a dataset item; the bounds, which Moodle has no place for, travel in a ``<mesolearn_bounds>``
element Moodle ignores). GIFT has no calculated syntax: the question is written as a numeric question for the
first grid values, with a ``// calculated:`` comment holding the definition, which MesoLearn reads back.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import random
import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mesolearn.content.models import QuestionBase
from mesolearn.questions.base import NOT_MINE, Layout, QuestionType, QuestionView, ResponseError, make_view
from mesolearn.questions.formula import RESERVED, Formula, FormulaError, compile_formula
from mesolearn.questions.numeric import EPS, parse_number, xml_units

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

MAX_COMBINATIONS = 10_000
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
GIFT_PREFIX = "calculated:"


class Variable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: float
    max: float
    step: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Variable:
        if self.max < self.min:
            raise ValueError(f"max {self.max:g} is below min {self.min:g}")
        return self

    def grid(self) -> list[float | int]:
        n = int(math.floor((self.max - self.min) / self.step + 1e-9)) + 1
        return [_plain(round(self.min + i * self.step, 10)) for i in range(n)]


class Bounds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: float | None = None
    max: float | None = None


class Calculated(QuestionBase):
    type: Literal["calculated"]
    variables: dict[str, Variable] = Field(min_length=1)
    formula: str
    tolerance: float | None = Field(default=None, ge=0)
    tolerance_percent: float | None = Field(default=None, ge=0, le=100)
    decimals: int = Field(default=2, ge=0, le=10)
    unit: str = ""
    bounds: Bounds | None = None

    @model_validator(mode="after")
    def _check(self) -> Calculated:
        if (self.tolerance is None) == (self.tolerance_percent is None):
            raise ValueError("give exactly one of tolerance (absolute) or tolerance_percent")
        for name in self.variables:
            if not re.match(NAME, name) or name in RESERVED:
                raise ValueError(f"variable name '{name}' must be a plain name, not a function or constant")
        placeholders = set(PLACEHOLDER.findall(self.prompt))
        if undeclared := sorted(placeholders - set(self.variables)):
            raise ValueError(f"the prompt uses {{{'}, {'.join(undeclared)}}} but no such variable is declared")
        if unshown := sorted(set(self.variables) - placeholders):
            raise ValueError(f"variable(s) {', '.join(unshown)} never appear in the prompt as {{name}}")
        try:
            f = formula_of(self)
        except FormulaError as exc:
            raise ValueError(f"formula: {exc}") from None
        if unused := sorted(set(self.variables) - f.used()):
            raise ValueError(f"variable(s) {', '.join(unused)} are not used by the formula")
        grids = [v.grid() for v in self.variables.values()]
        if math.prod(len(g) for g in grids) > MAX_COMBINATIONS:
            raise ValueError(f"the variables give more than {MAX_COMBINATIONS} combinations; use larger steps")
        names = list(self.variables)
        lo = self.bounds.min if self.bounds else None
        hi = self.bounds.max if self.bounds else None
        for combo in itertools.product(*grids):
            values = dict(zip(names, combo, strict=True))
            where = ", ".join(f"{n} = {v:g}" for n, v in values.items())
            try:
                result = f.evaluate(values)
            except FormulaError as exc:
                raise ValueError(f"formula fails for {where}: {exc}") from None
            if (lo is not None and result < lo) or (hi is not None and result > hi):
                raise ValueError(f"formula gives {result:g} for {where}, outside the bounds {lo}..{hi}")
            if abs(round(result, self.decimals) - result) > allowed(self, result):
                raise ValueError(f"for {where} the key rounded to {self.decimals} decimals is outside the tolerance")
        return self


def formula_of(q: Calculated) -> Formula:
    return compile_formula(q.formula, q.variables)


def allowed(q: Calculated, expected: float) -> float:
    """The tolerance around ``expected``, absolute."""
    if q.tolerance is not None:
        return q.tolerance + EPS * max(1.0, abs(expected))
    return abs(expected) * (q.tolerance_percent or 0) / 100 + EPS * max(1.0, abs(expected))


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else float(x)


def _num(x: float) -> str:
    return f"{x:.12g}"


def layout_vars(q: Calculated, layout: Layout) -> dict[str, float | int]:
    """The drawn values of a stored layout; ValueError if the layout no longer fits the question."""
    values = layout.get("values") if isinstance(layout, dict) else None
    if not isinstance(values, list) or len(values) != len(q.variables):
        raise ValueError("the stored draw does not fit this question")
    out = dict(zip(q.variables, values, strict=True))
    for name, v in out.items():
        if v not in q.variables[name].grid():
            raise ValueError(f"the stored value of {name} is not on its grid")
    return out


def valid_vars(q: Calculated, raw: Any) -> dict[str, float | int] | None:
    if not isinstance(raw, dict) or set(raw) != set(q.variables):
        return None
    for name, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v not in q.variables[name].grid():
            return None
    return raw


def expected(q: Calculated, values: dict[str, float | int]) -> float:
    return formula_of(q).evaluate(values)


def fill(q: Calculated, values: dict[str, float | int]) -> str:
    return PLACEHOLDER.sub(lambda m: _num(values[m.group(1)]) if m.group(1) in values else m.group(0), q.prompt)


def first_vars(q: Calculated) -> dict[str, float | int]:
    return {name: v.grid()[0] for name, v in q.variables.items()}


class CalculatedType(QuestionType[Calculated, dict]):
    model = Calculated
    order = 45
    decode_priority = 5  # GIFT: before numeric, which would otherwise read the numeric fallback
    xml_types = ("calculated", "calculatedsimple")
    plain_gift_loses = frozenset()  # the // calculated: comment is written with or without metadata

    def example(self) -> dict:
        return {
            "type": "calculated",
            "prompt": "A {length_mm} mm needle fully inserted at {angle_deg} degrees to the skin: how deep is the tip?",
            "variables": {
                "length_mm": {"min": 4, "max": 13, "step": 1},
                "angle_deg": {"min": 15, "max": 90, "step": 15},
            },
            "formula": "length_mm * sin(angle_deg * pi / 180)",
            "tolerance": 0.1,
            "decimals": 2,
            "unit": "mm",
            "bounds": {"min": 0, "max": 13},
        }

    # ------------------------------------------------------------ drawing and the page
    def make_layout(self, q: Calculated, rng: random.Random) -> Layout:
        return {"values": [rng.choice(v.grid()) for v in q.variables.values()]}

    def view(self, q: Calculated, layout: Layout) -> QuestionView:
        return dataclasses.replace(make_view(q, unit=q.unit), prompt=self.prompt_for(q, layout))

    def prompt_for(self, q: Calculated, layout: Layout) -> str:
        return fill(q, layout_vars(q, layout))

    def to_response(self, q: Calculated, layout: Layout, shown: Any) -> dict:
        return {"value": float(shown), "vars": layout_vars(q, layout)}

    def to_shown(self, q: Calculated, layout: Layout, response: Any) -> Any:
        if response is None:
            return None
        if response["vars"] != layout_vars(q, layout):
            raise ValueError("the answer was given for other numbers")
        return response["value"]

    def normalise(self, q: Calculated, layout: Layout, raw: Any) -> dict | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            value = parse_number(raw)
            if value is None:
                return None
        elif isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            raise ResponseError("That is not a number; use digits, e.g. 2.5.")
        else:
            value = float(raw)
        try:
            return {"value": value, "vars": layout_vars(q, layout)}
        except ValueError:
            raise ResponseError("This question has changed since it was drawn; reload the page.") from None

    def correct_for(self, q: Calculated, layout: Layout) -> dict:
        values = layout_vars(q, layout)
        return {"value": round(expected(q, values), q.decimals), "vars": values}

    def wrong_for(self, q: Calculated, layout: Layout) -> dict:
        right = self.correct_for(q, layout)
        # far outside any tolerance (absolute or percent, for a key of either sign), and exact at ``decimals``
        wrong = round(3 * abs(right["value"]) + 1000 + 2 * (q.tolerance or 0), q.decimals)
        return {"value": wrong, "vars": right["vars"]}

    # ------------------------------------------------------------ grading
    def grade(self, q: Calculated, response: Any) -> float:
        if not isinstance(response, dict):
            return 0.0
        value, values = response.get("value"), valid_vars(q, response.get("vars"))
        if values is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            return 0.0
        if not math.isfinite(value):
            return 0.0
        key = expected(q, values)
        return 1.0 if abs(float(value) - key) <= allowed(q, key) else 0.0

    def correct_response(self, q: Calculated) -> dict:
        return self.correct_for(q, {"values": list(first_vars(q).values())})

    def wrong_response(self, q: Calculated) -> dict:
        return self.wrong_for(q, {"values": list(first_vars(q).values())})

    def is_answered(self, q: Calculated, response: Any) -> bool:
        return response is not None

    def random_guess_score(self, q: Calculated) -> float:
        return 0.0

    def _tol(self, q: Calculated) -> str:
        return f"± {q.tolerance:g}" if q.tolerance is not None else f"± {q.tolerance_percent:g}%"

    def answer_text(self, q: Calculated) -> str:
        return f"computed as {q.formula} from the numbers shown ({self._tol(q)}) {q.unit}".strip()

    def response_text(self, q: Calculated, response: Any) -> str:
        values = valid_vars(q, response.get("vars")) if isinstance(response, dict) else None
        value = response.get("value") if isinstance(response, dict) else None
        if values is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("unreadable calculated response")
        where = ", ".join(f"{n} = {v:g}" for n, v in values.items())
        key = round(expected(q, values), q.decimals)
        unit = f" {q.unit}" if q.unit else ""
        return f"{value:g}{unit} (for {where}; the correct value is {key:.{q.decimals}f}{unit})"

    # ------------------------------------------------------------ Moodle: GIFT (no calculated syntax)
    def _definition(self, q: Calculated) -> dict:
        return q.model_dump(
            include={"variables", "formula", "tolerance", "tolerance_percent", "decimals", "unit", "bounds"},
            exclude_none=True,
        )

    def gift_preamble(self, q: Calculated) -> list[str]:
        return [
            "// calculated question: GIFT has no calculated syntax, so Moodle sees a numeric question for the first "
            "values of each variable; MesoLearn reads the definition back from the next comment",
            "// " + GIFT_PREFIX + " " + json.dumps(self._definition(q), ensure_ascii=False),
        ]

    def gift_encode(self, q: Calculated, head: str) -> list[str]:
        from mesolearn.exchange.common import format_number

        right = self.correct_response(q)
        return [head + "{#" + f"{format_number(right['value'])}:{format_number(allowed(q, right['value']))}"]

    def gift_decode(self, a: Any) -> dict | None:
        for lineno, comment in a.src.comments:
            if comment.startswith(GIFT_PREFIX):
                try:
                    definition = json.loads(comment[len(GIFT_PREFIX) :])
                except json.JSONDecodeError as exc:
                    a.warn(f"line {lineno}: the '// {GIFT_PREFIX}' comment is not valid JSON ({exc.msg}); skipped")
                    return None
                if not isinstance(definition, dict):
                    a.warn(f"line {lineno}: the '// {GIFT_PREFIX}' comment is not a JSON object; skipped")
                    return None
                return {**definition, "type": self.name, "prompt": a.prompt}
        return NOT_MINE

    # ------------------------------------------------------------ Moodle XML
    def xml_encode(self, q: Calculated, qe: ET.Element, x: Any) -> str:
        from mesolearn.exchange.common import format_number

        x.sub(qe, "synchronize", "0")
        x.sub(qe, "single", "0")
        x.sub(qe, "answernumbering", "abc")
        x.sub(qe, "shuffleanswers", "0")
        x.combined_feedback(qe)
        ans = x.answer(qe, "100", to_moodle(q.formula, q.variables), "moodle_auto_format")
        if q.tolerance is not None:
            x.sub(ans, "tolerance", format_number(q.tolerance))
            x.sub(ans, "tolerancetype", "2")  # nominal (absolute)
        else:
            x.sub(ans, "tolerance", format_number((q.tolerance_percent or 0) / 100))
            x.sub(ans, "tolerancetype", "1")  # relative
        x.sub(ans, "correctanswerformat", "1")  # decimals
        x.sub(ans, "correctanswerlength", str(q.decimals))
        xml_units(qe, x, q.unit)
        defs = x.sub(qe, "dataset_definitions")
        for name, var in q.variables.items():
            d = x.sub(defs, "dataset_definition")
            x.sub(x.sub(d, "status"), "text", "private")
            x.sub(x.sub(d, "name"), "text", name)
            x.sub(d, "type", "calculated")
            x.sub(x.sub(d, "distribution"), "text", "uniform")
            x.sub(x.sub(d, "minimum"), "text", format_number(var.min))
            x.sub(x.sub(d, "maximum"), "text", format_number(var.max))
            x.sub(x.sub(d, "decimals"), "text", str(_decimals(var.step)))
            grid = var.grid()
            x.sub(d, "itemcount", str(len(grid)))
            items = x.sub(d, "dataset_items")
            for i, v in enumerate(grid, start=1):
                it = x.sub(items, "dataset_item")
                x.sub(it, "number", str(i))
                x.sub(it, "value", format_number(v))
            x.sub(d, "number_of_items", str(len(grid)))
            x.sub(d, "mesolearn_step", format_number(var.step))
        if q.bounds is not None:
            b = x.sub(qe, "mesolearn_bounds")
            for side in ("min", "max"):
                if getattr(q.bounds, side) is not None:
                    b.set(side, format_number(getattr(q.bounds, side)))
        return "calculated"

    def xml_decode(self, x: Any) -> dict | None:
        full = [a for a in x.qe.findall("answer") if x.fraction(a) == 100]
        if not full:
            x.warn("a calculated question without a fully correct answer formula; skipped")
            return None
        a = full[0]
        if len(full) > 1 or len(x.qe.findall("answer")) > 1:
            x.warn("only the first fully correct answer formula is kept")
        variables: dict[str, dict] = {}
        for d in x.qe.findall("dataset_definitions/dataset_definition"):
            name = x.text(d, "name/text")
            items = sorted(
                {
                    v
                    for v in (x.number(x.text(i, "value")) for i in d.findall("dataset_items/dataset_item"))
                    if v is not None
                }
            )
            lo, hi = x.number(x.text(d, "minimum/text")), x.number(x.text(d, "maximum/text"))
            step = x.number(x.text(d, "mesolearn_step") or "")
            if step is None:
                diffs = [b - a_ for a_, b in itertools.pairwise(items)]
                step = min(diffs) if diffs else 1
            if not name or lo is None or hi is None or not step or step <= 0:
                x.warn(f"dataset '{name}' has no usable range; skipped")
                return None
            variables[name] = {"min": _plain(lo), "max": _plain(hi), "step": _plain(round(step, 10))}
        tol = x.number(x.text(a, "tolerance") or "0") or 0.0
        body: dict[str, Any] = {
            "type": self.name,
            "prompt": x.prompt,
            "variables": variables,
            "formula": from_moodle(x.text(a)),
            "decimals": int(x.number(x.text(a, "correctanswerlength") or "2") or 0),
        }
        if x.text(a, "tolerancetype") == "1":
            body["tolerance_percent"] = _plain(round(abs(tol) * 100, 10))
        else:
            if x.text(a, "tolerancetype") == "3":
                x.warn("a geometric tolerance is read as an absolute one")
            body["tolerance"] = _plain(abs(tol))
        for u in x.qe.findall("units/unit"):
            if x.number(x.text(u, "multiplier") or "1") == 1:
                body["unit"] = x.text(u, "unit_name")
                break
        b = x.qe.find("mesolearn_bounds")
        if b is not None:
            body["bounds"] = {k: _plain(float(v)) for k, v in b.attrib.items() if k in ("min", "max")}
        return body

    def meta(self, q: Calculated) -> dict:
        return {}


def _decimals(step: float) -> int:
    text = repr(float(step))
    return 0 if float(step).is_integer() else len(text.split(".")[1]) if "." in text and "e" not in text else 6


_IDENT = re.compile(r"(?<![\w.{])([A-Za-z_]\w*)(?!\s*\()")


def to_moodle(formula: str, variables: Any) -> str:
    """``length * sin(a * pi / 180)`` -> ``{length} * sin({a} * pi() / 180)`` (Moodle's formula syntax)."""

    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name in variables:
            return "{" + name + "}"
        return {"pi": "pi()", "e": "exp(1)"}.get(name, name)

    return _IDENT.sub(sub, formula)


def from_moodle(formula: str) -> str:
    """The reverse of :func:`to_moodle`."""
    text = re.sub(r"\{([A-Za-z_]\w*)\}", r"\1", formula)
    text = re.sub(r"\bpi\(\s*\)", "pi", text)
    return re.sub(r"\bexp\(\s*1\s*\)", "e", text)


TYPE = CalculatedType()
