"""Every screen of the web app, as the roles that see the most of it: focus on the heading, every control labelled,
every button named, nothing wider than a 1280x800 window, a way to each screen by keyboard."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from test_web_app_browser import ARTIFACTS, browser, signed_in_page  # noqa: F401  (browser is a fixture)

from running_stack import RunningStack

pytestmark = pytest.mark.e2e

DEMO_CASE = "sea:DMLU:DMLU0000003#v1"  # the demo amber alert's case, opened when the stack started

# Controls without a <label> or aria-label, buttons and links without a name, visible ones only.
UNLABELLED = """() => {
  const visible = (e) => !e.closest('[hidden]') && e.getClientRects().length > 0;
  const controls = [...document.querySelectorAll('input, select, textarea')]
    .filter((e) => visible(e) && e.type !== 'hidden')
    .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
    .map((e) => `control ${e.name || e.id || e.outerHTML.slice(0, 60)}`);
  const named = [...document.querySelectorAll('button, a[href]')]
    .filter((e) => visible(e) && !(e.textContent.trim() || e.getAttribute('aria-label')))
    .map((e) => `unnamed ${e.outerHTML.slice(0, 60)}`);
  return [...controls, ...named];
}"""

SCREENS = [
    ("targeting_analyst", "#/", "main", "alert-row"),
    ("carrier", "#/", "main", "receipt-row"),
    ("supervisor", "#/cases", "case-board-title", "board-row"),
    ("supervisor", f"#/cases/{quote(DEMO_CASE, safe='')}", "case-title", "case-actions"),
    ("supervisor", f"#/alerts/{quote(DEMO_CASE, safe='')}", "detail-title", "hit-row"),
    ("supervisor", "#/audit", "audit-title", "audit-filter"),
    ("supervisor", "#/settings", "settings-title", "subscription-form"),
    ("carrier", "#/security", "security-title", "mfa-start"),
    ("risk_manager", "#/profiles", "profiles-title", "new-profile-form"),
    ("risk_manager", "#/profiles/cocaine-source-routes", "profiles-title", "profile-editor"),
    ("risk_manager", "#/watchlists", "watchlists-title", "entry-form"),
    ("administrator", "#/users", "users-title", "user-row"),
    ("risk_manager", "#/dashboard", "dashboard-title", "series-chart"),
    ("auditor", "#/dashboard?tab=profiles", "dashboard-title", "hit-rate-row"),
]


@pytest.mark.parametrize(("role", "route", "heading", "content"), SCREENS, ids=[f"{s[0]}-{s[3]}" for s in SCREENS])
def test_each_screen_takes_focus_labels_its_controls_and_fits_the_window(
    browser: Any,  # noqa: F811
    local_stack: RunningStack,
    role: str,
    route: str,
    heading: str,
    content: str,
) -> None:
    page = signed_in_page(browser, local_stack, role)
    page.goto(f"{local_stack.api_url}/{route}")
    page.get_by_test_id(content).first.wait_for()
    expect(page.locator(f"#{heading}")).to_be_focused()
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.close()


def test_the_screens_are_reached_from_the_navigation_by_keyboard(browser: Any, local_stack: RunningStack) -> None:  # noqa: F811
    page = signed_in_page(browser, local_stack, "supervisor")
    page.get_by_test_id("alert-row").first.wait_for()
    expect(page.locator("#main")).to_be_focused()  # the home screen starts at its content
    backwards = []
    for _ in range(11):  # back up through the navigation to the top of the page
        page.keyboard.press("Shift+Tab")
        backwards.append(page.evaluate("document.activeElement.textContent.trim()"))
        if backwards[-1] == "Skip to content":
            break
    expected = [
        "Two-step sign-in",
        "Alert e-mails",
        "Audit trail",
        "Watch lists",
        "Risk profiles",
        "Dashboard",
        "Cases",
        "Home",
        "Sign out",
    ]
    assert backwards == [*expected, "Skip to content"]
    for _ in range(3):  # forwards again: Sign out, Home, Cases
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Cases"
    page.keyboard.press("Enter")
    expect(page.locator("#case-board-title")).to_be_focused()
    page.get_by_test_id("board-row").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "keyboard-case-board.png"))
    page.close()


MISSING_ROUTE = {
    "status": 403,
    "content_type": "application/json",
    "body": '{"message": "Missing Authentication Token"}',
}
NOT_CONFIGURED = {"status": 503, "content_type": "application/json", "body": '{"code": "unavailable", "message": "no"}'}


@pytest.mark.parametrize(
    ("role", "route", "api_path", "answer", "shown"),
    [
        ("supervisor", "#/cases", re.compile(r"/cases(\?.*)?$"), MISSING_ROUTE, "board-unavailable"),
        ("supervisor", "#/cases?status=all", "**/cases?*", NOT_CONFIGURED, "board-unavailable"),
        ("risk_manager", "#/profiles", "**/profiles", MISSING_ROUTE, "rules-unavailable"),
        ("risk_manager", "#/watchlists", "**/watchlists?*", NOT_CONFIGURED, "rules-unavailable"),
        ("supervisor", "#/audit", "**/audit?*", MISSING_ROUTE, "audit-unavailable"),
    ],
    ids=["board-missing", "board-unconfigured", "profiles-missing", "watchlists-unconfigured", "audit-missing"],
)
def test_a_screen_whose_route_the_server_lacks_says_it_is_not_available(
    browser: Any,  # noqa: F811
    local_stack: RunningStack,
    role: str,
    route: str,
    api_path: Any,
    answer: dict[str, Any],
    shown: str,
) -> None:
    page = signed_in_page(browser, local_stack, role)
    page.route(api_path, lambda r: r.fulfill(**answer))  # an older API: the route is not there
    page.goto(f"{local_stack.api_url}/{route}")
    expect(page.get_by_test_id(shown)).to_contain_text("not available")
    assert page.get_by_test_id("error-banner").is_hidden()
    page.close()
