"""Ordering: items (3+) written in the correct order, shown shuffled (never in the correct order).

Score: items in their correct absolute position / items. Response: the original item indices in the
order the trainee put them (None for a position not filled in yet).
Moodle: XML ``ordering`` (qtype_ordering, standard from Moodle 4.4) with absolute-position grading,
or with ``ordering_as="matching"`` a matching question ``Position N -> item``; GIFT has no ordering
type, so it is always written as that matching question, which Moodle scores the same way.
Importing a matching question whose left sides are exactly ``Position 1..n`` gives an ordering one.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mesolearn.content.models import QuestionBase, Text, _duplicates
from mesolearn.questions.base import NOT_MINE, Layout, QuestionType, QuestionView, display_slots, make_view
from mesolearn.questions.matching import ORDERING_LABEL, gift_pairs, is_positions, with_left_sides, xml_pairs

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET


class Ordering(QuestionBase):
    type: Literal["ordering"]
    items: list[Text] = Field(min_length=3)

    @model_validator(mode="after")
    def _unique_items(self):
        if dup := _duplicates(list(self.items)):
            raise ValueError(f"items repeat: {dup}")
        return self


class OrderingType(QuestionType[Ordering, list]):
    model = Ordering
    order = 60
    decode_priority = 30  # before matching: 'Position 1..n' pairs are ours
    xml_types = ("ordering", "matching", "match")

    def stem_text(self, q: Ordering) -> str:
        """A generic prompt ("put these in order"): the items state the fact."""
        return " ".join([q.prompt, *q.items])

    def example(self) -> dict:
        return {"type": "ordering", "items": ["Wash hands", "Disinfect the skin", "Inject", "Apply a dressing"]}

    def make_layout(self, q: Ordering, rng: random.Random) -> Layout:
        items = list(range(len(q.items)))
        while items == sorted(items):  # never show the answer as the starting order
            rng.shuffle(items)
        return {"items": items}

    def view(self, q: Ordering, layout: Layout) -> QuestionView:
        return make_view(q, items=[q.items[i] for i in layout["items"]])

    def to_response(self, q: Ordering, layout: Layout, shown: Any) -> list[int | None]:
        return [layout["items"][i] if i is not None else None for i in shown]

    def to_shown(self, q: Ordering, layout: Layout, response: Any) -> list[int | None]:
        return [layout["items"].index(i) if i is not None else None for i in response]

    def normalise(self, q: Ordering, layout: Layout, raw: Any) -> list[int | None] | None:
        if raw is None:
            return None
        n = len(layout["items"])
        return self.to_response(q, layout, display_slots(raw, n, n))

    def grade(self, q: Ordering, response: Any) -> float:
        if not isinstance(response, list):
            return 0.0
        n = len(q.items)
        return sum(1 for pos, item in enumerate(response[:n]) if item == pos) / n

    def correct_response(self, q: Ordering) -> list[int]:
        return list(range(len(q.items)))

    def wrong_response(self, q: Ordering) -> list[int]:
        n = len(q.items)
        return [(i + 1) % n for i in range(n)]

    def is_answered(self, q: Ordering, response: Any) -> bool:
        return response is not None

    def incomplete(self, q: Ordering, response: Any) -> str | None:
        if not isinstance(response, list):
            return None
        filled = [r for r in response if r is not None]
        if len(filled) != len(set(filled)):
            return "The same item is in two positions: each item goes in exactly one position."
        if len(filled) < len(q.items):
            return f"{len(filled)} of {len(q.items)} positions are filled."
        return None

    def random_guess_score(self, q: Ordering) -> float:
        return 1 / len(q.items)  # expected fixed points of a random permutation / n

    def answer_text(self, q: Ordering) -> str:
        return " → ".join(q.items)

    def response_text(self, q: Ordering, response: Any) -> str:
        return " → ".join(q.items[i] if i is not None else "?" for i in response)

    # ------------------------------------------------------------ Moodle
    def gift_encode(self, q: Ordering, head: str) -> list[str]:
        from mesolearn.exchange.gift import gift_escape

        return [head + "{"] + [
            f"\t={ORDERING_LABEL.format(n=i + 1)} -> {gift_escape(item)}" for i, item in enumerate(q.items)
        ]

    def gift_preamble(self, q: Ordering) -> list[str]:
        return [
            "// ordering question exported as a matching question (Position N -> item): Moodle scores correct "
            "matches / n, as MesoLearn scores items in their correct position / n"
        ]

    def gift_decode(self, a: Any) -> dict | None:
        if "=" not in a.text or "->" not in a.text:
            return NOT_MINE
        pairs = with_left_sides(a, gift_pairs(a))
        if not is_positions(pairs):
            return NOT_MINE
        return {"type": self.name, "prompt": a.prompt, "items": [p["right"] for p in pairs]}

    def xml_encode(self, q: Ordering, qe: ET.Element, x: Any) -> str:
        if x.ordering_as == "matching":
            # Moodle shuffles the stems when shuffleanswers is on (the choices always): keep Position 1..n in order
            x.pairs(qe, [(ORDERING_LABEL.format(n=i + 1), item) for i, item in enumerate(q.items)], shuffle=False)
            return "matching"
        for tag, value in (
            ("layouttype", "VERTICAL"),
            ("selecttype", "ALL"),
            ("selectcount", str(len(q.items))),
            ("gradingtype", "ABSOLUTE_POSITION"),
            ("showgrading", "SHOW"),
            ("numberingstyle", "none"),
        ):
            x.sub(qe, tag, value)
        x.combined_feedback(qe, shownumcorrect=True)
        for i, item in enumerate(q.items, start=1):
            x.answer(qe, str(i), item)
        return "ordering"

    def xml_decode(self, x: Any) -> dict | None:
        if x.qtype != "ordering":
            pairs = with_left_sides(x, xml_pairs(x))
            if not is_positions(pairs):
                return NOT_MINE
            return {"type": self.name, "prompt": x.prompt, "items": [p["right"] for p in pairs]}
        grading = x.text(x.qe.find("gradingtype"), "").upper()
        if grading not in ("ABSOLUTE_POSITION", "ABSOLUTE", "ABS", "1"):
            x.warn(
                f"Moodle grading type '{grading or 'default'}' becomes MesoLearn's rule (items in their correct "
                f"position / n)"
            )
        select = x.text(x.qe.find("selecttype"), "").upper()
        if select not in ("ALL", "EXACT", "0", ""):
            x.warn(f"Moodle shows a subset of the items ({select}); MesoLearn shows them all")
        items = [x.text_of(a, x.question_format) for a in x.qe.findall("answer")]
        return {"type": self.name, "prompt": x.prompt, "items": items}


TYPE = OrderingType()
