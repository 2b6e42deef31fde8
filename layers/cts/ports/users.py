"""The user directory (:class:`UserDirectory`): Cognito in AWS and under moto (:mod:`cts.adapters.cognito_users`).

Unknown users raise :class:`cts.domain.errors.NotFound`, an existing username Conflict, a provider outage
Unavailable. No method takes or returns a password."""

from __future__ import annotations

from typing import Protocol

from cts.domain.users import DirectoryUser, NewUser, UserPage


class UserDirectory(Protocol):
    def list_users(self, limit: int = 60, cursor: str | None = None) -> UserPage: ...

    def get(self, username: str) -> DirectoryUser | None: ...

    def create(self, user: NewUser) -> DirectoryUser:
        """Create the user in its groups; the provider e-mails a temporary password to change at first sign-in."""
        ...

    def set_groups(self, username: str, groups: tuple[str, ...]) -> DirectoryUser:
        """Make ``groups`` exactly the user's groups."""
        ...

    def disable(self, username: str) -> DirectoryUser:
        """The user can no longer sign in (its tokens also stop being accepted at their next refresh)."""
        ...
