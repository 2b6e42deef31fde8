"""The OpenAPI 3.1 description of the API, generated from the routes the app registered (never by hand).

Every handler :class:`chalicelib.http.Routes` registers carries its :class:`~chalicelib.http.Route`; this
module walks ``app.routes`` and describes each one: path parameters (with the limits :mod:`chalicelib.http`
checks), query parameters from the route's ``query=`` model, the bearer security scheme unless the route is
public, the role action it checks as ``x-cts-action`` (one name, or a list when any of several will do), the
request body's JSON schema when the route declares ``body=``, the 200 answer's schema when it declares
``response=``, and the JSON errors ``{code, message}`` of :mod:`chalicelib.http`. Served at ``GET /openapi.json``
without a token.
"""

from __future__ import annotations

import re
from typing import Any

from chalice.app import Chalice
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from chalicelib.http import MAX_PATH_PARAM_CHARS, PATH_PARAM_PATTERN, Call, Route, Routes

routes = Routes()

OPENAPI_VERSION = "3.1.0"
_PARAM = re.compile(r"\{([^/{}]+)\}")
_ERROR_REF = "#/components/schemas/Error"
_REF_TEMPLATE = "#/components/schemas/{model}"

# status -> (component name, description); the codes are those chalicelib.http answers.
ERRORS: dict[str, tuple[str, str]] = {
    "400": ("BadRequest", "validation_failed: the request is malformed or breaks a rule"),
    "401": ("Unauthorized", "unauthorized: no, bad or expired bearer token (or wrong password)"),
    "403": ("Forbidden", "forbidden: the caller's roles do not allow this"),
    "404": ("NotFound", "not_found: no such resource"),
    "409": ("Conflict", "conflict: the resource changed meanwhile or is in the wrong state"),
    "413": ("PayloadTooLarge", "payload_too_large: the request body is over the size limit"),
    "415": ("UnsupportedMediaType", "unsupported_media_type: the request body is not application/json"),
    "503": ("Unavailable", "unavailable or misconfigured: a dependency is down or not configured"),
}
PROTECTED_ERRORS = ("400", "401", "403", "404", "409", "503")
PUBLIC_ERRORS = ("400", "503")
BODY_ERRORS = ("413", "415")


def _summary(route: Route) -> str:
    if route.summary:
        return route.summary
    paragraph = (route.view.__doc__ or "").strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split()) or route.view.__name__.replace("_", " ")


def _hoist(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """Move pydantic's ``$defs`` into ``components.schemas`` (refs already point there)."""
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    return schema


def _schema_ref(model: type[BaseModel], schemas: dict[str, Any], mode: JsonSchemaMode = "validation") -> dict[str, Any]:
    """``model``'s JSON schema in ``components.schemas`` (a response model in serialisation mode), as a ``$ref``."""
    schema = _hoist(model.model_json_schema(ref_template=_REF_TEMPLATE, mode=mode), schemas)
    schemas.setdefault(model.__name__, schema)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """One ``in: query`` parameter per field of the route's ``query=`` model, with the field's schema."""
    schema = _hoist(model.model_json_schema(ref_template=_REF_TEMPLATE), schemas)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema.get("properties", {}).items():
        field_schema = dict(field_schema)
        field_schema.pop("title", None)
        description = field_schema.pop("description", None)
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if description:
            parameter["description"] = description
        parameter["schema"] = field_schema
        parameters.append(parameter)
    return parameters


def _operation(route: Route, method: str, path: str, schemas: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.view.__name__ if len(route.methods) == 1 else f"{route.view.__name__}_{method}",
        "summary": _summary(route),
    }
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": "percent-encoded",
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_PATH_PARAM_CHARS,
                "pattern": PATH_PARAM_PATTERN,
            },
        }
        for name in _PARAM.findall(path)
    ]
    if route.query is not None:
        parameters += _query_parameters(route.query, schemas)
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema_ref(route.body, schemas)}},
        }
    success: dict[str, Any] = _schema_ref(route.response, schemas, "serialization") if route.response else {}
    content: dict[str, Any] = {"application/json": {"schema": success}}
    for kind in route.produces:  # a report's CSV or PDF form
        text = kind.startswith("text/")
        content[kind] = {"schema": {"type": "string"} if text else {"type": "string", "format": "binary"}}
    responses: dict[str, Any] = {"200": {"description": "OK", "content": content}}
    errors = PUBLIC_ERRORS if route.public else PROTECTED_ERRORS
    statuses = {*errors, *(BODY_ERRORS if route.body is not None else ()), *(str(s) for s in route.errors)}
    for status in sorted(statuses):
        responses[status] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    responses["500"] = {"$ref": "#/components/responses/Internal"}
    operation["responses"] = responses
    if route.public:
        operation["security"] = []
    else:
        operation["security"] = [{"bearer": []}]
        if route.action is not None:
            actions = route.action if isinstance(route.action, tuple) else (route.action,)
            names = [a.value for a in actions]
            operation["x-cts-action"] = names[0] if len(names) == 1 else names
    return operation


def registered_routes(app: Chalice) -> list[tuple[str, str, Route]]:
    """(path, method, route) for every route registered on ``app`` through :class:`Routes`."""
    found = []
    for path, entries in app.routes.items():
        for method, entry in entries.items():
            route = getattr(entry.view_function, "cts_route", None)
            if not isinstance(route, Route):
                raise TypeError(f"{method} {path} was not registered through chalicelib.http.Routes")
            found.append((path, method, route))
    return found


def document(app: Chalice, *, version: str = "1") -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``app``."""
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable, machine-readable (e.g. not_found)"},
                "message": {"type": "string", "description": "for people; may change"},
            },
        }
    }
    paths: dict[str, dict[str, Any]] = {}
    for path, method, route in sorted(registered_routes(app), key=lambda r: (r[0], r[1])):
        paths.setdefault(path, {})[method.lower()] = _operation(route, method, path, schemas)
    error_json = {"application/json": {"schema": {"$ref": _ERROR_REF}}}
    responses = {name: {"description": text, "content": error_json} for name, text in ERRORS.values()}
    responses["Internal"] = {"description": "internal: a bug; details only in the log", "content": error_json}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "CTS API",
            "version": version,
            "description": "Generated from the registered routes. Errors are JSON {code, message}.",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "responses": responses,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


@routes.api("/openapi.json", public=True, summary="This OpenAPI 3.1 description, generated from the routes")
def openapi_document(call: Call) -> dict[str, Any]:
    if call.app is None:
        raise RuntimeError("the OpenAPI view needs the app")
    # Built once per app: its routes are all registered when it is imported.
    built: dict[str, Any] | None = getattr(call.app, "cts_openapi", None)
    if built is None:
        built = document(call.app)
        call.app.cts_openapi = built  # type: ignore[attr-defined]
    return built
