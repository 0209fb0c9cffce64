"""A small, safe evaluator for the formulas of calculated questions (never Python's ``eval``).

A formula is parsed once with :mod:`ast` and accepted only if every node is one of: a number, a declared
variable name, the constants ``pi`` and ``e``, the operators ``+ - * / **`` and unary ``-``/``+``
(parentheses are grouping), and calls of the whitelisted functions in :data:`FUNCTIONS` by their plain name
with positional arguments. Anything else (attribute access, subscripts, other names such as ``__import__``,
keyword arguments, comprehensions, strings, comparisons) is refused with a :class:`FormulaError` that names
what was found. Evaluation is in floats; an exponent larger than :data:`MAX_EXPONENT` in magnitude, a division
by zero, a math domain error or a non-finite result is a :class:`FormulaError` too, so a formula can never
hang the server or produce NaN.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

MAX_CHARS = 500
MAX_NODES = 200
MAX_EXPONENT = 100.0
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
# name -> (function, fewest arguments, most arguments or None for any number)
FUNCTIONS: dict[str, tuple[Callable[..., float], int, int | None]] = {
    "sin": (math.sin, 1, 1),
    "cos": (math.cos, 1, 1),
    "tan": (math.tan, 1, 1),
    "asin": (math.asin, 1, 1),
    "acos": (math.acos, 1, 1),
    "atan": (math.atan, 1, 1),
    "sqrt": (math.sqrt, 1, 1),
    "log": (math.log, 1, 2),
    "exp": (math.exp, 1, 1),
    "abs": (abs, 1, 1),
    "min": (min, 1, None),
    "max": (max, 1, None),
    "round": (lambda x, n=0: float(round(x, int(n))), 1, 2),
}
RESERVED = frozenset(CONSTANTS) | frozenset(FUNCTIONS)
_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


class FormulaError(ValueError):
    """A formula that is not allowed, or that cannot be evaluated for the given values."""


@dataclass(frozen=True)
class Formula:
    """A checked formula: :meth:`evaluate` computes it for one set of variable values."""

    text: str
    tree: ast.Expression
    names: frozenset[str]  # the declared variables it may use

    def used(self) -> set[str]:
        return {n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name) and n.id in self.names}

    def evaluate(self, values: Mapping[str, float]) -> float:
        try:
            result = _eval(self.tree.body, values)
        except ZeroDivisionError:
            raise FormulaError("division by zero") from None
        except OverflowError:
            raise FormulaError("the result is too large (overflow)") from None
        except (ValueError, TypeError) as exc:
            if isinstance(exc, FormulaError):
                raise
            raise FormulaError(f"math domain error ({exc})") from None
        if not math.isfinite(result):
            raise FormulaError("the result is not a finite number")
        return result


def compile_formula(text: str, names: Iterable[str]) -> Formula:
    """Parse and check ``text``; ``names`` are the declared variables. :class:`FormulaError` if refused."""
    declared = frozenset(names)
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("the formula is empty")
    if len(text) > MAX_CHARS:
        raise FormulaError(f"the formula is too long (at most {MAX_CHARS} characters)")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"the formula is not a valid expression ({exc.msg})") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError(f"the formula is too complex (more than {MAX_NODES} parts)")
    for node in nodes:
        _check(node, declared)
    return Formula(text, tree, declared)


def _check(node: ast.AST, declared: frozenset[str]) -> None:
    if isinstance(node, (ast.Expression, ast.Load, ast.USub, ast.UAdd, *_OPS)):
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise FormulaError(f"only numbers may appear in a formula, not {node.value!r}")
        return
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, _OPS):
            raise FormulaError(f"the operator {type(node.op).__name__} is not allowed (use + - * / **)")
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise FormulaError(f"the operator {type(node.op).__name__} is not allowed")
        return
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            return  # checked as the callee of its Call (a bare function name is refused at evaluation)
        if node.id not in declared and node.id not in CONSTANTS:
            raise FormulaError(f"'{node.id}' is not a declared variable, nor one of the constants pi, e")
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            what = node.func.id if isinstance(node.func, ast.Name) else "that expression"
            raise FormulaError(f"calling {what} is not allowed; the functions are: {', '.join(FUNCTIONS)}")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise FormulaError(f"{node.func.id}() takes plain positional arguments only")
        _, low, high = FUNCTIONS[node.func.id]
        if len(node.args) < low or (high is not None and len(node.args) > high):
            raise FormulaError(f"{node.func.id}() is given {len(node.args)} argument(s)")
        return
    if isinstance(node, ast.Attribute):
        raise FormulaError("attribute access (a dot after a name) is not allowed in a formula")
    if isinstance(node, ast.Subscript):
        raise FormulaError("subscripts ([...]) are not allowed in a formula")
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula")


def _eval(node: ast.AST, values: Mapping[str, float]) -> float:
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, (int, float)):  # unreachable after _check (numbers only)
            raise FormulaError(f"only numbers may appear in a formula, not {node.value!r}")
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise FormulaError(f"{node.id} is a function: call it as {node.id}(...)")
        if node.id not in values:
            raise FormulaError(f"no value for '{node.id}'")
        return float(values[node.id])
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, values)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, values), _eval(node.right, values)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        if isinstance(node.op, ast.Div):
            return a / b
        if abs(b) > MAX_EXPONENT:
            raise FormulaError(f"an exponent of {b:g} is too large (at most {MAX_EXPONENT:g})")
        result = a**b
        if isinstance(result, complex):
            raise FormulaError("a negative number to a fractional power is not a real number")
        return result
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        fn = FUNCTIONS[node.func.id][0]
        return float(fn(*[_eval(a, values) for a in node.args]))
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula")  # unreachable after _check
