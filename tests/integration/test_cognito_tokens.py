"""Sign-in and token verification against Cognito as moto serves it (server mode, real HTTP).

moto issues RS256 tokens with the AWS issuer (``https://cognito-idp.<region>.amazonaws.com/<pool>``)
and serves the signing keys at ``<endpoint>/<pool>/.well-known/jwks.json``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.server import ThreadedMotoServer

from cts.adapters.cognito import CognitoAuthenticator, CognitoTokenVerifier, jwks_url
from cts.domain.errors import Unauthorized

REGION = "us-east-1"
PASSWORD = "Corr3ct-Horse-Battery!"


@dataclass
class Pool:
    endpoint: str
    pool_id: str
    client_id: str
    idp: Any

    def authenticator(self) -> CognitoAuthenticator:
        return CognitoAuthenticator(self.pool_id, self.client_id, lambda: self.idp)

    def verifier(self, client_id: str | None = None) -> CognitoTokenVerifier:
        url = jwks_url(REGION, self.pool_id, self.endpoint)
        return CognitoTokenVerifier(self.pool_id, client_id or self.client_id, REGION, url)


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def pool(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Pool:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=moto_endpoint)
    pool_id = idp.create_user_pool(
        PoolName="cts-test",
        Schema=[{"Name": "carrier_id", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", GenerateSecret=False, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    for group in ("carrier", "auditor"):
        idp.create_group(GroupName=group, UserPoolId=pool_id)
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="msc-uploader",
        UserAttributes=[{"Name": "custom:carrier_id", "Value": "msc"}],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username="msc-uploader", Password=PASSWORD, Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="msc-uploader", GroupName="carrier")
    return Pool(moto_endpoint, pool_id, client_id, idp)


def test_signed_in_id_token_verifies_with_groups_as_roles_and_the_carrier_id(pool: Pool) -> None:
    tokens = pool.authenticator().sign_in("msc-uploader", PASSWORD)
    assert tokens.expires_in > 0
    who = pool.verifier().verify(tokens.id_token)
    assert who.username == "msc-uploader"
    assert who.roles == {"carrier"}
    assert who.carrier_id == "msc"
    assert who.subject


def test_signed_in_access_token_verifies_through_its_client_id_claim(pool: Pool) -> None:
    tokens = pool.authenticator().sign_in("msc-uploader", PASSWORD)
    who = pool.verifier().verify(tokens.access_token)
    assert who.username == "msc-uploader"
    assert who.roles == {"carrier"}
    assert who.carrier_id is None  # custom attributes travel in id tokens only


def test_a_wrong_password_or_unknown_user_is_unauthorized(pool: Pool) -> None:
    with pytest.raises(Unauthorized):
        pool.authenticator().sign_in("msc-uploader", "wrong-password")
    with pytest.raises(Unauthorized):
        pool.authenticator().sign_in("nobody", PASSWORD)


def test_a_token_signed_by_another_key_is_rejected(pool: Pool) -> None:
    genuine = pool.authenticator().sign_in("msc-uploader", PASSWORD).id_token
    claims = jwt.decode(genuine, options={"verify_signature": False})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode({**claims, "cognito:groups": ["administrator"]}, other_key, "RS256", headers={"kid": "dummy"})
    with pytest.raises(Unauthorized):
        pool.verifier().verify(forged)


def test_an_expired_token_is_rejected(pool: Pool, monkeypatch: pytest.MonkeyPatch) -> None:
    issued_at = time.time() - 2 * 3600
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: issued_at)  # moto stamps iat/exp from time.time()
        old = pool.authenticator().sign_in("msc-uploader", PASSWORD).id_token
    assert jwt.decode(old, options={"verify_signature": False})["exp"] < time.time()
    with pytest.raises(Unauthorized, match="expired"):
        pool.verifier().verify(old)


def test_a_token_for_another_app_client_is_rejected(pool: Pool) -> None:
    other_client = pool.idp.create_user_pool_client(
        UserPoolId=pool.pool_id,
        ClientName="other",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]["ClientId"]
    tokens = CognitoAuthenticator(pool.pool_id, other_client, lambda: pool.idp).sign_in("msc-uploader", PASSWORD)
    for token in (tokens.id_token, tokens.access_token):
        with pytest.raises(Unauthorized, match="another app client"):
            pool.verifier().verify(token)
    assert pool.verifier(client_id=other_client).verify(tokens.id_token).username == "msc-uploader"


def test_a_token_from_another_user_pool_is_rejected(pool: Pool) -> None:
    other_pool = pool.idp.create_user_pool(PoolName="elsewhere")["UserPool"]["Id"]
    verifier = CognitoTokenVerifier(other_pool, pool.client_id, REGION, jwks_url(REGION, other_pool, pool.endpoint))
    tokens = pool.authenticator().sign_in("msc-uploader", PASSWORD)
    with pytest.raises(Unauthorized):
        verifier.verify(tokens.id_token)
