"""A country's deployment configuration (``infra/countries/<ISO2>.yaml``), validated."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cts.domain.risk.levels import Thresholds
from cts.domain.screening.to_rules import DEFAULT_WEIGHT, SOURCES, WatchlistSource

_Strict = ConfigDict(extra="forbid", frozen=True)


class Retention(BaseModel):
    """How long records and raw files of cleared consignments are kept (legal holds excepted)."""

    model_config = _Strict

    records_days: int = Field(default=1825, ge=30)
    raw_files_days: int = Field(default=2555, ge=30)
    logs_days: int = Field(default=365, ge=1)


class Rescoring(BaseModel):
    """Which consignments are re-scored when the rules change: ETA from ``window_hours`` before the change up to
    ``horizon_days`` after it, read ``page_size`` at a time (docs/scaling.md)."""

    model_config = _Strict

    window_hours: int = Field(default=0, ge=0, le=24 * 14, description="also re-score what arrived this recently")
    horizon_days: int = Field(default=30, ge=1, le=366)
    page_size: int = Field(default=500, ge=1, le=1000)


_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class NotificationSchedule(BaseModel):
    """When the notify function's schedules fire (catalogue ``SYSTEM.schedules``): the escalation run every
    ``escalation_every_minutes``, the digest at each of ``digest_times`` (``HH:MM``, the country's local time)."""

    model_config = _Strict

    escalation_every_minutes: int = Field(default=15, ge=1, le=1440)
    digest_times: tuple[str, ...] = Field(default=("07:00", "12:00", "16:00"), min_length=1, max_length=24)

    @model_validator(mode="after")
    def _times_are_hh_mm(self) -> NotificationSchedule:
        bad = [t for t in self.digest_times if not _HH_MM.match(t)]
        if bad:
            raise ValueError(f"digest_times must be HH:MM (24-hour): {bad}")
        if len(set(self.digest_times)) != len(self.digest_times):
            raise ValueError(f"digest_times lists a time twice: {list(self.digest_times)}")
        return self

    def local_times(self) -> list[time]:
        return sorted(time(int(t[:2]), int(t[3:])) for t in self.digest_times)

    def utc_times(self, timezone: str, on: date) -> list[time]:
        """The digest times in UTC on ``on`` (EventBridge rules are UTC: a zone with daylight saving time shifts
        its digests by the hour between the seasons; the synthesised rules use January 1st)."""
        zone = ZoneInfo(timezone)
        return sorted(
            datetime.combine(on, t, tzinfo=zone).astimezone(UTC).time().replace(tzinfo=None) for t in self.local_times()
        )


class WatchlistDefaults(BaseModel):
    """What the entries imported from one source get that the list does not say: category and weight."""

    model_config = _Strict

    category: str | None = Field(default=None, min_length=1, description="default: per source (national, sanctions)")
    weight: int = Field(default=DEFAULT_WEIGHT, ge=1, le=1000)


class CountryConfig(BaseModel):
    model_config = _Strict

    code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    name: str
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    account: str = Field(pattern=r"^\d{12}$")
    timezone: str = "UTC"
    ports_of_interest: tuple[str, ...] = Field(min_length=1)
    alert_sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    alert_recipients: tuple[str, ...] = Field(min_length=1, description="duty mailboxes until subscriptions land")
    web_url: str | None = Field(
        default=None, pattern=r"^https://", description="where analysts open the web app (links in e-mails)"
    )
    retention: Retention = Retention()
    thresholds: Thresholds = Thresholds()
    rescoring: Rescoring = Rescoring()
    notifications: NotificationSchedule = NotificationSchedule()
    watchlist_sources: tuple[WatchlistSource, ...] = Field(
        default=(WatchlistSource.CTS_CSV,), description="the watch-list formats the country imports (`cts watchlist`)"
    )
    watchlist_defaults: dict[WatchlistSource, WatchlistDefaults] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ports_are_locodes(self) -> CountryConfig:
        bad = [p for p in self.ports_of_interest if len(p) != 5 or not p.isalnum() or not p.isupper()]
        if bad:
            raise ValueError(f"ports_of_interest must be UN/LOCODEs: {bad}")
        return self

    @model_validator(mode="after")
    def _timezone_is_known(self) -> CountryConfig:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"timezone {self.timezone!r} is not an IANA time zone") from exc
        return self

    @model_validator(mode="after")
    def _watchlist_sources_consistent(self) -> CountryConfig:
        if len(set(self.watchlist_sources)) != len(self.watchlist_sources):
            raise ValueError(f"watchlist_sources lists a source twice: {[s.value for s in self.watchlist_sources]}")
        stray = sorted(s.value for s in self.watchlist_defaults if s not in self.watchlist_sources)
        if stray:
            raise ValueError(f"watchlist_defaults for sources not in watchlist_sources: {stray}")
        return self

    def accepts_watchlist(self, source: WatchlistSource) -> bool:
        return source in self.watchlist_sources

    def watchlist_defaults_for(self, source: WatchlistSource) -> WatchlistDefaults:
        """The configured defaults of a source, the category filled in from the source when not configured."""
        configured = self.watchlist_defaults.get(source, WatchlistDefaults())
        return configured.model_copy(update={"category": configured.category or SOURCES[source].category})

    @classmethod
    def load(cls, path: Path) -> CountryConfig:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        config = cls.model_validate(data)
        if path.stem != config.code:
            raise ValueError(f"{path.name} must be named after its country code {config.code}")
        return config


def load_all(directory: Path) -> list[CountryConfig]:
    return [CountryConfig.load(p) for p in sorted(directory.glob("*.yaml"))]


def retention_environment(config: CountryConfig) -> dict[str, str]:
    """The records retention as the ingest and score functions read it (``cts.config.settings``). Raw files and
    receipt objects expire through the buckets' lifecycle rules (infra/components/storage.py), not in code."""
    return {"CTS_RECORDS_RETENTION_DAYS": str(config.retention.records_days)}


def rescoring_environment(config: CountryConfig) -> dict[str, str]:
    """The re-scoring settings as the score function reads them (``cts.config.settings.ScoreSettings``)."""
    return {
        "CTS_RESCORE_WINDOW_HOURS": str(config.rescoring.window_hours),
        "CTS_RESCORE_HORIZON_DAYS": str(config.rescoring.horizon_days),
        "CTS_RESCORE_PAGE_SIZE": str(config.rescoring.page_size),
    }
