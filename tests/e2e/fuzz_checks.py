"""Schemathesis checks of the CTS API's own rules, loaded by the fuzz run (``SCHEMATHESIS_HOOKS=fuzz_checks``)."""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.check
def error_body_is_code_and_message(ctx: Any, response: Any, case: Any) -> None:
    """Every error is JSON ``{"code": str, "message": str}`` (chalicelib.http), whichever layer answered."""
    if response.status_code < 400:
        return
    try:
        body = json.loads(response.content or b"")
    except ValueError:
        text = response.text[:200]
        raise AssertionError(f"{response.status_code} answered with a body that is not JSON: {text!r}") from None
    if not isinstance(body, dict) or not isinstance(body.get("code"), str) or not isinstance(body.get("message"), str):
        raise AssertionError(f"{response.status_code} answered without {{code, message}}: {str(body)[:200]}")
