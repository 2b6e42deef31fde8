"""Cognito user pools: sign-in with USER_PASSWORD_AUTH and local verification of the tokens it issues.

Verification happens in the API function itself (not only in an API Gateway authorizer), with the
pool's public keys (JWKS), fetched once per container and refetched once when a token names an
unknown key id (key rotation), at most once per ``refetch_cooldown_s``.

Under moto (local stack, tests) the tokens are real RS256 JWTs with the same claims as in AWS:
``iss`` is ``https://cognito-idp.<region>.amazonaws.com/<pool_id>`` as in AWS, but the JWKS is
served by the moto server at ``<AWS_ENDPOINT_URL>/<pool_id>/.well-known/jwks.json`` (see
:func:`jwks_url`). moto signs every pool's tokens with one key pair shipped in the moto package
(``kid`` "dummy"), so such tokens prove nothing outside a laptop: never point a deployed API at
an endpoint override.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import jwt
from botocore.exceptions import BotoCoreError, ClientError

from cts.domain.errors import Unauthorized, Unavailable
from cts.ports.identity import Principal, Tokens

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

_BAD_CREDENTIALS = {"NotAuthorizedException", "UserNotFoundException"}
_ACCOUNT_STATE = {
    "UserNotConfirmedException": "the account is not confirmed yet",
    "PasswordResetRequiredException": "the password must be reset before signing in",
}
_TOKEN_USES = frozenset({"id", "access"})
CARRIER_ATTRIBUTE = "custom:carrier_id"


def issuer(region: str, user_pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def jwks_url(region: str, user_pool_id: str, endpoint_url: str | None = None) -> str:
    """Where the pool publishes its keys: AWS, or the moto server when ``AWS_ENDPOINT_URL`` is set."""
    if endpoint_url:
        return f"{endpoint_url.rstrip('/')}/{user_pool_id}/.well-known/jwks.json"
    return f"{issuer(region, user_pool_id)}/.well-known/jwks.json"


class CognitoAuthenticator:
    """Username + password -> tokens, via ``InitiateAuth`` with ``USER_PASSWORD_AUTH`` (app client without secret)."""

    def __init__(
        self, user_pool_id: str, client_id: str, client_factory: Callable[[], CognitoIdentityProviderClient]
    ) -> None:
        self._user_pool_id = user_pool_id
        self._client_id = client_id
        self._client_factory = client_factory

    def sign_in(self, username: str, password: str) -> Tokens:
        try:
            response = self._client_factory().initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=self._client_id,
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _BAD_CREDENTIALS:
                raise Unauthorized("incorrect username or password") from exc
            if code in _ACCOUNT_STATE:
                raise Unauthorized(_ACCOUNT_STATE[code]) from exc
            raise Unavailable(f"sign-in failed: {code}") from exc
        except BotoCoreError as exc:
            raise Unavailable(f"sign-in failed: {exc}") from exc
        result = response.get("AuthenticationResult")
        if not result:
            challenge = response.get("ChallengeName", "unknown")
            raise Unauthorized(f"sign-in needs the {challenge} challenge, which this API does not support")
        return Tokens(
            id_token=result["IdToken"], access_token=result["AccessToken"], expires_in=int(result["ExpiresIn"])
        )


def _fetch_json(url: str, timeout_s: float = 5.0) -> Mapping[str, Any]:
    if not url.startswith(("https://", "http://")):
        raise Unavailable(f"refusing to fetch keys from {url!r}")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (scheme checked above)
            data = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise Unavailable(f"cannot fetch the user pool's keys from {url}: {exc}") from exc
    if not isinstance(data, dict):
        raise Unavailable(f"the user pool's keys at {url} are not a JSON object")
    return data


class CognitoTokenVerifier:
    """Verifies Cognito id and access tokens (RS256) and turns their claims into a :class:`Principal`.

    Checks: signature against the pool's JWKS, ``exp``/``iat``, ``iss``, ``token_use`` in
    ``accept``, and the app client: ``aud`` for id tokens, ``client_id`` for access tokens.
    Access tokens carry groups but not custom attributes, so only id tokens give ``carrier_id``.
    """

    def __init__(
        self,
        user_pool_id: str,
        client_id: str,
        region: str,
        jwks_url: str,
        *,
        accept: frozenset[str] = _TOKEN_USES,
        fetch: Callable[[str], Mapping[str, Any]] = _fetch_json,
        leeway_s: int = 30,
        refetch_cooldown_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not accept or not accept <= _TOKEN_USES:
            raise ValueError(f"accept must be a non-empty subset of {sorted(_TOKEN_USES)}")
        self._client_id = client_id
        self._issuer = issuer(region, user_pool_id)
        self._jwks_url = jwks_url
        self._accept = accept
        self._fetch = fetch
        self._leeway_s = leeway_s
        self._cooldown_s = refetch_cooldown_s
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("the token is not a JWT") from exc
        if header.get("alg") != "RS256":
            raise Unauthorized("the token is not signed with RS256")
        key = self._key(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self._issuer,
                leeway=self._leeway_s,
                options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the token has expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"the token does not verify: {exc}") from exc
        self._check_use_and_client(claims)
        return _principal(claims)

    def _check_use_and_client(self, claims: Mapping[str, Any]) -> None:
        use = claims.get("token_use")
        if use not in self._accept:
            raise Unauthorized(f"token_use {use!r} is not accepted")
        if use == "id":
            audience = claims.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if self._client_id not in audiences:
                raise Unauthorized("the token was issued to another app client")
        elif claims.get("client_id") != self._client_id:
            raise Unauthorized("the token was issued to another app client")

    def _key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            if kid not in self._keys and self._may_refetch():
                self._keys = self._load_keys()
                self._fetched_at = self._clock()
            try:
                return self._keys[kid]
            except KeyError:
                raise Unauthorized("the token is signed with a key this user pool does not publish") from None

    def _may_refetch(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._cooldown_s

    def _load_keys(self) -> dict[str, jwt.PyJWK]:
        document = self._fetch(self._jwks_url)
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []):
            if isinstance(entry, dict) and entry.get("kid") and entry.get("kty") == "RSA":
                try:
                    keys[str(entry["kid"])] = jwt.PyJWK(entry, algorithm="RS256")
                except jwt.PyJWTError:
                    continue
        if not keys:
            raise Unavailable(f"the user pool publishes no usable RSA keys at {self._jwks_url}")
        return keys


def _principal(claims: Mapping[str, Any]) -> Principal:
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):
        groups = [groups]
    username = claims.get("cognito:username") or claims.get("username") or claims["sub"]
    carrier_id = claims.get(CARRIER_ATTRIBUTE)
    return Principal(
        username=str(username),
        subject=str(claims["sub"]),
        roles=frozenset(str(g) for g in groups),
        carrier_id=str(carrier_id) if carrier_id else None,
    )
