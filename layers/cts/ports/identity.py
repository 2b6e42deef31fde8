"""Who is calling: sign-in (username + password -> tokens or a challenge) and token verification (token -> principal).

Cognito implements both in AWS and under moto (:mod:`cts.adapters.cognito`); unit tests use fakes.
Both raise :class:`cts.domain.errors.Unauthorized` for bad credentials or a token that does not
verify, and :class:`cts.domain.errors.Unavailable` when the identity provider cannot answer.
Challenges (new password, TOTP code, TOTP set-up) and their errors are in :mod:`cts.domain.sign_in`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cts.domain.sign_in import Challenge, ChallengeName, MfaStatus


@dataclass(frozen=True)
class Principal:
    """A verified caller. ``roles`` are its Cognito groups; ``carrier_id`` ties a carrier user to its uploads."""

    username: str
    subject: str
    roles: frozenset[str]
    carrier_id: str | None = None


@dataclass(frozen=True)
class Tokens:
    """What a successful sign-in hands the web app: send ``id_token`` as ``Authorization: Bearer``."""

    id_token: str
    access_token: str
    expires_in: int


class Authenticator(Protocol):
    def sign_in(self, username: str, password: str) -> Tokens | Challenge:
        """Tokens, or the challenge the user must answer first (a ``mfa_setup`` one carries the new secret).

        Raises Unauthorized for a wrong username or password (without saying which).
        """
        ...

    def respond(
        self,
        username: str,
        challenge: ChallengeName,
        session: str,
        *,
        new_password: str | None = None,
        code: str | None = None,
    ) -> Tokens | Challenge:
        """Answer a challenge: ``new_password`` for ``new_password``, ``code`` for ``totp`` and ``mfa_setup``.

        Returns tokens or the next challenge. Raises SessionExpired, CodeMismatch, CodeExpired, WeakPassword
        (with the policy's message) or TooManyAttempts (:mod:`cts.domain.sign_in`); ValidationFailed when the
        answer lacks what the challenge needs.
        """
        ...

    def mfa_status(self, username: str) -> MfaStatus:
        """Whether the user has a verified TOTP app, and whether the pool requires one."""
        ...

    def start_totp(self, access_token: str) -> str:
        """Begin enrolling an authenticator app for the access token's user: the new base32 secret."""
        ...

    def confirm_totp(self, access_token: str, code: str) -> None:
        """Check a code of the new secret, then make TOTP the user's (preferred) second step at sign-in."""
        ...


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal:
        """Check signature, expiry, issuer, audience and use; raises Unauthorized if any fails."""
        ...
