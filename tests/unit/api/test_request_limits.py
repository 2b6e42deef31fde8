"""Generic request handling (chalicelib.http) on every registered route: malformed bodies, content types, sizes,
odd path and query parameters and undeclared methods are 4xx ``{code, message}``, never a 500.

Each route is called by a role its permission allows, so the request gets past the gate to the generic checks.
"""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest
from chalice.test import Client

from chalicelib.http import MAX_BODY_BYTES, MAX_PATH_PARAM_CHARS, Route
from chalicelib.openapi import registered_routes
from cts.config.resources import ROLES
from cts.domain.permissions import allowed
from fakes_api import World


def _app() -> Any:
    from app import app

    return app


ROUTES = sorted(registered_routes(_app()), key=lambda r: (r[0], r[1]))
WITH_BODY = [(m, p, r) for p, m, r in ROUTES if r.body is not None]
WITH_PARAMS = [(m, p, r) for p, m, r in ROUTES if "{" in p]
WITH_QUERY = [(m, p, r) for p, m, r in ROUTES if r.query is not None]


def _ids(cases: list[tuple[str, str, Route]]) -> list[str]:
    return [f"{m} {p}" for m, p, _ in cases]


def _caller(world: World, route: Route) -> dict[str, str]:
    if route.public or route.action is None:
        return world.auth("administrator")
    actions = route.action if isinstance(route.action, tuple) else (route.action,)
    role = next(r for r in ROLES if any(allowed({r}, a) for a in actions))
    return world.auth(role)


def _fill(path: str, value: str = "limits-x") -> str:
    return "/".join(value if part.startswith("{") else part for part in path.split("/"))


def _send(client: Client, method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> Any:
    return client.http.request(method, path, headers=headers, body=body)


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.body
    data = json.loads(response.body)
    assert data["code"] == code, data
    assert isinstance(data["message"], str)
    assert data["message"]


BAD_BODIES = {
    "not-json": (b"{'username': 1", "validation_failed"),
    "not-utf8": (b'{"a": "\xff\xfe"}', "validation_failed"),
    "an-array": (b"[1, 2]", "validation_failed"),
    "deeply-nested": (b"[" * 100_000 + b"]" * 100_000, "validation_failed"),
    "empty": (b"", "validation_failed"),
    "wrong-fields": (b'{"x-unknown": {"y": [null]}}', "validation_failed"),
}


@pytest.mark.parametrize("bad", list(BAD_BODIES))
@pytest.mark.parametrize(("method", "path", "route"), WITH_BODY, ids=_ids(WITH_BODY))
def test_a_malformed_body_is_a_400(
    method: str, path: str, route: Route, bad: str, client: Client, world: World
) -> None:
    raw, code = BAD_BODIES[bad]
    headers = {"Content-Type": "application/json", **_caller(world, route)}
    response = _send(client, method, _fill(path), headers, raw)
    assert response.status_code < 500, response.body
    if bad == "wrong-fields" and response.status_code != 400:
        pytest.skip("the model accepts unknown fields and has no required one")
    assert_error(response, 400, code)


@pytest.mark.parametrize(("method", "path", "route"), WITH_BODY, ids=_ids(WITH_BODY))
def test_a_body_that_is_not_json_is_a_415(method: str, path: str, route: Route, client: Client, world: World) -> None:
    headers = {"Content-Type": "text/plain", **_caller(world, route)}
    assert_error(_send(client, method, _fill(path), headers, b"username=a"), 415, "unsupported_media_type")


@pytest.mark.parametrize(("method", "path", "route"), WITH_BODY, ids=_ids(WITH_BODY))
def test_an_oversized_body_is_a_413(method: str, path: str, route: Route, client: Client, world: World) -> None:
    raw = json.dumps({"padding": "x" * MAX_BODY_BYTES}).encode()
    headers = {"Content-Type": "application/json", **_caller(world, route)}
    assert_error(_send(client, method, _fill(path), headers, raw), 413, "payload_too_large")


@pytest.mark.parametrize(
    "value", ["%00", "a%0Ab", "%FF%FE", "x" * (MAX_PATH_PARAM_CHARS + 1)], ids=["nul", "newline", "not-utf8", "long"]
)
@pytest.mark.parametrize(("method", "path", "route"), WITH_PARAMS, ids=_ids(WITH_PARAMS))
def test_an_odd_path_parameter_is_a_400(
    method: str, path: str, route: Route, value: str, client: Client, world: World
) -> None:
    headers = {"Content-Type": "application/json", **_caller(world, route)}
    body = b"{}" if route.body is not None else None
    assert_error(_send(client, method, _fill(path, value), headers, body), 400, "validation_failed")


@pytest.mark.parametrize(("method", "path", "route"), WITH_PARAMS, ids=_ids(WITH_PARAMS))
def test_a_printable_unicode_path_parameter_reaches_the_domain(
    method: str, path: str, route: Route, client: Client, world: World
) -> None:
    headers = {"Content-Type": "application/json", **_caller(world, route)}
    body = b"{}" if route.body is not None else None
    response = _send(client, method, _fill(path, "%C3%A9t%C3%A9%20%2F%23%3F%25"), headers, body)
    assert response.status_code != 500, response.body  # 503: a port the test container leaves out
    assert "printable" not in json.loads(response.body).get("message", "")


def _int_fields(route: Route) -> list[str]:
    assert route.query is not None
    return [
        name
        for name, field in route.query.model_fields.items()
        if field.annotation is int or int in get_args(field.annotation)
    ]


@pytest.mark.parametrize(("method", "path", "route"), WITH_QUERY, ids=_ids(WITH_QUERY))
def test_a_query_parameter_of_the_wrong_type_or_size_is_a_400(
    method: str, path: str, route: Route, client: Client, world: World
) -> None:
    headers = _caller(world, route)
    for name in _int_fields(route):
        assert_error(_send(client, method, f"{_fill(path)}?{name}=abc", headers), 400, "validation_failed")
        assert_error(_send(client, method, f"{_fill(path)}?{name}=1e999", headers), 400, "validation_failed")
    assert route.query is not None
    for name in route.query.model_fields:
        response = _send(client, method, f"{_fill(path)}?{name}=a%00b", headers)
        assert_error(response, 400, "validation_failed")
        response = _send(client, method, f"{_fill(path)}?{name}={'x' * 5000}", headers)
        assert_error(response, 400, "validation_failed")


def test_every_route_with_integer_query_parameters_is_covered() -> None:
    assert sum(len(_int_fields(route)) for _, _, route in WITH_QUERY) >= 5


@pytest.mark.parametrize("path", sorted({p for p, _, _ in ROUTES}))
def test_an_undeclared_method_is_a_405_in_the_error_shape(path: str, client: Client, world: World) -> None:
    declared = {m for p, m, _ in ROUTES if p == path}
    method = next(m for m in ("PATCH", "DELETE", "PUT", "POST", "GET") if m not in declared)
    response = _send(client, method, _fill(path), world.auth("administrator"))
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == declared
