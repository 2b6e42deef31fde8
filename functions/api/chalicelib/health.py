"""Liveness: no sign-in, no dependency call; fails only when the function is not configured."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.http import Call, api

bp = Blueprint(__name__)


@api(bp, "/health", public=True)
def health(call: Call) -> dict[str, Any]:
    return {"status": "ok", "country": call.container.country}
