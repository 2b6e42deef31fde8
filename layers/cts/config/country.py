"""A country's deployment configuration (``infra/countries/<ISO2>.yaml``), validated."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from enum import StrEnum
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


_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ObjectLockMode(StrEnum):
    """S3 Object Lock default retention of the raw archive (``governance``: privileged users may lift it;
    ``compliance``: nobody can, not even the account root, until it ends)."""

    GOVERNANCE = "governance"
    COMPLIANCE = "compliance"


class RawArchive(BaseModel):
    """The raw archive (the inbox bucket: carrier files exactly as received, never modified)."""

    model_config = _Strict

    object_lock: ObjectLockMode | None = Field(default=None, description="None: no Object Lock (the default)")
    object_lock_days: int = Field(default=365, ge=1, le=36500, description="default retention of each file version")


class SearchEngine(StrEnum):
    DOMAIN = "domain"  # an OpenSearch Service domain (instances)
    SERVERLESS = "serverless"  # an OpenSearch Serverless search collection (OCUs)


_SEARCH_INSTANCE = r"^[a-z0-9]+\.[a-z0-9]+\.search$"


class SearchSettings(BaseModel):
    """The search engine behind consignment search and its size (docs/scaling.md#sizing)."""

    model_config = _Strict

    engine: SearchEngine = SearchEngine.DOMAIN
    instance_type: str = Field(default="t3.small.search", pattern=_SEARCH_INSTANCE)
    data_nodes: int = Field(default=1, ge=1, le=20)
    volume_gb: int = Field(default=10, ge=10, le=3000)
    dedicated_master_nodes: int = Field(default=0, description="0, 3 or 5 dedicated master nodes")
    master_instance_type: str = Field(default="m6g.large.search", pattern=_SEARCH_INSTANCE)

    @model_validator(mode="after")
    def _masters_are_an_odd_quorum(self) -> SearchSettings:
        if self.dedicated_master_nodes not in (0, 3, 5):
            raise ValueError("dedicated_master_nodes must be 0, 3 or 5")
        if self.dedicated_master_nodes and self.engine is SearchEngine.SERVERLESS:
            raise ValueError("dedicated_master_nodes apply to an OpenSearch domain, not to serverless")
        return self

    @property
    def zone_aware(self) -> bool:
        """Two availability zones when the data nodes can be split evenly between them."""
        return self.data_nodes >= 2 and self.data_nodes % 2 == 0


class MfaMode(StrEnum):
    OPTIONAL = "optional"  # users may enrol a TOTP app; threat protection guards the others
    # every sign-in asks for the TOTP code; a user without an app sets one up while signing in (docs/deploy.md#mfa)
    REQUIRED = "required"


class Security(BaseModel):
    """Sign-in and edge protection."""

    model_config = _Strict

    mfa: MfaMode = MfaMode.OPTIONAL
    password_min_length: int = Field(default=12, ge=8, le=99)
    waf_rate_limit: int = Field(
        default=1000, ge=100, le=2_000_000_000, description="requests per 5 minutes per client IP before WAF blocks"
    )


class Operations(BaseModel):
    """Who hears of alarms, how long backups are kept, and the Lambda concurrency that protects downstreams."""

    model_config = _Strict

    alarm_email: str | None = Field(
        default=None, pattern=_EMAIL, description="subscribed to the alarms topic (confirms by e-mail); None: nobody"
    )
    backup_retention_days: int = Field(default=35, ge=7, le=36500)
    backup_raw_archive: bool = Field(default=False, description="also back up the raw archive bucket (AWS Backup)")
    manage_email_identity: bool = Field(
        default=True,
        description="the stack creates the SES identity of alert_sender's domain (false: verified already)",
    )
    score_concurrency: int = Field(
        default=20, ge=0, le=1000, description="reserved for the score function (0: unreserved); caps OpenSearch load"
    )
    notify_concurrency: int = Field(
        default=3, ge=0, le=100, description="reserved for the notify function (0: unreserved); stays under SES rate"
    )


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
    operations: Operations = Operations()
    security: Security = Security()
    search: SearchSettings = SearchSettings()
    raw_archive: RawArchive = RawArchive()

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

    @model_validator(mode="after")
    def _reservations_fit_their_triggers(self) -> CountryConfig:
        ops = self.operations
        if 1 in (ops.score_concurrency, ops.notify_concurrency):
            raise ValueError("a reserved concurrency is 0 (none) or at least 2 (the SQS trigger's minimum)")
        return self

    @model_validator(mode="after")
    def _object_lock_within_the_retention(self) -> CountryConfig:
        lock = self.raw_archive
        if lock.object_lock is not None and lock.object_lock_days > self.retention.raw_files_days:
            raise ValueError(
                f"raw_archive.object_lock_days ({lock.object_lock_days}) exceeds retention.raw_files_days "
                f"({self.retention.raw_files_days}): locked files could not expire when their retention ends"
            )
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
