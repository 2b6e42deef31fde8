"""Sign-in (username + password -> Cognito tokens, or a challenge to answer first), who the caller is, and the
caller's two-step sign-in (TOTP authenticator app).

``POST /auth/login`` answers either tokens or ``{challenge, session, username, ...}``: ``new_password`` (an account
created with a temporary password), ``totp`` (the code of the user's authenticator app) or ``mfa_setup`` (the pool
requires MFA and the user has no app yet: the answer carries the new secret and its ``otpauth://`` URI).
``POST /auth/challenge`` answers one with the session, and returns tokens or the next challenge. Both are public
(the caller has no token yet); the session is the proof. Errors keep stable codes: ``session_expired`` (401: sign in
again), ``code_mismatch``, ``code_expired``, ``weak_password`` (the policy's message), ``too_many_attempts`` (400).
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.http import Call, Routes
from cts.domain.errors import Forbidden
from cts.domain.permissions import actions_for
from cts.domain.sign_in import Challenge, ChallengeName, otpauth_uri
from cts.ports.identity import Tokens

routes = Routes()

_CODE_PATTERN = r"^[0-9]{6}$"
_CODE_TEXT = "the 6-digit code the authenticator app shows now"
_ACCESS_TOKEN = Field(
    min_length=1,
    max_length=8192,
    description="the access token of the same sign-in (Cognito needs it to change the user's own MFA settings)",
)


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


class ChallengeRequest(BaseModel):
    """The answer to a challenge: ``new_password`` for ``new_password``, ``code`` for ``totp`` and ``mfa_setup``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    challenge: ChallengeName
    username: str = Field(min_length=1, max_length=128, description="as the challenge named it")
    session: str = Field(min_length=20, max_length=2048, description="the challenge's session, as given")
    new_password: str | None = Field(default=None, min_length=1, max_length=256)
    code: str | None = Field(default=None, pattern=_CODE_PATTERN, description=_CODE_TEXT)

    @model_validator(mode="after")
    def _answers_the_challenge(self) -> Self:
        if self.challenge is ChallengeName.NEW_PASSWORD:
            if self.new_password is None or self.code is not None:
                raise ValueError("the new_password challenge is answered with new_password only")
        elif self.code is None or self.new_password is not None:
            raise ValueError(f"the {self.challenge.value} challenge is answered with code only")
        return self


class SignedIn(BaseModel):
    """Tokens (``challenge`` null), or a challenge to answer at ``POST /auth/challenge`` (token fields null)."""

    model_config = ConfigDict(extra="forbid")

    id_token: str | None = None
    access_token: str | None = None
    expires_in: int | None = None
    token_type: Literal["Bearer"] | None = None
    challenge: Literal["new_password", "totp", "mfa_setup"] | None = None
    session: str | None = Field(default=None, description="send it back with the answer; valid a few minutes")
    username: str | None = Field(default=None, description="send it back with the answer")
    secret: str | None = Field(default=None, description="mfa_setup: the base32 secret for the authenticator app")
    otpauth_uri: str | None = Field(default=None, description="mfa_setup: the same secret as an otpauth:// URI")


class Me(BaseModel):
    username: str
    roles: list[str]
    carrier_id: str | None
    actions: list[str] = Field(description="the permission-table actions the roles allow")


class MfaState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(description="an authenticator app is verified: sign-in asks for its code")
    required: bool = Field(description="the user pool requires every user to set one up")


class MfaStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    access_token: str = _ACCESS_TOKEN


class MfaConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    access_token: str = _ACCESS_TOKEN
    code: str = Field(pattern=_CODE_PATTERN, description=_CODE_TEXT)


class MfaSecret(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secret: str = Field(description="base32, to type into the authenticator app")
    otpauth_uri: str = Field(description="the same secret as an otpauth://totp/ URI (issuer: this system)")


def _issuer(call: Call) -> str:
    return f"CTS {call.container.country}"


def _answer(call: Call, outcome: Tokens | Challenge) -> SignedIn:
    if isinstance(outcome, Tokens):
        return SignedIn(
            id_token=outcome.id_token,
            access_token=outcome.access_token,
            expires_in=outcome.expires_in,
            token_type="Bearer",  # noqa: S106  # the scheme name, not a secret
        )
    uri = otpauth_uri(outcome.secret, outcome.username, _issuer(call)) if outcome.secret else None
    return SignedIn(
        challenge=outcome.name.value,
        session=outcome.session,
        username=outcome.username,
        secret=outcome.secret,
        otpauth_uri=uri,
    )


@routes.api("/auth/login", methods=("POST",), public=True, body=LoginRequest, response=SignedIn, errors=(401,))
def login(call: Call) -> SignedIn:
    """Sign in: tokens, or the challenge to answer first"""
    body = call.body(LoginRequest)
    return _answer(call, call.container.authenticator.sign_in(body.username.strip(), body.password))


@routes.api("/auth/challenge", methods=("POST",), public=True, body=ChallengeRequest, response=SignedIn, errors=(401,))
def challenge(call: Call) -> SignedIn:
    """Answer a sign-in challenge: tokens, or the next challenge"""
    body = call.body(ChallengeRequest)
    outcome = call.container.authenticator.respond(
        body.username, body.challenge, body.session, new_password=body.new_password, code=body.code
    )
    return _answer(call, outcome)


@routes.api("/me", response=Me)
def me(call: Call) -> Me:
    user = call.user
    return Me(
        username=user.username,
        roles=sorted(user.roles),
        carrier_id=user.carrier_id,
        actions=sorted(a.value for a in actions_for(user.roles)),
    )


@routes.api("/me/mfa", response=MfaState)
def mfa_status(call: Call) -> MfaState:
    """The caller's two-step sign-in: set up or not, required or not"""
    status = call.container.authenticator.mfa_status(call.user.username)
    return MfaState(enabled=status.enabled, required=status.required)


def _own_access_token(call: Call, access_token: str) -> str:
    """The access token, once it verifies and is the caller's own (same subject as the bearer token)."""
    owner = call.container.verifier.verify(access_token)
    if owner.subject != call.user.subject:
        raise Forbidden("the access token belongs to another user")
    return access_token


@routes.api("/me/mfa", methods=("POST",), body=MfaStart, response=MfaSecret)
def mfa_start(call: Call) -> MfaSecret:
    """Start setting up an authenticator app: a new secret (confirm it with a code)"""
    body = call.body(MfaStart)
    secret = call.container.authenticator.start_totp(_own_access_token(call, body.access_token))
    return MfaSecret(secret=secret, otpauth_uri=otpauth_uri(secret, call.user.username, _issuer(call)))


@routes.api("/me/mfa/confirm", methods=("POST",), body=MfaConfirm, response=MfaState)
def mfa_confirm(call: Call) -> MfaState:
    """Confirm the new authenticator app with its current code: sign-in asks for a code from now on"""
    body = call.body(MfaConfirm)
    authenticator = call.container.authenticator
    authenticator.confirm_totp(_own_access_token(call, body.access_token), body.code)
    status = authenticator.mfa_status(call.user.username)
    return MfaState(enabled=status.enabled, required=status.required)
