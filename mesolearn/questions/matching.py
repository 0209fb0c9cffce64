"""Matching: pairs (2+) of a left and a right text; the trainee picks a right-hand text for each left.

Score: pairs matched correctly / pairs. Response: for each pair (original order) the index of the
right-hand side chosen, or None. Layout: ``lefts`` and ``rights`` shuffled separately, and never
lined up straight across the page. Moodle: ``matching`` (``<subquestion>``), ``{=left -> right}``
(GIFT). A matching question whose left sides are exactly ``Position 1..n`` is how ordering questions
travel (see :mod:`.ordering`); the ``type`` metadata keeps a real one matching.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mesolearn.content.models import QuestionBase, Strict, Text, _duplicates
from mesolearn.questions.base import NOT_MINE, Layout, QuestionType, QuestionView, display_slots, make_view

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

ORDERING_LABEL = "Position {n}"


class Pair(Strict):
    left: Text
    right: Text


class Matching(QuestionBase):
    type: Literal["matching"]
    pairs: list[Pair] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique_sides(self):
        for side in ("left", "right"):
            if dup := _duplicates([getattr(p, side) for p in self.pairs]):
                raise ValueError(f"two pairs have the same {side} side: {dup}")
        return self


def gift_pairs(a: Any) -> list[tuple[str, str]]:
    """(left, right) of a GIFT ``{=left -> right ...}`` block."""
    pairs = []
    for rel, part in a.pieces(a.text, "="):
        marker = part.find("->")
        if marker < 0:
            raise a.error("a matching pair needs '->' between its two sides (=left -> right)", rel)
        pairs.append((a.text_of(part[:marker]), a.unescape(part[marker + 2 :]).strip()))
    return pairs


def xml_pairs(x: Any) -> list[tuple[str, str]]:
    return [(x.text_of(sq, x.question_format), x.text(sq.find("answer"))) for sq in x.qe.findall("subquestion")]


def with_left_sides(ctx: Any, raw_pairs: list[tuple[str, str]]) -> list[dict]:
    """Moodle allows extra right-hand answers without a left side; MesoLearn has none: drop them."""
    pairs = [{"left": left, "right": right} for left, right in raw_pairs if left]
    if dropped := len(raw_pairs) - len(pairs):
        ctx.warn(f"{dropped} extra right-hand answer(s) without a left side were dropped")
    return pairs


def is_positions(pairs: list[dict]) -> bool:
    """Left sides exactly 'Position 1' .. 'Position n' (n >= 3): an ordering question travelling as matching."""
    return len(pairs) >= 3 and all(p["left"].strip() == ORDERING_LABEL.format(n=i + 1) for i, p in enumerate(pairs))


class MatchingType(QuestionType[Matching, list]):
    model = Matching
    order = 50
    decode_priority = 31
    xml_types = ("matching", "match")

    def stem_text(self, q: Matching) -> str:
        """A generic prompt ("put these in order"): the items state the fact."""
        return " ".join([q.prompt, *(f"{p.left} {p.right}" for p in q.pairs)])

    def example(self) -> dict:
        return {
            "type": "matching",
            "pairs": [
                {"left": "Epidermis", "right": "outer layer"},
                {"left": "Dermis", "right": "middle layer"},
                {"left": "Hypodermis", "right": "deep fat layer"},
            ],
        }

    def make_layout(self, q: Matching, rng: random.Random) -> Layout:
        lefts, rights = list(range(len(q.pairs))), list(range(len(q.pairs)))
        rng.shuffle(lefts)
        rng.shuffle(rights)
        while rights == lefts:  # never line every answer up straight across the page
            rng.shuffle(rights)
        return {"lefts": lefts, "rights": rights}

    def view(self, q: Matching, layout: Layout) -> QuestionView:
        return make_view(
            q, lefts=[q.pairs[i].left for i in layout["lefts"]], choices=[q.pairs[i].right for i in layout["rights"]]
        )

    def to_response(self, q: Matching, layout: Layout, shown: Any) -> list[int | None]:
        canonical: list[int | None] = [None] * len(q.pairs)
        for display_left, display_right in enumerate(shown):
            if display_right is not None:
                canonical[layout["lefts"][display_left]] = layout["rights"][display_right]
        return canonical

    def to_shown(self, q: Matching, layout: Layout, response: Any) -> list[int | None]:
        return [
            layout["rights"].index(response[left]) if response[left] is not None else None for left in layout["lefts"]
        ]

    def normalise(self, q: Matching, layout: Layout, raw: Any) -> list[int | None] | None:
        if raw is None:
            return None
        return self.to_response(q, layout, display_slots(raw, len(layout["lefts"]), len(layout["rights"])))

    def grade(self, q: Matching, response: Any) -> float:
        if not isinstance(response, list):
            return 0.0
        n = len(q.pairs)
        return sum(1 for i, chosen in enumerate(response[:n]) if chosen == i) / n

    def correct_response(self, q: Matching) -> list[int]:
        return list(range(len(q.pairs)))

    def wrong_response(self, q: Matching) -> list[int]:
        n = len(q.pairs)
        return [(i + 1) % n for i in range(n)]

    def is_answered(self, q: Matching, response: Any) -> bool:
        return isinstance(response, list) and any(r is not None for r in response)

    def incomplete(self, q: Matching, response: Any) -> str | None:
        if not isinstance(response, list):
            return None
        matched = sum(1 for r in response[: len(q.pairs)] if r is not None)
        return None if matched >= len(q.pairs) else f"{matched} of {len(q.pairs)} items are matched."

    def random_guess_score(self, q: Matching) -> float:
        return 1 / len(q.pairs)  # a random permutation has one fixed point on average

    def answer_text(self, q: Matching) -> str:
        return "; ".join(f"{p.left} → {p.right}" for p in q.pairs)

    def response_text(self, q: Matching, response: Any) -> str:
        return "; ".join(
            f"{p.left} → {q.pairs[r].right if r is not None else '?'}" for p, r in zip(q.pairs, response, strict=False)
        )

    # ------------------------------------------------------------ Moodle
    def gift_encode(self, q: Matching, head: str) -> list[str]:
        from mesolearn.exchange.gift import gift_escape, gift_matching_left

        return [head + "{"] + [f"\t={gift_matching_left(p.left)} -> {gift_escape(p.right)}" for p in q.pairs]

    def gift_decode(self, a: Any) -> dict | None:
        if "=" not in a.text or "->" not in a.text:
            return NOT_MINE
        return {"type": self.name, "prompt": a.prompt, "pairs": with_left_sides(a, gift_pairs(a))}

    def xml_encode(self, q: Matching, qe: ET.Element, x: Any) -> str:
        x.pairs(qe, [(p.left, p.right) for p in q.pairs], shuffle=True)
        return "matching"

    def xml_decode(self, x: Any) -> dict | None:
        return {"type": self.name, "prompt": x.prompt, "pairs": with_left_sides(x, xml_pairs(x))}

    def adopt(self, body: dict) -> dict | None:
        """A real matching question with 'Position N' left sides was read as ordering: restore it."""
        if "items" not in body:
            return None
        pairs = [{"left": ORDERING_LABEL.format(n=i + 1), "right": it} for i, it in enumerate(body["items"])]
        rest = {k: v for k, v in body.items() if k not in ("type", "items")}
        return {"type": self.name, **rest, "pairs": pairs}


TYPE = MatchingType()
