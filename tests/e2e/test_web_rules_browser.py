"""Risk profiles and watch lists in a real headless Chromium against the local stack.

A risk manager writes a draft profile, tests it against recent arrivals and submits it, and is not offered to
approve it; a second risk manager approves and activates it. Watch-list entries are added and removed with a reason.
Officers are not offered the editors.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests
from playwright.sync_api import expect
from test_web_app_browser import ARTIFACTS, browser  # noqa: F401  (browser is a fixture)

from running_stack import RunningStack, sign_in

pytestmark = pytest.mark.e2e

SCREENSHOTS = ARTIFACTS / "screenshots"
PROFILE_ID = "web-reefer-cover"
PROFILE = {
    "id": PROFILE_ID,
    "name": "Reefer cover loads (web test)",
    "category": "drugs",
    "threshold": 30,
    "indicators": [
        {
            "id": "odd-cover-load",
            "description": "a cover load no demo consignment declares",
            "fact": "goods_text",
            "op": "keyword",
            "values": ["durian husks"],  # activating it must not alert on other tests' consignments
            "weight": 30,
        }
    ],
}


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in_as(browser: Any, stack: RunningStack, username: str) -> Any:  # noqa: F811
    user = next(u for u in stack.facts["users"] if u["username"] == username)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(stack.api_url + "/")
    page.get_by_test_id("username").fill(user["username"])
    page.get_by_test_id("password").fill(user["password"])
    page.get_by_test_id("sign-in-submit").click()
    page.get_by_test_id("user-bar").wait_for(state="visible")
    return page


def version_row(page: Any, version: int) -> Any:
    return page.locator(f"[data-testid=profile-version-row][data-version='{version}']")


def test_a_profile_is_written_tested_submitted_and_approved_by_a_second_risk_manager(
    browser: Any,  # noqa: F811
    local_stack: RunningStack,
) -> None:
    author = local_stack.user("risk_manager")["username"]
    page = sign_in_as(browser, local_stack, author)
    page.get_by_test_id("nav-risk-profiles").click()
    page.get_by_test_id("profile-row").filter(has_text="cocaine-source-routes").wait_for()  # a demo profile
    page.get_by_test_id("new-profile-json").fill(json.dumps(PROFILE))
    page.get_by_test_id("new-profile-submit").click()
    expect(page).to_have_url(re.compile(f"#/profiles/{PROFILE_ID}$"))
    row = version_row(page, 1)
    row.get_by_test_id("profile-version-status").filter(has_text="draft").wait_for()
    expect(page.locator("#profiles-title")).to_be_focused()
    assert page.get_by_test_id("indicator-row").count() == 1

    page.get_by_test_id("profile-test-days").fill("30")
    page.get_by_test_id("profile-test").click()
    summary = page.get_by_test_id("profile-test-summary")
    summary.wait_for()
    assert re.match(r"\d+ of \d+ consignments arriving \S+ to \S+ would have been selected", summary.inner_text())
    shot(page, "profile-draft-tested")

    # The structured editor: a heavier weight and a second indicator make draft version 2.
    editor = page.get_by_test_id("profile-editor")
    editor.get_by_test_id("indicator-weight").first.fill("35")
    editor.get_by_test_id("indicator-add").click()
    added = editor.get_by_test_id("indicator-edit-row").last
    expect(added.get_by_test_id("indicator-id")).to_be_focused()
    added.get_by_test_id("indicator-id").fill("odd-packing")
    added.get_by_test_id("indicator-description").fill("packed in an unusual way")
    added.get_by_test_id("indicator-fact").fill("goods_text")
    added.get_by_test_id("indicator-values").fill("hollow pallets, false floor")
    added.get_by_test_id("indicator-weight").fill("20")
    page.get_by_test_id("profile-edit-reason").fill("weigh the cover load more")
    page.get_by_test_id("profile-save").click()
    row = version_row(page, 2)
    row.get_by_test_id("profile-version-status").filter(has_text="draft").wait_for()
    assert page.get_by_test_id("indicator-row").count() == 2

    assert row.get_by_test_id("profile-approve").count() == 0
    row.get_by_test_id("profile-submit").click()
    row = version_row(page, 2)
    row.get_by_test_id("profile-version-status").filter(has_text="submitted").wait_for()
    assert row.get_by_test_id("profile-approve").count() == 0  # four eyes: not the author's to approve
    assert row.get_by_test_id("profile-reject").count() == 1
    page.close()

    reviewer = sign_in_as(browser, local_stack, "risk-manager-2")
    reviewer.goto(f"{local_stack.api_url}/#/profiles/{PROFILE_ID}")
    row = version_row(reviewer, 2)
    row.get_by_test_id("profile-approve").click()
    row.get_by_test_id("profile-version-status").filter(has_text="approved").wait_for()
    row.get_by_test_id("profile-activate").click()
    row.get_by_test_id("profile-version-status").filter(has_text="active").wait_for()
    assert "Re-scoring has started" in reviewer.get_by_test_id("profile-message").inner_text()
    assert row.get_by_test_id("profile-retire").count() == 1
    # Retiring needs a reason: the app asks for it instead of sending the request.
    row.get_by_test_id("profile-retire").click()
    reviewer.get_by_test_id("profile-message").filter(has_text="Give a reason").wait_for()
    shot(reviewer, "profile-active")
    reviewer.close()

    headers = sign_in(local_stack, "risk_manager")
    stored = requests.get(f"{local_stack.api_url}/profiles/{PROFILE_ID}", headers=headers, timeout=10).json()
    assert [t["step"] for t in stored["versions"][0]["history"]] == ["create"]
    second = stored["versions"][1]
    assert [t["step"] for t in second["history"]] == ["edit", "submit", "approve", "activate"]
    indicators = second["profile"]["indicators"]
    assert [(i["id"], i["weight"]) for i in indicators] == [("odd-cover-load", 35), ("odd-packing", 20)]
    assert indicators[1]["values"] == ["hollow pallets", "false floor"]


def test_a_watch_list_entry_is_added_and_removed_with_a_reason(browser: Any, local_stack: RunningStack) -> None:  # noqa: F811
    page = sign_in_as(browser, local_stack, local_stack.user("risk_manager")["username"])
    page.goto(f"{local_stack.api_url}/#/watchlists")
    page.get_by_test_id("watchlist-body").wait_for()
    page.get_by_test_id("entry-id").fill("web-test-vessel")
    page.get_by_test_id("entry-kind").select_option("vessel")
    page.get_by_test_id("entry-value").fill("9074729")
    page.get_by_test_id("entry-category").fill("drugs")
    page.get_by_test_id("entry-reason").fill("Reported by a partner agency (web test)")
    page.get_by_test_id("entry-save").click()
    page.get_by_test_id("watchlists-message").filter(has_text="saved").wait_for()
    row = page.get_by_test_id("watchlist-row").filter(has_text="web-test-vessel")
    row.wait_for()
    assert "in force" in row.inner_text()
    shot(page, "watchlists")
    row.get_by_test_id("watchlist-edit").click()
    expect(page.get_by_test_id("entry-value")).to_be_focused()
    assert page.get_by_test_id("entry-id").is_disabled()  # an edit keeps the entry's id
    page.get_by_test_id("entry-weight").fill("150")
    page.get_by_test_id("entry-save").click()
    page.get_by_test_id("watchlists-message").filter(has_text="saved").wait_for()
    row.filter(has_text="150").wait_for()
    assert row.locator("td").nth(6).inner_text() == "2"  # a new version of the entry
    row.get_by_test_id("watchlist-remove").click()
    page.get_by_test_id("watchlist-remove-reason").fill("Partner withdrew the report")
    page.get_by_test_id("watchlist-remove-confirm").click()
    page.get_by_test_id("watchlists-message").filter(has_text="removed").wait_for()
    row.filter(has_text="not in force").wait_for()
    page.close()


def test_officers_are_not_offered_the_rule_editors(browser: Any, local_stack: RunningStack) -> None:  # noqa: F811
    page = sign_in_as(browser, local_stack, local_stack.user("targeting_analyst")["username"])
    page.get_by_test_id("nav-cases").wait_for()
    assert page.get_by_test_id("nav-risk-profiles").count() == 0
    assert page.get_by_test_id("nav-watch-lists").count() == 0
    page.goto(f"{local_stack.api_url}/#/profiles")
    page.get_by_test_id("error-banner").filter(has_text="do not allow risk profiles").wait_for()
    assert page.get_by_test_id("profiles-view").is_hidden()
    page.close()
