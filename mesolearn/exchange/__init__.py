"""Question exchange with Moodle: GIFT and Moodle XML, export and import.

The core of MesoLearn (no Streamlit here). Export turns a validated :class:`~mesolearn.content.models.Quiz`
into text Moodle imports into its question bank; import turns a Moodle file into a dict that
validates as a MesoLearn quiz, plus warnings for everything that could not be carried over exactly.
The command line is :func:`mesolearn.exchange.cli.main` (``python -m mesolearn exchange ...``).

Both formats are codecs over :mod:`.common` (the shared import pipeline); each question type writes and
reads its own part (its ``gift_*``/``xml_*`` hooks in :mod:`mesolearn.questions`). Decisions shared by
both formats (details in :mod:`.gift` and :mod:`.moodle_xml`):

- multiple response uses Moodle's multiple-answer weights +100/k % (each of the k correct options)
  and -100/k % (each wrong option), which is MesoLearn's partial-credit rule exactly;
- ordering becomes a matching question ``Position N -> item`` in GIFT (GIFT has no ordering type)
  and Moodle's ``ordering`` question type (absolute-position grading) in XML; both import back as
  ordering;
- MesoLearn-only fields (objective, section, references, difficulty, critical, scenario, unit)
  travel in a ``// mesolearn: {json}`` comment (GIFT) or as question tags (XML).
"""

from mesolearn.exchange.common import dump_quiz_yaml
from mesolearn.exchange.gift import GiftError, gift_to_quiz_dict, quiz_to_gift
from mesolearn.exchange.moodle_xml import MoodleXmlError, moodle_xml_to_quiz_dict, quiz_to_moodle_xml

__all__ = [
    "GiftError",
    "MoodleXmlError",
    "dump_quiz_yaml",
    "gift_to_quiz_dict",
    "moodle_xml_to_quiz_dict",
    "quiz_to_gift",
    "quiz_to_moodle_xml",
]
