"""Repositories for what the system keeps. Writes that two workers can race on are conditional:
they raise :class:`cts.domain.errors.Conflict` instead of overwriting."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from cts.domain.alerts import Alert, AlertStatus
from cts.domain.parties import PartyPair, PartySightings
from cts.domain.receipt import Receipt
from cts.domain.records import ConsignmentVersion
from cts.domain.risk.engine import Assessment
from cts.domain.risk.rules import AllowEntry, Profile, RandomSelection, Ruleset, WatchlistEntry


class ConsignmentRepository(Protocol):
    def latest(self, key: str) -> ConsignmentVersion | None: ...

    def get(self, key: str, version: int) -> ConsignmentVersion | None: ...

    def versions(self, key: str) -> list[ConsignmentVersion]: ...

    def add_version(self, version: ConsignmentVersion) -> None:
        """Store a new version; raises Conflict if that number is taken or a newer version exists."""
        ...

    def arriving(
        self, day: date, after: datetime | None = None, cursor: str | None = None, limit: int = 500
    ) -> tuple[list[tuple[str, int]], str | None]:
        """One page of the consignments whose latest version is active and arrives on ``day`` (UTC), at or after
        ``after`` if given, soonest first: ``(key, latest version)`` pairs and the cursor of the next page (None
        after the last). Consignments without an ETA or cancelled are not listed."""
        ...


class ReceiptRepository(Protocol):
    def put(self, receipt: Receipt) -> None: ...

    def get(self, file_id: str) -> Receipt | None: ...

    def for_carrier(self, carrier_id: str, limit: int = 50) -> list[Receipt]: ...


class AssessmentRepository(Protocol):
    def put(self, assessment: Assessment) -> None: ...

    def latest(self, key: str) -> Assessment | None: ...


class AlertRepository(Protocol):
    def add(self, alert: Alert) -> bool:
        """Store a new alert; False if an alert with this id already exists (retries are harmless)."""
        ...

    def get(self, alert_id: str) -> Alert | None: ...

    def inbox(self, status: AlertStatus = AlertStatus.NEW, limit: int = 100) -> list[Alert]:
        """Alerts in a status, soonest arrival first."""
        ...

    def set_status(self, alert_id: str, status: AlertStatus) -> None: ...


class RuleRepository(Protocol):
    def ruleset(self, on: date) -> Ruleset: ...

    def put_profile(self, profile: Profile) -> None: ...

    def put_watchlist_entry(self, entry: WatchlistEntry) -> None: ...

    def put_allow_entry(self, entry: AllowEntry) -> None: ...

    def put_random_selection(self, selection: RandomSelection) -> None:
        """Store (or replace) a random selection rate; the rates stored are part of every ruleset and its version."""
        ...


class PartyHistoryRepository(Protocol):
    """First sightings of consignees and of shipper-consignee pairs (normalised names, see :class:`PartyPair`)."""

    def lookup(self, parties: PartyPair) -> PartySightings:
        """What the records hold for this consignee and this pair (nothing for an unknown party)."""
        ...

    def record(self, key: str, parties: PartyPair, seen_on: date) -> PartySightings:
        """Remember consignment ``key`` as a sighting of the consignee and of the pair, unless one is stored
        already (a first sighting is never overwritten, by a later writer or by a retry); returns what is stored
        afterwards, so a writer that lost a race learns who was first."""
        ...
