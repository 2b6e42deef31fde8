"""User management for administrators (Cognito groups are the roles). A new user receives a temporary password
by e-mail from Cognito and must change it at first sign-in; no route ever takes or returns a password."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import Call, Routes
from cts.domain.errors import Unavailable
from cts.domain.permissions import Action
from cts.domain.users import DirectoryUser, GroupChange, NewUser
from cts.ports.users import UserDirectory
from cts.services.audit import AuditTrail
from cts.services.users import UserAdmin

routes = Routes()


class UserListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=60, ge=1, le=60)
    cursor: str | None = Field(default=None, max_length=2048, description="the previous page's cursor")


def _directory(call: Call) -> UserDirectory:
    directory = call.container.users
    if directory is None:
        raise Unavailable("user management is not configured")
    return directory


def _admin(call: Call) -> UserAdmin:
    log = call.container.audit_log
    return UserAdmin(_directory(call), AuditTrail(log) if log is not None else None)


def _view(user: DirectoryUser) -> dict[str, Any]:
    return user.model_dump(mode="json")


@routes.api("/users", action=Action.MANAGE_USERS, query=UserListQuery)
def list_users(call: Call) -> dict[str, Any]:
    asked = call.params(UserListQuery)
    page = _directory(call).list_users(limit=asked.limit, cursor=asked.cursor)
    return {"users": [_view(u) for u in page.users], "cursor": page.cursor}


@routes.api("/users", methods=("POST",), action=Action.MANAGE_USERS, body=NewUser)
def create_user(call: Call) -> dict[str, Any]:
    """Create a user in its groups; Cognito e-mails a temporary password (status FORCE_CHANGE_PASSWORD)."""
    body = call.body(NewUser)
    return _view(_admin(call).create(call.user.username, call.user.roles, body))


@routes.api("/users/{username}/groups", methods=("PUT",), action=Action.MANAGE_USERS, body=GroupChange)
def set_user_groups(call: Call, username: str) -> dict[str, Any]:
    """Make ``groups`` exactly the user's groups (roles)."""
    body = call.body(GroupChange)
    return _view(_admin(call).set_groups(call.user.username, call.user.roles, username, body.groups))


@routes.api("/users/{username}/disable", methods=("POST",), action=Action.MANAGE_USERS)
def disable_user(call: Call, username: str) -> dict[str, Any]:
    """The user can no longer sign in; its refresh tokens are revoked."""
    return _view(_admin(call).disable(call.user.username, call.user.roles, username))
