"""GET /api/v1/openapi.json describes exactly the HTTP API the app serves. Sqlite only."""

from __future__ import annotations

import re
from typing import Any

from hub.app import ROUTES_KEY

OPENAPI = "/api/v1/openapi.json"
METHODS = {"get", "post", "put", "patch", "delete"}


def is_api_path(path: str) -> bool:
    """The machine-facing HTTP API; the rest of the router is pages, static files, the widget and socket.io."""
    return path.startswith(("/api/", "/webhooks/")) or path == "/healthz"


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        assert isinstance(node, dict) and part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node


async def test_the_document_is_openapi_3_1_and_public(sqlite_admin):
    reply = await sqlite_admin.get(OPENAPI, auth=False)
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("application/json")
    document = reply.body
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    assert document["paths"] and all(path.startswith("/") for path in document["paths"])
    assert set(document["components"]["securitySchemes"]) >= {"bearer"}

    operation_ids = []
    for path, item in document["paths"].items():
        assert item and set(item) <= METHODS, (path, set(item))
        in_path = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            assert operation["summary"], (method, path)
            assert any(code.startswith("2") for code in operation["responses"]), (method, path)
            for code, response in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", code) and response["description"], (method, path, code)
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == in_path, (method, path)
            for param in operation.get("parameters", []):
                assert param["in"] in ("path", "query") and "schema" in param, param
                assert param["required"] is True or param["in"] != "path"
            for scheme in operation.get("security", []):
                assert set(scheme) <= set(document["components"]["securitySchemes"])
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"

    for ref in refs(document):
        resolve(document, ref)

    login = document["paths"]["/api/v1/auth/login"]["post"]
    assert "security" not in login and "401" in login["responses"]
    assert document["paths"]["/api/v1/me"]["get"]["security"]


async def test_the_documented_operations_are_exactly_the_registered_api_routes(sqlite_server, sqlite_admin):
    document = (await sqlite_admin.get(OPENAPI)).body
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}

    registered = set()
    for route in sqlite_server.app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method == "HEAD" or path == OPENAPI:
            continue
        if is_api_path(path):
            registered.add((route.method, path))
    assert documented == registered, {
        "documented, not served": documented - registered,
        "served, not documented": registered - documented,
    }
    assert ("POST", "/api/v1/inbound") in documented and ("GET", "/healthz") in documented

    # and the documented operations answer (401/400/404/405, never "no such route")
    for method, path in sorted(documented):
        concrete = re.sub(r"{\w+}", "0" * 24, path)
        reply = await sqlite_admin.call(method, concrete, auth=False)
        assert reply.status != 405, (method, path, reply.text)
        assert reply.status < 500, (method, path, reply.text)


async def test_every_body_is_documented_with_a_schema(sqlite_server, sqlite_admin):
    document = (await sqlite_admin.get(OPENAPI)).body
    specs = sqlite_server.app[ROUTES_KEY].specs
    with_body = {(s.method, s.path) for s in specs if s.body is not None}
    assert ("POST", "/api/v1/inbound") in with_body and (
        "PATCH",
        "/api/v1/conversations/{conversation_id}",
    ) in with_body

    for path, item in document["paths"].items():
        for method, operation in item.items():
            if (method.upper(), path) not in with_body:
                assert "requestBody" not in operation, (method, path)
                continue
            body = operation["requestBody"]
            schema = resolve(document, body["content"]["application/json"]["schema"]["$ref"])
            assert schema["type"] == "object" and schema["properties"], (method, path)
            assert "400" in operation["responses"], (method, path)
    for method, path in with_body:
        assert method in ("POST", "PATCH", "PUT"), (method, path)
        assert "requestBody" in document["paths"][path][method.lower()], (method, path)

    inbound = resolve(document, "#/components/schemas/InboundIn")
    assert set(inbound["required"]) == {"external_id", "sender"}
    assert (
        inbound.get("additionalProperties") is False
    )  # unknown fields are refused, and the document says so
    assert {"external_id", "sender", "text", "thread_key", "occurred_at"} == set(inbound["properties"])


