"""The OpenAPI 3.1 document, generated from the same route declarations that register the handlers."""

from __future__ import annotations

import re
from typing import Any

from hub.api.http import ApiRoutes

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}},
        }
    },
}


def openapi_document(routes: ApiRoutes, *, version: str = "0.1.0") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for spec in routes.specs:
        operation: dict[str, Any] = {
            "summary": spec.summary,
            "operationId": spec.handler.__name__,
            "tags": [spec.tag] if spec.tag else [],
            "responses": {},
        }
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", spec.path)
        ]
        params += [
            {
                "name": q.name,
                "in": "query",
                "required": False,
                "description": q.description,
                "schema": {"type": q.type},
            }
            for q in spec.query
        ]
        if params:
            operation["parameters"] = params
        if spec.body is not None:
            schema = spec.body.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in schema.pop("$defs", {}).items():
                schemas[name] = definition
            schemas[spec.body.__name__] = schema
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{spec.body.__name__}"}}
                },
            }
        responses = {200: "OK", **spec.responses}
        if spec.method in ("POST",) and 201 in responses:
            responses.pop(200)
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for status, description in sorted(responses.items()):
            operation["responses"][str(status)] = (
                {"description": description, **error} if status >= 400 else {"description": description}
            )
        if spec.body is not None:
            operation["responses"].setdefault(
                "400", {"description": "malformed JSON or invalid fields", **error}
            )
        if spec.auth:
            operation["security"] = [{"bearer": []}, {"cookie": []}]
            operation["responses"].setdefault("401", {"description": "not logged in", **error})
            operation["responses"].setdefault("403", {"description": "not allowed", **error})
        paths.setdefault(spec.path, {})[spec.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Omnichannel hub API", "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "hub_session"},
            },
        },
    }
