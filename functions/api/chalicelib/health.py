"""Liveness: no sign-in, no dependency call; fails only when the function is not configured."""

from __future__ import annotations

from typing import Any

from chalicelib.http import Call, Routes

routes = Routes()


@routes.api("/health", public=True)
def health(call: Call) -> dict[str, Any]:
    return {"status": "ok", "country": call.container.country}
