"""The OpenAPI schema of ``/api/...``, built from the routes themselves.

Each API endpoint carries its ``Operation`` (``@documented(...)``): summary,
parameters and the JSON Schema of what it returns. The schema is generated
from the app's routes, so a route cannot exist undocumented, and the tests
call every documented operation and check its answer against its schema.
(Starlette's ``SchemaGenerator`` reads YAML from docstrings; YAML is not a
dependency here, and a typo in a docstring would go unnoticed.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from starlette.routing import BaseRoute, Route

F = TypeVar("F", bound=Callable[..., Any])

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
ERROR: Schema = {
    "type": "object",
    "properties": {"error": STRING, "kind": STRING},
    "required": ["error", "kind"],
}


def nullable(schema: Schema) -> Schema:
    return {**schema, "type": [schema["type"], "null"]}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def obj(**properties: Schema) -> Schema:
    """An object with exactly these keys, all present (extra keys allowed)."""
    return {"type": "object", "properties": properties, "required": sorted(properties)}


def mapping(values: Schema) -> Schema:
    return {"type": "object", "additionalProperties": values}


@dataclass(frozen=True)
class Param:
    name: str
    where: Literal["query", "path"]
    description: str
    schema: Schema
    required: bool = False
    example: Any = None


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    response: Schema | None = None  # JSON; None for a file download
    params: tuple[Param, ...] = ()
    body: Schema | None = None  # JSON request body
    status: int = 200
    errors: tuple[int, ...] = ()
    description: str = ""
    media_type: str = "application/json"  # of ``response``; "application/x-ndjson": one object of it a line


def documented(operation: Operation) -> Callable[[F], F]:
    def mark(endpoint: F) -> F:
        endpoint.__dict__["openapi"] = operation
        return endpoint

    return mark


def operation_of(route: BaseRoute) -> Operation | None:
    if isinstance(route, Route):
        found = getattr(route.endpoint, "openapi", None)
        return found if isinstance(found, Operation) else None
    return None


ERROR_TEXT = {
    400: "The request cannot be understood (a malformed query names the problem and its column).",
    403: "A write from another site.",
    404: "No such message, person, source or saved search in this case.",
    409: "The name matches several people; be more precise.",
}


def openapi_schema(routes: Sequence[BaseRoute], version: str) -> Schema:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        op = operation_of(route)
        if op is None or not isinstance(route, Route):
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            path = re.sub(r"{(\w+):\w+}", r"{\1}", route.path)  # Starlette's {note:int} is OpenAPI's {note}
            paths.setdefault(path, {})[method.lower()] = _operation(op, route, method)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Loupe",
            "version": version,
            "description": "The JSON behind every page of `loupe serve`: search, messages, threads, people, "
            "sources, glossary, tags, notes and saved searches of one case.",
        },
        "paths": dict(sorted(paths.items())),
    }


def _operation(op: Operation, route: Route, method: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "summary": op.summary,
        "operationId": f"{route.name}",
        "tags": [op.tag],
        "parameters": [
            {
                "name": p.name,
                "in": p.where,
                "description": p.description,
                "required": p.required or p.where == "path",
                "schema": p.schema,
                **({"example": p.example} if p.example is not None else {}),
            }
            for p in op.params
        ],
    }
    if op.description:
        out["description"] = op.description
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
    if op.response is None:
        ok: dict[str, Any] = {
            "description": "The bytes, as an attachment (application/octet-stream, nosniff).",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    else:
        ok = {"description": "OK", "content": {op.media_type: {"schema": op.response}}}
    responses: dict[str, Any] = {str(op.status): ok}
    for status in op.errors:
        responses[str(status)] = {
            "description": ERROR_TEXT[status],
            "content": {"application/json": {"schema": ERROR}},
        }
    out["responses"] = responses
    return out
