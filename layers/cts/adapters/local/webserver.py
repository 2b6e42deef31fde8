"""Serve the web app and the Chalice API from one local origin (no CORS, no API Gateway).

``GET /`` and ``GET /static/...`` are files from ``static_dir`` (the repository's ``web/``);
every other request goes to the Chalice app through :class:`chalice.local.LocalGateway`, which
turns it into the same API Gateway proxy event Lambda receives. The app verifies bearer tokens
itself, so nothing here is trusted more than API Gateway would be.

Chalice keeps ``app.current_request`` on the app object, so API calls are dispatched one at a
time (a lock); static files are served concurrently. Binds to 127.0.0.1 by default.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import ForbiddenError, LocalGateway, LocalGatewayException

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_MAX_BODY = 10 * 1024 * 1024


def is_static(method: str, path: str) -> bool:
    """The route rule: ``GET /`` and ``GET /static/*`` are files; everything else is the API."""
    if method not in ("GET", "HEAD"):
        return False
    return path == "/" or path.startswith("/static/")


def static_file(static_dir: Path, path: str) -> Path | None:
    """The file for a static path, or None (missing, a directory, or outside ``static_dir``)."""
    root = static_dir.resolve()
    relative = "index.html" if path == "/" else unquote(path.removeprefix("/"))
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def _content_type(path: Path) -> str:
    return _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


@dataclass
class LocalWebServer:
    """A running server: ``url`` to open, ``shutdown()`` to stop it and wait for its thread."""

    httpd: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host = str(self.httpd.server_address[0])
        return f"http://{host}:{self.port}"

    def shutdown(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def _handler_class(gateway: LocalGateway, static_dir: Path, api_lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are written separately: with Nagle on, a keep-alive client waits out its delayed ACK
        # (~40 ms) on every response.
        disable_nagle_algorithm = True
        server_version = "cts-local"
        sys_version = ""

        def _dispatch(self) -> None:
            path = urlsplit(self.path).path or "/"
            if is_static(self.command, path):
                self._serve_static(path)
            else:
                self._serve_api()

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

        def __getattr__(self, name: str) -> Any:
            # Any other method (TRACE, QUERY, ...) goes to the API too, which answers 405 as API Gateway would;
            # http.server itself would answer 501 Not Implemented with an HTML page.
            if name.startswith("do_"):
                return self._dispatch
            raise AttributeError(name)

        def _serve_static(self, path: str) -> None:
            found = static_file(static_dir, path)
            if found is None:
                self._send(HTTPStatus.NOT_FOUND, {"Content-Type": "text/plain; charset=utf-8"}, b"not found\n")
                return
            headers = {"Content-Type": _content_type(found), "Cache-Control": "no-cache"}
            self._send(HTTPStatus.OK, headers, found.read_bytes())

        def _serve_api(self) -> None:
            raw_length = (self.headers.get("Content-Length") or "0").strip()
            if not raw_length.isdigit():
                self._error(HTTPStatus.BAD_REQUEST, "bad_request", "Content-Length must be a whole number")
                self.close_connection = True  # the body's end is unknown
                return
            length = int(raw_length)
            if length > _MAX_BODY:
                self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large", "the request body is over 10 MiB")
                self.close_connection = True
                return
            body = self.rfile.read(length) if length > 0 else None
            headers = dict(self.headers.items())
            try:
                with api_lock:
                    response = gateway.handle_request(method=self.command, path=self.path, headers=headers, body=body)
            except LocalGatewayException as exc:
                # No route matched (API Gateway's "Missing Authentication Token"): 404 ``no_route`` in the API's error
                # shape, as the deployed API's gateway responses answer it (infra.components.api); never the header
                # echoed. Not ``not_found``: the web app tells a route this server lacks from a missing resource.
                if isinstance(exc, ForbiddenError):
                    path = urlsplit(self.path).path
                    self._error(HTTPStatus.NOT_FOUND, "no_route", f"no route {self.command} {path[:200]}")
                else:
                    self._error(HTTPStatus(exc.CODE), "unauthorized" if exc.CODE == 401 else "internal", "gateway")
                return
            out: dict[str, Any] = dict(response.get("headers") or {})
            out.update(response.get("multiValueHeaders") or {})
            raw = response.get("body")
            if raw is None:
                payload = b""
            elif response.get("isBase64Encoded"):
                payload = base64.b64decode(raw)
            else:
                payload = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
            out.setdefault("Content-Type", "application/json")
            self._send(int(response["statusCode"]), out, payload)

        def _error(self, status: HTTPStatus, code: str, message: str) -> None:
            payload = json.dumps({"code": code, "message": message}).encode()
            self._send(status, {"Content-Type": "application/json", "Cache-Control": "no-store"}, payload)

        def _send(self, status: int, headers: dict[str, Any], payload: bytes) -> None:
            self.send_response(status)
            for name, value in {**_SECURITY_HEADERS, **headers}.items():
                if name.lower() in ("content-length", "connection", "transfer-encoding"):
                    continue
                for item in value if isinstance(value, list) else [value]:
                    self.send_header(name, str(item))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet; the API logs what matters

    return Handler


def serve(app: Chalice, host: str = "127.0.0.1", port: int = 8000, static_dir: Path | None = None) -> LocalWebServer:
    """Start serving ``app`` and ``static_dir`` in a background thread; ``port=0`` picks a free port."""
    if static_dir is None:
        from cts.adapters.local.paths import repo_root

        static_dir = repo_root() / "web"
    config = Config.create(chalice_stage="dev", app_name=app.app_name, lambda_timeout=29, lambda_memory_size=512)
    gateway = LocalGateway(app, config)
    httpd = ThreadingHTTPServer((host, port), _handler_class(gateway, static_dir, threading.Lock()))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name=f"cts-web-{httpd.server_address[1]}", daemon=True)
    thread.start()
    return LocalWebServer(httpd, thread)
