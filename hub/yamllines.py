"""YAML files with the line of every key kept, so a configuration problem is reported as "file:line: reason"
(bot flows, routing rules): a loader that keeps only true/false as booleans, the line map, and the wording of
pydantic's errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


# YAML 1.1 reads yes/no/on/off as booleans and 9:30 as a number: a button `id: no` or hours `9:30` would
# surprise. This loader keeps only true/false as booleans and plain digits as integers.
class Loader(yaml.SafeLoader):
    pass


_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _INT, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))

_MERGE = "tag:yaml.org,2002:merge"


@dataclass
class Lines:
    """The line (1-based) of each key and list item, by its path from the document root."""

    of: dict[tuple[Any, ...], int] = field(default_factory=dict)
    duplicates: list[tuple[tuple[Any, ...], int]] = field(default_factory=list)

    def walk(self, node: yaml.Node, path: tuple[Any, ...] = (), depth: int = 0) -> None:
        if depth > 64:
            return
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE or not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = key_node.value
                here = (*path, key)
                if key in seen:
                    self.duplicates.append((here, key_node.start_mark.line + 1))
                seen.add(key)
                self.of[here] = key_node.start_mark.line + 1
                self.walk(value_node, here, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                here = (*path, i)
                self.of[here] = item.start_mark.line + 1
                self.walk(item, here, depth + 1)

    def line(self, loc: tuple[Any, ...]) -> int:
        """The line of the deepest known key along `loc` (parts that are not keys, like a union branch, are
        skipped)."""
        path: tuple[Any, ...] = ()
        line = 1
        for part in loc:
            for candidate in (part, str(part)):
                if (*path, candidate) in self.of:
                    path = (*path, candidate)
                    line = self.of[path]
                    break
        return line


def reason(error: dict[str, Any]) -> str:
    loc = error["loc"]
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}"
    if kind == "missing":
        return f"{loc[-1]!r} is required"
    message = str(error["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


# what a configuration text may amount to once its aliases are expanded: a few lines of anchors and aliases (a
# "billion laughs", or an alias inside its own anchor) would otherwise take gigabytes or never end
MAX_DEPTH = 64
MAX_NODES = 50_000


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _too_big(root: yaml.Node) -> str | None:
    """Why the document is refused before it is built (None: it is not): an alias inside its own anchor, nesting
    deeper than MAX_DEPTH or more than MAX_NODES values with every alias expanded. Each node is visited once."""
    shape: dict[int, tuple[int, int]] = {}  # id(node) -> (depth, expanded nodes), capped
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key, children = id(node), _children(node)
        if leaving:
            entered.discard(key)
            depth = 1 + max((shape[id(c)][0] for c in children), default=0)
            count = 1 + sum(shape[id(c)][1] for c in children)
            if depth > MAX_DEPTH:
                return f"is nested deeper than {MAX_DEPTH} levels"
            if count > MAX_NODES:
                return f"has more than {MAX_NODES} values once its aliases are expanded"
            shape[key] = (depth, count)
        elif key in entered:
            return "has an alias inside the anchor it refers to"
        elif key not in shape:
            entered.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in shape)
    return None


def read_yaml(text: str, name: str) -> tuple[Any, yaml.Node | None, list[str]]:
    """(data, root node, problems) of a YAML text; a syntax error is one problem with its line; a text too deep or
    too large (hub.yamllines.MAX_DEPTH, MAX_NODES) one problem too."""
    try:
        loader = Loader(text)  # the reader refuses control characters here, before any parsing
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(0, exc.position)) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return None, None, [f"{name}:{line}: not valid YAML text: the control character U+{code:04X}"]
    try:
        node = loader.get_single_node()
        refused = _too_big(node) if node is not None else None
        if refused is not None:
            return None, None, [f"{name}:1: the YAML {refused}"]
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        return None, None, [f"{name}:1: the YAML is nested deeper than {MAX_DEPTH} levels"]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        why = exc.problem or exc.context or "not valid YAML"
        if exc.context and exc.problem:
            started = (
                f" that starts on line {exc.context_mark.line + 1}" if exc.context_mark is not None else ""
            )
            why += f" ({exc.context}{started})"
        return None, None, [f"{name}:{line}: YAML syntax error: {why}"]
    except yaml.YAMLError as exc:
        return None, None, [f"{name}:1: YAML error: {exc}"]
    finally:
        loader.dispose()
    return data, node, []


def read_text_file(path: Path) -> tuple[str | None, list[str]]:
    """A configuration file's text, or None and why it cannot be read ("<file>:1: <reason>")."""
    try:
        return path.read_text(encoding="utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [f"{path}:1: not UTF-8 text ({exc.reason})"]
    except OSError as exc:
        return None, [f"{path}:1: cannot read the file ({exc.strerror or exc})"]


_PROBLEM = re.compile(r"^.*?:(\d+): (.*)$", re.DOTALL)


MAX_PROBLEMS = 50


def capped(problems: list[str], most: int = MAX_PROBLEMS) -> list[str]:
    """The first `most` problems, and one saying how many more from the line of the next (a 200 KB text can have
    thousands: an error of megabytes the admin page cannot show)."""
    if len(problems) <= most:
        return problems
    found = _PROBLEM.match(problems[most])
    where = f"{problems[most].split(':', 1)[0]}:{found.group(1)}" if found else "?:1"
    return [*problems[:most], f"{where}: and {len(problems) - most} more problems"]


def problem_details(problems: list[str]) -> list[dict[str, Any]]:
    """ "name:line: reason" problems as `{"line", "message"}` (what the admin page shows beside the text)."""
    details: list[dict[str, Any]] = []
    for problem in problems:
        found = _PROBLEM.match(problem)
        line, message = (int(found.group(1)), found.group(2)) if found else (1, problem)
        details.append({"line": line, "message": message})
    return details
