"""The one interface every question type implements (relate's ``PageBase``, PrairieLearn's element).

A question type is one module in this package holding its pydantic content model and one
``QuestionType`` subclass instance named ``TYPE``. Everything the rest of MesoLearn does with a
question goes through these hooks; nothing outside this package (and the Streamlit renderers in
``mesolearn/ui/inputs/``) looks at a type's name. The rules:

- **Responses are canonical**: option ids, original item indices, a bool, a float; never display
  positions. ``to_response``/``to_shown`` translate display positions on the server, so no answer key
  or original order reaches the page. ``None`` always means "no answer".
- ``normalise`` turns a *raw widget value* (what the browser sent: display positions, or text) into a
  canonical response, or raises :class:`ResponseError` with a message for the trainee. Values that
  cannot have come from the widgets (a crafted radio value, a number that is not finite, a 5,000-digit
  string) are refused here, so they are never stored.
- ``grade`` returns a score in [0, 1] (a question is worth 1 point). The dispatcher in
  :mod:`mesolearn.quiz.grading` turns any exception from a malformed stored response into 0.
- ``view`` is the browser-safe :class:`QuestionView`: texts in display order, no key.
- The codec hooks (``gift_*``, ``xml_*``) carry the type to and from Moodle; the exchange modules
  pass them a context object (see :mod:`mesolearn.exchange.gift` and :mod:`mesolearn.exchange.moodle_xml`).
  A decoder returns the question's body dict, ``None`` (skipped, a warning was written) or
  :data:`NOT_MINE` (this syntax belongs to another type).
- Test support: ``example()`` is a valid sample of the type (used by the contract test and the
  docs) and ``wrong_response`` is a full answer that scores 0.
- Step-by-step types (``stepwise``, the branching case): the view depends on the answer saved so far
  (``view_for``), each step is saved at once and is final (``accepts`` refuses any other change), and
  ``critical_failed`` says whether a response fails a graded attempt under the critical-item rules.
"""

from __future__ import annotations

import random
import typing
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from mesolearn.content.models import QuestionBase

if TYPE_CHECKING:  # the exchange toolkits, passed in at call time (no import cycle)
    import xml.etree.ElementTree as ET

    from mesolearn.exchange.gift import GiftAnswer
    from mesolearn.exchange.moodle_xml import XmlQuestion

Layout = dict[str, list]
M = TypeVar("M", bound=QuestionBase)
R = TypeVar("R")


class ResponseError(ValueError):
    """A widget value that cannot be an answer; the message is shown to the trainee as it is."""


class _NotMine:
    def __repr__(self) -> str:
        return "NOT_MINE"


NOT_MINE: Any = _NotMine()  # a decoder's "this Moodle syntax is another type's"


@dataclass(frozen=True)
class QuestionView:
    """What the page may show for one question: no answer, no original order."""

    id: str
    type: str
    prompt: str
    choices: list[str]  # single/multiple: option texts; matching: right-hand texts; in display order
    lefts: list[str]  # matching: left-hand texts, display order
    items: list[str]  # ordering: item texts, shuffled display order
    unit: str = ""
    critical: bool = False
    stages: list[StageView] = field(default_factory=list)  # case: the walked stages, then the current one


@dataclass(frozen=True)
class StageView:
    """One stage of a branching case as the page may show it: ``chosen`` is the decision made there (its text),
    None for the stage waiting for a decision (whose choices are the view's ``choices``)."""

    id: str
    title: str
    text: str
    question: str
    chosen: str | None = None


@dataclass(frozen=True)
class ChoiceOption:
    """One option of a question that has options, for item analysis (option frequencies)."""

    id: str
    text: str
    correct: bool


def make_view(
    q: QuestionBase,
    *,
    choices: list[str] | None = None,
    lefts: list[str] | None = None,
    items: list[str] | None = None,
    unit: str = "",
) -> QuestionView:
    qtype: str = q.type  # type: ignore[attr-defined]
    return QuestionView(
        q.id, qtype, q.prompt, list(choices or []), list(lefts or []), list(items or []), unit, q.critical
    )


