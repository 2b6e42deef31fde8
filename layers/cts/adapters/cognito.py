"""Cognito user pools: sign-in with USER_PASSWORD_AUTH (and its challenges) and local verification of its tokens.

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
from typing import TYPE_CHECKING, Any, Literal

import jwt
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from cts.domain.errors import Conflict, CtsError, NotFound, Unauthorized, Unavailable, ValidationFailed
from cts.domain.sign_in import (
    Challenge,
    ChallengeName,
    CodeExpired,
    CodeMismatch,
    MfaStatus,
    SessionExpired,
    TooManyAttempts,
    WeakPassword,
)
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
    """Username + password -> tokens or a challenge, via ``InitiateAuth`` with ``USER_PASSWORD_AUTH`` (app client
    without secret), then ``RespondToAuthChallenge`` (and ``Associate``/``VerifySoftwareToken`` for TOTP set-up).

    Challenges answered: ``NEW_PASSWORD_REQUIRED`` (temporary password), ``SOFTWARE_TOKEN_MFA`` (a TOTP code) and
    ``MFA_SETUP`` (MFA required but no app yet: the secret is associated with the session at once, so the challenge
    carries it; the user's first code verifies it and ends the sign-in). Any other challenge (SMS, e-mail, custom)
    is refused with 401: the pool is TOTP-only.
    """

    def __init__(
        self, user_pool_id: str, client_id: str, client_factory: Callable[[], CognitoIdentityProviderClient]
    ) -> None:
        self._user_pool_id = user_pool_id
        self._client_id = client_id
        self._client_factory = client_factory

    def sign_in(self, username: str, password: str) -> Tokens | Challenge:
        try:
            response = self._client_factory().initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=self._client_id,
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as exc:
            code = _code(exc)
            if code in _BAD_CREDENTIALS:
                raise Unauthorized("incorrect username or password") from exc
            if code in _ACCOUNT_STATE:
                raise Unauthorized(_ACCOUNT_STATE[code]) from exc
            if code in _TOO_MANY:
                raise TooManyAttempts("too many sign-in attempts: wait a few minutes and try again") from exc
            raise Unavailable(f"sign-in failed: {code}") from exc
        except BotoCoreError as exc:
            raise Unavailable(f"sign-in failed: {exc}") from exc
        return self._outcome(response, username)

    def respond(
        self,
        username: str,
        challenge: ChallengeName,
        session: str,
        *,
        new_password: str | None = None,
        code: str | None = None,
    ) -> Tokens | Challenge:
        answers: dict[str, str] = {"USERNAME": username}
        if challenge is ChallengeName.NEW_PASSWORD:
            if not new_password:
                raise ValidationFailed("choose a new password")
            answers["NEW_PASSWORD"] = new_password
        elif not code:
            raise ValidationFailed("enter the 6-digit code from your authenticator app")
        idp = self._client_factory()
        try:
            if challenge is ChallengeName.MFA_SETUP:
                verified = idp.verify_software_token(Session=session, UserCode=str(code), FriendlyDeviceName="CTS")
                if verified.get("Status") != "SUCCESS":
                    raise CodeMismatch("the code does not match the new secret")
                session = verified.get("Session") or session
            elif challenge is ChallengeName.TOTP:
                answers["SOFTWARE_TOKEN_MFA_CODE"] = str(code)
            response = idp.respond_to_auth_challenge(
                ClientId=self._client_id,
                ChallengeName=_COGNITO_NAMES[challenge],
                Session=session,
                ChallengeResponses=answers,
            )
        except ClientError as exc:
            raise _challenge_error(exc) from exc
        except ParamValidationError as exc:  # e.g. a session shorter than Cognito's minimum: never one it gave
            raise SessionExpired("this sign-in has expired or was already used: sign in again") from exc
        except BotoCoreError as exc:
            raise Unavailable(f"sign-in failed: {exc}") from exc
        outcome = self._outcome(response, username)
        if challenge is ChallengeName.MFA_SETUP and isinstance(outcome, Tokens):
            self._prefer_totp(idp, outcome.access_token)
        return outcome

    def mfa_status(self, username: str) -> MfaStatus:
        idp = self._client_factory()
        try:
            user = idp.admin_get_user(UserPoolId=self._user_pool_id, Username=username)
            pool = idp.describe_user_pool(UserPoolId=self._user_pool_id)["UserPool"]
        except ClientError as exc:
            if _code(exc) == "UserNotFoundException":
                raise NotFound("the user is not in the user pool") from exc
            raise Unavailable(f"cannot read the user's MFA settings: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise Unavailable(f"cannot read the user's MFA settings: {exc}") from exc
        return MfaStatus(
            enabled="SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or []),
            required=pool.get("MfaConfiguration") == "ON",
        )

    def start_totp(self, access_token: str) -> str:
        try:
            response = self._client_factory().associate_software_token(AccessToken=access_token)
        except ClientError as exc:
            raise _enrolment_error(exc) from exc
        except BotoCoreError as exc:
            raise Unavailable(f"cannot start the TOTP set-up: {exc}") from exc
        return str(response["SecretCode"])

    def confirm_totp(self, access_token: str, code: str) -> None:
        idp = self._client_factory()
        try:
            verified = idp.verify_software_token(AccessToken=access_token, UserCode=code, FriendlyDeviceName="CTS")
        except ClientError as exc:
            raise _enrolment_error(exc) from exc
        except BotoCoreError as exc:
            raise Unavailable(f"cannot verify the code: {exc}") from exc
        if verified.get("Status") != "SUCCESS":
            raise CodeMismatch("the code does not match the new secret")
        self._prefer_totp(idp, access_token)

    @staticmethod
    def _prefer_totp(idp: CognitoIdentityProviderClient, access_token: str) -> None:
        try:
            idp.set_user_mfa_preference(
                AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
            )
        except ClientError as exc:
            raise _enrolment_error(exc) from exc
        except BotoCoreError as exc:
            raise Unavailable(f"cannot turn on the TOTP step: {exc}") from exc

    def _outcome(self, response: Mapping[str, Any], username: str) -> Tokens | Challenge:
        result = response.get("AuthenticationResult")
        if result:
            return Tokens(
                id_token=result["IdToken"], access_token=result["AccessToken"], expires_in=int(result["ExpiresIn"])
            )
        cognito_name = str(response.get("ChallengeName", "unknown"))
        name = _CHALLENGES.get(cognito_name)
        session = str(response.get("Session") or "")
        if name is None or not session:
            raise Unauthorized(f"sign-in needs the {cognito_name} challenge, which this API does not support")
        # Cognito names the user by its internal id in some challenges; keep the name the user typed otherwise.
        parameters = response.get("ChallengeParameters") or {}
        who = str(parameters.get("USER_ID_FOR_SRP") or parameters.get("USERNAME") or username)
        if name is not ChallengeName.MFA_SETUP:
            return Challenge(name=name, session=session, username=who)
        can_setup = parameters.get("MFAS_CAN_SETUP")
        if can_setup is not None and "SOFTWARE_TOKEN_MFA" not in str(can_setup):
            raise Unauthorized("sign-in needs an MFA method other than an authenticator app, which is not supported")
        try:
            associated = self._client_factory().associate_software_token(Session=session)
        except ClientError as exc:
            raise _challenge_error(exc) from exc
        except BotoCoreError as exc:
            raise Unavailable(f"cannot start the TOTP set-up: {exc}") from exc
        return Challenge(
            name=name,
            session=str(associated.get("Session") or session),
            username=who,
            secret=str(associated["SecretCode"]),
        )


_CHALLENGES = {
    "NEW_PASSWORD_REQUIRED": ChallengeName.NEW_PASSWORD,
    "SOFTWARE_TOKEN_MFA": ChallengeName.TOTP,
    "MFA_SETUP": ChallengeName.MFA_SETUP,
}
_COGNITO_NAMES: dict[ChallengeName, Literal["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "MFA_SETUP"]] = {
    ChallengeName.NEW_PASSWORD: "NEW_PASSWORD_REQUIRED",
    ChallengeName.TOTP: "SOFTWARE_TOKEN_MFA",
    ChallengeName.MFA_SETUP: "MFA_SETUP",
}
_TOO_MANY = {"TooManyFailedAttemptsException", "TooManyRequestsException", "LimitExceededException"}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", "")).strip()


def _challenge_error(exc: ClientError) -> CtsError:
    """Cognito's answer to a challenge's response, as a domain error with a stable code."""
    code = _code(exc)
    if code in {"NotAuthorizedException", "ResourceNotFoundException", "UserNotFoundException"}:
        # AWS: "Invalid session for the user, session is expired." / "... can only be used once"; moto: unknown session.
        return SessionExpired("this sign-in has expired or was already used: sign in again")
    if code in {"CodeMismatchException", "EnableSoftwareTokenMFAException"}:
        return CodeMismatch("the code is not right: check the time on your device and enter the current code")
    if code == "ExpiredCodeException":
        return CodeExpired("the code has expired or was already used: wait for the next code")
    if code in {"InvalidPasswordException", "PasswordHistoryPolicyViolationException"}:
        return WeakPassword(_message(exc) or "the password does not meet the password policy")
    if code in _TOO_MANY:
        return TooManyAttempts("too many attempts: wait a few minutes and sign in again")
    if code == "InvalidParameterException":
        return ValidationFailed(_message(exc) or "the answer is not valid")
    return Unavailable(f"sign-in failed: {code}")


def _enrolment_error(exc: ClientError) -> CtsError:
    """Cognito's answer during a signed-in user's TOTP set-up."""
    code = _code(exc)
    if code == "NotAuthorizedException":
        return Unauthorized("the access token is not valid: sign in again")
    if code == "ResourceNotFoundException":
        return Unauthorized("the access token is not valid: sign in again")
    if code == "InvalidParameterException":
        return Conflict(f"start the set-up first: {_message(exc)}".rstrip(": "))
    return _challenge_error(exc)


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
