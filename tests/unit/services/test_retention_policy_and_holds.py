"""Retention expiries and legal-hold semantics, with fakes (the table's own behaviour: tests/integration)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from builders import consignment_data, json_manifest, make_consignment
from cts.domain.records import ConsignmentVersion, VersionStatus
from cts.domain.reference import default_reference
from cts.domain.retention import HOLD, STANDARD, RetentionPolicy, epoch_seconds
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import WatchlistEntry
from cts.services.ingest import IngestService, receipt_key
from cts.services.retention import LegalHoldService
from cts.services.scoring import ScoringService
from fakes import (
    FakeAlerts,
    FakeAssessments,
    FakeClock,
    FakeConsignments,
    FakeObjectStore,
    FakePartyHistory,
    FakeQueue,
    FakeReceipts,
    FakeRecordsHold,
    FakeRules,
    FakeSearch,
)

STORED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
POLICY = RetentionPolicy(records_days=365)
KEY = "inbox/ACME/m1.json"
WATCHED_BOX = WatchlistEntry(
    id="c1", kind="container", value="CSQU3054383", reason="altered floor", category="drugs", source="intel", weight=90
)


def version(eta: datetime | None, stored_at: datetime = STORED) -> ConsignmentVersion:
    c = make_consignment().model_copy(update={"eta": eta})
    return ConsignmentVersion(
        key=c.key,
        version=1,
        content_hash="h",
        status=VersionStatus.ACTIVE,
        file_id="f1",
        carrier_id="ACME",
        stored_at=stored_at,
        consignment=c,
    )


# --- expiry computation ---------------------------------------------------------------------------------------


def test_records_expire_the_retention_after_the_eta() -> None:
    eta = STORED + timedelta(days=10)
    assert POLICY.consignment_expiry(version(eta)) == eta + timedelta(days=365)


def test_without_an_eta_or_with_an_eta_in_the_past_records_expire_after_they_were_stored() -> None:
    assert POLICY.consignment_expiry(version(None)) == STORED + timedelta(days=365)
    assert POLICY.consignment_expiry(version(STORED - timedelta(days=3000))) == STORED + timedelta(days=365)


def test_naive_times_are_utc_and_ttl_values_are_epoch_seconds() -> None:
    naive = datetime(2026, 11, 25, 12, 0)
    assert POLICY.consignment_expiry(version(None, stored_at=naive)) == STORED + timedelta(days=365)
    assert epoch_seconds(datetime(1970, 1, 2, tzinfo=UTC)) == 86400
    assert epoch_seconds(None) is None


def test_no_retention_configured_means_no_expiry() -> None:
    assert RetentionPolicy().consignment_expiry(version(STORED)) is None
    with pytest.raises(ValueError, match="at least 1"):
        RetentionPolicy(records_days=0)


# --- ingest ---------------------------------------------------------------------------------------------------


class World:
    def __init__(self, raw: bytes) -> None:
        self.consignments, self.assessments, self.receipts = FakeConsignments(), FakeAssessments(), FakeReceipts()
        self.inbox, self.receipt_store = FakeObjectStore({KEY: raw}), FakeObjectStore()
        self.holds = FakeRecordsHold(self.consignments, self.assessments, self.receipts)
        self.clock = FakeClock()
        self.ingest = IngestService(
            inbox=self.inbox,
            receipt_store=self.receipt_store,
            receipts=self.receipts,
            consignments=self.consignments,
            score_queue=FakeQueue(),
            reference=default_reference(),
            clock=self.clock,
            retention=POLICY,
        )
        self.legal_hold = LegalHoldService(
            records=self.holds,
            consignments=self.consignments,
            inbox=self.inbox,
            receipt_store=self.receipt_store,
            clock=self.clock,
        )


def test_ingest_sets_expiries_and_tags_the_raw_file_and_receipt_standard() -> None:
    world = World(json_manifest(consignment_data("A1")))
    receipt = world.ingest.ingest(KEY)
    (stored,) = world.consignments.items.values()
    assert world.consignments.expires[(stored.key, 1)] == POLICY.consignment_expiry(stored)
    assert world.receipts.expires[receipt.file_id] == receipt.processed_at + timedelta(days=365)
    assert world.inbox.tags[KEY] == STANDARD
    assert world.receipt_store.tags[receipt_key("ACME", receipt.file_id)] == STANDARD


def test_a_hold_keeps_records_and_files_and_later_writes_stay_held() -> None:
    world = World(json_manifest(consignment_data("A1")))
    receipt = world.ingest.ingest(KEY)
    key = "sea:TSTU:A1"
    outcome = world.legal_hold.hold(key, reason="case 1")
    assert outcome.records_released_from_expiry == 2  # the version and the receipt (the fake has no LATEST item)
    assert world.holds.held(key) is not None
    assert set(world.consignments.expires.values()) == {None}
    assert world.receipts.expires[receipt.file_id] is None
    assert world.inbox.tags[KEY] == HOLD
    assert world.receipt_store.tags[receipt_key("ACME", receipt.file_id)] == HOLD
    assert outcome.files_missing == ()

    again = world.legal_hold.hold(key, reason="case 2")  # idempotent: the first hold stays
    assert again.records_released_from_expiry == 0
    assert world.holds.held(key).reason == "case 1"  # type: ignore[union-attr]

    # An amendment in another file, and the same file delivered again: nothing gets an expiry, no tag goes back.
    amended = json_manifest(consignment_data("A1", message_function="amendment", eta="2026-12-02T06:00:00+00:00"))
    world.inbox.objects["inbox/ACME/m2.json"] = amended
    world.ingest.ingest("inbox/ACME/m2.json")
    world.ingest.ingest(KEY)
    assert world.consignments.expires[(key, 2)] is None
    assert world.inbox.tags[KEY] == HOLD
    assert world.receipt_store.tags[receipt_key("ACME", receipt.file_id)] == HOLD  # re-written as held
    assert world.inbox.tags["inbox/ACME/m2.json"] == STANDARD  # not (yet) tied to the case: held on next hold
    world.legal_hold.hold(key, reason="case 1")
    assert world.inbox.tags["inbox/ACME/m2.json"] == HOLD


def test_a_hold_before_the_receipt_is_written_reports_it_missing_and_ingest_writes_it_held() -> None:
    world = World(json_manifest(consignment_data("A1")))
    world.ingest.ingest(KEY)
    (receipt_object,) = world.receipt_store.objects
    del world.receipt_store.objects[receipt_object]
    world.receipts.items.clear()
    outcome = world.legal_hold.hold("sea:TSTU:A1", reason="case")
    assert outcome.files_missing == (receipt_object,)
    world.ingest.ingest(KEY)  # the receipt is written after the hold: the receipt record says it is held
    assert world.receipt_store.tags[receipt_object] == HOLD


def test_holding_other_consignments_leaves_this_one_expiring() -> None:
    world = World(json_manifest(consignment_data("A1"), consignment_data("A2")))
    world.ingest.ingest(KEY)
    world.legal_hold.hold("sea:TSTU:A1", reason="case")
    assert world.consignments.expires[("sea:TSTU:A1", 1)] is None
    assert world.consignments.expires[("sea:TSTU:A2", 1)] is not None


# --- scoring: an alert opens a case, so it holds first -------------------------------------------------------------


def test_an_alert_holds_the_consignment_before_the_alert_is_stored_and_a_clean_one_expires() -> None:
    world = World(json_manifest(consignment_data("A1")))
    watched = version(STORED + timedelta(days=2))
    clean = version(STORED + timedelta(days=2)).model_copy(update={"key": "sea:TSTU:CLEAN"})
    for v in (watched, clean):
        world.consignments.add_version(v, expires=POLICY.consignment_expiry(v))
    world.inbox.objects[watched.consignment.provenance.object_key] = b"raw"
    alerts = FakeAlerts()
    order: list[str] = []
    original_add = alerts.add
    alerts.add = lambda alert: order.append(f"held={world.holds.held(alert.key) is not None}") or original_add(alert)  # type: ignore[method-assign]

    def scoring(rules: FakeRules) -> ScoringService:
        return ScoringService(
            world.consignments,
            world.assessments,
            alerts,
            rules,
            FakeSearch(),
            FakeQueue(),
            Thresholds(alert=50, red=80),
            world.clock,
            FakePartyHistory(),
            retention=POLICY,
            legal_hold=world.legal_hold,
        )

    outcome = scoring(FakeRules(watchlist=[WATCHED_BOX])).score(watched.key, 1)
    assert outcome.alert_id is not None
    assert order == ["held=True"]
    assert world.assessments.expires[(watched.key, 1)] is None
    assert world.consignments.expires[(watched.key, 1)] is None
    assert world.inbox.tags[watched.consignment.provenance.object_key] == HOLD

    assert scoring(FakeRules()).score(clean.key, 1).alert_id is None  # no rule matches: no alert, no hold
    assert world.holds.held(clean.key) is None
    assert world.assessments.expires[(clean.key, 1)] == POLICY.consignment_expiry(clean)
