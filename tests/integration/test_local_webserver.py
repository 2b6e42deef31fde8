"""The local web server: static web app at / and /static/, everything else through Chalice."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes_api import API_DIR, ROOT, World, make_world

if str(API_DIR) not in sys.path:
    sys.path.insert(0, str(API_DIR))

from chalicelib.container import set_container
from cts.adapters.local.webserver import LocalWebServer, is_static, serve, static_file


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[LocalWebServer]:
    from app import app

    set_container(world.container)
    running = serve(app, host="127.0.0.1", port=0, static_dir=ROOT / "web")
    yield running
    running.shutdown()
    set_container(None)


def fetch(
    url: str, method: str = "GET", body: Any = None, token: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def test_the_server_listens_on_loopback_only(server: LocalWebServer) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert server.port > 0


def test_health_is_answered_by_the_chalice_app_as_json(server: LocalWebServer) -> None:
    status, headers, body = fetch(f"{server.url}/health")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"status": "ok", "country": "JM"}


def test_root_serves_the_web_app_with_its_sign_in_form(server: LocalWebServer) -> None:
    status, headers, body = fetch(f"{server.url}/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    html = body.decode()
    assert 'data-testid="sign-in-form"' in html
    assert 'src="/static/app.js"' in html


def test_static_javascript_and_css_are_served_with_their_types(server: LocalWebServer) -> None:
    status, headers, body = fetch(f"{server.url}/static/app.js")
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    assert b"/auth/login" in body
    status, headers, _ = fetch(f"{server.url}/static/style.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")


@pytest.mark.parametrize(
    "path", ["/static/../../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/nope.js"]
)
def test_paths_outside_the_web_app_or_missing_files_are_404(server: LocalWebServer, path: str) -> None:
    status, _, body = fetch(f"{server.url}{path}")
    assert status == 404
    assert b"cargo-targeting-system" not in body


def test_api_calls_carry_tokens_and_json_bodies_through(server: LocalWebServer) -> None:
    status, _, body = fetch(f"{server.url}/auth/login", "POST", {"username": "supervisor", "password": "secret"})
    assert status == 200
    token = json.loads(body)["id_token"]
    status, _, body = fetch(f"{server.url}/me", token=token)
    assert status == 200
    assert json.loads(body)["username"] == "supervisor"
    status, _headers, body = fetch(f"{server.url}/alerts")
    assert status == 401
    assert json.loads(body)["code"] == "unauthorized"


def test_route_rule_sends_only_get_root_and_static_to_files() -> None:
    assert is_static("GET", "/")
    assert is_static("GET", "/static/app.js")
    assert not is_static("POST", "/")
    assert not is_static("GET", "/health")
    assert not is_static("GET", "/staticfiles")


def test_static_file_refuses_to_leave_the_web_directory(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.js").write_text("x")
    (tmp_path / "index.html").write_text("<html>")
    assert static_file(tmp_path, "/") == (tmp_path / "index.html").resolve()
    assert static_file(tmp_path, "/static/a.js") == (tmp_path / "static" / "a.js").resolve()
    assert static_file(tmp_path, "/static/../../etc/passwd") is None
    assert static_file(tmp_path, "/static/") is None


def test_an_unknown_api_path_is_a_404_in_the_error_shape_without_echoing_the_token(server: LocalWebServer) -> None:
    status, _, body = fetch(f"{server.url}/no/such/route", token="secret-token-value")
    assert status == 404
    assert json.loads(body)["code"] == "no_route"
    assert b"secret-token-value" not in body


@pytest.mark.parametrize("method", ["TRACE", "QUERY", "PATCH"])
def test_any_undeclared_method_is_a_405_from_the_api(server: LocalWebServer, method: str) -> None:
    status, headers, body = fetch(f"{server.url}/health", method)
    assert status == 405
    assert json.loads(body)["code"] == "method_not_allowed"
    assert headers["Allow"] == "GET"


@pytest.mark.parametrize(
    ("length", "status", "code"), [("abc", 400, "bad_request"), ("99999999999", 413, "payload_too_large")]
)
def test_a_bad_or_huge_content_length_is_answered_in_the_error_shape(
    server: LocalWebServer, length: str, status: int, code: str
) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{}}".encode())
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status}".encode()), head
    assert json.loads(payload)["code"] == code
