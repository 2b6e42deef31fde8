"""The management dashboard in a real headless Chromium against the local stack (issue 8).

A risk manager opens the dashboard: the totals are the API's report of the seeded demo data (three consignments
received, two of them alerting, red and amber, both on drugs intelligence; other browser tests sharing the stack
may add theirs, hence "at least"), the charts are drawn (a line per series over every day of the period, a bar per
level and category with the same numbers), the profiles ranked by yield export as CSV and the monthly report
downloads as a PDF. An analyst is offered no dashboard; a server without the reports says "not available".
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect
from test_web_app_browser import ARTIFACTS, browser, signed_in_page  # noqa: F401  (browser is a fixture)

from running_stack import RunningStack, sign_in

pytestmark = pytest.mark.e2e

SCREENSHOTS = ARTIFACTS / "screenshots"
TILES = ["received", "assessed", "alerts", "referrals", "examinations", "findings", "seizures", "overdue_cases"]


def shown_number(text: str) -> int:
    return int(text.strip().replace(",", ""))


def test_a_risk_manager_reads_the_dashboard_exports_csv_and_downloads_the_monthly_pdf(
    browser: Any,  # noqa: F811
    local_stack: RunningStack,
) -> None:
    page = signed_in_page(browser, local_stack, "risk_manager")
    page.get_by_test_id("nav-dashboard").click()
    expect(page.locator("#dashboard-title")).to_be_focused()
    chart = page.get_by_test_id("series-chart")
    chart.wait_for()

    # The numbers are the API's answer for the same period, and the demo data is in them.
    period = {name: page.get_by_test_id(f"dash-{name}").input_value() for name in ("from", "to")}
    answer = requests.get(
        f"{local_stack.api_url}/reports/overview",
        params=period,
        headers=sign_in(local_stack, "risk_manager"),
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    totals = report["totals"]
    for key in TILES:
        tile = page.get_by_test_id(f"total-{key}").get_by_test_id("tile-value")
        assert shown_number(tile.inner_text()) == totals[key], key
    assert totals["received"] >= 3
    assert totals["assessed"] >= 3
    assert totals["alerts"] >= 2
    assert report["alerts_by_level"].get("red", 0) >= 1
    assert report["alerts_by_level"].get("amber", 0) >= 1
    assert report["alerts_by_category"].get("drugs", 0) >= 2

    # The daily series: one line per series with a point per day, over every day of the period.
    days = len(report["series"])
    assert days >= 30
    assert sum(day["received"] for day in report["series"]) == totals["received"]
    assert chart.get_attribute("role") == "img"
    assert chart.get_attribute("aria-label")
    lines = chart.locator("path[data-testid=series-line]")
    assert sorted(lines.evaluate_all("ps => ps.map(p => p.dataset.key)")) == ["alerts", "examinations", "received"]
    assert all(d.count("L") == days - 1 for d in lines.evaluate_all("ps => ps.map(p => p.getAttribute('d'))"))
    assert chart.locator("g[data-key=received] circle").count() == days
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    page.get_by_text("The numbers per day").click()
    assert page.get_by_test_id("series-row").count() == days

    # Bars by level and category carry the report's numbers, and so do the tables beside them.
    bars = page.get_by_test_id("level-chart").locator("rect[data-testid=bar]")
    by_level = dict(bars.evaluate_all("bs => bs.map(b => [b.dataset.label, Number(b.dataset.value)])"))
    assert by_level["red"] == report["alerts_by_level"]["red"]
    assert by_level["amber"] == report["alerts_by_level"]["amber"]
    categories = page.get_by_test_id("category-chart").locator("rect[data-testid=bar]")
    by_category = dict(categories.evaluate_all("bs => bs.map(b => [b.dataset.label, Number(b.dataset.value)])"))
    assert by_category["drugs"] == report["alerts_by_category"]["drugs"]
    red = page.get_by_test_id("level-row").filter(has_text="red").get_by_test_id("drill-down")
    assert shown_number(red.inner_text()) == report["alerts_by_level"]["red"]
    assert "level=red" in (red.get_attribute("href") or "")
    red.click()  # the drill-down: the red consignments in the search
    expect(page).to_have_url(re.compile(r"#/consignments\?level=red"))
    page.get_by_test_id("consignment-row").filter(has_text="DMLU0000002").wait_for()
    assert page.get_by_test_id("consignment-row").filter(has_text="DMLU0000003").count() == 0  # amber
    page.go_back()
    page.get_by_test_id("series-chart").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    # A filter asks the API again: air only leaves out the demo manifest's three sea consignments.
    page.get_by_test_id("dash-mode").select_option("air")
    page.get_by_test_id("dash-apply").click()
    expect(page).to_have_url(re.compile(r"#/dashboard\?.*mode=air"))
    expect(page.get_by_test_id("dashboard-period")).to_contain_text("air")
    air = requests.get(
        f"{local_stack.api_url}/reports/overview",
        params={**period, "mode": "air"},
        headers=sign_in(local_stack, "risk_manager"),
        timeout=30,
    ).json()["totals"]
    assert air["received"] <= totals["received"] - 3
    received = page.get_by_test_id("total-received").get_by_test_id("tile-value")
    expect(received).to_have_text(f"{air['received']:,}")
    page.get_by_test_id("dash-mode").select_option("")
    page.get_by_test_id("dash-apply").click()
    expect(received).to_have_text(f"{totals['received']:,}")

    # Profiles ranked by yield, beside the random baseline; their CSV downloads with the user's token.
    page.get_by_test_id("tab-profiles").click()
    expect(page).to_have_url(re.compile(r"#/dashboard\?.*tab=profiles"))
    rows = page.get_by_test_id("hit-rate-row")
    rows.filter(has_text="cocaine-source-routes").wait_for()
    expect(page.get_by_test_id("baseline")).to_contain_text("Random-selection baseline")
    with page.expect_download() as info:
        page.get_by_test_id("export-profiles").click()
    saved = Path(info.value.path())
    assert info.value.suggested_filename.endswith(".csv")
    table = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    header, body = table[0], table[1:]
    assert {"id", "hits", "examinations", "findings"} <= set(header), header
    assert any(row[header.index("id")] == "cocaine-source-routes" for row in body)
    page.get_by_test_id("dashboard-status").filter(has_text="Downloaded").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "dashboard-profiles.png"), full_page=True)

    # Every other tab answers with its table or says it has nothing: none fails.
    for tab in ("indicators", "watchlist", "review", "workload", "carriers"):
        page.get_by_test_id(f"tab-{tab}").click()
        panel = page.get_by_test_id(f"panel-{tab}")
        panel.locator("table, p.empty").first.wait_for()
        assert panel.locator("[data-testid=report-error], [data-testid=reports-unavailable]").count() == 0, tab
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-{tab}.png"), full_page=True)
    expect(page.get_by_test_id("panel-carriers").get_by_test_id("carrier-row").first).to_contain_text("DEMOLINE")

    # The monthly report of this month as a PDF, asked for by its media type (API Gateway sends bytes only then).
    with page.expect_download() as info, page.expect_request(lambda r: "/reports/monthly.pdf" in r.url) as asked:
        page.get_by_test_id("monthly-pdf").click()
    assert asked.value.headers.get("accept") == "application/pdf"
    assert info.value.suggested_filename.endswith(".pdf")
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")
    page.close()


def test_an_analyst_is_not_offered_the_dashboard(browser: Any, local_stack: RunningStack) -> None:  # noqa: F811
    page = signed_in_page(browser, local_stack, "targeting_analyst")
    page.get_by_test_id("nav-cases").wait_for()
    assert page.get_by_test_id("nav-dashboard").count() == 0
    page.goto(f"{local_stack.api_url}/#/dashboard")
    page.get_by_test_id("error-banner").filter(has_text="do not allow the dashboard").wait_for()
    assert page.get_by_test_id("dashboard-view").is_hidden()
    page.close()


def test_a_server_without_the_reports_says_they_are_not_available(browser: Any, local_stack: RunningStack) -> None:  # noqa: F811
    page = signed_in_page(browser, local_stack, "supervisor")
    unconfigured = '{"code": "unavailable", "message": "not configured"}'
    page.route(
        "**/reports/**", lambda route: route.fulfill(status=503, content_type="application/json", body=unconfigured)
    )
    page.goto(f"{local_stack.api_url}/#/dashboard")
    expect(page.get_by_test_id("reports-unavailable")).to_contain_text("not available")
    assert page.get_by_test_id("error-banner").is_hidden()
    page.close()
