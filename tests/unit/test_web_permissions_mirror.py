"""The web app's permission tables (web/static/permissions.js) mirror the domain's, so that it never offers a
screen or button whose action the API would refuse, nor hides one the user may take."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cts.domain.case_workflow import FROM, ROLES
from cts.domain.permissions import PERMISSIONS

SOURCE = Path(__file__).resolve().parents[2] / "web" / "static" / "permissions.js"


def js_table(name: str) -> dict[str, list[str]]:
    """The object literal between ``// BEGIN <name>`` and ``// END <name>`` (kept JSON on purpose)."""
    text = SOURCE.read_text(encoding="utf-8")
    match = re.search(rf"// BEGIN {name}\b.*?\n(.*?)// END {name}\b", text, re.S)
    assert match, f"no {name} table in {SOURCE}"
    literal = match.group(1)
    body = literal[literal.index("{") : literal.rindex("}") + 1]
    table: dict[str, list[str]] = json.loads(body)
    return table


def as_sets(table: dict[str, list[str]]) -> dict[str, set[str]]:
    return {key: set(values) for key, values in table.items()}


def test_the_web_permission_table_is_the_domain_table() -> None:
    expected = {action.value: set(roles) for action, roles in PERMISSIONS.items()}
    assert as_sets(js_table("PERMISSIONS")) == expected


def test_the_web_case_rules_are_the_workflow_rules() -> None:
    assert as_sets(js_table("CASE_ROLES")) == {a.value: {r.value for r in roles} for a, roles in ROLES.items()}
    assert as_sets(js_table("CASE_FROM")) == {a.value: {s.value for s in statuses} for a, statuses in FROM.items()}


@pytest.mark.parametrize("name", ["PERMISSIONS", "CASE_ROLES", "CASE_FROM"])
def test_each_table_lists_roles_once_in_order(name: str) -> None:
    for key, values in js_table(name).items():
        assert values == sorted(set(values)), key
