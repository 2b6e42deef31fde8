"""Liveness: no sign-in, no dependency call; fails only when the function is not configured."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from chalicelib.http import Call, Routes

routes = Routes()


class Health(BaseModel):
    status: Literal["ok"]
    country: str


@routes.api("/health", public=True, response=Health)
def health(call: Call) -> Health:
    return Health(status="ok", country=call.container.country)
