from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cts.domain.alerts import Alert, AlertStatus
from cts.domain.errors import Conflict, NotFound
from cts.domain.risk.engine import Level
from cts.services.alerts import acknowledge
from fakes import FakeAlerts


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
