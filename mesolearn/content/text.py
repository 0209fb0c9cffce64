"""Turning content Markdown into what the reader sees, without raw HTML."""

from __future__ import annotations

import re

from mesolearn.content.loader import CITATION
from mesolearn.content.models import Reference


def course_markdown(markdown: str) -> str:
    """Course text is never maths: a dollar sign is a dollar sign, not the start of LaTeX."""
    return re.sub(r"(?<!\\)\$", r"\\$", markdown)


def link_citations(markdown: str, references: list[Reference]) -> str:
    """[KT13] -> a Markdown link to the source, so every claim is one click from its reference."""
    markdown = course_markdown(markdown)
    urls = {r.id: r.url for r in references}

    def one(group: str) -> str:
        parts = [p.strip() for p in re.split(r"[;,]", group)]
        return "[" + "; ".join(f"[{p}]({urls[p]})" if p in urls else p for p in parts) + "]"

    return CITATION.sub(lambda m: one(m.group(1)), markdown)


def plain_text(markdown: str) -> str:
    """Markdown shown where it cannot be rendered (dropdown options): emphasis markers and link syntax dropped."""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", markdown)
    text = re.sub(r"(\*\*|\*|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    return re.sub(r"(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\1(?!\w)", r"\2", text)  # no intraword underscores
