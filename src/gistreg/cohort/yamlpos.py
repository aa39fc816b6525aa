"""YAML with line numbers, so that a study spec's errors can say where they are.

:func:`load` parses a YAML document into :class:`Node` objects that keep the 1-based line of every value;
:class:`Node` offers typed accessors that raise :class:`~gistreg.core.errors.SpecError` with
``<file> line <n>: <what is wrong> (<what is allowed>)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from gistreg.core.errors import SpecError


@dataclass(frozen=True, slots=True)
class Node:
    """A YAML value with its position.

    ``value`` is a ``dict[str, Node]``, a ``list[Node]`` or a scalar (str, int, float, bool, date, None).
    """

    value: Any
    line: int
    file: str
    path: str

    def fail(self, message: str) -> SpecError:
        """A :class:`SpecError` located at this node."""
        return SpecError(f"{self.file} line {self.line}, {self.path}: {message}")

    # -- mappings -----------------------------------------------------------------------------------
    def mapping(self, *, allowed: Sequence[str] | None = None, required: Sequence[str] = ()) -> dict[str, Node]:
        """This node as a mapping; unknown keys (when ``allowed`` is given) and missing required keys fail."""
        if not isinstance(self.value, dict):
            raise self.fail(f"expected a mapping of keys, got {_kind(self.value)}")
        m: dict[str, Node] = self.value
        if allowed is not None:
            for key, node in m.items():
                if key not in allowed:
                    raise node.fail(f"unknown key {key!r} (allowed: {', '.join(allowed)})")
        for key in required:
            if key not in m:
                raise self.fail(f"missing required key {key!r}")
        return m

    def get(self, key: str) -> Node | None:
        """Child ``key`` of a mapping node, or ``None``."""
        return self.mapping().get(key)

    # -- sequences ----------------------------------------------------------------------------------
    def items(self) -> list[Node]:
        """This node as a list (a single scalar counts as a list of one)."""
        if isinstance(self.value, list):
            return list(self.value)
        if isinstance(self.value, dict):
            raise self.fail("expected a list, got a mapping")
        return [self]

    def __iter__(self) -> Iterator[Node]:
        return iter(self.items())

    # -- scalars ------------------------------------------------------------------------------------
    def text(self, *, choices: Sequence[str] | None = None) -> str:
        """This node as a string, optionally one of ``choices``."""
        if isinstance(self.value, dict | list) or self.value is None:
            raise self.fail(f"expected a text value, got {_kind(self.value)}")
        out = str(self.value)
        if choices is not None and out not in choices:
            raise self.fail(f"{out!r} is not allowed (allowed: {', '.join(choices)})")
        return out

    def number(self) -> float:
        """This node as a number."""
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise self.fail(f"expected a number, got {_kind(self.value)} {self.value!r}")
        return float(self.value)

    def integer(self) -> int:
        """This node as an integer."""
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.fail(f"expected a whole number, got {_kind(self.value)} {self.value!r}")
        return int(self.value)

    def boolean(self) -> bool:
        """This node as ``true``/``false``."""
        if not isinstance(self.value, bool):
            raise self.fail(f"expected true or false, got {self.value!r}")
        return self.value

    def date(self) -> dt.date:
        """This node as an ISO date (``YYYY-MM-DD``)."""
        if isinstance(self.value, dt.date):
            return self.value
        try:
            return dt.date.fromisoformat(str(self.value))
        except ValueError:
            raise self.fail(f"{self.value!r} is not a date (expected YYYY-MM-DD)") from None

    def plain(self) -> Any:
        """The value with all positions stripped (dicts, lists and scalars)."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return type(value).__name__


def _convert(node: yaml.Node, file: str, path: str, loader: yaml.SafeLoader) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Node] = {}
        for knode, vnode in node.value:
            key = str(loader.construct_object(knode, deep=True))
            if key in out:
                raise SpecError(f"{file} line {knode.start_mark.line + 1}, {path}: key {key!r} appears twice")
            child = _convert(vnode, file, f"{path}.{key}" if path else key, loader)
            # Report a value at its key's line: that is where the reader looks.
            out[key] = Node(child.value, knode.start_mark.line + 1, child.file, child.path)
        return Node(out, line, file, path or "(top)")
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(v, file, f"{path}[{i + 1}]", loader) for i, v in enumerate(node.value)],
                    line, file, path)
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, yaml.YAMLError) as exc:
        raise SpecError(f"{file} line {line}, {path}: {node.value!r} cannot be read ({exc})") from None
    return Node(value, line, file, path)


def load(text: str, file: str) -> Node:
    """Parse YAML ``text`` (from ``file``, used in messages) into positioned nodes."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{file}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    finally:
        loader.dispose()
    if root is None:
        raise SpecError(f"{file}: the file is empty")
    return _convert(root, file, "", loader)


__all__ = ["Node", "load"]
