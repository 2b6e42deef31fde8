"""What every route shares: bearer-token authentication, the permission check, JSON errors.

A route is declared with :meth:`Routes.api`; the view receives a :class:`Call` (request, container,
verified principal) plus its path parameters, already percent-decoded, and returns something
JSON-serialisable. Domain errors become ``{"code": ..., "message": ...}`` with their HTTP status;
anything unexpected is logged and answered 500 without details.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote

from chalice.app import Chalice, Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.container import ApiContainer, get_container
from cts.config.settings import ConfigError
from cts.domain.errors import (
    Conflict,
    CtsError,
    Forbidden,
    NotFound,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from cts.domain.permissions import Action, allowed
from cts.ports.identity import Principal

log = logging.getLogger("cts.api")

M = TypeVar("M", bound=BaseModel)
V = TypeVar("V", bound=Callable[..., Any])

# Most specific first: Unavailable subclasses and ValidationFailed subclasses map by their base.
_STATUS: tuple[tuple[type[CtsError], int, str], ...] = (
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (ValidationFailed, 400, "validation_failed"),
    (Unavailable, 503, "unavailable"),
)
_NO_STORE: dict[str, str | list[str]] = {"Cache-Control": "no-store"}


def error_response(status: int, code: str, message: str) -> Response:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return Response(body={"code": code, "message": message}, status_code=status, headers=headers)


def domain_error_response(exc: CtsError) -> Response:
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            return error_response(status, code, str(exc) or code.replace("_", " "))
    return error_response(400, "bad_request", str(exc) or "bad request")


@dataclass(frozen=True)
class Call:
    """One request as a view sees it."""

    request: Request
    container: ApiContainer
    principal: Principal | None
    app: Chalice | None = None

    @property
    def user(self) -> Principal:
        if self.principal is None:
            raise Unauthorized("sign in first")
        return self.principal

    def query(self, name: str) -> str | None:
        params: Mapping[str, str] = self.request.query_params or {}
        value = params.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    def query_int(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.query(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ValidationFailed(f"{name} must be a whole number, got {raw!r}") from None
        if not low <= value <= high:
            raise ValidationFailed(f"{name} must be between {low} and {high}")
        return value

    def body(self, model: type[M]) -> M:
        """The JSON body validated against ``model``; anything malformed is ValidationFailed (400)."""
        raw = self.request.raw_body
        if not raw:
            raise ValidationFailed("the request needs a JSON body")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ValidationFailed("the request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise ValidationFailed("the request body must be a JSON object")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
            raise ValidationFailed(problems) from None


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send Authorization: Bearer <token>")
    return token.strip()


def authenticate(request: Request, container: ApiContainer, action: Action | tuple[Action, ...] | None) -> Principal:
    """Verify the bearer token in-app and check the permission table (any of ``action``)."""
    principal = container.verifier.verify(bearer_token(request))
    wanted = action if isinstance(action, tuple) else (action,) if action else ()
    if wanted and not any(allowed(principal.roles, a) for a in wanted):
        names = " or ".join(a.value.replace("_", " ") for a in wanted)
        raise Forbidden(f"your roles do not allow {names}")
    return principal


def _to_response(result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json")
    return Response(body=result, status_code=200, headers=dict(_NO_STORE))


@dataclass(frozen=True)
class Route:
    path: str
    methods: tuple[str, ...]
    action: Action | tuple[Action, ...] | None
    public: bool
    view: Callable[..., Any]
    summary: str | None = None
    body: type[BaseModel] | None = None


class Routes:
    """A group of routes, registered on an app with :meth:`register`.

    Used instead of ``chalice.Blueprint`` because Chalice consumes a blueprint's route options
    on the first registration: registered on a second app in the same process (the local stack
    and tests load ``app.py`` more than once), every route silently became GET-only.
    """

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def api(
        self,
        path: str,
        *,
        methods: tuple[str, ...] = ("GET",),
        action: Action | tuple[Action, ...] | None = None,
        public: bool = False,
        summary: str | None = None,
        body: type[BaseModel] | None = None,
    ) -> Callable[[V], V]:
        """Declare ``view`` at ``path``: signed-in callers only (unless ``public``), holding ``action``.

        ``summary`` (else the view's docstring's first line) and ``body`` (the model the view parses with
        :meth:`Call.body`) only describe the route: :mod:`chalicelib.openapi` reads them for ``/openapi.json``.
        """

        def declare(view: V) -> V:
            self.routes.append(Route(path, methods, action, public, view, summary, body))
            return view

        return declare

    def register(self, app: Chalice) -> None:
        for route in self.routes:
            app.route(route.path, methods=list(route.methods))(_handler(app, route))


def _handler(app: Chalice, route: Route) -> Callable[..., Response]:
    @functools.wraps(route.view)
    def handler(**params: str) -> Response:
        try:
            request = app.current_request
            if request is None:
                raise RuntimeError("no current request")
            container = get_container()
            principal = None if route.public else authenticate(request, container, route.action)
            decoded = {name: unquote(value) for name, value in params.items()}
            return _to_response(route.view(Call(request, container, principal, app), **decoded))
        except CtsError as exc:
            return domain_error_response(exc)
        except ConfigError as exc:
            log.error("configuration error: %s", exc)
            return error_response(503, "misconfigured", "the service is not configured")
        except Exception:
            log.exception("unhandled error in %s %s", ",".join(route.methods), route.path)
            return error_response(500, "internal", "an internal error occurred")

    handler.cts_public = route.public  # type: ignore[attr-defined]  # read by infra to skip the authorizer
    handler.cts_route = route  # type: ignore[attr-defined]  # read by chalicelib.openapi
    return handler
