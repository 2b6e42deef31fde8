"""Sign-in challenges and two-step sign-in (TOTP), whatever identity provider asks them.

A sign-in either ends with tokens or stops at a :class:`Challenge` the user answers with the ``session`` it
carries: choose a new password (an account created with a temporary one), give the code of an authenticator app
(``totp``), or set one up first (``mfa_setup``: the challenge then carries the new secret). The errors below keep
their own stable codes (``{"code": ...}`` in the API's answers) so the web app can say what to do next.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, urlencode

from cts.domain.errors import Unauthorized, ValidationFailed


class ChallengeName(StrEnum):
    NEW_PASSWORD = "new_password"  # noqa: S105  # a challenge's name, not a password
    TOTP = "totp"
    MFA_SETUP = "mfa_setup"


@dataclass(frozen=True)
class Challenge:
    """What the user must answer before getting tokens. ``session`` is opaque and short-lived (minutes)."""

    name: ChallengeName
    session: str
    username: str
    secret: str | None = None
    """For ``mfa_setup`` only: the base32 secret to enter in an authenticator app."""


@dataclass(frozen=True)
class MfaStatus:
    """A user's two-step sign-in: ``enabled`` once a TOTP app is verified; ``required`` by the pool for everyone."""

    enabled: bool
    required: bool


class SessionExpired(Unauthorized):
    """The challenge's session is unknown, already used or expired (Cognito: a few minutes): sign in again."""

    error_code = "session_expired"


class CodeMismatch(ValidationFailed):
    """The TOTP code is not the current one for the user's secret."""

    error_code = "code_mismatch"


class CodeExpired(ValidationFailed):
    """The TOTP code was already used or belongs to a past time step: wait for the next code."""

    error_code = "code_expired"


class WeakPassword(ValidationFailed):
    """The new password breaks the pool's password policy (or is known from public breaches)."""

    error_code = "weak_password"


class TooManyAttempts(ValidationFailed):
    """The identity provider refuses further attempts for now."""

    error_code = "too_many_attempts"


ISSUER_MAX_CHARS = 64


def otpauth_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI authenticator apps accept (Key Uri Format): SHA1, 6 digits, 30 seconds.

    ``secret`` must be base32 (what Cognito's AssociateSoftwareToken returns); ``issuer`` names the system (e.g.
    ``CTS JM``) so the user can tell its entry apart in the app.
    """
    cleaned = secret.strip().replace(" ", "").upper()
    try:
        base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise ValidationFailed("the TOTP secret is not base32") from None
    issuer = issuer.strip()[:ISSUER_MAX_CHARS] or "CTS"
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode({"secret": cleaned, "issuer": issuer, "algorithm": "SHA1", "digits": 6, "period": 30})
    return f"otpauth://totp/{label}?{query}"
