"""The administrator's user management (:class:`cts.ports.users.UserDirectory`), each change in the audit trail
(``user:<username>``). An administrator may not disable itself or drop its own administrator group (no lock-out)."""

from __future__ import annotations

from dataclasses import dataclass

from cts.domain.audit import SubjectKind, subject
from cts.domain.errors import Conflict, NotFound, ValidationFailed
from cts.domain.roles import Role
from cts.domain.users import DirectoryUser, NewUser, check_carrier
from cts.ports.users import UserDirectory
from cts.services.audit import AuditTrail


@dataclass
class UserAdmin:
    directory: UserDirectory
    audit: AuditTrail | None = None

    def _record(self, actor: str, roles: frozenset[str], action: str, user: DirectoryUser) -> None:
        if self.audit is not None:
            details = {"groups": ",".join(user.groups), "enabled": str(user.enabled).lower()}
            self.audit.record(actor, roles, action, subject(SubjectKind.USER, user.username), details)

    def create(self, actor: str, roles: frozenset[str], user: NewUser) -> DirectoryUser:
        if self.directory.get(user.username) is not None:
            raise Conflict(f"user {user.username} already exists")
        created = self.directory.create(user)
        self._record(actor, roles, "create_user", created)
        return created

    def set_groups(self, actor: str, roles: frozenset[str], username: str, groups: tuple[str, ...]) -> DirectoryUser:
        current = self.directory.get(username)
        if current is None:
            raise NotFound(f"user {username}")
        if username == actor and Role.ADMINISTRATOR.value not in groups:
            raise ValidationFailed("you cannot remove your own administrator group")
        try:
            check_carrier(groups, current.carrier_id)
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from None
        changed = self.directory.set_groups(username, groups)
        self._record(actor, roles, "set_groups", changed)
        return changed

    def disable(self, actor: str, roles: frozenset[str], username: str) -> DirectoryUser:
        if username == actor:
            raise ValidationFailed("you cannot disable your own account")
        if self.directory.get(username) is None:
            raise NotFound(f"user {username}")
        changed = self.directory.disable(username)
        self._record(actor, roles, "disable_user", changed)
        return changed
