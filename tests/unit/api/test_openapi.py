"""GET /openapi.json: the OpenAPI 3.1 description is generated from the registered routes and matches them."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from chalice.test import Client

from cts.domain.permissions import Action

PROTECTED_ERRORS = {"400", "401", "403", "404", "409", "503"}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def spec(client: Client) -> dict[str, Any]:
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    data: dict[str, Any] = json.loads(response.body)
    return data


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        prefix, _, name = node["$ref"].rpartition("/")
        assert prefix in ("#/components/responses", "#/components/schemas"), node
        node = spec["components"][prefix.rsplit("/", 1)[1]][name]
    return node


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op) for path, item in spec["paths"].items() for method, op in item.items() if method in METHODS
    ]


def _routes(app: Any) -> list[Any]:
    return [entry.view_function.cts_route for entries in app.routes.values() for entry in entries.values()]


def test_openapi_json_answers_without_a_token(client: Client) -> None:
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    data = json.loads(response.body)
    assert data["openapi"].startswith("3.1")


def test_the_paths_and_methods_are_exactly_the_registered_routes(spec: dict[str, Any]) -> None:
    from app import app

    registered = {(path, method.lower()) for path, entries in app.routes.items() for method in entries}
    documented = {(path, method) for path, method, _ in _operations(spec)}
    assert documented == registered
    assert ("/openapi.json", "get") in documented


def test_operation_ids_are_unique_and_path_parameters_declared(spec: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in _operations(spec)]
    assert len(ids) == len(set(ids))
    for path, _, op in _operations(spec):
        names = re.findall(r"\{([^}]+)\}", path)
        declared = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
        assert declared == names, path
        assert all(p["required"] is True for p in op.get("parameters", []) if p["in"] == "path")


def test_every_non_public_operation_needs_a_bearer_token_and_names_its_errors(spec: dict[str, Any]) -> None:
    from app import app

    public = {(r.path, m.lower()) for r in _routes(app) if r.public for m in r.methods}
    assert public == {
        ("/health", "get"),
        ("/auth/login", "post"),
        ("/auth/challenge", "post"),
        ("/openapi.json", "get"),
    }
    scheme = spec["components"]["securitySchemes"]["bearer"]
    assert scheme == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message"}
    for path, method, op in _operations(spec):
        if (path, method) in public:
            assert op["security"] == [], path
            assert "x-cts-action" not in op
            continue
        assert op["security"] == [{"bearer": []}], (method, path)
        assert set(op["responses"]) >= PROTECTED_ERRORS, (method, path)
        for status in PROTECTED_ERRORS:
            resolved = _resolve(spec, op["responses"][status])
            assert resolved["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_required_action_is_the_routes_action(spec: dict[str, Any]) -> None:
    from app import app

    for route in _routes(app):
        for method in route.methods:
            op = spec["paths"][route.path][method.lower()]
            if route.action is None:
                assert "x-cts-action" not in op
                continue
            actions = route.action if isinstance(route.action, tuple) else (route.action,)
            expected = [a.value for a in actions]
            assert op["x-cts-action"] == (expected[0] if len(expected) == 1 else expected)
    assert spec["paths"]["/cases/{case_id}/assign"]["post"]["x-cts-action"] == Action.SUPERVISE_CASES.value
    assert isinstance(spec["paths"]["/receipts"]["get"]["x-cts-action"], list)
    assert "x-cts-action" not in spec["paths"]["/me"]["get"]


def test_declared_bodies_have_their_models_schema(spec: dict[str, Any]) -> None:
    from app import app

    with_body = [r for r in _routes(app) if r.body is not None]
    assert {r.path for r in with_body} >= {"/auth/login", "/uploads", "/cases/{case_id}/decide"}
    for route in with_body:
        for method in route.methods:
            body = spec["paths"][route.path][method.lower()]["requestBody"]
            schema = _resolve(spec, body["content"]["application/json"]["schema"])
            assert set(schema["properties"]) == set(route.body.model_fields), route.path
    for route in _routes(app):
        if route.body is None:
            for method in route.methods:
                assert "requestBody" not in spec["paths"][route.path][method.lower()]
    decide = spec["components"]["schemas"]["DecideBody"]
    assert "revision" in decide["required"]
    assert decide["properties"]["decision"] == {"$ref": "#/components/schemas/Decision"}
    assert "Decision" in spec["components"]["schemas"]


def test_no_dangling_references(spec: dict[str, Any]) -> None:
    text = json.dumps(spec)
    for ref in re.findall(r'"\$ref": "([^"]+)"', text):
        kind, name = ref.removeprefix("#/components/").split("/")
        assert name in spec["components"][kind], ref


def test_the_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    import openapi_spec_validator as validator  # in the dev extra

    validator.validate(spec, cls=validator.OpenAPIV31SpecValidator)


def test_declared_query_parameters_are_described_with_their_models_rules(spec: dict[str, Any]) -> None:
    from app import app

    with_query = [r for r in _routes(app) if r.query is not None]
    assert {r.path for r in with_query} >= {"/alerts", "/alerts/updates", "/consignments", "/receipts"}
    for route in _routes(app):
        for method in route.methods:
            params = [p for p in spec["paths"][route.path][method.lower()].get("parameters", []) if p["in"] == "query"]
            fields = route.query.model_fields if route.query is not None else {}
            assert [p["name"] for p in params] == list(fields), (method, route.path)
            for param in params:
                assert param["required"] is fields[param["name"]].is_required(), param
    updates = {p["name"]: p for p in spec["paths"]["/alerts/updates"]["get"]["parameters"]}
    assert updates["since"]["required"] is True
    assert updates["since"]["schema"]["format"] == "date-time"
    assert updates["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 500, "default": 200}
    status = _resolve(spec, spec["paths"]["/alerts"]["get"]["parameters"][0]["schema"])
    assert set(status["enum"]) >= {"new", "acknowledged"}


def test_declared_responses_have_their_models_schema_and_bodies_their_size_and_type_errors(
    spec: dict[str, Any],
) -> None:
    from app import app

    assert {r.path for r in _routes(app) if r.response is not None} >= {"/health", "/me", "/auth/login", "/uploads"}
    for route in _routes(app):
        for method in route.methods:
            op = spec["paths"][route.path][method.lower()]
            success = op["responses"]["200"]["content"]["application/json"]["schema"]
            if route.response is None:
                assert success == {}
            else:
                schema = _resolve(spec, success)
                sent = {name for name, field in route.response.model_fields.items() if not field.exclude}
                assert set(schema["properties"]) == sent, route.path
            assert ({"413", "415"} <= set(op["responses"])) is (route.body is not None), route.path
            assert "500" in op["responses"]
    case = _resolve(
        spec,
        spec["paths"]["/cases/{case_id}/claim"]["post"]["responses"]["200"]["content"]["application/json"]["schema"],
    )
    assert "task_token" not in case["properties"]  # the workflow's, never answered
    me = _resolve(spec, spec["paths"]["/me"]["get"]["responses"]["200"]["content"]["application/json"]["schema"])
    assert set(me["required"]) >= {"username", "roles", "actions"}


def test_path_parameters_carry_the_limits_the_handler_checks(spec: dict[str, Any]) -> None:
    from chalicelib.http import MAX_PATH_PARAM_CHARS, PATH_PARAM_PATTERN

    expected = {"type": "string", "minLength": 1, "maxLength": MAX_PATH_PARAM_CHARS, "pattern": PATH_PARAM_PATTERN}
    for path, _, op in _operations(spec):
        for param in op.get("parameters", []):
            if param["in"] == "path":
                assert param["schema"] == expected, path
    assert re.fullmatch(PATH_PARAM_PATTERN, "sea:MSCU/MBL1:HBL 9 é")
    assert not re.fullmatch(PATH_PARAM_PATTERN, "a\x00b")
    assert "401" in spec["paths"]["/auth/login"]["post"]["responses"]
    assert "401" not in spec["paths"]["/health"]["get"]["responses"]


def test_errors_on_the_wire_match_the_error_schema(client: Client) -> None:
    response = client.http.get("/me")
    assert response.status_code == 401
    assert set(json.loads(response.body)) == {"code", "message"}
