"""Connectors, bots and realtime read only through hub.queries and write only through hub.actions: they never
reach `hub.store` — not by import (an import-linter contract in pyproject.toml) and not through the Hub object's
`.store` attribute, which an import contract cannot see. This test reads their source."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("connectors", "bots", "realtime")


def test_no_connector_bot_or_realtime_module_touches_the_store():
    offenders = []
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    assert len(files) > 15, files  # the walk found the packages
    for path in files:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "store":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], "read through hub.queries, write through hub.actions: " + ", ".join(offenders)
