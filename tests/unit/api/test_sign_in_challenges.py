"""Sign-in challenges and the caller's own TOTP set-up, through the routes, over a fake identity provider.

``POST /auth/login`` answers tokens or a challenge; ``POST /auth/challenge`` answers it (a new password for an
account created with a temporary one; a 6-digit code) and gives tokens or the next challenge. Every refusal is a
4xx with a stable code the web app acts on, never a 500.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from chalice.test import Client

from fakes_api import FakeIdentity, World, principal

JSON = {"Content-Type": "application/json"}
NEW_PASSWORD = "A-much-longer-passphrase-9"


def post(client: Client, path: str, payload: Any, headers: dict[str, str] | None = None) -> Any:
    return client.http.post(path, headers={**JSON, **(headers or {})}, body=json.dumps(payload).encode())


def body(response: Any) -> Any:
    return json.loads(response.body)


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.body
    data = body(response)
    assert data["message"]
    return str(data["code"])


def login(client: Client, username: str, password: str = "secret") -> Any:
    response = post(client, "/auth/login", {"username": username, "password": password})
    assert response.status_code == 200, response.body
    return body(response)


def answer(client: Client, asked: dict[str, Any], **given: Any) -> Any:
    payload = {"challenge": asked["challenge"], "username": asked["username"], "session": asked["session"], **given}
    return post(client, "/auth/challenge", payload)


@pytest.fixture
def identity(world: World) -> FakeIdentity:
    fake: FakeIdentity = world.identity
    fake.add("Temp-Pass-1!", principal("targeting_analyst", username="newcomer"), temporary=True)
    fake.add("secret", principal("supervisor", username="careful"))
    fake.totp.add("careful")
    return fake


def test_a_plain_sign_in_still_answers_tokens_and_no_challenge(client: Client, identity: FakeIdentity) -> None:
    data = login(client, "auditor")
    assert data["id_token"] == "token-auditor"
    assert data["access_token"] == "access-auditor"
    assert data["challenge"] is None
    assert data["session"] is None


def test_a_temporary_password_asks_for_a_new_one_and_the_new_one_signs_in(
    client: Client, identity: FakeIdentity
) -> None:
    asked = login(client, "newcomer", "Temp-Pass-1!")
    assert asked["challenge"] == "new_password"
    assert asked["username"] == "newcomer"
    assert asked["id_token"] is None
    done = answer(client, asked, new_password=NEW_PASSWORD)
    assert done.status_code == 200, done.body
    assert body(done)["id_token"] == "token-newcomer"
    assert login(client, "newcomer", NEW_PASSWORD)["id_token"] == "token-newcomer"
    assert error(post(client, "/auth/login", {"username": "newcomer", "password": "Temp-Pass-1!"}), 401)


def test_a_weak_new_password_is_a_400_with_the_policys_message_and_the_session_still_answers(
    client: Client, identity: FakeIdentity
) -> None:
    asked = login(client, "newcomer", "Temp-Pass-1!")
    refused = answer(client, asked, new_password="short")
    assert error(refused, 400) == "weak_password"
    assert "Password not long enough" in body(refused)["message"]
    assert answer(client, asked, new_password=NEW_PASSWORD).status_code == 200


def test_a_user_with_an_authenticator_app_gives_its_code_and_a_wrong_code_is_refused(
    client: Client, identity: FakeIdentity
) -> None:
    asked = login(client, "careful")
    assert asked["challenge"] == "totp"
    assert asked["secret"] is None
    assert asked["otpauth_uri"] is None
    assert error(answer(client, asked, code="654321"), 400) == "code_mismatch"
    assert error(answer(client, asked, code=FakeIdentity.USED_CODE), 400) == "code_expired"
    done = answer(client, asked, code=FakeIdentity.CODE)
    assert done.status_code == 200, done.body
    assert body(done)["id_token"] == "token-careful"


def test_a_used_or_unknown_session_is_a_401_session_expired(client: Client, identity: FakeIdentity) -> None:
    asked = login(client, "careful")
    assert answer(client, asked, code=FakeIdentity.CODE).status_code == 200
    assert error(answer(client, asked, code=FakeIdentity.CODE), 401) == "session_expired"
    assert (
        error(answer(client, {**asked, "session": "made-up-session-0000000"}, code=FakeIdentity.CODE), 401)
        == "session_expired"
    )
    assert error(answer(client, {**asked, "username": "auditor"}, code=FakeIdentity.CODE), 401) == "session_expired"


def test_when_mfa_is_required_a_user_without_an_app_sets_one_up_during_sign_in(
    client: Client, identity: FakeIdentity, world: World
) -> None:
    identity.mfa_required = True
    asked = login(client, "auditor")
    assert asked["challenge"] == "mfa_setup"
    assert asked["secret"] == FakeIdentity.SECRET
    uri = urlsplit(asked["otpauth_uri"])
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/CTS%20JM%3Aauditor")
    assert parse_qs(uri.query) == {
        "secret": [FakeIdentity.SECRET],
        "issuer": ["CTS JM"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
    assert error(answer(client, asked, code="111111"), 400) == "code_mismatch"
    assert body(answer(client, asked, code=FakeIdentity.CODE))["id_token"] == "token-auditor"
    assert login(client, "auditor")["challenge"] == "totp"


def test_a_temporary_password_then_required_mfa_are_two_challenges_in_a_row(
    client: Client, identity: FakeIdentity
) -> None:
    identity.mfa_required = True
    first = login(client, "newcomer", "Temp-Pass-1!")
    second = body(answer(client, first, new_password=NEW_PASSWORD))
    assert second["challenge"] == "mfa_setup"
    assert second["session"] != first["session"]
    assert body(answer(client, second, code=FakeIdentity.CODE))["id_token"] == "token-newcomer"


@pytest.mark.parametrize(
    "payload",
    [
        {"challenge": "new_password", "username": "newcomer", "session": "s" * 20},
        {"challenge": "new_password", "username": "newcomer", "session": "s" * 20, "code": "123456"},
        {"challenge": "totp", "username": "careful", "session": "s" * 20, "new_password": NEW_PASSWORD},
        {"challenge": "totp", "username": "careful", "session": "s" * 20, "code": "12345"},
        {"challenge": "totp", "username": "careful", "session": "s" * 20, "code": "12345a"},
        {"challenge": "sms", "username": "careful", "session": "s" * 20, "code": "123456"},
        {"challenge": "totp", "username": "careful", "session": "s" * 2049, "code": "123456"},
        {"challenge": "totp", "username": "careful", "session": "s" * 19, "code": "123456"},
        {"challenge": "totp", "username": "careful", "session": "s" * 20, "code": "123456", "extra": 1},
        {"challenge": "new_password", "username": "x", "session": "s" * 20, "new_password": "p" * 257},
    ],
)
def test_a_malformed_answer_is_a_400_before_the_identity_provider_is_asked(
    client: Client, identity: FakeIdentity, payload: dict[str, Any]
) -> None:
    assert error(post(client, "/auth/challenge", payload), 400) == "validation_failed"


# ---------------------------------------------------------------- the caller's own authenticator app


def test_a_signed_in_user_sees_whether_two_step_sign_in_is_on(
    client: Client, identity: FakeIdentity, world: World
) -> None:
    assert body(client.http.get("/me/mfa", headers=world.auth("auditor"))) == {"enabled": False, "required": False}
    careful = {"Authorization": "Bearer token-careful"}
    assert body(client.http.get("/me/mfa", headers=careful)) == {"enabled": True, "required": False}


def test_a_signed_in_user_sets_up_an_app_and_then_sign_in_asks_for_its_code(
    client: Client, identity: FakeIdentity, world: World
) -> None:
    me = world.auth("auditor")
    started = post(client, "/me/mfa", {"access_token": "access-auditor"}, me)
    assert started.status_code == 200, started.body
    data = body(started)
    assert data["secret"] == FakeIdentity.SECRET
    assert data["otpauth_uri"].startswith("otpauth://totp/CTS%20JM%3Aauditor?secret=JBSWY3DPEHPK3PXP&issuer=CTS")
    wrong = post(client, "/me/mfa/confirm", {"access_token": "access-auditor", "code": "999999"}, me)
    assert error(wrong, 400) == "code_mismatch"
    confirmed = post(client, "/me/mfa/confirm", {"access_token": "access-auditor", "code": FakeIdentity.CODE}, me)
    assert body(confirmed) == {"enabled": True, "required": False}
    assert login(client, "auditor")["challenge"] == "totp"


def test_confirming_before_starting_is_a_409(client: Client, identity: FakeIdentity, world: World) -> None:
    payload = {"access_token": "access-auditor", "code": FakeIdentity.CODE}
    assert error(post(client, "/me/mfa/confirm", payload, world.auth("auditor")), 409) == "conflict"


def test_another_users_or_a_bad_access_token_cannot_change_the_callers_settings(
    client: Client, identity: FakeIdentity, world: World
) -> None:
    me = world.auth("auditor")
    assert error(post(client, "/me/mfa", {"access_token": "access-supervisor"}, me), 403) == "forbidden"
    assert error(post(client, "/me/mfa", {"access_token": "forged"}, me), 401) == "unauthorized"
    assert identity.pending_totp == set()


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/me/mfa", {}),
        ("/me/mfa", {"access_token": ""}),
        ("/me/mfa", {"access_token": "a" * 8193}),
        ("/me/mfa/confirm", {"access_token": "access-auditor"}),
        ("/me/mfa/confirm", {"access_token": "access-auditor", "code": "1234567"}),
    ],
)
def test_malformed_set_up_requests_are_400s(
    client: Client, identity: FakeIdentity, world: World, path: str, payload: dict[str, Any]
) -> None:
    assert error(post(client, path, payload, world.auth("auditor")), 400) == "validation_failed"
