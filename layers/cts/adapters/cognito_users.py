"""The user directory on a Cognito user pool (:class:`cts.ports.users.UserDirectory`), through the ``admin_*``
calls (moto supports them). A new user gets Cognito's e-mailed temporary password (``FORCE_CHANGE_PASSWORD``);
no password ever passes through this adapter."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters.aws import client, translate
from cts.adapters.cognito import CARRIER_ATTRIBUTE
from cts.domain.errors import Conflict, CtsError, NotFound, ValidationFailed
from cts.domain.users import DirectoryUser, NewUser, UserPage

_MAX_GROUPS_LISTED = 60


def _error(exc: Exception, what: str) -> CtsError:
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code == "UserNotFoundException":
            return NotFound(what)
        if code == "UsernameExistsException":
            return Conflict(f"{what}: the username is taken")
        if code in {"InvalidParameterException", "InvalidPasswordException", "InvalidToken"}:
            return ValidationFailed(f"{what}: {exc.response.get('Error', {}).get('Message', '')}")
    return translate(exc, what)


def _cursor(token: str) -> str:
    """Cognito's pagination token, handed out opaque (URL-safe base64, marked)."""
    return base64.urlsafe_b64encode(f"cts-users:{token}".encode()).decode().rstrip("=")


def _token(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raw = ""
    if not raw.startswith("cts-users:") or len(raw) <= len("cts-users:"):
        raise ValidationFailed("the cursor is not one this API gave")
    return raw.removeprefix("cts-users:")


def _attributes(attributes: list[Mapping[str, str]]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in attributes}


class CognitoUserDirectory:
    def __init__(self, user_pool_id: str, region: str | None = None) -> None:
        self.user_pool_id = user_pool_id
        self._region = region

    def _idp(self) -> Any:
        return client("cognito-idp", self._region)

    def _groups(self, username: str) -> tuple[str, ...]:
        try:
            got = self._idp().admin_list_groups_for_user(
                UserPoolId=self.user_pool_id, Username=username, Limit=_MAX_GROUPS_LISTED
            )
        except (ClientError, BotoCoreError) as exc:
            raise _error(exc, f"user {username}") from exc
        return tuple(sorted(g["GroupName"] for g in got.get("Groups", [])))

    def _user(self, username: str, attributes: dict[str, str], enabled: bool, status: str) -> DirectoryUser:
        return DirectoryUser(
            username=username,
            email=attributes.get("email"),
            groups=self._groups(username),
            enabled=enabled,
            status=status,
            carrier_id=attributes.get(CARRIER_ATTRIBUTE),
        )

    def list_users(self, limit: int = 60, cursor: str | None = None) -> UserPage:
        params: dict[str, Any] = {"UserPoolId": self.user_pool_id, "Limit": min(max(limit, 1), 60)}
        if cursor:
            params["PaginationToken"] = _token(cursor)
        try:
            got = self._idp().list_users(**params)
        except (ClientError, BotoCoreError) as exc:
            raise _error(exc, "list users") from exc
        users = tuple(
            self._user(u["Username"], _attributes(u.get("Attributes", [])), u.get("Enabled", True), u["UserStatus"])
            for u in got.get("Users", [])
        )
        token = got.get("PaginationToken")
        return UserPage(users=users, cursor=_cursor(token) if token else None)

    def get(self, username: str) -> DirectoryUser | None:
        try:
            got = self._idp().admin_get_user(UserPoolId=self.user_pool_id, Username=username)
        except (ClientError, BotoCoreError) as exc:
            error = _error(exc, f"user {username}")
            if isinstance(error, NotFound):
                return None
            raise error from exc
        attributes = _attributes(got.get("UserAttributes", []))
        return self._user(got["Username"], attributes, got.get("Enabled", True), got.get("UserStatus", ""))

    def create(self, user: NewUser) -> DirectoryUser:
        attributes = [{"Name": "email", "Value": user.email}, {"Name": "email_verified", "Value": "true"}]
        if user.carrier_id is not None:
            attributes.append({"Name": CARRIER_ATTRIBUTE, "Value": user.carrier_id})
        try:
            self._idp().admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=user.username,
                UserAttributes=attributes,
                DesiredDeliveryMediums=["EMAIL"],
            )
        except (ClientError, BotoCoreError) as exc:
            raise _error(exc, f"user {user.username}") from exc
        self._add(user.username, user.groups)
        created = self.get(user.username)
        if created is None:
            raise NotFound(f"user {user.username}")
        return created

    def _add(self, username: str, groups: tuple[str, ...]) -> None:
        for group in groups:
            try:
                self._idp().admin_add_user_to_group(UserPoolId=self.user_pool_id, Username=username, GroupName=group)
            except (ClientError, BotoCoreError) as exc:
                raise _error(exc, f"user {username}") from exc

    def set_groups(self, username: str, groups: tuple[str, ...]) -> DirectoryUser:
        current = set(self._groups(username))
        self._add(username, tuple(sorted(set(groups) - current)))
        for group in sorted(current - set(groups)):
            try:
                self._idp().admin_remove_user_from_group(
                    UserPoolId=self.user_pool_id, Username=username, GroupName=group
                )
            except (ClientError, BotoCoreError) as exc:
                raise _error(exc, f"user {username}") from exc
        return self._require(username)

    def disable(self, username: str) -> DirectoryUser:
        try:
            self._idp().admin_disable_user(UserPoolId=self.user_pool_id, Username=username)
            self._idp().admin_user_global_sign_out(UserPoolId=self.user_pool_id, Username=username)
        except (ClientError, BotoCoreError) as exc:
            raise _error(exc, f"user {username}") from exc
        return self._require(username)

    def _require(self, username: str) -> DirectoryUser:
        found = self.get(username)
        if found is None:
            raise NotFound(f"user {username}")
        return found
