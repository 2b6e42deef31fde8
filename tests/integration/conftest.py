from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from cts.adapters import aws as aws_clients
from cts.adapters.local.bootstrap import LocalResources
from cts.adapters.local.runner import QueuePoller
from cts.config.country import CountryConfig
from cts.config.resources import SYSTEM


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


@pytest.fixture
def pollers(
    resources: LocalResources, country: CountryConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, QueuePoller]]:
    """One poller per queue-triggered function, feeding the real handler (``pipeline_testkit.drain`` runs them)."""
    env = {
        **resources.env,
        "CTS_COUNTRY": "JM",
        "CTS_ALERT_THRESHOLD": "50",
        "CTS_RED_THRESHOLD": "80",
        "CTS_ALERT_SENDER": country.alert_sender,
        "CTS_ALERT_RECIPIENTS": "duty@customs.example.jm",
        "CTS_WEB_URL": "http://127.0.0.1:8000",
        "CTS_SEARCH_PATH": str(tmp_path / "search.sqlite3"),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "CTS",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    stop = threading.Event()
    made = {
        f.logical_id: QueuePoller(
            f, resources.queue_urls[f.trigger_queue], resources.queue_arns[f.trigger_queue], None, "us-east-1", stop
        )  # type: ignore[arg-type]
        for f in SYSTEM.functions
        if f.trigger_queue
    }
    yield made
    stop.set()
