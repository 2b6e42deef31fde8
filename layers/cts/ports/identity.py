"""Who is calling: sign-in (username + password -> tokens) and token verification (token -> principal).

Cognito implements both in AWS and under moto (:mod:`cts.adapters.cognito`); unit tests use fakes.
Both raise :class:`cts.domain.errors.Unauthorized` for bad credentials or a token that does not
verify, and :class:`cts.domain.errors.Unavailable` when the identity provider cannot answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
    def sign_in(self, username: str, password: str) -> Tokens:
        """Raises Unauthorized for a wrong username or password (without saying which)."""
        ...


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal:
        """Check signature, expiry, issuer, audience and use; raises Unauthorized if any fails."""
        ...
