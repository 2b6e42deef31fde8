"""The token verifier against locally made keys (the moto round trip is in tests/integration)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from cts.adapters.cognito import CognitoTokenVerifier, issuer, jwks_url
from cts.domain.errors import Unauthorized, Unavailable

REGION, POOL, CLIENT = "eu-west-1", "eu-west-1_TEST", "web-client"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**data, "kid": kid, "alg": "RS256", "use": "sig"}


def token(key: rsa.RSAPrivateKey, kid: str = "k1", **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer(REGION, POOL),
        "sub": "u-1",
        "aud": CLIENT,
        "token_use": "id",
        "iat": now,
        "exp": now + 3600,
        "cognito:username": "ana",
        "cognito:groups": ["targeting_analyst", "auditor"],
        "custom:carrier_id": "msc",
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


class Keys:
    def __init__(self, *published: dict[str, Any]) -> None:
        self.published = list(published)
        self.fetches = 0

    def __call__(self, url: str) -> Mapping[str, Any]:
        self.fetches += 1
        return {"keys": self.published}


@pytest.fixture
def key() -> rsa.RSAPrivateKey:
    return new_key()


def verifier(keys: Keys, now: list[float] | None = None) -> CognitoTokenVerifier:
    clock = (lambda: now[0]) if now is not None else time.monotonic
    return CognitoTokenVerifier(POOL, CLIENT, REGION, "https://keys.test/jwks.json", fetch=keys, clock=clock)


def test_an_id_token_gives_the_user_its_groups_as_roles_and_its_carrier(key: rsa.RSAPrivateKey) -> None:
    who = verifier(Keys(jwk(key, "k1"))).verify(token(key))
    assert who.username == "ana"
    assert who.subject == "u-1"
    assert who.roles == {"targeting_analyst", "auditor"}
    assert who.carrier_id == "msc"


def test_an_access_token_is_checked_against_client_id_instead_of_aud(key: rsa.RSAPrivateKey) -> None:
    v = verifier(Keys(jwk(key, "k1")))
    access = token(key, aud=None, token_use="access", client_id=CLIENT, username="ana", **{"cognito:username": None})
    assert v.verify(access).username == "ana"
    with pytest.raises(Unauthorized):
        v.verify(token(key, aud=None, token_use="access", client_id="another-client"))


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-client"},
        {"iss": issuer(REGION, "eu-west-1_OTHER")},
        {"token_use": "refresh"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"exp": None},
        {"token_use": None},
    ],
    ids=["wrong-audience", "wrong-issuer", "wrong-use", "expired", "no-expiry", "no-token-use"],
)
def test_tokens_with_a_wrong_claim_are_unauthorized(key: rsa.RSAPrivateKey, claims: dict[str, Any]) -> None:
    with pytest.raises(Unauthorized):
        verifier(Keys(jwk(key, "k1"))).verify(token(key, **claims))


def test_a_token_signed_by_another_key_under_a_known_kid_is_unauthorized(key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(Unauthorized):
        verifier(Keys(jwk(key, "k1"))).verify(token(new_key(), kid="k1"))


def test_unsigned_or_hmac_tokens_are_unauthorized(key: rsa.RSAPrivateKey) -> None:
    v = verifier(Keys(jwk(key, "k1")))
    hmac = jwt.encode({"sub": "x"}, "secret-long-enough-for-hs256-keys!", algorithm="HS256", headers={"kid": "k1"})
    for bad in ("not-a-jwt", hmac, jwt.encode({"sub": "x"}, None, algorithm="none")):
        with pytest.raises(Unauthorized):
            v.verify(bad)


def test_keys_are_fetched_once_and_refetched_once_for_an_unknown_kid(key: rsa.RSAPrivateKey) -> None:
    now = [1000.0]
    keys = Keys(jwk(key, "k1"))
    v = verifier(keys, now)
    v.verify(token(key))
    v.verify(token(key))
    assert keys.fetches == 1
    rotated = new_key()
    keys.published.append(jwk(rotated, "k2"))
    now[0] += 120
    assert v.verify(token(rotated, kid="k2")).username == "ana"
    assert keys.fetches == 2


def test_unknown_kids_cannot_force_a_refetch_on_every_request(key: rsa.RSAPrivateKey) -> None:
    now = [1000.0]
    keys = Keys(jwk(key, "k1"))
    v = verifier(keys, now)
    v.verify(token(key))
    for _ in range(5):
        with pytest.raises(Unauthorized):
            v.verify(token(key, kid="k-unknown"))
    assert keys.fetches == 1


def test_an_unreachable_key_endpoint_is_unavailable_not_unauthorized(key: rsa.RSAPrivateKey) -> None:
    v = CognitoTokenVerifier(POOL, CLIENT, REGION, "http://127.0.0.1:9/jwks.json")
    with pytest.raises(Unavailable):
        v.verify(token(key))


def test_jwks_url_points_at_aws_or_at_the_local_endpoint() -> None:
    assert jwks_url(REGION, POOL) == f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}/.well-known/jwks.json"
    assert jwks_url(REGION, POOL, "http://127.0.0.1:5000/") == f"http://127.0.0.1:5000/{POOL}/.well-known/jwks.json"
