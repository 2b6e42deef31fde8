"""User management for administrators (Cognito groups are the roles). A new user receives a temporary password
by e-mail from Cognito and must change it at first sign-in; no route ever takes or returns a password."""

from __future__ import annotations

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


class UserList(BaseModel):
    users: list[DirectoryUser]
    cursor: str | None = Field(description="pass it back for the next page; null at the end")


@routes.api("/users", action=Action.MANAGE_USERS, query=UserListQuery, response=UserList)
def list_users(call: Call) -> UserList:
    asked = call.params(UserListQuery)
    page = _directory(call).list_users(limit=asked.limit, cursor=asked.cursor)
    return UserList(users=list(page.users), cursor=page.cursor)


@routes.api("/users", methods=("POST",), action=Action.MANAGE_USERS, body=NewUser, response=DirectoryUser)
def create_user(call: Call) -> DirectoryUser:
    """Create a user in its groups; Cognito e-mails a temporary password (status FORCE_CHANGE_PASSWORD)."""
    body = call.body(NewUser)
    return _admin(call).create(call.user.username, call.user.roles, body)


@routes.api(
    "/users/{username}/groups", methods=("PUT",), action=Action.MANAGE_USERS, body=GroupChange, response=DirectoryUser
)
def set_user_groups(call: Call, username: str) -> DirectoryUser:
    """Make ``groups`` exactly the user's groups (roles)."""
    body = call.body(GroupChange)
    return _admin(call).set_groups(call.user.username, call.user.roles, username, body.groups)


@routes.api("/users/{username}/disable", methods=("POST",), action=Action.MANAGE_USERS, response=DirectoryUser)
def disable_user(call: Call, username: str) -> DirectoryUser:
    """The user can no longer sign in; its refresh tokens are revoked."""
    return _admin(call).disable(call.user.username, call.user.roles, username)
