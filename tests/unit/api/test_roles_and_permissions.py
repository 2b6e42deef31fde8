from __future__ import annotations

import pytest

from cts.config.resources import ROLES
from cts.domain.errors import Forbidden
from cts.domain.permissions import PERMISSIONS, WRITE_ACTIONS, Action, actions_for, may_read_receipt, require
from cts.domain.roles import ROLE_NAMES, Role


def test_domain_roles_are_the_user_pool_groups() -> None:
    assert set(ROLE_NAMES) == set(ROLES)
    assert len(ROLE_NAMES) == len(ROLES) == 7


def test_every_action_is_granted_to_at_least_one_known_role() -> None:
    assert set(PERMISSIONS) == set(Action)
    for action, roles in PERMISSIONS.items():
        assert roles, action
        assert roles <= set(ROLES), action


def test_carrier_may_only_upload_and_read_its_own_receipts() -> None:
    assert actions_for({Role.CARRIER}) == {Action.UPLOAD_MANIFEST, Action.VIEW_OWN_RECEIPTS}


def test_auditor_holds_no_write_action_but_reads_the_audit_trail() -> None:
    assert not actions_for({Role.AUDITOR}) & WRITE_ACTIONS
    assert Action.VIEW_AUDIT in actions_for({Role.AUDITOR})


def test_require_raises_forbidden_for_a_role_without_the_action() -> None:
    with pytest.raises(Forbidden):
        require({"carrier"}, Action.VIEW_CONSIGNMENTS)
    require({"targeting_analyst"}, Action.VIEW_CONSIGNMENTS)


def test_unknown_or_missing_groups_grant_nothing() -> None:
    assert actions_for(set()) == frozenset()
    assert actions_for({"Administrators", "admin"}) == frozenset()


def test_any_one_role_is_enough_when_a_user_holds_several() -> None:
    require({"auditor", "targeting_analyst"}, Action.ACK_ALERT)


@pytest.mark.parametrize(
    ("roles", "carrier_id", "owner", "expected"),
    [
        ({"carrier"}, "msc", "msc", True),
        ({"carrier"}, "msc", "maersk", False),
        ({"carrier"}, None, "msc", False),
        ({"supervisor"}, None, "maersk", True),
        ({"examination_officer"}, None, "maersk", False),
    ],
)
def test_receipts_are_readable_by_their_carrier_or_by_customs_roles_that_see_all(
    roles: set[str], carrier_id: str | None, owner: str, expected: bool
) -> None:
    assert may_read_receipt(roles, carrier_id, owner) is expected


def test_the_documented_matrix_is_the_permission_table() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "roles.md").read_text(encoding="utf-8")
    lines = [line for line in doc.splitlines() if line.startswith("| `") and "|" in line[3:]]
    header = next(line for line in doc.splitlines() if line.startswith("| Action |"))
    roles = [cell.strip() for cell in header.strip("|").split("|")][1:]
    documented: dict[str, set[str]] = {}
    for line in lines:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != len(roles) + 1:
            continue  # the routes table
        documented[cells[0].strip("`")] = {role for role, mark in zip(roles, cells[1:], strict=True) if mark}
    assert documented == {action.value: set(granted) for action, granted in PERMISSIONS.items()}
