"""Repositories for what the system keeps. Writes that two workers can race on are conditional:
they raise :class:`cts.domain.errors.Conflict` instead of overwriting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from cts.domain.alerts import Alert, AlertStatus
from cts.domain.case_feedback import CounterKey, Counts
from cts.domain.case_workflow import AuditEntry
from cts.domain.cases import CaseRecord
from cts.domain.parties import PartyPair, PartySightings
from cts.domain.receipt import Receipt
from cts.domain.records import ConsignmentVersion
from cts.domain.risk.engine import Assessment
from cts.domain.risk.rules import AllowEntry, Profile, RandomSelection, Ruleset, WatchlistEntry


class ConsignmentRepository(Protocol):
    def latest(self, key: str) -> ConsignmentVersion | None: ...

    def get(self, key: str, version: int) -> ConsignmentVersion | None: ...

    def latest_many(self, keys: Sequence[str]) -> dict[str, ConsignmentVersion]:
        """The latest version of each consignment that has one, in as few round trips as the store allows."""
        ...

    def latest_versions(self, keys: Sequence[str]) -> dict[str, int]:
        """The latest version number of each consignment that has one (without reading their content)."""
        ...

    def get_many(self, refs: Sequence[tuple[str, int]]) -> dict[tuple[str, int], ConsignmentVersion]:
        """The stored versions among ``(key, version)`` refs, in as few round trips as the store allows."""
        ...

    def add_versions(self, versions: Sequence[tuple[ConsignmentVersion, datetime | None]]) -> set[str]:
        """Store new versions of *distinct* consignments (with their expiry) as :meth:`add_version` would, grouped
        into few writes; returns the keys that were not stored (a conflict: the caller stores them one by one)."""
        ...

    def versions(self, key: str) -> list[ConsignmentVersion]: ...

    def add_version(self, version: ConsignmentVersion, expires: datetime | None = None) -> None:
        """Store a new version; raises Conflict if that number is taken or a newer version exists (or a legal hold
        was placed on the consignment while it was written: the caller retries). ``expires``: when the version and
        the latest pointer may be deleted (retention); ignored when the consignment is under legal hold."""
        ...

    def arriving(
        self, day: date, after: datetime | None = None, cursor: str | None = None, limit: int = 500
    ) -> tuple[list[tuple[str, int]], str | None]:
        """One page of the consignments whose latest version is active and arrives on ``day`` (UTC), at or after
        ``after`` if given, soonest first: ``(key, latest version)`` pairs and the cursor of the next page (None
        after the last). Consignments without an ETA or cancelled are not listed."""
        ...

    def consignments_in_file(
        self, file_id: str, cursor: str | None = None, limit: int = 500
    ) -> tuple[list[tuple[str, int]], str | None]:
        """One page of the versions a carrier file produced (its manifest), by consignment key then version:
        ``(key, version)`` pairs and the next page's cursor (None after the last). Re-sent, unchanged consignments
        stored no version and are not listed (the file's receipt names them as duplicates)."""
        ...

    def by_journey(
        self,
        journey: str,
        eta_from: datetime | None = None,
        eta_to: datetime | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> tuple[list[tuple[str, int]], str | None]:
        """One page of the active consignments whose latest version travels on ``journey``
        (:func:`cts.domain.records.journey_of`), soonest ETA first, ETA in ``[eta_from, eta_to)`` when given
        (consignments without an ETA come last and only when ``eta_to`` is not given)."""
        ...

    def by_port(
        self, locode: str, eta_from: datetime, eta_to: datetime, cursor: str | None = None, limit: int = 100
    ) -> tuple[list[tuple[str, int]], str | None]:
        """One page of the active consignments whose latest version is discharged at ``locode`` with an ETA in
        ``[eta_from, eta_to)``, soonest first. Consignments without an ETA or a LOCODE of discharge are not listed.
        A window over 24 months is refused (ValidationFailed)."""
        ...


class ReceiptRepository(Protocol):
    def put(self, receipt: Receipt, expires: datetime | None = None) -> bool:
        """Store a receipt; ``expires`` as for versions. Returns True when the receipt is under legal hold (stored
        without an expiry), so that its S3 copy is tagged accordingly."""
        ...

    def get(self, file_id: str) -> Receipt | None:
        """The receipt as stored: a large file's is its summary (:meth:`Receipt.within`, ``consignments_total``
        set); the receipt object in the receipts bucket is whole."""
        ...

    def for_carrier(self, carrier_id: str, limit: int = 50) -> list[Receipt]: ...


class AssessmentRepository(Protocol):
    def put(self, assessment: Assessment, expires: datetime | None = None) -> None:
        """Store an assessment; ``expires`` as for versions (the consignment's expiry)."""
        ...

    def put_many(self, entries: Sequence[tuple[Assessment, datetime | None]]) -> None:
        """:meth:`put` for each ``(assessment, expires)``, grouped into few writes."""
        ...

    def latest(self, key: str) -> Assessment | None: ...

    def current_many(self, refs: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Assessment]:
        """The current assessment of each ``(key, version)`` that has one, read together."""
        ...

    def runs(self, key: str) -> list[Assessment]:
        """Every assessment kept for the consignment: one per version and ruleset version that judged it."""
        ...


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

    def put_profile(self, profile: Profile) -> None:
        """Store a new profile version: it must be version 1 of a new profile or exactly the latest stored version
        + 1, and a stored version is never overwritten; raises Conflict otherwise (e.g. two editors racing)."""
        ...

    def profile_versions(self, profile_id: str) -> list[Profile]:
        """Every stored version of a profile, oldest first."""
        ...

    def put_watchlist_entry(self, entry: WatchlistEntry) -> None: ...

    def put_allow_entry(self, entry: AllowEntry) -> None: ...

    def put_random_selection(self, selection: RandomSelection) -> None:
        """Store (or replace) a random selection rate; the rates stored are part of every ruleset and its version."""
        ...


class CaseRepository(Protocol):
    """Cases (``CASE#<case_id>``): created by the case workflow, changed with optimistic versions."""

    def get(self, case_id: str) -> CaseRecord | None: ...

    def update(self, case: CaseRecord, expected_revision: int) -> CaseRecord:
        """Store ``case``'s status if the stored case is still at ``expected_revision``; returns it at the next
        revision. Raises NotFound for an unknown case and Conflict when someone else changed it meanwhile."""
        ...


class CaseStore(Protocol):
    """The case workflow's writes: a change, its audit entry and (on close) the outcome counters, all or nothing.

    ``CASE#<id>`` keeps the case; ``AUDIT#...`` items of the same partition are its append-only trail;
    ``STATS#<kind>#<id>`` items count outcomes per profile, indicator, watch-list entry and random selection rate
    (docs/data-model.md)."""

    def get(self, case_id: str) -> CaseRecord | None: ...

    def save(
        self,
        case: CaseRecord,
        audit: AuditEntry,
        *,
        expected_token: str | None,
        complete_step: bool,
        counters: Mapping[CounterKey, Counts] | None = None,
    ) -> CaseRecord:
        """Store ``case`` at revision ``case.revision + 1`` if the stored case is still at ``case.revision``, with
        ``audit`` and the ``counters`` increments, in one transaction. ``complete_step`` consumes the waiting
        step's token, which must still be ``expected_token``: raises StepMoved (a Conflict) when the state machine
        replaced it meanwhile (read again and retry), Conflict when someone else changed the case, NotFound for an
        unknown case."""
        ...

    def audit_trail(self, case_id: str) -> list[AuditEntry]:
        """Every audit entry of the case, oldest first (the service's and the state machine's)."""
        ...

    def overrides(self, since: datetime | None = None, limit: int = 100) -> list[AuditEntry]:
        """Supervisor overrides of decisions, newest first (the report of overrides and their justifications)."""
        ...

    def escalations(self, limit: int = 100, since: datetime | None = None) -> list[AuditEntry]:
        """Escalations the state machine recorded (step overdue, arrival near, step failed), newest first; only
        those recorded at or after ``since`` when given."""
        ...

    def open_cases(self, officers: Iterable[str]) -> dict[str, int]:
        """How many open cases each officer holds (auto-assignment by workload)."""
        ...

    def counts(self, key: CounterKey) -> Counts:
        """The outcome counters of one profile, indicator, watch-list entry or random selection rate."""
        ...


class PartyHistoryRepository(Protocol):
    """First sightings of consignees and of shipper-consignee pairs (normalised names, see :class:`PartyPair`)."""

    def lookup(self, parties: PartyPair) -> PartySightings:
        """What the records hold for this consignee and this pair (nothing for an unknown party)."""
        ...

    def lookup_many(self, parties: Sequence[PartyPair]) -> list[PartySightings]:
        """:meth:`lookup` for each of ``parties`` (same order), in as few round trips as the store allows."""
        ...

    def record_many(self, entries: Sequence[tuple[str, PartyPair, date]]) -> list[PartySightings]:
        """:meth:`record` for each ``(key, parties, seen_on)`` in order (an earlier entry naming the same party is
        its first sighting), in as few round trips as the store allows; returns what is stored for each."""
        ...

    def record(self, key: str, parties: PartyPair, seen_on: date) -> PartySightings:
        """Remember consignment ``key`` as a sighting of the consignee and of the pair, unless one is stored
        already (a first sighting is never overwritten, by a later writer or by a retry); returns what is stored
        afterwards, so a writer that lost a race learns who was first."""
        ...
