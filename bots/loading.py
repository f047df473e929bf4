"""Reading flow files: YAML with the line of every key kept, validation, and problems as "file:line: reason"."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from bots.flow import Flow, flow_problems
from hub.yamllines import Lines as _Lines
from hub.yamllines import Loader as _Loader
from hub.yamllines import read_text_file, read_yaml
from hub.yamllines import reason as _reason
from hub.yamllines import where as _where


class FlowConfigError(Exception):
    """Bot flow files with problems: the hub refuses to start with them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("bot flow files are not valid:\n  " + "\n  ".join(self.problems))


def load_flow_file(path: Path) -> tuple[Flow | None, list[str]]:
    """The flow in one file, or None and its problems ("<file>:<line>: <reason>")."""
    name = str(path)
    text, problems = read_text_file(path)
    if text is None:
        return None, problems
    data, node, problems = read_yaml(text, name)
    if problems:
        return None, problems
    if node is None or data is None:
        return None, [f"{name}:1: the file is empty (a flow needs channels, start and states)"]
    if not isinstance(data, dict):
        return None, [f"{name}:1: a flow file is a mapping (channels:, start:, states: ...)"]
    lines = _Lines()
    lines.walk(node)
    problems = [
        f"{name}:{line}: duplicate key {here[-1]!r} ({_where(here)})" for here, line in lines.duplicates
    ]
    data.setdefault("name", path.stem)
    try:
        flow = Flow.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            problems.append(f"{name}:{lines.line(loc)}: {_reason(error)} ({_where(loc) or 'top level'})")
        return None, problems
    for loc, reason in flow_problems(flow):
        problems.append(f"{name}:{lines.line(loc)}: {reason} ({_where(loc)})")
    if problems:
        return None, problems
    return flow, []


def flow_files(bots_dir: Path) -> list[Path]:
    if not bots_dir.is_dir():
        return []
    return sorted(p for p in bots_dir.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_flows(bots_dir: Path) -> tuple[list[Flow], list[str]]:
    """Every flow in `bots_dir` (none when it does not exist), and every problem found in them."""
    flows: list[Flow] = []
    problems: list[str] = []
    owner: dict[str, str] = {}
    names: dict[str, str] = {}
    for path in flow_files(bots_dir):
        flow, found = load_flow_file(path)
        problems += found
        if flow is None:
            continue
        clash = False
        if flow.name in names:
            problems.append(f"{path}:1: flow name {flow.name!r} is used by {names[flow.name]} too")
            clash = True
        for channel in flow.channels:
            if channel in owner:
                line = _channels_line(path)
                problems.append(f"{path}:{line}: channel {channel!r} is covered by {owner[channel]} already")
                clash = True
        if clash:
            continue
        names[flow.name] = str(path)
        owner.update({channel: str(path) for channel in flow.channels})
        flows.append(flow)
    return flows, problems


def _channels_line(path: Path) -> int:
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError):
        return 1
    lines = _Lines()
    if node is not None:
        lines.walk(node)
    return lines.line(("channels",))
