from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from cts.adapters import aws as aws_clients
from cts.adapters.local.bootstrap import LocalResources
from cts.config.country import CountryConfig


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    aws_clients._client_cached.cache_clear()
    with mock_aws():
        yield
    aws_clients._client_cached.cache_clear()


@pytest.fixture
def country() -> CountryConfig:
    return CountryConfig(
        code="JM",
        name="Jamaica",
        region="us-east-1",
        account="000000000000",
        ports_of_interest=("JMKIN",),
        alert_sender="alerts@customs.example.jm",
        alert_recipients=("duty@customs.example.jm",),
    )


@pytest.fixture
def resources(aws_env: None, country: CountryConfig) -> LocalResources:
    """The catalogue's resources, created in moto by the local bootstrap (same code as `make run`)."""
    from cts.adapters.local.bootstrap import bootstrap

    return bootstrap(country, endpoint_url=None)
