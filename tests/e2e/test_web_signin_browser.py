"""Sign-in steps in a real headless Chromium against the local stack: a user an administrator created with a
temporary password chooses a new one in the web app, then sets up two-step sign-in and is asked for a code.

The user is created here (the demo users keep permanent passwords). The local stack's moto does not check TOTP
codes (docs/deploy.md, "MFA under moto"): any 6 digits pass there; tests/integration/test_cognito_challenges.py
checks real codes.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from playwright.sync_api import expect
from test_web_accessibility_browser import UNLABELLED
from test_web_app_browser import ARTIFACTS, browser  # noqa: F401  (browser is a fixture)

from running_stack import RunningStack

pytestmark = pytest.mark.e2e

TEMPORARY = "Temporary-Pass-1!"


def shot(page: Any, name: str) -> None:
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"{name}.png"), full_page=True)


def sign_in_form(page: Any, stack: RunningStack, username: str, password: str) -> None:
    page.goto(stack.api_url + "/")
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(password)
    page.get_by_test_id("sign-in-submit").click()


def test_a_user_with_a_temporary_password_chooses_a_new_one_then_sets_up_two_step_sign_in(
    browser: Any,  # noqa: F811
    local_stack: RunningStack,
) -> None:
    username = f"web-newcomer-{secrets.token_hex(3)}"
    idp = local_stack.client("cognito-idp")
    pool = local_stack.facts["user_pool_id"]
    idp.admin_create_user(UserPoolId=pool, Username=username, TemporaryPassword=TEMPORARY, MessageAction="SUPPRESS")
    idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName="targeting_analyst")
    chosen = f"Chosen-{secrets.token_hex(6)}-9!"

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in_form(page, local_stack, username, TEMPORARY)
    expect(page.get_by_test_id("new-password-form")).to_be_visible()
    expect(page.get_by_test_id("sign-in-form")).to_be_hidden()
    expect(page.get_by_label("New password", exact=True)).to_be_focused()
    assert page.evaluate(UNLABELLED) == []
    page.get_by_label("New password", exact=True).fill(chosen)
    page.get_by_label("Repeat the new password").fill(chosen + "x")
    page.get_by_test_id("new-password-submit").click()
    expect(page.get_by_test_id("new-password-error")).to_contain_text("not the same")
    page.get_by_label("New password", exact=True).fill("weakpassword")
    page.get_by_label("Repeat the new password").fill("weakpassword")
    page.get_by_test_id("new-password-submit").click()
    expect(page.get_by_test_id("new-password-error")).to_contain_text("password policy")
    shot(page, "sign-in-new-password")
    page.get_by_label("New password", exact=True).fill(chosen)
    page.get_by_label("Repeat the new password").fill(chosen)
    page.get_by_test_id("new-password-submit").click()
    expect(page.get_by_test_id("user-name")).to_have_text(username)

    page.get_by_test_id("nav-two-step-sign-in").click()
    expect(page.get_by_test_id("mfa-status")).to_contain_text("Off")
    page.get_by_test_id("mfa-start").click()
    expect(page.get_by_test_id("mfa-secret")).not_to_be_empty()
    expect(page.get_by_test_id("mfa-uri")).to_contain_text("otpauth://totp/")
    assert page.evaluate(UNLABELLED) == []
    page.get_by_label("6-digit code from the new app").fill("12345")
    page.get_by_test_id("mfa-confirm").click()
    expect(page.get_by_test_id("security-message")).to_contain_text("6 digits")
    page.get_by_label("6-digit code from the new app").fill("123456")
    page.get_by_test_id("mfa-confirm").click()
    expect(page.get_by_test_id("security-message")).to_have_text("Two-step sign-in is on.")
    expect(page.get_by_test_id("mfa-status")).to_contain_text("On")
    shot(page, "two-step-sign-in-on")

    page.get_by_test_id("sign-out").click()
    sign_in_form(page, local_stack, username, chosen)
    expect(page.get_by_test_id("code-form")).to_be_visible()
    expect(page.get_by_test_id("mfa-setup")).to_be_hidden()
    expect(page.get_by_label("6-digit code from your authenticator app")).to_be_focused()
    assert page.evaluate(UNLABELLED) == []
    page.get_by_label("6-digit code from your authenticator app").fill("654321")
    page.get_by_test_id("code-submit").click()
    expect(page.get_by_test_id("user-name")).to_have_text(username)
    page.close()
