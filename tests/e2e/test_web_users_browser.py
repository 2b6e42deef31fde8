"""User management in a real headless Chromium: an administrator adds a user, changes its roles and disables it,
and is never offered to change itself; other roles are not offered the screen."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from test_web_app_browser import ARTIFACTS, browser, signed_in_page  # noqa: F401  (browser is a fixture)

from running_stack import RunningStack

pytestmark = pytest.mark.e2e


def test_an_administrator_adds_a_user_changes_its_roles_and_disables_it(
    browser: Any,  # noqa: F811
    local_stack: RunningStack,
) -> None:
    admin = local_stack.user("administrator")["username"]
    page = signed_in_page(browser, local_stack, "administrator")
    page.get_by_test_id("nav-users").click()
    expect(page.locator("#users-title")).to_be_focused()
    me = page.locator(f"[data-testid=user-row][data-username='{admin}']")
    me.wait_for()
    assert me.get_by_role("button").count() == 0  # not one's own roles or account

    page.get_by_test_id("new-user-name").fill("web-officer")
    page.get_by_test_id("new-user-email").fill("web-officer@demo.cts.invalid")
    page.get_by_test_id("new-user-roles").get_by_label("examination officer").check()
    page.get_by_test_id("new-user-submit").click()
    page.get_by_test_id("users-message").filter(has_text="web-officer added").wait_for()
    row = page.locator("[data-testid=user-row][data-username='web-officer']")
    assert row.get_by_test_id("user-roles").inner_text() == "examination officer"

    row.get_by_test_id("user-edit-roles").click()
    row.get_by_test_id("user-role-checks").get_by_label("supervisor").check()
    row.get_by_test_id("user-save-roles").click()
    page.get_by_test_id("users-message").filter(has_text="web-officer: examination officer, supervisor").wait_for()
    assert row.get_by_test_id("user-roles").inner_text() == "examination officer, supervisor"

    row.get_by_test_id("user-disable").click()
    row.get_by_test_id("user-disable-confirm").click()
    page.get_by_test_id("users-message").filter(has_text="can no longer sign in").wait_for()
    assert row.get_by_test_id("user-status").inner_text().startswith("disabled")
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "users.png"), full_page=True)
    page.close()


def test_only_administrators_are_offered_user_management(browser: Any, local_stack: RunningStack) -> None:  # noqa: F811
    page = signed_in_page(browser, local_stack, "supervisor")
    page.get_by_test_id("nav-cases").wait_for()
    assert page.get_by_test_id("nav-users").count() == 0
    page.goto(f"{local_stack.api_url}/#/users")
    page.get_by_test_id("error-banner").filter(has_text="do not allow user management").wait_for()
    assert page.get_by_test_id("users-view").is_hidden()
    page.close()
