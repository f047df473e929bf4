"""Rendering canned replies: a Jinja2 sandbox (jinja2.sandbox.SandboxedEnvironment) over plain variables
(client, agent, conversation), with undefined variables rendering empty.

Bounded by construction: at save time (`check`) a template may only print variables, pick their attributes and
items, apply a few string filters and branch with `if` — no loops, macros, calls, assignments, includes or
arithmetic — so rendering costs time linear in the template's size (at most MAX_BODY characters) and the output is
capped at MAX_OUTPUT. A hostile template (`{% for %}` inside `{% for %}`, `"a" * 10**9`) is refused with a 400 at
save time and never reaches the renderer.
"""

from __future__ import annotations

from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from hub.domain import Client, Conversation, IdentityKind, User
from hub.errors import Invalid

MAX_BODY = 10_000
MAX_OUTPUT = 20_000
FILTERS = frozenset(
    {
        "upper",
        "lower",
        "title",
        "capitalize",
        "trim",
        "default",
        "d",
        "truncate",
        "first",
        "last",
        "length",
        "string",
    }
)
_ALLOWED = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Const,
    nodes.Filter,
    nodes.If,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Test,
    nodes.Concat,
)
_COMPARISONS = frozenset({"eq", "ne", "in", "notin"})
_TESTS = frozenset({"defined", "undefined", "none", "string", "number"})

_ENV = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=True)
_ENV.globals.clear()  # no range, lipsum, cycler, ...: a name a template uses is one of VARIABLES, or empty


def _refuse(node: nodes.Node, what: str) -> Invalid:
    return Invalid(f"line {node.lineno}: {what} is not allowed in a canned reply")


def _walk(node: nodes.Node) -> None:
    if not isinstance(node, _ALLOWED):
        kind = {
            nodes.For: "a loop",
            nodes.Macro: "a macro",
            nodes.Call: "a call",
            nodes.Assign: "an assignment",
        }.get(type(node), "arithmetic" if isinstance(node, nodes.BinExpr | nodes.UnaryExpr) else None)
        raise _refuse(node, kind or f"'{type(node).__name__.lower()}'")
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        raise _refuse(node, f"the attribute '{node.attr}'")
    if isinstance(node, nodes.Filter) and (node.name not in FILTERS or node.dyn_args or node.dyn_kwargs):
        raise _refuse(node, f"the filter '{node.name}'")
    if isinstance(node, nodes.Operand) and node.op not in _COMPARISONS:
        raise _refuse(node, f"the operator '{node.op}'")
    if isinstance(node, nodes.Test) and node.name not in _TESTS:
        raise _refuse(node, f"the test '{node.name}'")
    if isinstance(node, nodes.Const) and isinstance(node.value, str) and node.value.startswith("_"):
        raise _refuse(node, "a name starting with _")
    for child in node.iter_child_nodes():
        _walk(child)


def check(body: str) -> None:
    """Raise Invalid (a 400) with the reason when `body` is not a template this renderer accepts."""
    if len(body) > MAX_BODY:
        raise Invalid(f"the body is longer than {MAX_BODY} characters")
    try:
        tree = _ENV.parse(body)
    except TemplateSyntaxError as exc:
        raise Invalid(f"line {exc.lineno}: {exc.message}") from exc
    _walk(tree)


def variables(client: Client | None, agent: User | None, conversation: Conversation | None) -> dict[str, Any]:
    """What a template sees: plain values, never the models themselves."""

    def first(name: str) -> str:
        return name.split()[0] if name.split() else ""

    def identity(kind: IdentityKind) -> str:
        if client is None:
            return ""
        return next((i.value for i in client.identities if i.kind is kind), "")

    return {
        "client": {}
        if client is None
        else {
            "name": client.name,
            "first_name": first(client.name),
            "phone": identity(IdentityKind.phone),
            "email": identity(IdentityKind.email),
            "fields": dict(client.fields),
        },
        "agent": {}
        if agent is None
        else {"name": agent.name, "first_name": first(agent.name), "email": agent.email},
        "conversation": {}
        if conversation is None
        else {
            "id": conversation.id,
            "subject": conversation.subject,
            "channel": conversation.channel,
            "status": conversation.status.value,
            "priority": getattr(conversation.priority, "value", conversation.priority),
        },
    }


def render(body: str, values: dict[str, Any]) -> str:
    check(body)
    try:
        text = _ENV.from_string(body).render(values)
    except (SecurityError, TemplateError) as exc:
        raise Invalid(f"the reply cannot be rendered: {exc}") from exc
    return text[:MAX_OUTPUT]
