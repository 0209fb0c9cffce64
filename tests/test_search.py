"""Search across lessons (mesolearn.content.search), as a trainee using the search box would notice it:
the right sections come first, accents and case do not matter, every word must match, the snippet shows the
match, and the index is built once per loaded course."""

from __future__ import annotations

from pathlib import Path

from mesolearn.content import Course, Module
from mesolearn.content.models import Lesson
from mesolearn.content.search import KEY_POINTS, MAX_QUERY, SearchIndex, index_for, terms


def lesson(module: str, order: int, sections: list[tuple[str, str, str]], key_points: list[str]) -> Lesson:
    return Lesson(
        module=module,
        title=f"Lesson {module}",
        order=order,
        summary="A summary.",
        estimated_minutes=10,
        objectives=[{"id": f"{module}-o1", "text": "An objective."}],
        sections=[{"id": i, "heading": h, "body": b} for i, h, b in sections],
        key_points=key_points,
        references=[{"id": "KT13", "citation": "A source.", "url": "https://example.org/"}],
    )


def small_course() -> Course:
    one = lesson(
        "alpha",
        1,
        [
            ("intro", "Where it began", "A **médecin** in Bray used procaine in 1952 [KT13]. " + "Filler. " * 60),
            ("dose", "Procaine doses", "Small doses, placed in the skin."),
            ("late", "Later years", "Nothing about the drug here. " * 40 + "At the very end: procaine again."),
        ],
        ["Procaine came first."],
    )
    two = lesson("beta", 2, [("other", "Vascular danger zones", "Avoid the vessels; necrosis is rare.")], ["Aspirate."])
    return Course(root=Path("."), modules={"alpha": Module(one, "a.yaml"), "beta": Module(two, "b.yaml")})


def marked(hit) -> list[str]:
    return [hit.snippet[a:b] for a, b in hit.marks]


def test_a_word_in_the_heading_ranks_first_then_key_points_then_the_body() -> None:
    hits = SearchIndex(small_course()).search("procaine")
    assert [(h.module_id, h.section_id) for h in hits] == [
        ("alpha", "dose"),  # heading
        ("alpha", KEY_POINTS),  # key point
        ("alpha", "intro"),  # body, in course order with the next
        ("alpha", "late"),
    ]


def test_case_accents_and_word_starts_match_and_every_word_is_needed() -> None:
    index = SearchIndex(small_course())
    assert [h.section_id for h in index.search("MEDECIN")] == ["intro"]
    assert [h.section_id for h in index.search("proca 1952")] == ["intro"]  # both words: only one section
    assert index.search("procaine zebra") == []
    assert index.search("caine") == []  # inside a word is not a match
    assert [h.module_id for h in index.search("the necrosis")] == ["beta"]  # "the" is ignored beside a real word


def test_the_snippet_is_plain_text_around_the_match_with_the_match_marked() -> None:
    index = SearchIndex(small_course())
    (intro,) = index.search("médecin")
    assert intro.snippet.startswith("A médecin in Bray used procaine in 1952 [KT13].")  # no Markdown markers
    assert marked(intro) == ["médecin"] and intro.snippet.endswith("…") and len(intro.snippet) < 200
    late = next(h for h in index.search("procaine") if h.section_id == "late")
    assert late.snippet.startswith("…") and late.snippet.endswith("procaine again.")
    assert marked(late) == ["procaine"]


def test_the_real_course_finds_the_section_that_explains_a_term() -> None:
    from mesolearn.content import load_course

    course = load_course(Path(__file__).resolve().parents[1])
    pistor = course.modules["history"].lesson
    section = next(s for s in pistor.sections if "Pistor" in s.heading or "Pistor" in s.body)
    hits = index_for(course).search("pistor")
    assert hits and hits[0].module_id == "history"
    assert section.id in {h.section_id for h in hits}
    assert all("pistor" in h.snippet.lower() for h in hits)


def test_a_hostile_or_huge_query_is_just_words() -> None:
    index = SearchIndex(small_course())
    assert index.search("<script>alert(1)</script>") == []
    assert index.search("") == [] and index.search("   ***  ") == []
    assert len(terms("procaine " * 1000)) == 1 and len(terms("word" + " x" * MAX_QUERY)) <= 10
    assert terms(" " * MAX_QUERY + "procaine") == []  # past the limit, not an error


def test_the_index_is_built_once_per_loaded_course() -> None:
    course = small_course()
    assert index_for(course) is index_for(course)
    assert index_for(small_course()) is not index_for(course)
