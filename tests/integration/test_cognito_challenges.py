"""Sign-in challenges against Cognito as moto emulates it (moto 5): a temporary password, TOTP set-up and codes.

moto's TOTP checks are off unless ``MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true`` (set here): then it checks each
code against the secret it hands out, which is the same constant for every user (``asdfasdfasdf``), in the current
30-second step only. The codes below are real RFC 6238 codes computed by :func:`totp` from the secret returned.
What moto does not check is listed in docs/deploy.md ("MFA under moto").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from typing import Any

import boto3
import jwt
import pytest

from cts.adapters.cognito import CognitoAuthenticator
from cts.domain.sign_in import (
    Challenge,
    ChallengeName,
    CodeMismatch,
    SessionExpired,
    WeakPassword,
    otpauth_uri,
)
from cts.ports.identity import Tokens

TEMPORARY = "Temporary-Pass-1!"
CHOSEN = "Chosen-Passphrase-42!"
PERMANENT = "Permanent-Passphrase-7!"


def totp(secret: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 (HMAC-SHA1) for a base32 secret: the code an authenticator app shows at ``at``."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def current_code(secret: str) -> str:
    """A code good for at least two more seconds (moto accepts the current step only)."""
    if 30 - time.time() % 30 < 2:
        time.sleep(2.1)
    return totp(secret)


def wrong_code(secret: str) -> str:
    right = totp(secret)
    return next(c for c in ("000000", "111111", "222222") if c not in (right, totp(secret, time.time() + 3)))


def test_the_rfc_6238_helper_gives_the_rfcs_own_test_vector() -> None:
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp(secret, at=59, digits=8) == "94287082"
    assert totp(secret, at=1111111109, digits=8) == "07081804"


class Pool:
    def __init__(self, idp: Any, *, mfa_required: bool = False) -> None:
        self.idp = idp
        self.pool_id = idp.create_user_pool(
            PoolName="cts-challenges",
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": 12,
                    "RequireUppercase": True,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": True,
                }
            },
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        )["UserPool"]["Id"]
        self.client_id = idp.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName="web",
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        )["UserPoolClient"]["ClientId"]
        idp.set_user_pool_mfa_config(
            UserPoolId=self.pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration="ON" if mfa_required else "OPTIONAL",
        )
        self.auth = CognitoAuthenticator(self.pool_id, self.client_id, lambda: idp)

    def create(self, username: str, *, temporary: str | None = None, permanent: str | None = None) -> None:
        """As the Users screen does (a temporary password, Cognito's invitation suppressed here), or permanent."""
        self.idp.admin_create_user(
            UserPoolId=self.pool_id,
            Username=username,
            TemporaryPassword=temporary or TEMPORARY,
            MessageAction="SUPPRESS",
        )
        if permanent:
            self.idp.admin_set_user_password(
                UserPoolId=self.pool_id, Username=username, Password=permanent, Permanent=True
            )


@pytest.fixture
def idp(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    return boto3.client("cognito-idp", region_name="us-east-1")


def _username(tokens: Tokens) -> str:
    return str(jwt.decode(tokens.id_token, options={"verify_signature": False})["cognito:username"])


def test_an_admin_created_user_signs_in_by_choosing_a_new_password(idp: Any) -> None:
    pool = Pool(idp)
    pool.create("newcomer")
    asked = pool.auth.sign_in("newcomer", TEMPORARY)
    assert isinstance(asked, Challenge)
    assert asked.name is ChallengeName.NEW_PASSWORD
    assert asked.username == "newcomer"
    with pytest.raises(WeakPassword):
        pool.auth.respond("newcomer", asked.name, asked.session, new_password="short")
    done = pool.auth.respond("newcomer", asked.name, asked.session, new_password=CHOSEN)
    assert isinstance(done, Tokens)
    assert _username(done) == "newcomer"
    again = pool.auth.sign_in("newcomer", CHOSEN)
    assert isinstance(again, Tokens)
    assert pool.auth.mfa_status("newcomer").enabled is False


def test_an_unknown_session_is_session_expired(idp: Any) -> None:
    pool = Pool(idp)
    pool.create("newcomer")
    with pytest.raises(SessionExpired):
        pool.auth.respond(
            "newcomer", ChallengeName.NEW_PASSWORD, "no-such-session-0123456789abcdef", new_password=CHOSEN
        )


def test_a_signed_in_user_enrols_an_app_and_then_every_sign_in_asks_for_its_code(idp: Any) -> None:
    pool = Pool(idp)
    pool.create("careful", permanent=PERMANENT)
    tokens = pool.auth.sign_in("careful", PERMANENT)
    assert isinstance(tokens, Tokens)
    assert pool.auth.mfa_status("careful").enabled is False
    secret = pool.auth.start_totp(tokens.access_token)
    assert otpauth_uri(secret, "careful", "CTS JM").startswith("otpauth://totp/CTS%20JM%3Acareful?secret=")
    with pytest.raises(CodeMismatch):
        pool.auth.confirm_totp(tokens.access_token, wrong_code(secret))
    assert pool.auth.mfa_status("careful").enabled is False
    pool.auth.confirm_totp(tokens.access_token, current_code(secret))
    status = pool.auth.mfa_status("careful")
    assert status.enabled is True
    assert status.required is False

    asked = pool.auth.sign_in("careful", PERMANENT)
    assert isinstance(asked, Challenge)
    assert asked.name is ChallengeName.TOTP
    assert asked.secret is None
    with pytest.raises(CodeMismatch):
        pool.auth.respond("careful", asked.name, asked.session, code=wrong_code(secret))
    done = pool.auth.respond("careful", asked.name, asked.session, code=current_code(secret))
    assert isinstance(done, Tokens)
    assert _username(done) == "careful"


def test_with_mfa_required_a_new_user_chooses_a_password_then_sets_up_an_app_within_the_sign_in(idp: Any) -> None:
    pool = Pool(idp, mfa_required=True)
    pool.create("newcomer")
    first = pool.auth.sign_in("newcomer", TEMPORARY)
    assert isinstance(first, Challenge)
    assert first.name is ChallengeName.NEW_PASSWORD
    second = pool.auth.respond("newcomer", first.name, first.session, new_password=CHOSEN)
    assert isinstance(second, Challenge)
    assert second.name is ChallengeName.MFA_SETUP
    assert second.secret
    with pytest.raises(CodeMismatch):
        pool.auth.respond("newcomer", second.name, second.session, code=wrong_code(second.secret))
    done = pool.auth.respond("newcomer", second.name, second.session, code=current_code(second.secret))
    assert isinstance(done, Tokens)
    status = pool.auth.mfa_status("newcomer")
    assert status.enabled is True
    assert status.required is True

    asked = pool.auth.sign_in("newcomer", CHOSEN)
    assert isinstance(asked, Challenge)
    assert asked.name is ChallengeName.TOTP
    assert isinstance(
        pool.auth.respond("newcomer", asked.name, asked.session, code=current_code(second.secret)), Tokens
    )
