"""Sign-in (username + password -> Cognito tokens) and who the caller is."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import Call, Routes
from cts.domain.permissions import actions_for

routes = Routes()


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


class SignedIn(BaseModel):
    id_token: str
    access_token: str
    expires_in: int
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105  # the scheme name, not a secret


class Me(BaseModel):
    username: str
    roles: list[str]
    carrier_id: str | None
    actions: list[str] = Field(description="the permission-table actions the roles allow")


@routes.api("/auth/login", methods=("POST",), public=True, body=LoginRequest, response=SignedIn, errors=(401,))
def login(call: Call) -> SignedIn:
    body = call.body(LoginRequest)
    tokens = call.container.authenticator.sign_in(body.username.strip(), body.password)
    return SignedIn(id_token=tokens.id_token, access_token=tokens.access_token, expires_in=tokens.expires_in)


@routes.api("/me", response=Me)
def me(call: Call) -> Me:
    user = call.user
    return Me(
        username=user.username,
        roles=sorted(user.roles),
        carrier_id=user.carrier_id,
        actions=sorted(a.value for a in actions_for(user.roles)),
    )
