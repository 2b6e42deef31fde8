"""The country's notification schedule: validated, and its local digest times turned into UTC for EventBridge."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from pydantic import ValidationError

from cts.config.country import CountryConfig, NotificationSchedule


def country(**overrides: Any) -> CountryConfig:
    values: dict[str, Any] = {
        "code": "LK",
        "name": "Sri Lanka",
        "region": "ap-south-1",
        "account": "000000000000",
        "timezone": "Asia/Colombo",
        "ports_of_interest": ("LKCMB",),
        "alert_sender": "alerts@customs.example.lk",
        "alert_recipients": ("duty@customs.example.lk",),
    }
    values.update(overrides)
    return CountryConfig(**values)


def test_the_defaults_escalate_every_15_minutes_and_digest_three_times_a_working_day() -> None:
    settings = country().notifications
    assert settings.escalation_every_minutes == 15
    assert settings.digest_times == ("07:00", "12:00", "16:00")


def test_local_digest_times_become_utc_on_the_reference_day() -> None:
    settings = NotificationSchedule(digest_times=("17:00", "08:00"))
    assert settings.local_times() == [time(8, 0), time(17, 0)]
    assert settings.utc_times("Asia/Colombo", date(2026, 1, 1)) == [time(2, 30), time(11, 30)]  # UTC+05:30
    assert settings.utc_times("Europe/Paris", date(2026, 1, 1)) == [time(7, 0), time(16, 0)]  # winter: UTC+1


@pytest.mark.parametrize(
    "bad",
    [
        {"notifications": {"digest_times": ["7:00"]}},
        {"notifications": {"digest_times": ["24:00"]}},
        {"notifications": {"digest_times": ["08:00", "08:00"]}},
        {"notifications": {"digest_times": []}},
        {"notifications": {"escalation_every_minutes": 0}},
        {"notifications": {"weekly": True}},
        {"timezone": "Mars/Olympus"},
    ],
)
def test_a_malformed_schedule_or_time_zone_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        country(**bad)
