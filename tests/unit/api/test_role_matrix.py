"""The role matrix: every registered route x every caller, through real RS256 tokens verified against a JWKS.

Generic over ``app.routes``: a route added to any ``chalicelib`` module is in the matrix without editing this
file, and a route that declares no permission fails here. The expected answer comes from the route's declared
action(s) and :data:`cts.domain.permissions.PERMISSIONS`:

- a caller whose roles allow the action passes the gate (the domain may still answer 400/404/409/503);
- any other caller gets 403 ``forbidden`` from the gate;
- every protected route answers 401 ``unauthorized`` with no token, an expired one, one signed by another key,
  or one for another audience or issuer; public routes answer without a token.

Test ids read as a report: ``test_role_matrix[GET /cases/{case_id}-auditor-allowed]``.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator, Mapping
from itertools import product
from typing import Any

import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa

import chalicelib.http as http
from chalicelib.container import set_container
from chalicelib.http import Route
from chalicelib.openapi import registered_routes
from cts.adapters.cognito import CognitoTokenVerifier, issuer
from cts.domain.permissions import PERMISSIONS, Action, actions_for, allowed
from cts.domain.roles import Role
from fakes_api import API_DIR, make_world
from fakes_cases import MemoryCaseStore

REGION, POOL, CLIENT = "eu-west-1", "eu-west-1_MATRIX", "matrix-client"
PUBLIC = {("GET", "/health"), ("GET", "/openapi.json"), ("POST", "/auth/login"), ("POST", "/auth/challenge")}
# Routes any signed-in user may call, whatever its groups: declared here on purpose, so that a route added
# without ``action=`` (and not public) fails test_every_route_declares_who_may_call_it.
SIGNED_IN_ONLY = {("GET", "/me"), ("GET", "/me/mfa"), ("POST", "/me/mfa"), ("POST", "/me/mfa/confirm")}

# Callers: each role alone, a user without groups, and two users holding two roles each.
CALLERS: dict[str, frozenset[str]] = {
    **{role.value: frozenset({role.value}) for role in Role},
    "no_groups": frozenset(),
    "auditor+targeting_analyst": frozenset({Role.AUDITOR.value, Role.TARGETING_ANALYST.value}),
    "carrier+risk_manager": frozenset({Role.CARRIER.value, Role.RISK_MANAGER.value}),
}
CARRIER_ACTIONS = actions_for({Role.CARRIER.value})


def _app() -> Any:
    from app import app

    return app


ROUTES: list[tuple[str, str, Route]] = sorted(registered_routes(_app()), key=lambda r: (r[0], r[1]))
MATRIX = [
    (method, path, caller) for (path, method, _), caller in product(ROUTES, CALLERS)
]  # one case per route x caller


def _route(method: str, path: str) -> Route:
    return next(route for p, m, route in ROUTES if (m, p) == (method, path))


def _actions(route: Route) -> tuple[Action, ...]:
    if route.action is None:
        return ()
    return route.action if isinstance(route.action, tuple) else (route.action,)


def may_call(route: Route, method: str, roles: frozenset[str]) -> bool:
    """What the permission table says: public and signed-in-only routes for all, else any of the actions."""
    if route.public or (method, route.path) in SIGNED_IN_ONLY:
        return True
    return any(allowed(roles, action) for action in _actions(route))


def _case_id(case: tuple[str, str, str]) -> str:
    method, path, caller = case
    verdict = "allowed" if may_call(_route(method, path), method, CALLERS[caller]) else "denied"
    return f"{method} {path}-{caller}-{verdict}"


# ---------------------------------------------------------------- tokens and a world that verifies them


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**data, "kid": kid, "alg": "RS256", "use": "sig"}


KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_token(roles: frozenset[str] = frozenset({"administrator"}), *, key: Any = KEY, **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer(REGION, POOL),
        "sub": f"sub-{'-'.join(sorted(roles)) or 'none'}",
        "aud": CLIENT,
        "token_use": "id",
        "iat": now,
        "exp": now + 3600,
        "cognito:username": "-".join(sorted(roles)) or "nobody",
        "cognito:groups": sorted(roles),
    }
    if Role.CARRIER.value in roles:
        claims["custom:carrier_id"] = "msc"
    if not roles:
        del claims["cognito:groups"]  # Cognito leaves the claim out for a user in no group
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


TOKENS = {caller: make_token(roles) for caller, roles in CALLERS.items()}


class Gate:
    """Records what :func:`chalicelib.http.authenticate` decided, and each :class:`Call` the views received."""

    def __init__(self) -> None:
        self.outcomes: list[str] = []
        self.calls: list[http.Call] = []


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Gate:
    seen = Gate()
    real_authenticate, real_call = http.authenticate, http.Call

    def authenticate(request: Any, container: Any, action: Any) -> Any:
        try:
            principal = real_authenticate(request, container, action)
        except Exception as exc:
            seen.outcomes.append(type(exc).__name__)
            raise
        seen.outcomes.append("passed")
        return principal

    def call(*args: Any, **kwargs: Any) -> http.Call:
        made = real_call(*args, **kwargs)
        seen.calls.append(made)
        return made

    monkeypatch.setattr(http, "authenticate", authenticate)
    monkeypatch.setattr(http, "Call", call)
    return seen


@pytest.fixture
def matrix_client() -> Iterator[Client]:
    world = make_world()
    keys = {"keys": [_jwk(KEY, "k1")]}

    def fetch(url: str) -> Mapping[str, Any]:
        return keys

    verifier = CognitoTokenVerifier(POOL, CLIENT, REGION, "https://keys.test/jwks.json", fetch=fetch)
    set_container(dataclasses.replace(world.container, verifier=verifier, cases=MemoryCaseStore()))
    yield Client(_app(), project_dir=str(API_DIR))
    set_container(None)


def _concrete(path: str) -> str:
    """The route's path with every ``{param}`` filled with a value no store holds."""
    parts = path.split("/")
    return "/".join("matrix-x" if part.startswith("{") and part.endswith("}") else part for part in parts)


