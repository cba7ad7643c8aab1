"""Reading a course folder's files: YAML that remembers the line of every key and list
item, and the problems found, each naming its file and line.

The course format is described in courses/README.md; course_checks and quiz_checks read
it with these helpers, and sync writes what they accept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# --- problems -----------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


class Problems:
    """Collects the problems of one course, each with its file and line."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: list[Problem] = []

    def add(self, path: Path, line: int | None, message: str) -> None:
        try:
            shown = path.relative_to(self.root.parent)
        except ValueError:
            shown = path
        self.items.append(Problem(str(shown), line, message))

    def __bool__(self) -> bool:
        return bool(self.items)


# --- YAML that remembers lines ------------------------------------------------------


class LinedDict(dict):
    line: int = 0
    key_lines: dict


class LinedList(list):
    line: int = 0
    item_lines: list


class YamlProblem(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml(text: str, *, first_line: int = 1) -> Any:
    """Parse YAML keeping each mapping key's and list item's line (1-based, in the file)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return _build(loader, node, first_line - 1)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + first_line if mark else None
        raise YamlProblem(line, f"not valid YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise YamlProblem(None, f"not valid YAML: {error}") from None
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader, node, offset: int) -> Any:
    if node is None:
        return None
    line = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.MappingNode):
        result = LinedDict()
        result.line, result.key_lines = line, {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, offset)
            key_line = key_node.start_mark.line + 1 + offset
            if not isinstance(key, str):
                raise YamlProblem(key_line, f"keys must be text, not {key!r}")
            if key in result:
                raise YamlProblem(key_line, f"`{key}` appears twice")
            result[key] = _build(loader, value_node, offset)
            result.key_lines[key] = key_line
        return result
    if isinstance(node, yaml.SequenceNode):
        result = LinedList()
        result.line = line
        result.item_lines = [item.start_mark.line + 1 + offset for item in node.value]
        result.extend(_build(loader, item, offset) for item in node.value)
        return result
    return loader.construct_object(node, deep=True)


def line_of(mapping, key: str) -> int:
    return mapping.key_lines.get(key, mapping.line) if isinstance(mapping, LinedDict) else 0


def is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def read_yaml(
    path: Path, problems: Problems, *, first_line: int = 1, text: str | None = None
) -> LinedDict | None:
    """A YAML file (or `text` found in it from `first_line` on) that must be a mapping."""
    if text is None:
        if not path.is_file():
            problems.add(path, None, "file is missing")
            return None
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.add(path, None, "not UTF-8 text")
            return None
    try:
        data = load_yaml(text, first_line=first_line)
    except YamlProblem as error:
        problems.add(path, error.line, error.message)
        return None
    if not isinstance(data, LinedDict):
        problems.add(path, first_line, "expected a mapping of keys to values")
        return None
    return data


def check_keys(path, data: LinedDict, problems, *, required: set, optional: set, what: str = ""):
    prefix = f"{what}: " if what else ""
    for key in data:
        if key not in required | optional:
            known = ", ".join(sorted(required | optional))
            problems.add(path, line_of(data, key), f"{prefix}unknown key `{key}` (known: {known})")
    for key in sorted(required - set(data)):
        problems.add(path, data.line, f"{prefix}`{key}` is required")


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line where the front matter starts) or None."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), 2
    return None