async def test_every_declared_route_documents_the_statuses_its_declaration_enforces(
    sqlite_server, sqlite_admin
):
    document = (await sqlite_admin.get(OPENAPI)).body
    specs = sqlite_server.app[ROUTES_KEY].specs
    assert len(specs) == sum(len(item) for item in document["paths"].values())
    for spec in specs:
        operation = document["paths"][spec.path][spec.method.lower()]
        statuses = set(operation["responses"])
        where = (spec.method, spec.path)
        if spec.needs_auth:
            assert {"401", "403"} <= statuses, where
            assert operation["security"], where
        else:
            assert "security" not in operation, where
        if spec.body is not None:
            assert {"400", "413", "415"} <= statuses, where
        if spec.query_model is not None:
            assert "400" in statuses, where
            documented = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
            assert documented == set(spec.query_model.model_fields), where
        if spec.path_params:
            assert "404" in statuses, where
        assert str(spec.status) in statuses, where
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")) and (spec.path, code) != ("/healthz", "503"):
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }


def test_typed_routes_take_their_query_parameters_from_the_model_with_types_and_enums():
    from hub.api.openapi import openapi_document
    from hub.api.routes import api

    document = openapi_document(api)
    inbox = {p["name"]: p for p in document["paths"]["/api/v1/conversations"]["get"]["parameters"]}
    filters = {"channel", "priority", "sla", "tag", "created_from", "created_to", "last_message_from"}
    filters |= {"last_message_to"}  # the saved views' vocabulary (hub.domain_views.ViewFilters)
    assert set(inbox) == {"status", "assignee", "department", "handler", "cursor", "limit"} | filters
    assert all(p["in"] == "query" and p["required"] is False for p in inbox.values())
    assert inbox["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
    assert (inbox["status"]["schema"]["type"], inbox["status"]["explode"]) == ("array", False)  # open,pending
    status = resolve(document, inbox["status"]["schema"]["items"]["$ref"])
    assert set(status["enum"]) == {"open", "pending", "snoozed", "resolved"}
    assert set(resolve(document, inbox["handler"]["schema"]["$ref"])["enum"]) == {"bot", "human"}
    assert inbox["cursor"]["schema"]["type"] == "string"
    merges = document["paths"]["/api/v1/merge-suggestions"]["get"]["parameters"]
    assert merges[0]["schema"]["enum"] == ["open", "merged", "dismissed", "all"]
    clients = {p["name"]: p for p in document["paths"]["/api/v1/clients"]["get"]["parameters"]}
    assert clients["limit"]["schema"]["maximum"] == 100


def test_the_main_resources_have_response_schemas():
    from hub.api.openapi import openapi_document
    from hub.api.routes import api

    document = openapi_document(api)
    schemas = document["components"]["schemas"]

    def success(method: str, path: str) -> Any:
        responses = document["paths"][path][method]["responses"]
        code = next(c for c in responses if c.startswith("2"))
        return resolve(document, responses[code]["content"]["application/json"]["schema"]["$ref"])

    assert success("get", "/api/v1/conversations/{conversation_id}") is schemas["Conversation"]
    assert success("get", "/api/v1/clients/{client_id}") is schemas["Client"]
    assert success("post", "/api/v1/conversations/{conversation_id}/replies") is schemas["Entry"]
    assert success("post", "/api/v1/users") is schemas["User"]
    assert success("post", "/api/v1/departments") is schemas["Department"]
    page = success("get", "/api/v1/clients/{client_id}/timeline")
    assert set(page["required"]) == {"items", "next_cursor"}
    assert resolve(document, page["properties"]["items"]["items"]["$ref"]) is schemas["Entry"]
    inbox = success("get", "/api/v1/conversations")
    assert set(inbox["required"]) == {"items", "clients", "next_cursor"}
    # what the JSON leaves out is not documented either
    assert "bot_state" not in schemas["Conversation"]["properties"]
    assert "dedupe_key" not in schemas["Entry"]["properties"]
    assert not {"password_hash", "token_version"} & set(schemas["User"]["properties"])
    for ref in refs(document):
        resolve(document, ref)
