"""In-memory fakes of the ports, for unit tests of the services (no AWS, no network)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cts.domain.alerts import Alert, AlertStatus
from cts.domain.errors import Conflict, NotFound
from cts.domain.parties import PartyPair, PartySightings, Sighting
from cts.domain.receipt import Receipt
from cts.domain.records import ConsignmentVersion, VersionStatus, arrival_day, arrival_instant
from cts.domain.risk.engine import Assessment
from cts.domain.risk.rules import AllowEntry, Profile, ProfileStatus, RandomSelection, Ruleset, WatchlistEntry
from cts.ports.email import EmailMessage
from cts.ports.search import SearchDocument, SearchQuery, SearchResult

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

    def get(self, key: str) -> bytes:
        if key not in self.objects:
            raise NotFound(key)
        return self.objects[key]

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        self.objects[key] = body
        self.writes.append(key)

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

    def latest(self, key: str) -> ConsignmentVersion | None:
        versions = self.versions(key)
        return versions[-1] if versions else None

    def get(self, key: str, version: int) -> ConsignmentVersion | None:
        return self.items.get((key, version))

    def versions(self, key: str) -> list[ConsignmentVersion]:
        return sorted((v for (k, _), v in self.items.items() if k == key), key=lambda v: v.version)

    def add_version(self, version: ConsignmentVersion) -> None:
        if (version.key, version.version) in self.items:
            raise Conflict(version.key)
        self.items[(version.key, version.version)] = version

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


class FakeReceipts:
    def __init__(self) -> None:
        self.items: dict[str, Receipt] = {}

    def put(self, receipt: Receipt) -> None:
        self.items[receipt.file_id] = receipt

    def get(self, file_id: str) -> Receipt | None:
        return self.items.get(file_id)

    def for_carrier(self, carrier_id: str, limit: int = 50) -> list[Receipt]:
        mine = [r for r in self.items.values() if r.carrier_id == carrier_id]
        return sorted(mine, key=lambda r: r.processed_at, reverse=True)[:limit]


class FakeAssessments:
    def __init__(self) -> None:
        self.items: dict[tuple[str, int], Assessment] = {}

    def put(self, assessment: Assessment) -> None:
        self.items[(assessment.key, assessment.version)] = assessment

    def latest(self, key: str) -> Assessment | None:
        mine = sorted((a for (k, _), a in self.items.items() if k == key), key=lambda a: a.version)
        return mine[-1] if mine else None


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
        self.profiles.append(profile)

    def put_watchlist_entry(self, entry: WatchlistEntry) -> None:
        self.watchlist.append(entry)

    def put_allow_entry(self, entry: AllowEntry) -> None:
        self.allow_list.append(entry)

    def put_random_selection(self, selection: RandomSelection) -> None:
        self.random_selection[selection.id] = selection


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
