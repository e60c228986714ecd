"""Typed access to parsed YAML that reports the file and key path of any error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml


class KnowledgeBaseError(ValueError):
    """A knowledge-base file is missing, unreadable or not of the expected shape."""

    def __init__(self, file: Path | str, key: str, expected: str) -> None:
        self.file = str(file)
        self.key = key
        self.expected = expected
        where = f"{self.file}: {key}" if key else self.file
        super().__init__(f"{where}: {expected}")


def _type_name(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


@dataclass(frozen=True)
class Node:
    """A value inside a YAML file, with the path that leads to it."""

    file: Path
    key: str
    value: Any

    def fail(self, expected: str) -> KnowledgeBaseError:
        return KnowledgeBaseError(self.file, self.key, expected)

    def child(self, key: str | int, value: Any) -> Node:
        step = f"[{key}]" if isinstance(key, int) else (f".{key}" if self.key else key)
        return Node(self.file, f"{self.key}{step}", value)

    def mapping(self) -> dict[str, Any]:
        if not isinstance(self.value, dict):
            raise self.fail(f"expected a mapping, got {_type_name(self.value)}")
        return self.value

    def get(self, name: str, *, required: bool = True) -> Node:
        data = self.mapping()
        if name not in data and required:
            raise self.child(name, None).fail("is required but missing")
        return self.child(name, data.get(name))

    def has(self, name: str) -> bool:
        return name in self.mapping()

    def text(self) -> str:
        if not isinstance(self.value, str) or not self.value.strip():
            raise self.fail(f"expected a non-empty string, got {_type_name(self.value)}")
        return self.value.strip()

    def integer(self) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.fail(f"expected an integer, got {_type_name(self.value)}")
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail(f"expected true or false, got {_type_name(self.value)}")
        return self.value

    def items(self, *, allow_empty: bool = False) -> Iterator[Node]:
        if self.value is None and allow_empty:
            return iter(())
        if not isinstance(self.value, list) or (not self.value and not allow_empty):
            raise self.fail(f"expected a non-empty list, got {_type_name(self.value)}")
        return (self.child(i, v) for i, v in enumerate(self.value))

    def texts(self, *, allow_empty: bool = False) -> tuple[str, ...]:
        return tuple(node.text() for node in self.items(allow_empty=allow_empty))

    def text_or_texts(self) -> tuple[str, ...]:
        if isinstance(self.value, list):
            return self.texts()
        return (self.text(),)

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.mapping()) - allowed)
        if unknown:
            raise self.fail(f"unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def read_yaml(path: Path) -> Node:
    """Parse one YAML file into a root Node, turning parser errors into clear ones."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise KnowledgeBaseError(path, "", f"cannot be read ({error.strerror})") from error
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        raise KnowledgeBaseError(path, "", f"is not valid YAML ({where})") from error
    return Node(path, "", data)