def display_index(raw: Any, n: int) -> int:
    """A display position sent by a widget: an int in range, else :class:`ResponseError`."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw < n:
        raise ResponseError("That is not one of the choices shown; choose again.")
    return raw


def display_slots(raw: Any, n: int, choices: int) -> list[int | None]:
    """A list of ``n`` display positions (each in ``range(choices)`` or None)."""
    if not isinstance(raw, (list, tuple)) or len(raw) != n:
        raise ResponseError("That answer does not fit the question; choose again.")
    return [None if v is None else display_index(v, choices) for v in raw]


class QuestionType(ABC, Generic[M, R]):
    """One kind of question. Subclasses set ``model`` and implement every abstract hook."""

    model: ClassVar[type[QuestionBase]]
    order: ClassVar[int] = 100  # position in QUESTION_TYPES (listings, reports)
    decode_priority: ClassVar[int] = 100  # Moodle import: lower decoders are asked first
    xml_types: ClassVar[tuple[str, ...]] = ()  # Moodle XML question types this type may read
    # fields a GIFT export without the ``// mesolearn:`` comment cannot carry (the shared MesoLearn fields
    # never travel without it; they come from the import arguments)
    plain_gift_loses: ClassVar[frozenset[str]] = frozenset()
    # a single-best-answer type: one keyed answer, no partial credit; only these may be ``critical`` (item-writing
    # rule: any score below 1 of a critical item fails the exam, so partial-credit types must not be critical)
    single_best_answer: ClassVar[bool] = False
    # answered in steps (a branching case): each step is saved at once and is final, the view shows only the steps
    # walked so far and the next one, and a practice step is saved (not held back for a "Check answer" button)
    stepwise: ClassVar[bool] = False

    @property
    def may_be_critical(self) -> bool:
        """Whether ``critical: true`` is allowed on this type (item-writing rule): single-best-answer types, and
        types whose critical rule is their own (:meth:`critical_failed`)."""
        return self.single_best_answer

    @property
    def name(self) -> str:
        """The ``type:`` value authors write, taken from the model's ``Literal`` (one source)."""
        (value,) = typing.get_args(self.model.model_fields["type"].annotation)
        return value

    def __repr__(self) -> str:
        return f"<question type {self.name}>"

    # ------------------------------------------------------------ content
    @abstractmethod
    def example(self) -> dict:
        """A valid question of this type as authors write it (without the shared fields)."""

    def sample(self) -> M:
        """:meth:`example` with the shared fields filled in: a complete, valid question."""
        shared = {
            "id": "sample-" + self.name.replace("_", "-"),
            "prompt": "A sample question?",
            "explanation": "Because the sample says so [R1].",
            "references": ["R1"],
            "objective": "sample",
            "section": "sample",
            "difficulty": "easy",
        }
        return self.model.model_validate({**shared, **self.example()})  # type: ignore[return-value]

    # ------------------------------------------------------------ drawing and the page
    @abstractmethod
    def make_layout(self, q: M, rng: random.Random) -> Layout:
        """The per-attempt shuffle (stored with the attempt)."""

    @abstractmethod
    def view(self, q: M, layout: Layout) -> QuestionView:
        """Browser-safe: texts in display order, no key."""

    def view_for(self, q: M, layout: Layout, response: Any) -> QuestionView:
        """The view for the answer saved so far: the same as :meth:`view` unless the type shows its question a
        step at a time (a case shows the stages walked and the current one, nothing of a later stage)."""
        return self.view(q, layout)

    def accepts(self, q: M, old: Any, new: Any) -> str | None:
        """Why ``new`` may not replace the saved ``old`` response (a message for the trainee), or None. By default
        any answer may change until submission; a case refuses anything but the saved path plus one decision."""
        return None

    def critical_failed(self, q: M, response: Any, score: float) -> bool:
        """Whether this response fails a graded attempt under the critical-item rules: by default a critical
        question scoring below 1 (``score`` is the response's grade)."""
        return q.critical and score < 1.0

    def export_warning(self, q: M) -> str | None:
        """What a Moodle export of this question cannot carry, in plain words (printed by the exporter), or None."""
        return None

    def prompt_for(self, q: M, layout: Layout) -> str:
        """The prompt as the view shows it for ``layout``: the prompt as written, unless the draw fills it in."""
        return q.prompt

    @abstractmethod
    def to_response(self, q: M, layout: Layout, shown: Any) -> R | None:
        """Display positions -> canonical response (``shown`` is not None)."""

    @abstractmethod
    def to_shown(self, q: M, layout: Layout, response: Any) -> Any:
        """Canonical response -> display positions; raise (ValueError, IndexError, TypeError) if stale."""

    @abstractmethod
    def normalise(self, q: M, layout: Layout, raw: Any) -> R | None:
        """Raw widget value -> canonical response, or :class:`ResponseError`."""

    # ------------------------------------------------------------ grading
    @abstractmethod
    def grade(self, q: M, response: Any) -> float:
        """Score in [0, 1]; may raise on a malformed response (the dispatcher scores that 0)."""

    @abstractmethod
    def correct_response(self, q: M) -> R:
        """The full-marks answer, canonical."""

    @abstractmethod
    def wrong_response(self, q: M) -> R:
        """A complete answer that scores 0 (test support, previews)."""

    def correct_for(self, q: M, layout: Layout) -> R:
        """The full-marks answer to the question as drawn in ``layout``: the same as :meth:`correct_response`
        unless the draw changes the answer (a calculated question's numbers). Test drivers answer with it."""
        return self.correct_response(q)

    def wrong_for(self, q: M, layout: Layout) -> R:
        """A complete answer scoring 0 to the question as drawn in ``layout`` (see :meth:`correct_for`)."""
        return self.wrong_response(q)

    @abstractmethod
    def is_answered(self, q: M, response: Any) -> bool:
        """Whether the trainee gave an answer (``None`` never is)."""

    def incomplete(self, q: M, response: Any) -> str | None:
        """Why an answered response is not a whole answer yet (a row left empty, an item used twice), in words for
        the trainee; None when it is whole. Practice checks and the submit summary use it."""
        return None

    @abstractmethod
    def random_guess_score(self, q: M) -> float:
        """Expected score of a blind guess, for item analysis."""

    @abstractmethod
    def answer_text(self, q: M) -> str:
        """The correct answer in words, for the review."""

    @abstractmethod
    def response_text(self, q: M, response: Any) -> str:
        """An answered response in words; may raise on a malformed one."""

    # ------------------------------------------------------------ item analysis (types with options)
    def choice_options(self, q: M) -> list[ChoiceOption] | None:
        """The options in the question's order, or None when the type has no options."""
        return None

    def chosen_options(self, response: Any) -> list[str]:
        """Option ids a stored (JSON-decoded) response chose; [] for a blank or unreadable one."""
        return []

    # True when the options a response chose can only be read with its question at hand (a case's path: choice ids
    # are unique per stage only); item analysis then calls :meth:`chosen_in` question by question
    options_need_question: ClassVar[bool] = False

    def chosen_in(self, q: M, response: Any) -> list[str]:
        """The ids (as :meth:`choice_options` names them) a stored response to ``q`` chose."""
        return self.chosen_options(response)

    # ------------------------------------------------------------ item-writing checks
    def stem_text(self, q: M) -> str:
        """The text that states the tested fact, for near-duplicate detection: by default the prompt."""
        return q.prompt

    def distractors(self, q: M) -> list[tuple[tuple, str]]:
        """Texts a test-wise trainee could rule out by their wording (absolute words), with their place in the
        question's YAML: by default the options that are not keyed."""
        options = self.choice_options(q) or []
        return [(("options", j), o.text) for j, o in enumerate(options) if not o.correct]

    def more_references(self, q: M) -> list[tuple[tuple, list[str]]]:
        """Reference ids named inside the question besides its ``references`` (a case's choices), each with its
        place in the question's YAML; the loader checks they are in the lesson. By default none."""
        return []

    # ------------------------------------------------------------ Moodle exchange
    @abstractmethod
    def gift_encode(self, q: M, head: str) -> list[str]:
        """GIFT lines of the question: ``head`` is ``::id::[markdown]prompt``; the exporter adds
        the general feedback and the closing brace."""

    def gift_preamble(self, q: M) -> list[str]:
        """``//`` comment lines written before the question's metadata comment (e.g. how it is encoded)."""
        return []

    @abstractmethod
    def gift_decode(self, a: GiftAnswer) -> dict | None:
        """Body (type, prompt and the type's fields) from a GIFT answer block, None, or NOT_MINE."""

    def gift_decode_essay(self, a: GiftAnswer) -> dict | None:
        """Body from a GIFT essay (an empty answer block ``{}``), None, or NOT_MINE (the default: Moodle essays are
        not MesoLearn questions, except a case written as one with its definition in a comment)."""
        return NOT_MINE

    @abstractmethod
    def xml_encode(self, q: M, qe: ET.Element, x: XmlQuestion) -> str:
        """Write the type's own elements into ``<question>`` ``qe``; return the Moodle type name."""

    @abstractmethod
    def xml_decode(self, x: XmlQuestion) -> dict | None:
        """Body from a Moodle XML ``<question>`` (one of ``xml_types``), None, or NOT_MINE."""

    def xml_penalty(self, q: M) -> str:
        """Moodle's penalty for each wrong try (MesoLearn has none; kept as Moodle's default)."""
        return "0.3333333"

    def meta(self, q: M) -> dict:
        """Fields Moodle has no place for, written into the ``// mesolearn:`` GIFT comment."""
        return {}

    def apply_meta(self, body: dict, meta: dict) -> None:
        """Put the fields of :meth:`meta` back into an imported body."""

    def adopt(self, body: dict) -> dict | None:
        """The metadata says this type but the file's syntax decoded as another: rebuild, or None."""
        return None
