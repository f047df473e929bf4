"""The HTTP layer reads only through hub.queries and writes only through hub.actions: no handler in hub/api reaches
the store, and none asks the access policy itself (the route declaration enforces who may call; queries and
actions ask hub.access what the caller may see and do). Static checks of the source, no server."""

from __future__ import annotations

import ast
from pathlib import Path

import hub.api

API = Path(hub.api.__file__).parent

# (module, function) pairs that may touch `.store`: resolving a token to its user, and the probe whose job is to
# ask the store whether it answers.
STORE_ALLOWED = {
    ("http.py", "user_from_token"),
    ("routes/service.py", "healthz"),
}
ACCESS_ALLOWED: set[str] = set()


def modules() -> list[tuple[str, ast.Module, str]]:
    found = []
    for path in sorted(API.rglob("*.py")):
        source = path.read_text()
        found.append((path.relative_to(API).as_posix(), ast.parse(source), source))
    assert len(found) >= 8, found
    return found


def store_uses(tree: ast.Module) -> list[tuple[str, int]]:
    """(enclosing function, line) of every `<something>.store` in the module."""
    uses: list[tuple[str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Attribute) and node.attr == "store":
            uses.append((function, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return uses


def test_no_handler_reaches_the_store():
    reached = [
        f"hub/api/{name}:{line} in {function}"
        for name, tree, _source in modules()
        for function, line in store_uses(tree)
        if (name, function) not in STORE_ALLOWED
    ]
    assert reached == [], "read through hub.queries, write through hub.actions:\n" + "\n".join(reached)


def test_the_grep_agrees():
    """The plain-text form of the same rule: `.store.` appears only in the allowed functions (and imports)."""
    for name, tree, source in modules():
        allowed_lines = {
            line
            for function, _line in store_uses(tree)
            if (name, function) in STORE_ALLOWED
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
        }
        for number, text in enumerate(source.splitlines(), 1):
            code = text.split("#", 1)[0]
            if ".store." in code and not code.lstrip().startswith(("from ", "import ")):
                assert number in allowed_lines, f"hub/api/{name}:{number}: {text.strip()}"


def test_handlers_neither_import_the_store_nor_ask_the_policy():
    for name, tree, _source in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = node.module
            elif isinstance(node, ast.Import):
                imported = ",".join(a.name for a in node.names)
            else:
                continue
            if name.startswith("routes"):
                assert "hub.store" not in imported, f"hub/api/{name} imports {imported}"
            if name not in ACCESS_ALLOWED:
                assert not imported.startswith(("hub.access", "hub.permissions")), (
                    f"hub/api/{name} imports {imported}"
                )
                if imported == "hub":
                    assert all(a.name not in ("access", "permissions") for a in node.names), name
