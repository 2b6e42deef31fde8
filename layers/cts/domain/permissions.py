"""Who may do what: the one permission table the API checks on every request (see docs/roles.md).

Pure: roles are plain strings (Cognito groups), so an unknown group simply grants nothing.
A carrier only uploads files and reads its own receipts; the "own" part is enforced where the
receipt is read (:func:`may_read_receipt`), the table says only that it may read some.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from cts.domain.errors import Forbidden
from cts.domain.roles import Role


class Action(StrEnum):
    VIEW_CONSIGNMENTS = "view_consignments"
    VIEW_ALERTS = "view_alerts"
    ACK_ALERT = "ack_alert"
    VIEW_RECEIPTS_ALL = "view_receipts_all"
    VIEW_OWN_RECEIPTS = "view_own_receipts"
    UPLOAD_MANIFEST = "upload_manifest"
    MANAGE_RULES = "manage_rules"
    APPROVE_RULES = "approve_rules"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    VIEW_CASES = "view_cases"
    WORK_CASES = "work_cases"
    SUPERVISE_CASES = "supervise_cases"
    MANAGE_OWN_SUBSCRIPTIONS = "manage_own_subscriptions"
    VIEW_REPORTS = "view_reports"


# Actions that change something; an auditor holds none of them.
WRITE_ACTIONS = frozenset(
    {
        Action.ACK_ALERT,
        Action.UPLOAD_MANIFEST,
        Action.MANAGE_RULES,
        Action.APPROVE_RULES,
        Action.MANAGE_USERS,
        Action.WORK_CASES,
        Action.SUPERVISE_CASES,
    }
)


def _roles(*roles: Role) -> frozenset[str]:
    return frozenset(role.value for role in roles)


_CUSTOMS_READERS = _roles(
    Role.ADMINISTRATOR,
    Role.RISK_MANAGER,
    Role.TARGETING_ANALYST,
    Role.EXAMINATION_OFFICER,
    Role.SUPERVISOR,
    Role.AUDITOR,
)

PERMISSIONS: dict[Action, frozenset[str]] = {
    Action.VIEW_CONSIGNMENTS: _CUSTOMS_READERS,
    Action.VIEW_ALERTS: _CUSTOMS_READERS,
    Action.ACK_ALERT: _roles(Role.TARGETING_ANALYST, Role.EXAMINATION_OFFICER, Role.SUPERVISOR),
    Action.VIEW_RECEIPTS_ALL: _roles(
        Role.ADMINISTRATOR, Role.RISK_MANAGER, Role.TARGETING_ANALYST, Role.SUPERVISOR, Role.AUDITOR
    ),
    Action.VIEW_OWN_RECEIPTS: _roles(Role.CARRIER),
    Action.UPLOAD_MANIFEST: _roles(Role.CARRIER, Role.ADMINISTRATOR),
    Action.MANAGE_RULES: _roles(Role.RISK_MANAGER, Role.ADMINISTRATOR),
    # The second pair of eyes on a profile version (approve or reject): a targeting decision, so risk managers
    # only, not the administrator who runs the system (cts.domain.rule_lifecycle also refuses the author).
    Action.APPROVE_RULES: _roles(Role.RISK_MANAGER),
    Action.MANAGE_USERS: _roles(Role.ADMINISTRATOR),
    Action.VIEW_AUDIT: _roles(Role.AUDITOR, Role.SUPERVISOR, Role.ADMINISTRATOR),
    # The coarse gate of the case routes; who may take which step on which case is the workflow's finer rule
    # (cts.domain.case_workflow.ROLES and its owner rule).
    Action.VIEW_CASES: _CUSTOMS_READERS,
    Action.WORK_CASES: _roles(Role.TARGETING_ANALYST, Role.EXAMINATION_OFFICER, Role.SUPERVISOR),
    Action.SUPERVISE_CASES: _roles(Role.SUPERVISOR),
    # Personal settings, not a change to the records: every customs role (the auditor too) chooses its own alerts.
    Action.MANAGE_OWN_SUBSCRIPTIONS: _CUSTOMS_READERS,
    # Management oversight (docs/reports.md): those who answer for the targeting and the team, and the auditor.
    Action.VIEW_REPORTS: _roles(Role.ADMINISTRATOR, Role.RISK_MANAGER, Role.SUPERVISOR, Role.AUDITOR),
}


def allowed(roles: Iterable[str], action: Action) -> bool:
    return not PERMISSIONS[action].isdisjoint(roles)


def require(roles: Iterable[str], action: Action) -> None:
    """Raise :class:`Forbidden` unless one of ``roles`` may perform ``action``."""
    if not allowed(roles, action):
        raise Forbidden(f"your roles do not allow {action.value.replace('_', ' ')}")


def actions_for(roles: Iterable[str]) -> frozenset[Action]:
    held = frozenset(roles)
    return frozenset(action for action in Action if allowed(held, action))


def may_read_receipt(roles: Iterable[str], carrier_id: str | None, receipt_carrier_id: str) -> bool:
    """Customs roles with VIEW_RECEIPTS_ALL read any receipt; a carrier only those of its own carrier id."""
    held = frozenset(roles)
    if allowed(held, Action.VIEW_RECEIPTS_ALL):
        return True
    return allowed(held, Action.VIEW_OWN_RECEIPTS) and carrier_id is not None and carrier_id == receipt_carrier_id
