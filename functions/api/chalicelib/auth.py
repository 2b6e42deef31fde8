"""Sign-in (username + password -> Cognito tokens) and who the caller is."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import Call, Routes
from cts.domain.permissions import actions_for

routes = Routes()


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


@routes.api("/auth/login", methods=("POST",), public=True, body=LoginRequest)
def login(call: Call) -> dict[str, Any]:
    body = call.body(LoginRequest)
    tokens = call.container.authenticator.sign_in(body.username.strip(), body.password)
    return {
        "id_token": tokens.id_token,
        "access_token": tokens.access_token,
        "expires_in": tokens.expires_in,
        "token_type": "Bearer",
    }


@routes.api("/me")
def me(call: Call) -> dict[str, Any]:
    user = call.user
    return {
        "username": user.username,
        "roles": sorted(user.roles),
        "carrier_id": user.carrier_id,
        "actions": sorted(a.value for a in actions_for(user.roles)),
    }