def send(client: Client, method: str, path: str, token: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = b"{}" if method in ("POST", "PUT", "PATCH") else None
    return client.http.request(method, _concrete(path), headers=headers, body=body)


def _json(response: Any) -> dict[str, Any]:
    data = json.loads(response.body)
    assert isinstance(data, dict), response.body
    return data


# ---------------------------------------------------------------- the matrix


def test_every_route_declares_who_may_call_it() -> None:
    undeclared = [
        f"{method} {path}"
        for path, method, route in ROUTES
        if not route.public and route.action is None and (method, path) not in SIGNED_IN_ONLY
    ]
    assert not undeclared, f"declare action= (or public=True) on: {undeclared}"
    for _, _, route in ROUTES:
        assert all(action in PERMISSIONS for action in _actions(route))
    assert {(m, p) for p, m, r in ROUTES if r.public} == PUBLIC
    assert {(m, p) for p, m, _ in ROUTES} >= SIGNED_IN_ONLY


def test_the_matrix_covers_every_route_and_every_caller() -> None:
    registered = {(method, path) for path, entries in _app().routes.items() for method in entries}
    assert {(m, p) for p, m, _ in ROUTES} == registered
    assert len(ROUTES) == len(registered) >= 20
    assert set(CALLERS) >= {role.value for role in Role}
    assert len(MATRIX) == len(set(MATRIX)) == len(ROUTES) * len(CALLERS)
    assert set(MATRIX) == {(m, p, c) for (m, p), c in product(registered, CALLERS)}
    print(matrix_table())  # pytest -s shows the expected matrix


def matrix_table() -> str:
    """The expected matrix, one line per route: ``+`` allowed, ``.`` 403, one column per caller."""
    header = "  ".join(f"{i}={caller}" for i, caller in enumerate(CALLERS))
    width = max(len(f"{m} {p}") for p, m, _ in ROUTES)
    lines = [f"{len(ROUTES)} routes x {len(CALLERS)} callers: {header}"]
    for path, method, route in ROUTES:
        marks = "".join("+" if may_call(route, method, roles) else "." for roles in CALLERS.values())
        lines.append(f"{f'{method} {path}':<{width}}  {marks}")
    return "\n".join(lines)


@pytest.mark.parametrize("case", MATRIX, ids=[_case_id(c) for c in MATRIX])
def test_role_matrix(case: tuple[str, str, str], matrix_client: Client, gate: Gate) -> None:
    method, path, caller = case
    route = _route(method, path)
    response = send(matrix_client, method, path, TOKENS[caller])
    data = _json(response)
    assert set(data) >= {"code", "message"} or response.status_code == 200, data
    if may_call(route, method, CALLERS[caller]):
        assert response.status_code not in (401, 500), data
        assert gate.outcomes in ([], ["passed"]), gate.outcomes  # public routes skip the gate
        if response.status_code == 403:
            assert gate.outcomes == ["passed"], "a 403 for an allowed role must come from the domain, not the gate"
        if response.status_code == 200 and route.response is not None:
            route.response.model_validate(data)
    else:
        assert response.status_code == 403, data
        assert data["code"] == "forbidden"
        assert gate.outcomes == ["Forbidden"]
        assert not gate.calls, "the view ran for a caller the table denies"


def test_views_read_only_the_query_parameters_their_route_declares(matrix_client: Client, gate: Gate) -> None:
    undeclared: dict[str, set[str]] = {}
    for path, method, route in ROUTES:
        gate.calls.clear()
        send(matrix_client, method, path, TOKENS[Role.ADMINISTRATOR.value])
        if not gate.calls:  # an administrator may not call it: use a role that may
            roles = next((r for r in CALLERS.values() if may_call(route, method, r)), None)
            if roles is None:
                continue
            send(matrix_client, method, path, make_token(roles))
        declared = set(route.query.model_fields) if route.query is not None else set()
        read = set().union(*(c.read for c in gate.calls))
        if read - declared:
            undeclared[f"{method} {path}"] = read - declared
    assert not undeclared, f"declare these with query= on the route: {undeclared}"


def test_a_carrier_gets_403_on_every_route_not_meant_for_carriers(matrix_client: Client, gate: Gate) -> None:
    carrier = frozenset({Role.CARRIER.value})
    not_for_carriers = [
        (method, path)
        for path, method, route in ROUTES
        if not route.public and (method, path) not in SIGNED_IN_ONLY and not set(_actions(route)) & CARRIER_ACTIONS
    ]
    # A carrier's whole surface, pinned on purpose: widening it is a security decision, not a side effect.
    carrier_routes = {(m, p) for p, m, r in ROUTES if not r.public and (m, p) not in SIGNED_IN_ONLY} - set(
        not_for_carriers
    )
    assert carrier_routes == {
        ("POST", "/uploads"),
        ("GET", "/receipts"),
        ("GET", "/receipts/{file_id}"),
        ("GET", "/manifests/{file_id}"),
    }
    for method, path in not_for_carriers:
        response = send(matrix_client, method, path, TOKENS[Role.CARRIER.value])
        assert (response.status_code, _json(response)["code"]) == (403, "forbidden"), (method, path)
    assert all(may_call(_route(m, p), m, carrier) is False for m, p in not_for_carriers)


# ---------------------------------------------------------------- tokens that must not verify


PROTECTED = [(method, path) for path, method, route in ROUTES if not route.public]
BAD_TOKENS: dict[str, str | None] = {
    "no-token": None,
    "expired": make_token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
    "forged": make_token(key=OTHER_KEY),
    "wrong-audience": make_token(aud="another-client"),
    "wrong-issuer": make_token(iss=issuer(REGION, "eu-west-1_OTHER")),
    "not-a-jwt": "not-a-jwt",
}


@pytest.mark.parametrize(
    ("route", "token"),
    [((m, p), name) for (m, p), name in product(PROTECTED, BAD_TOKENS)],
    ids=[f"{m} {p}-{name}" for (m, p), name in product(PROTECTED, BAD_TOKENS)],
)
def test_a_protected_route_answers_401_without_a_valid_token(
    route: tuple[str, str], token: str, matrix_client: Client, gate: Gate
) -> None:
    method, path = route
    response = send(matrix_client, method, path, BAD_TOKENS[token])
    assert response.status_code == 401, response.body
    assert _json(response)["code"] == "unauthorized"
    assert response.headers.get("WWW-Authenticate") == "Bearer"
    assert not gate.calls


@pytest.mark.parametrize(("method", "path"), sorted(PUBLIC), ids=[f"{m} {p}" for m, p in sorted(PUBLIC)])
def test_a_public_route_answers_without_a_token(method: str, path: str, matrix_client: Client, gate: Gate) -> None:
    response = send(matrix_client, method, path, None)
    assert response.status_code not in (401, 403, 500), response.body
    assert gate.outcomes == []
    assert gate.calls, "the view ran"
