"""In-memory fakes of the ports, for unit tests of the services (no AWS, no network)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cts.domain.alerts import Alert, AlertStatus
from cts.domain.cases import CaseRecord
from cts.domain.errors import Conflict, NotFound, ValidationFailed
from cts.domain.parties import PartyPair, PartySightings, Sighting
from cts.domain.receipt import Receipt
from cts.domain.records import (
    ConsignmentVersion,
    VersionStatus,
    arrival_day,
    arrival_instant,
    discharge_port,
    journey_of,
)
from cts.domain.retention import Hold
from cts.domain.risk.engine import Assessment
from cts.domain.risk.rules import AllowEntry, Profile, ProfileStatus, RandomSelection, Ruleset, WatchlistEntry
from cts.ports.email import EmailMessage
from cts.ports.search import UNSET, SearchDocument, SearchQuery, SearchResult, Unset, status_changes

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.current += timedelta(milliseconds=1)
        return self.current


class FakeObjectStore:
    def __init__(self, objects: dict[str, bytes] | None = None) -> None:
        self.objects = dict(objects or {})
        self.writes: list[str] = []
        self.presigned: list[str] = []
        self.tags: dict[str, str] = {}  # key -> retention tag

    def get(self, key: str) -> bytes:
        if key not in self.objects:
            raise NotFound(key)
        return self.objects[key]

    def put(
        self, key: str, body: bytes, content_type: str = "application/octet-stream", retention: str | None = None
    ) -> None:
        self.objects[key] = body
        self.writes.append(key)
        self.tags.pop(key, None)  # a new version starts with the tags it is written with
        if retention is not None:
            self.tags[key] = retention

    def retention(self, key: str) -> str | None:
        if key not in self.objects:
            raise NotFound(key)
        return self.tags.get(key)

    def set_retention(self, key: str, mark: str) -> None:
        if key not in self.objects:
            raise NotFound(key)
        self.tags[key] = mark

    def exists(self, key: str) -> bool:
        return key in self.objects

    def presigned_put_url(self, key: str, expires_s: int = 900) -> str:
        self.presigned.append(key)
        return f"https://fake-s3.invalid/{key}?put&expires={expires_s}"

    def presigned_get_url(self, key: str, expires_s: int = 900) -> str:
        return f"https://fake-s3.invalid/{key}?get&expires={expires_s}"


class FakeConsignments:
    def __init__(self) -> None:
        self.items: dict[tuple[str, int], ConsignmentVersion] = {}
        self.expires: dict[tuple[str, int], datetime | None] = {}
        self.held: set[str] = set()  # keys under legal hold (FakeRecordsHold)
        self.batches: list[int] = []  # sizes of the add_versions calls
        self.race_in_batches: set[str] = set()  # keys another writer changes while a batch with them is written

    def latest(self, key: str) -> ConsignmentVersion | None:
        versions = self.versions(key)
        return versions[-1] if versions else None

    def latest_many(self, keys: Sequence[str]) -> dict[str, ConsignmentVersion]:
        found = {key: self.latest(key) for key in keys}
        return {key: version for key, version in found.items() if version is not None}

    def get_many(self, refs: Sequence[tuple[str, int]]) -> dict[tuple[str, int], ConsignmentVersion]:
        return {ref: self.items[ref] for ref in refs if ref in self.items}

    def latest_versions(self, keys: Sequence[str]) -> dict[str, int]:
        return {key: version.version for key, version in self.latest_many(keys).items()}

    def add_versions(self, versions: Sequence[tuple[ConsignmentVersion, datetime | None]]) -> set[str]:
        """All or nothing, like one transaction: a raced or taken key leaves the whole batch to the caller."""
        self.batches.append(len(versions))
        keys = {v.key for v, _ in versions}
        if keys & self.race_in_batches or any((v.key, v.version) in self.items for v, _ in versions):
            return keys
        for version, expires in versions:
            self.add_version(version, expires)
        return set()

    def get(self, key: str, version: int) -> ConsignmentVersion | None:
        return self.items.get((key, version))

    def versions(self, key: str) -> list[ConsignmentVersion]:
        return sorted((v for (k, _), v in self.items.items() if k == key), key=lambda v: v.version)

    def add_version(self, version: ConsignmentVersion, expires: datetime | None = None) -> None:
        if (version.key, version.version) in self.items:
            raise Conflict(version.key)
        self.items[(version.key, version.version)] = version
        self.expires[(version.key, version.version)] = None if version.key in self.held else expires

    def arriving(
        self, day: date, after: datetime | None = None, cursor: str | None = None, limit: int = 500
    ) -> tuple[list[tuple[str, int]], str | None]:
        """Like the arrivals index: latest active versions with an ETA that day, by (ETA, key); cursor: an offset."""
        listed = []
        for key in sorted({k for k, _ in self.items}):
            latest = self.latest(key)
            eta = latest.consignment.eta if latest else None
            if latest is None or eta is None or latest.status is VersionStatus.CANCELLED or arrival_day(eta) != day:
                continue
            if after is not None and arrival_instant(eta) < arrival_instant(after):
                continue
            listed.append((arrival_instant(eta), key, latest.version))
        listed.sort()
        start = int(cursor) if cursor else 0
        page = [(key, version) for _, key, version in listed[start : start + limit]]
        following = start + limit if start + limit < len(listed) else None
        return page, str(following) if following is not None else None

    def consignments_in_file(
        self, file_id: str, cursor: str | None = None, limit: int = 500
    ) -> tuple[list[tuple[str, int]], str | None]:
        listed = sorted((v.key, v.version) for v in self.items.values() if v.file_id == file_id)
        return _offset_page(listed, cursor, limit)

    def by_journey(
        self,
        journey: str,
        eta_from: datetime | None = None,
        eta_to: datetime | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> tuple[list[tuple[str, int]], str | None]:
        """Like the journey index: latest active versions on the journey, by (ETA, key), unknown ETAs last."""
        listed = []
        for latest in self._latest_active():
            eta = latest.consignment.eta
            if journey_of(latest.consignment) != journey:
                continue
            instant = arrival_instant(eta) if eta is not None else "9999-12-31T23:59:59Z"
            if eta_from is not None and instant < arrival_instant(eta_from):
                continue
            if eta_to is not None and instant >= arrival_instant(eta_to):
                continue
            listed.append((instant, latest.key, latest.version))
        return _offset_page([(k, v) for _, k, v in sorted(listed)], cursor, limit)

    def by_port(
        self, locode: str, eta_from: datetime, eta_to: datetime, cursor: str | None = None, limit: int = 100
    ) -> tuple[list[tuple[str, int]], str | None]:
        lo, hi = arrival_instant(eta_from), arrival_instant(eta_to)
        if (int(hi[:4]) - int(lo[:4])) * 12 + int(hi[5:7]) - int(lo[5:7]) + 1 > 24:
            raise ValidationFailed("an ETA window by port spans at most 24 months")
        listed = []
        for latest in self._latest_active():
            eta = latest.consignment.eta
            if eta is None or discharge_port(latest.consignment) != locode or not lo <= arrival_instant(eta) < hi:
                continue
            listed.append((arrival_instant(eta), latest.key, latest.version))
        return _offset_page([(k, v) for _, k, v in sorted(listed)], cursor, limit)

    def _latest_active(self) -> list[ConsignmentVersion]:
        found = [self.latest(key) for key in sorted({k for k, _ in self.items})]
        return [v for v in found if v is not None and v.status is not VersionStatus.CANCELLED]


def _offset_page(
    listed: list[tuple[str, int]], cursor: str | None, limit: int
) -> tuple[list[tuple[str, int]], str | None]:
    start = int(cursor) if cursor else 0
    following = start + limit if start + limit < len(listed) else None
    return listed[start : start + limit], str(following) if following is not None else None


class FakeReceipts:
    def __init__(self) -> None:
        self.items: dict[str, Receipt] = {}
        self.expires: dict[str, datetime | None] = {}
        self.held: set[str] = set()  # file ids under legal hold

    def put(self, receipt: Receipt, expires: datetime | None = None) -> bool:
        self.items[receipt.file_id] = receipt
        held = receipt.file_id in self.held
        self.expires[receipt.file_id] = None if held else expires
        return held

    def get(self, file_id: str) -> Receipt | None:
        return self.items.get(file_id)

    def for_carrier(self, carrier_id: str, limit: int = 50) -> list[Receipt]:
        mine = [r for r in self.items.values() if r.carrier_id == carrier_id]
        return sorted(mine, key=lambda r: r.processed_at, reverse=True)[:limit]


class FakeAssessments:
    def __init__(self) -> None:
        self.items: dict[tuple[str, int], Assessment] = {}
        self.history: dict[tuple[str, int, str], Assessment] = {}
        self.expires: dict[tuple[str, int], datetime | None] = {}
        self.held: set[str] = set()  # keys under legal hold

    def put(self, assessment: Assessment, expires: datetime | None = None) -> None:
        self.items[(assessment.key, assessment.version)] = assessment
        self.history[(assessment.key, assessment.version, assessment.ruleset_version)] = assessment
        held = assessment.key in self.held
        self.expires[(assessment.key, assessment.version)] = None if held else expires

    def put_many(self, entries: Sequence[tuple[Assessment, datetime | None]]) -> None:
        for assessment, expires in entries:
            self.put(assessment, expires)

    def latest(self, key: str) -> Assessment | None:
        mine = sorted((a for (k, _), a in self.items.items() if k == key), key=lambda a: a.version)
        return mine[-1] if mine else None

    def current_many(self, refs: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Assessment]:
        return {ref: self.items[ref] for ref in refs if ref in self.items}

    def runs(self, key: str) -> list[Assessment]:
        return [self.history[k] for k in sorted(self.history) if k[0] == key]


class FakeAlerts:
    def __init__(self) -> None:
        self.items: dict[str, Alert] = {}

    def add(self, alert: Alert) -> bool:
        if alert.alert_id in self.items:
            return False
        self.items[alert.alert_id] = alert
        return True

    def get(self, alert_id: str) -> Alert | None:
        return self.items.get(alert_id)

    def inbox(self, status: AlertStatus = AlertStatus.NEW, limit: int = 100) -> list[Alert]:
        far = datetime.max.replace(tzinfo=UTC)
        mine = [a for a in self.items.values() if a.status is status]
        return sorted(mine, key=lambda a: (a.eta or far, a.alert_id))[:limit]

    def set_status(self, alert_id: str, status: AlertStatus) -> None:
        if alert_id not in self.items:
            raise NotFound(alert_id)
        self.items[alert_id] = self.items[alert_id].model_copy(update={"status": status})


class FakeRules:
    def __init__(
        self,
        profiles: Sequence[Profile] = (),
        watchlist: Sequence[WatchlistEntry] = (),
        random_selection: Sequence[RandomSelection] = (),
        allow_list: Sequence[AllowEntry] = (),
    ) -> None:
        self.profiles = list(profiles)
        self.watchlist = list(watchlist)
        self.allow_list = list(allow_list)
        self.random_selection = {s.id: s for s in random_selection}

    def ruleset(self, on: date) -> Ruleset:
        active = tuple(p for p in self.profiles if p.status is ProfileStatus.ACTIVE and p.in_force(on))
        current = tuple(e for e in self.watchlist if e.in_force(on))
        selections = tuple(self.random_selection[i] for i in sorted(self.random_selection))
        allow = tuple(e for e in self.allow_list if e.in_force(on))
        digest = hashlib.sha256(repr((active, current, allow, selections)).encode()).hexdigest()[:12]
        return Ruleset(
            version=digest, profiles=active, watchlist=current, allow_list=allow, random_selection=selections
        )

    def put_profile(self, profile: Profile) -> None:
        """Like the records table: version 1 of a new profile, or exactly the latest + 1, never an overwrite."""
        latest = max((p.version for p in self.profiles if p.id == profile.id), default=0)
        if profile.version != latest + 1:
            raise Conflict(f"profile {profile.id} version {profile.version}: the latest stored version is {latest}")
        self.profiles.append(profile)

    def profile_versions(self, profile_id: str) -> list[Profile]:
        return sorted((p for p in self.profiles if p.id == profile_id), key=lambda p: p.version)

    def put_watchlist_entry(self, entry: WatchlistEntry) -> None:
        self.watchlist.append(entry)

    def put_allow_entry(self, entry: AllowEntry) -> None:
        self.allow_list.append(entry)

    def put_random_selection(self, selection: RandomSelection) -> None:
        self.random_selection[selection.id] = selection


class FakeCases:
    """Cases with optimistic revisions, like the records table (the workflow creates them: use ``open``)."""

    def __init__(self) -> None:
        self.items: dict[str, CaseRecord] = {}

    def open(self, case: CaseRecord) -> None:
        self.items.setdefault(case.case_id, case.model_copy(update={"revision": 0}))

    def get(self, case_id: str) -> CaseRecord | None:
        return self.items.get(case_id)

    def update(self, case: CaseRecord, expected_revision: int) -> CaseRecord:
        stored = self.items.get(case.case_id)
        if stored is None:
            raise NotFound(f"case {case.case_id}")
        if stored.revision != expected_revision:
            raise Conflict(f"case {case.case_id} is at revision {stored.revision}, not {expected_revision}")
        updated = stored.model_copy(update={"status": case.status, "revision": expected_revision + 1})
        self.items[case.case_id] = updated
        return updated


class FakePartyHistory:
    """First sightings kept like the DynamoDB adapter does: the first writer wins, nothing is overwritten."""

    def __init__(self) -> None:
        self.consignees: dict[str, Sighting] = {}
        self.pairs: dict[tuple[str, str], Sighting] = {}
        self.lookups = 0

    def lookup(self, parties: PartyPair) -> PartySightings:
        self.lookups += 1
        if parties.consignee is None:
            return PartySightings()
        pair = self.pairs.get((parties.shipper, parties.consignee)) if parties.shipper is not None else None
        return PartySightings(consignee=self.consignees.get(parties.consignee), pair=pair)

    def lookup_many(self, parties: Sequence[PartyPair]) -> list[PartySightings]:
        return [self.lookup(p) for p in parties]

    def record_many(self, entries: Sequence[tuple[str, PartyPair, date]]) -> list[PartySightings]:
        return [self.record(key, parties, seen_on) for key, parties, seen_on in entries]

    def record(self, key: str, parties: PartyPair, seen_on: date) -> PartySightings:
        if parties.consignee is None:
            return PartySightings()
        sighting = Sighting(first_key=key, first_seen=seen_on)
        consignee = self.consignees.setdefault(parties.consignee, sighting)
        pair = None
        if parties.shipper is not None:
            pair = self.pairs.setdefault((parties.shipper, parties.consignee), sighting)
        return PartySightings(consignee=consignee, pair=pair)


class FakeQueue:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, body: Mapping[str, Any]) -> None:
        self.messages.append(dict(body))

    def send_many(self, bodies: Sequence[Mapping[str, Any]]) -> None:
        self.messages.extend(dict(b) for b in bodies)


class FakeEmail:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> str:
        self.sent.append(message)
        return f"msg-{len(self.sent)}"


class FakeWorkflow:
    def __init__(self) -> None:
        self.started: dict[str, Mapping[str, Any]] = {}

    def start(self, name: str, payload: Mapping[str, Any]) -> str:
        self.started.setdefault(name, payload)
        return f"arn:fake:execution:{name}"


@dataclass
class FakeSearch:
    """Substring text match over document number and parties; mode and level filters; newest first."""

    docs: dict[str, SearchDocument] = field(default_factory=dict)
    queries: list[SearchQuery] = field(default_factory=list)

    def ensure_ready(self) -> None:
        return None

    def index(self, docs: Sequence[SearchDocument]) -> None:
        for doc in docs:
            current = self.docs.get(doc.key)
            if current is None or current.version <= doc.version:
                self.docs[doc.key] = doc

    def set_statuses(
        self, key: str, *, alert_status: str | Unset | None = UNSET, case_status: str | Unset | None = UNSET
    ) -> bool:
        current = self.docs.get(key)
        if current is None:
            return False
        changes = status_changes(alert_status=alert_status, case_status=case_status)
        self.docs[key] = current.model_copy(update=changes)
        return True

    def delete(self, key: str) -> None:
        self.docs.pop(key, None)

    def get(self, key: str) -> SearchDocument | None:
        return self.docs.get(key)

    def _matching(self, query: SearchQuery) -> list[SearchDocument]:
        found = []
        for doc in self.docs.values():
            text = f"{doc.document_number} {doc.parties_text} {doc.goods_text}".lower()
            if query.text and not all(term.lower() in text for term in query.text.split()):
                continue
            if query.modes and doc.mode not in query.modes:
                continue
            if query.levels and doc.level not in query.levels:
                continue
            found.append(doc)
        return sorted(found, key=lambda d: (d.received_at or _EPOCH, d.key), reverse=True)

    def search(self, query: SearchQuery) -> SearchResult:
        self.queries.append(query)
        found = self._matching(query)
        return SearchResult(total=len(found), hits=found[query.offset : query.offset + query.page_size])

    def count(self, query: SearchQuery) -> int:
        return len(self._matching(query))

    def refresh(self) -> None:
        return None


class FakeRecordsHold:
    """:class:`cts.ports.retention.RecordsHold` over the fakes above: the same marker semantics as the table (later
    writes into a held consignment or receipt are stored without an expiry; holding twice changes nothing)."""

    def __init__(self, consignments: FakeConsignments, assessments: FakeAssessments, receipts: FakeReceipts) -> None:
        self.consignments, self.assessments, self.receipts = consignments, assessments, receipts
        self.holds: dict[str, Hold] = {}
        self.receipt_holds: dict[str, Hold] = {}

    @staticmethod
    def _release(expires: dict[Any, datetime | None], match: Any) -> int:
        hits = [k for k, v in expires.items() if v is not None and match(k)]
        for k in hits:
            expires[k] = None
        return len(hits)

    def hold_consignment(self, hold: Hold) -> int:
        self.holds.setdefault(hold.key, hold)
        self.consignments.held.add(hold.key)
        self.assessments.held.add(hold.key)
        mine = lambda k: k[0] == hold.key  # noqa: E731
        return self._release(self.consignments.expires, mine) + self._release(self.assessments.expires, mine)

    def hold_receipt(self, file_id: str, hold: Hold) -> int:
        self.receipt_holds.setdefault(file_id, hold)
        self.receipts.held.add(file_id)
        return self._release(self.receipts.expires, lambda k: k == file_id)

    def held(self, key: str) -> Hold | None:
        return self.holds.get(key)
