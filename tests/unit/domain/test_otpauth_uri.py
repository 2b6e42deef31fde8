"""The otpauth:// URI authenticator apps read (Key Uri Format): label ``issuer:account``, the base32 secret, SHA1,
6 digits, 30 seconds; a secret that is not base32 is refused rather than written into a URI no app accepts."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from cts.domain.errors import ValidationFailed
from cts.domain.sign_in import otpauth_uri


def test_the_uri_names_the_system_and_the_user_and_carries_the_secret() -> None:
    uri = urlsplit(otpauth_uri("jbsw y3dp ehpk 3pxp", "ann@customs.example", "CTS JM"))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == "/CTS JM:ann@customs.example"
    assert "@" not in uri.path  # the label is percent-encoded whole
    assert parse_qs(uri.query) == {
        "secret": ["JBSWY3DPEHPK3PXP"],
        "issuer": ["CTS JM"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }


def test_a_secret_that_is_not_base32_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="base32"):
        otpauth_uri("not-base32-at-all!", "ann", "CTS JM")


def test_a_blank_issuer_falls_back_to_cts_and_a_long_one_is_cut() -> None:
    assert "issuer=CTS&" in otpauth_uri("JBSWY3DPEHPK3PXP", "ann", "  ")
    issuer = parse_qs(urlsplit(otpauth_uri("JBSWY3DPEHPK3PXP", "ann", "X" * 200)).query)["issuer"][0]
    assert issuer == "X" * 64
