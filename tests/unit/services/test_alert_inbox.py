from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cts.domain.alerts import Alert, AlertStatus
from cts.domain.errors import Conflict, NotFound
from cts.domain.risk.engine import Level
from cts.domain.search_view import SearchDocument
from cts.services.alerts import acknowledge
from fakes import FakeAlerts, FakeSearch


def alerts_with(status: AlertStatus) -> FakeAlerts:
    repo = FakeAlerts()
    repo.add(
        Alert(
            alert_id="a1",
            key="k",
            version=1,
            document_number="D",
            score=60,
            level=Level.AMBER,
            hits=(),
            eta=None,
            place_of_discharge=None,
            raised_at=datetime(2026, 11, 25, tzinfo=UTC),
            status=status,
        )
    )
    return repo


def test_acknowledging_moves_a_new_alert_out_of_the_inbox_and_twice_is_harmless() -> None:
    repo = alerts_with(AlertStatus.NEW)
    assert acknowledge(repo, "a1").status is AlertStatus.ACKNOWLEDGED
    assert acknowledge(repo, "a1").status is AlertStatus.ACKNOWLEDGED
    assert repo.inbox() == []


def test_a_closed_alert_cannot_be_reopened_and_an_unknown_one_is_not_found() -> None:
    with pytest.raises(Conflict):
        acknowledge(alerts_with(AlertStatus.CLOSED), "a1")
    with pytest.raises(NotFound):
        acknowledge(FakeAlerts(), "nope")


def indexed(version: int = 1, alert_status: str | None = "new") -> FakeSearch:
    search = FakeSearch()
    search.index(
        [
            SearchDocument(
                key="k", version=version, mode="sea", direction="import", document_number="D", alert_status=alert_status
            )
        ]
    )
    return search


def test_acknowledging_shows_in_search_for_the_indexed_version() -> None:
    search = indexed()
    acknowledge(alerts_with(AlertStatus.NEW), "a1", search)
    found = search.get("k")
    assert found is not None
    assert found.alert_status == "acknowledged"


def test_acknowledging_again_brings_a_stale_search_document_up_to_date() -> None:
    repo, search = alerts_with(AlertStatus.ACKNOWLEDGED), indexed(alert_status="new")
    acknowledge(repo, "a1", search)
    found = search.get("k")
    assert found is not None
    assert found.alert_status == "acknowledged"


def test_acknowledging_an_older_versions_alert_leaves_the_newer_document() -> None:
    search = indexed(version=2, alert_status=None)
    acknowledge(alerts_with(AlertStatus.NEW), "a1", search)
    found = search.get("k")
    assert found is not None
    assert found.alert_status is None


def test_acknowledging_a_consignment_not_in_search_is_fine() -> None:
    search = FakeSearch()
    assert acknowledge(alerts_with(AlertStatus.NEW), "a1", search).status is AlertStatus.ACKNOWLEDGED
    assert search.docs == {}
