"""``cts upload FILE``: send a manifest the way a carrier does (sign in, presigned PUT), then wait for its receipt."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, TextIO

from cts.domain.receipt import file_id_for


class ApiError(RuntimeError):
    pass


def register(subparsers: Any) -> None:
    command = subparsers.add_parser("upload", help="upload a manifest as a carrier and print its receipt")
    command.add_argument("file", type=Path)
    command.add_argument("--api", default=os.environ.get("CTS_API_URL"), help="API base URL (default: local stack)")
    command.add_argument("--username", default=os.environ.get("CTS_USERNAME"), help="or CTS_USERNAME")
    command.add_argument("--carrier-id", help="only for administrators uploading on a carrier's behalf")
    command.add_argument("--wait", type=float, default=60, help="seconds to wait for the receipt (0: do not wait)")
    command.set_defaults(func=run)


def _call(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (URL given by the user)
            payload = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")
        raise ApiError(f"{method} {url.split('?')[0]}: HTTP {exc.code} {detail}") from exc
    except urllib.error.URLError as exc:
        raise ApiError(f"{method} {url.split('?')[0]}: {exc.reason}") from exc
    return json.loads(payload) if payload else None


def _json(method: str, url: str, data: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return _call(method, url, json.dumps(data).encode(), headers)


def _default_api() -> str | None:
    facts = Path(".local/stack.json")
    return str(json.loads(facts.read_text())["api_url"]) if facts.exists() else None


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    api = (args.api or _default_api() or "").rstrip("/")
    if not api or not args.username:
        print("cts upload: give --api (or start `make run`) and --username (or CTS_USERNAME)", file=err)
        return 2
    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        print(f"cts upload: cannot read {args.file}: {exc.strerror}", file=err)
        return 2
    password = os.environ.get("CTS_PASSWORD") or getpass.getpass(f"password for {args.username}: ")
    try:
        token = _json("POST", f"{api}/auth/login", {"username": args.username, "password": password})["id_token"]
        request: dict[str, Any] = {"filename": args.file.name}
        if args.carrier_id:
            request["carrier_id"] = args.carrier_id
        slot = _json("POST", f"{api}/uploads", request, token)
        # An explicit type: urllib would label the body as a form, and form bodies are parsed, not stored.
        _call("PUT", slot["url"], raw, {"Content-Type": "application/octet-stream"})
        file_id = file_id_for(slot["key"], raw)
        print(f"uploaded {args.file} as {slot['key']} (file id {file_id})", file=err)
        receipt = _wait_for_receipt(api, file_id, token, args.wait)
    except ApiError as exc:
        print(f"cts upload: {exc}", file=err)
        return 1
    if receipt is None:
        return 0 if args.wait == 0 else 1
    out.write(json.dumps(receipt, indent=2) + "\n")
    return 1 if receipt["status"] == "rejected" else 0


def _wait_for_receipt(api: str, file_id: str, token: str, wait_s: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            receipt: dict[str, Any] = _call(
                "GET", f"{api}/receipts/{file_id}", headers={"Authorization": f"Bearer {token}"}
            )
            return receipt
        except ApiError as exc:
            if "HTTP 404" not in str(exc):
                raise
        time.sleep(0.5)
    return None
