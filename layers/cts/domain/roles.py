"""The roles a user can hold (Cognito groups), named here so the pure domain can reason about them.

They must equal :data:`cts.config.resources.ROLES`, the groups the user pool is created with
(a unit test checks it): the domain may not import configuration.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    RISK_MANAGER = "risk_manager"
    TARGETING_ANALYST = "targeting_analyst"
    EXAMINATION_OFFICER = "examination_officer"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    CARRIER = "carrier"


ROLE_NAMES: tuple[str, ...] = tuple(role.value for role in Role)
