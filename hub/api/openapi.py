"""The OpenAPI 3.1 document, generated from the same route declarations that register (and enforce) the handlers:
request bodies and query parameters from their pydantic models, response bodies from the declared schemas, and
every status an operation can answer — those the declaration enforces (400, 401, 403, 404, 413, 415) and those the
handler declares."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hub.api.http import ApiRoutes, Doc, RouteSpec

REF = "#/components/schemas/{model}"

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
ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

# what each enforced status means, when the declaration does not say it in its own words
ENFORCED = {
    400: "invalid parameters or body (the fields are named in error.details)",
    401: "not logged in: send 'Authorization: Bearer <token>' (or the session cookie)",
    403: "not allowed for your role",
    404: "no such record (or one you may not see)",
    413: "the body is too large",
    415: "the body is not application/json",
}


def documented_statuses(spec: RouteSpec) -> dict[int, Any]:
    """Every status the route can answer, with its description (or a (description, body schema) pair)."""
    statuses: dict[int, Any] = {spec.status: "OK"}
    statuses.update(spec.responses)
    enforced: list[int] = []
    if spec.body is not None:
        enforced += [400, 413, 415]
    if spec.query_model is not None or spec.query:
        enforced.append(400)
    if spec.path_params:
        enforced.append(404)
    if spec.needs_auth:
        enforced += [401, 403]
    for status in enforced:
        statuses.setdefault(status, ENFORCED[status])
    return dict(sorted(statuses.items()))


def openapi_document(routes: ApiRoutes, *, version: str = "0.1.0") -> dict[str, Any]:
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for spec in routes.specs:
        operation = _operation(spec, schemas)
        # handlers of different connectors may share a name (two `webhook`s): the id stays unique
        operation_id = operation["operationId"]
        if operation_id in seen:
            package = spec.handler.__module__.split(".")
            operation_id = "_".join([*package[1:2], operation_id])
        while operation_id in seen:
            operation_id += "_"
        seen.add(operation_id)
        operation["operationId"] = operation_id
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


def _operation(spec: RouteSpec, schemas: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": spec.summary,
        "operationId": spec.handler.__name__,
        "tags": [spec.tag] if spec.tag else [],
    }
    if spec.description:
        operation["description"] = spec.description
    if isinstance(spec.auth, frozenset):
        roles = ", ".join(sorted(r.value for r in spec.auth))
        operation["description"] = f"{spec.description}\n\nRoles: {roles}.".strip()
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in spec.path_params
    ]
    if spec.query_model is not None:
        params += _query_parameters(spec.query_model, schemas)
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
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _model_ref(spec.body, schemas)}},
        }
    responses: dict[str, Any] = {}
    for status, description in documented_statuses(spec).items():
        if isinstance(description, tuple):  # (description, the schema of that answer)
            description, body = description
            responses[str(status)] = {"description": description, "content": _content(body, schemas)}
        elif status >= 400:
            responses[str(status)] = {"description": description, **ERROR}
        elif status == spec.status and spec.response is not None:
            responses[str(status)] = {"description": description, "content": _content(spec.response, schemas)}
        else:
            responses[str(status)] = {"description": description}
    operation["responses"] = responses
    if spec.needs_auth:
        operation["security"] = [{"bearer": []}, {"cookie": []}]
    return operation


def _model_ref(model: type[BaseModel], schemas: dict[str, Any], mode: str = "validation") -> dict[str, str]:
    schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _content(response: Doc | type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    if isinstance(response, Doc):
        schemas.update(response.defs)
        if response.name:
            schemas[response.name] = response.schema
            return {response.content_type: {"schema": {"$ref": REF.format(model=response.name)}}}
        return {response.content_type: {"schema": response.schema}}
    return {"application/json": {"schema": _model_ref(response, schemas, mode="serialization")}}


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """One parameter per field of the query model; `X | None` is documented as X (a query value is never null),
    and an optional one may be sent empty (it then counts as absent)."""
    schema = model.model_json_schema(ref_template=REF)
    schemas.update(schema.pop("$defs", {}))
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", "")
        prop.pop("title", None)
        options = prop.get("anyOf")
        if options:
            kept = [o for o in options if o.get("type") != "null"]
            if len(kept) == 1:
                prop.pop("anyOf")
                prop = {**kept[0], **prop}
            else:
                prop["anyOf"] = kept
        if prop.get("default") is None:
            prop.pop("default", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if name not in required:
            param["allowEmptyValue"] = True  # `?status=` is the same as no status (hub.api.http.parse_query)
        if prop.get("type") == "array":  # one comma-separated value: ?channel=telegram,email
            param.update(style="form", explode=False)
        if description:
            param["description"] = description
        params.append(param)
    return params
