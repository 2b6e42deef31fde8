"""What every route shares: bearer-token authentication, the permission check, input limits, JSON errors.

A route is declared with :meth:`Routes.api`; the view receives a :class:`Call` (request, container,
verified principal) plus its path parameters, already percent-decoded, and returns something
JSON-serialisable. Before the view runs, the handler checks in this order: the token (401), the permission
table (403), the body's size (413), the path parameters (400) and the query parameters against the route's
``query=`` model (400). Domain errors become ``{"code": ..., "message": ...}`` with their HTTP status; Chalice's
own answers (405 method not allowed, ...) are rewritten to the same shape; anything unexpected is logged and
answered 500 ``internal`` without details.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote

from chalice.app import Chalice, Request, Response, handle_extra_types
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

MAX_BODY_BYTES = 1024 * 1024
"""The largest request body any route reads (413 ``payload_too_large`` above); models limit their fields further."""
MAX_PATH_PARAM_CHARS = 512
"""A path parameter's longest decoded value (400 above): keys and ids are far shorter, stores reject longer."""
PATH_PARAM_PATTERN = "^[^\\u0000-\\u001f\\u007f]+$"
"""What a decoded path parameter may hold: no control characters (the JSON schema of every path parameter)."""
MAX_QUERY_VALUE_CHARS = 2048
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Chalice's own error codes (answered before a view runs) -> ours.
_CHALICE_CODES = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequestError": "bad_request",
    "BadRequest": "bad_request",
    "InternalServerError": "internal",
}


def error_response(status: int, code: str, message: str) -> Response:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return Response(body={"code": code, "message": message}, status_code=status, headers=headers)


def domain_error_response(exc: CtsError) -> Response:
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            # An error class may name a finer stable code (e.g. ``four_eyes``, ``stale_version``) for its status.
            specific = getattr(exc, "error_code", None) or code
            return error_response(status, specific, str(exc) or code.replace("_", " "))
    return error_response(400, "bad_request", str(exc) or "bad request")


@dataclass(frozen=True)
class Call:
    """One request as a view sees it."""

    request: Request
    container: ApiContainer
    principal: Principal | None
    app: Chalice | None = None
    read: set[str] = field(default_factory=set, compare=False)
    """The query parameters the view asked for (tests check they are declared in the route's ``query=``)."""

    @property
    def user(self) -> Principal:
        if self.principal is None:
            raise Unauthorized("sign in first")
        return self.principal

    def query(self, name: str) -> str | None:
        self.read.add(name)
        return query_values(self.request).get(name)

    def params(self, model: type[M]) -> M:
        """The query parameters validated against ``model`` (the route's ``query=``); problems are 400s."""
        self.read.update(model.model_fields)
        return validate_query(self.request, model)

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
        content_type = (self.request.headers.get("content-type") or "application/json").split(";", 1)[0].strip()
        if not _is_json(content_type):
            raise UnsupportedMediaType(f"send the body as application/json, not {content_type[:100]}")
        raw = self.request.raw_body
        if not raw:
            raise ValidationFailed("the request needs a JSON body")
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"the request body is larger than {MAX_BODY_BYTES} bytes")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ValidationFailed("the request body is not valid JSON (UTF-8)") from None
        if not isinstance(data, dict):
            raise ValidationFailed("the request body must be a JSON object")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise ValidationFailed(_problems(exc, "body")) from None


class UnsupportedMediaType(ValidationFailed):
    """A body in another format than JSON (415)."""


class PayloadTooLarge(ValidationFailed):
    """A body over :data:`MAX_BODY_BYTES` (413)."""


def _is_json(content_type: str) -> bool:
    kind = content_type.lower()
    return kind in ("application/json", "*/*", "") or (kind.startswith("application/") and kind.endswith("+json"))


def _problems(exc: ValidationError, where: str) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or where}: {e['msg']}" for e in exc.errors())


def query_values(request: Request) -> dict[str, str]:
    """The query string as ``name -> value`` (the last one when repeated); blank values count as absent."""
    params = request.query_params
    if not params:
        return {}
    values: dict[str, str] = {}
    for name in params:
        listed = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        value = listed[-1] if listed else None
        if isinstance(value, str) and value.strip():
            values[name] = value.strip()
    return values


