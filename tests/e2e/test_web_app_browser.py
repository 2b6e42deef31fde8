"""The web app in a real headless Chromium (Debian's package, driven by Playwright) against the local stack."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from running_stack import RunningStack

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CTS_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (CI installs Debian's chromium package)")
        pytest.skip("Chromium is not installed: apt-get install -y chromium (CI installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def signed_in_page(browser: Any, stack: RunningStack, role: str) -> Any:
    user = stack.user(role)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(stack.api_url + "/")
    page.get_by_test_id("username").fill(user["username"])
    page.get_by_test_id("password").fill(user["password"])
    page.get_by_test_id("sign-in-submit").click()
    page.get_by_test_id("user-bar").wait_for(state="visible")
    return page


def test_an_analyst_sees_alerts_by_arrival_and_opens_the_explained_score(browser: Any, local_stack: RunningStack):
    ARTIFACTS.mkdir(exist_ok=True)
    page = signed_in_page(browser, local_stack, "targeting_analyst")
    rows = page.get_by_test_id("alert-row")
    rows.first.wait_for()
    texts = [t for t in rows.all_inner_texts() if "DMLU" in t]  # other tests may have uploaded more
    assert len(texts) == 2
    assert "DMLU0000002" in texts[0]  # the red one arrives first
    assert "DMLU0000003" in texts[1]
    page.screenshot(path=str(ARTIFACTS / "alert-inbox.png"))
    unread = page.get_by_test_id("alerts-unread")
    before = int(unread.inner_text().split()[0])
    assert before >= 2  # the two demo alerts, not yet read by this analyst
    rows.filter(has_text="DMLU0000002").get_by_test_id("open-consignment").click()
    page.get_by_test_id("consignment-detail").wait_for(state="visible")
    page.wait_for_function(  # opening an alert marks it read for this user
        "n => document.querySelectorAll('#alert-inbox tbody tr.unread').length === n", arg=before - 1
    )
    assert "unread" not in (rows.filter(has_text="DMLU0000002").get_attribute("class") or "")
    assert page.get_by_test_id("score-value").inner_text().strip() == "95"
    reasons = page.get_by_test_id("hit-row").all_inner_texts()
    assert any("perishable cover load" in r for r in reasons)
    assert any("watch list" in r for r in reasons)
    page.screenshot(path=str(ARTIFACTS / "consignment-detail.png"))
    page.close()


def test_a_carrier_uploads_from_the_browser_and_sees_the_receipt(
    browser: Any, local_stack: RunningStack, tmp_path: Path
) -> None:
    page = signed_in_page(browser, local_stack, "carrier")
    page.get_by_test_id("carrier-view").wait_for(state="visible")
    assert page.get_by_test_id("officer-view").is_hidden()
    page.get_by_test_id("receipt-row").first.wait_for()
    manifest = tmp_path / "browser-upload.csv"
    manifest.write_text(
        "document_number,document_kind,mode,direction,description\nWEB0000001,master_bill,sea,import,Ceramic tiles\n"
    )
    page.get_by_test_id("upload-file").set_input_files(str(manifest))
    page.get_by_test_id("upload-submit").click()
    page.get_by_test_id("upload-status").filter(has_text="Uploaded browser-upload.csv").wait_for()
    page.get_by_test_id("receipt-row").filter(has_text="browser-upload.csv").wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "carrier-view.png"))
    page.close()


def test_a_search_link_fills_the_filters_and_facets_count_and_narrow_the_matches(
    browser: Any, local_stack: RunningStack
) -> None:
    page = signed_in_page(browser, local_stack, "targeting_analyst")
    # The dashboard's drill-down opens links like this one: the filters are the API's own parameter names.
    page.goto(local_stack.api_url + "/#/consignments?level=red&direction=import&q=DMLU")
    summary = page.get_by_test_id("search-summary")
    summary.filter(has_text="found").wait_for()
    assert page.get_by_test_id("search-level").input_value() == "red"
    assert page.get_by_test_id("search-direction").input_value() == "import"
    assert page.get_by_test_id("search-more").get_attribute("open") is not None  # a filter in it is set
    rows = page.get_by_test_id("consignment-row")
    assert "DMLU0000002" in " ".join(rows.all_inner_texts())
    assert all(row.get_attribute("class") == "row-red" for row in rows.all())
    level_facet = page.get_by_test_id("facet-level")
    assert level_facet.inner_text().split("\n")[1:] == [f"red ({rows.count()})"]
    page.screenshot(path=str(ARTIFACTS / "search-facets.png"))
    # Clearing the filters widens the search; a facet's value is a button that filters on it again.
    page.get_by_test_id("search-clear").click()
    page.get_by_test_id("facet-level").filter(has_text="amber").wait_for()
    page.get_by_test_id("facet-level").get_by_role("button", name="amber", exact=False).click()
    page.wait_for_function("() => document.querySelector('#search-level').value === 'amber'")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=consignment-row]')].every(r => r.className === 'row-amber')"
    )
    page.close()
