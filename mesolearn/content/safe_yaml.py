"""Safe YAML with line numbers.

PyYAML's SafeLoader already refuses Python tags. On top of it we refuse aliases (no alias bombs,
and course files never need them), files over a size limit, and we keep the line of every node so
that a validation error can point at ``file:line``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1_000_000

Path_ = tuple[Any, ...]


class YamlProblem(Exception):
    """A file that is not acceptable YAML; carries the 1-based line when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlProblem("anchors and aliases (*name) are not allowed in course files", event.start_mark.line + 1)
        return super().compose_node(parent, index)


def _index_lines(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            _index_lines(value_node, path + (key,), lines)
            # Point a missing/unknown key error at the key itself.
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, path + (i,), lines)


def load_yaml(path: Path) -> tuple[Any, dict[Path_, int]]:
    """Parse one file; returns (data, line map from key path to line). Raises YamlProblem."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise YamlProblem(f"file is {size:,} bytes; the limit is {MAX_BYTES:,}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlProblem(f"not UTF-8 text ({exc.reason})") from None
    loader = _NoAliasLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[Path_, int] = {}
        _index_lines(node, (), lines)
        data = loader.construct_document(node)
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        if "could not determine a constructor" in msg:
            msg = "tags such as !!python/... are not allowed (" + msg + ")"
        raise YamlProblem(msg, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(str(exc)) from None
    finally:
        loader.dispose()
    return data, lines


def line_for(lines: dict[Path_, int], loc: Path_) -> int | None:
    """The line of the deepest existing node on ``loc`` (pydantic locations may go deeper)."""
    path: Path_ = ()
    best = lines.get(())
    for part in loc:
        candidate = path + (part,)
        if candidate in lines:
            path = candidate
            best = lines[path]
        # parts not in the file (e.g. a discriminator tag or a missing field) are skipped
    return best