def validate_query(request: Request, model: type[M]) -> M:
    """``model`` from the query string (strings coerced to the fields' types); any problem is a 400."""
    values = query_values(request)
    for name, value in values.items():
        if len(value) > MAX_QUERY_VALUE_CHARS or _CONTROL.search(value):
            raise ValidationFailed(f"query parameter {name[:64]!r} is too long or holds control characters")
    try:
        return model.model_validate({name: values[name] for name in model.model_fields if name in values})
    except ValidationError as exc:
        raise ValidationFailed(_problems(exc, "query")) from None


def path_params(params: Mapping[str, str]) -> dict[str, str]:
    """Percent-decoded path parameters; empty, over-long, control-character or non-UTF-8 values are a 400."""
    decoded = {}
    for name, value in params.items():
        try:
            text = unquote(value, errors="strict")
        except UnicodeDecodeError:
            raise ValidationFailed(f"{name} must be percent-encoded UTF-8") from None
        if not text or len(text) > MAX_PATH_PARAM_CHARS or _CONTROL.search(text):
            raise ValidationFailed(f"{name} must be 1 to {MAX_PATH_PARAM_CHARS} printable characters")
        decoded[name] = text
    return decoded


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
    # Serialised here, inside the handler's error mapping, rather than later by Chalice (a 502 in Lambda).
    body = json.dumps(result, separators=(",", ":"), default=handle_extra_types)
    return Response(body=body, status_code=200, headers={**_NO_STORE, "Content-Type": "application/json"})


def _chalice_errors(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice's own answers (``{"Code", "Message"}``: 405, 415, ...) in the API's shape ``{code, message}``."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = _CHALICE_CODES.get(str(body["Code"])) or re.sub(r"(?<!^)(?=[A-Z])", "_", str(body["Code"])).lower()
        response.body = {"code": code, "message": str(body["Message"])}
        response.headers = {**_NO_STORE, **(response.headers or {})}
    return response


@dataclass(frozen=True)
class Route:
    path: str
    methods: tuple[str, ...]
    action: Action | tuple[Action, ...] | None
    public: bool
    view: Callable[..., Any]
    summary: str | None = None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    produces: tuple[str, ...] = ()  # content types a 200 may have besides JSON (CSV and PDF reports)


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
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        errors: tuple[int, ...] = (),
        produces: tuple[str, ...] = (),
    ) -> Callable[[V], V]:
        """Declare ``view`` at ``path``: signed-in callers only (unless ``public``), holding ``action``.

        ``query`` is the model of the query parameters the view reads (with :meth:`Call.params`, or
        :meth:`Call.query` for a declared name): the handler validates the query string against it before the
        view runs, so a bad value is a 400 ``validation_failed``. ``summary`` (else the view's docstring's first
        line), ``body`` (the model the view parses with :meth:`Call.body`) and ``response`` (the model of a 200
        answer) describe the route: :mod:`chalicelib.openapi` reads them for ``/openapi.json``, with ``errors``,
        the statuses the route answers beyond those every route may (e.g. 401 for a wrong password on a public
        route).
        """

        def declare(view: V) -> V:
            self.routes.append(
                Route(path, methods, action, public, view, summary, body, query, response, errors, produces)
            )
            return view

        return declare

    def register(self, app: Chalice) -> None:
        if not getattr(app, "cts_error_shape", False):
            app.register_middleware(_chalice_errors, "http")
            app.cts_error_shape = True  # type: ignore[attr-defined]  # once per app, however many groups
        for route in self.routes:
            # Any content type reaches the handler: Call.body answers 415 itself, in the API's error shape.
            app.route(route.path, methods=list(route.methods), content_types=["*/*"])(_handler(app, route))


def _handler(app: Chalice, route: Route) -> Callable[..., Response]:
    @functools.wraps(route.view)
    def handler(**params: str) -> Response:
        try:
            request = app.current_request
            if request is None:
                raise RuntimeError("no current request")
            container = get_container()
            principal = None if route.public else authenticate(request, container, route.action)
            raw = request.raw_body
            if raw and len(raw) > MAX_BODY_BYTES:
                raise PayloadTooLarge(f"the request body is larger than {MAX_BODY_BYTES} bytes")
            decoded = path_params(params)
            if route.query is not None:
                validate_query(request, route.query)
            return _to_response(route.view(Call(request, container, principal, app), **decoded))
        except UnsupportedMediaType as exc:
            return error_response(415, "unsupported_media_type", str(exc))
        except PayloadTooLarge as exc:
            return error_response(413, "payload_too_large", str(exc))
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
