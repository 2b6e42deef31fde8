"""The audit trail, read-only case screens and personal alert e-mail settings in a real headless Chromium.

An auditor reads a case but is offered no step on it, and finds its own consignment read in the audit trail; an
analyst chooses which alerts are e-mailed to it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from test_web_app_browser import ARTIFACTS, browser, signed_in_page  # noqa: F401  (browser is a fixture)

from running_stack import RunningStack

pytestmark = pytest.mark.e2e

SCREENSHOTS = ARTIFACTS / "screenshots"
DEMO_KEY = "sea:DMLU:DMLU0000002"  # the demo red alert, whose case the workflow opened when the stack started


def test_an_auditor_reads_a_case_without_actions_and_finds_its_reads_in_the_audit_trail(
    browser: Any,  # noqa: F811
    local_stack: RunningStack,
) -> None:
    auditor = local_stack.user("auditor")["username"]
    page = signed_in_page(browser, local_stack, "auditor")
    page.goto(f"{local_stack.api_url}/#/cases/{quote(DEMO_KEY + '#v1', safe='')}")
    page.get_by_test_id("case-status").wait_for()
    expect(page.locator("#case-title")).to_be_focused()
    page.get_by_test_id("case-no-actions").filter(has_text="your roles do not change cases").wait_for()
    assert page.locator("[data-testid=case-actions] form").count() == 0

    page.goto(f"{local_stack.api_url}/#/consignments/{quote(DEMO_KEY, safe='')}")
    page.get_by_test_id("hit-row").first.wait_for()  # reading it is recorded
    page.get_by_test_id("nav-audit-trail").click()
    page.get_by_test_id("audit-by").select_option("subject")
    page.get_by_test_id("audit-value").fill(f"consignment:{DEMO_KEY}")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"#/audit\?subject="))
    page.get_by_test_id("audit-row").filter(has_text=auditor).first.wait_for()
    shot = SCREENSHOTS / "audit-trail.png"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    page.close()


def test_an_analyst_chooses_which_alerts_are_emailed(browser: Any, local_stack: RunningStack) -> None:  # noqa: F811
    page = signed_in_page(browser, local_stack, "targeting_analyst")
    page.get_by_test_id("nav-alert-e-mails").click()
    form = page.get_by_test_id("subscription-form")
    form.wait_for()
    page.get_by_test_id("sub-active").check()
    page.get_by_test_id("sub-ports").fill("jmkin, JMMBJ")
    form.get_by_label("sea").check()
    page.get_by_test_id("sub-level").select_option("red")
    page.get_by_test_id("sub-save").click()
    page.get_by_test_id("settings-message").filter(has_text="Saved").wait_for()
    page.reload()
    page.get_by_test_id("subscription-form").wait_for()
    assert page.get_by_test_id("sub-ports").input_value() == "JMKIN, JMMBJ"
    assert page.get_by_test_id("sub-level").input_value() == "red"
    assert page.get_by_test_id("subscription-form").get_by_label("sea").is_checked()
    page.close()
