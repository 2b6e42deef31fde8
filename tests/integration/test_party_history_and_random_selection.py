"""Party history facts and random selections over the records table in moto: adapters, service and handlers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from pipeline_testkit import drain, upload

from builders import consignment_data, json_manifest, make_consignment
from cts.adapters.dynamodb import (
    DynamoAlerts,
    DynamoAssessments,
    DynamoConsignments,
    DynamoPartyHistory,
    DynamoRules,
    bind_table,
)
from cts.adapters.local.bootstrap import LocalResources
from cts.adapters.local.runner import QueuePoller
from cts.domain.alerts import alert_id_for
from cts.domain.parties import PartyPair, PartySightings, Sighting
from cts.domain.records import ConsignmentVersion, VersionStatus
from cts.domain.risk.engine import Level
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import AllowEntry, Profile, RandomSelection, WatchlistEntry
from cts.services.scoring import ScoringService
from fakes import FakeClock, FakeQueue, FakeSearch

ETA = datetime.now(UTC) + timedelta(days=2)
ETD = datetime.now(UTC) + timedelta(hours=30)
PAIR = PartyPair(shipper="tulip tools bv", consignee="blue mountain hardware")

PARTY_PROFILE = Profile.model_validate(
    {
        "id": "new-trade-relationship",
        "version": 1,
        "name": "First shipment between the parties, or a consignee seen recently",
        "category": "revenue",
        "status": "active",
        "author": "test",
        "threshold": 5,
        "indicators": [
            {
                "id": "first-shipment",
                "description": "first shipment from this shipper to this consignee",
                "fact": "first_shipment_shipper_to_consignee",
                "op": "equals",
                "values": ["yes"],
                "weight": 60,
            },
            {
                "id": "new-consignee",
                "description": "consignee first seen under 30 days ago",
                "fact": "consignee_known_days",
                "op": "range",
                "max": 30,
                "weight": 5,
            },
        ],
    }
)
# Rate 1 within a scope: deterministic, whatever the ruleset version in the draw.
MONTEGO_BAY = RandomSelection.model_validate(
    {"id": "montego-bay-all", "rate": 1.0, "seed": "it", "scope": {"ports": ["JMMBJ"]}}
)


@pytest.fixture
def table(resources: LocalResources) -> type:
    return bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")


# ------------------------------------------------------------------ the adapters


def test_a_first_sighting_is_never_overwritten_by_a_later_writer_or_a_retry(table: type) -> None:
    history = DynamoPartyHistory(table)
    assert history.lookup(PAIR) == PartySightings()
    first = Sighting("sea:TSTU:A", date(2026, 11, 1))
    assert history.record("sea:TSTU:A", PAIR, date(2026, 11, 1)) == PartySightings(first, first)
    # A writer that looked up before A recorded (a race), and A's own retry, both learn that A was first.
    assert history.record("sea:TSTU:B", PAIR, date(2026, 11, 2)) == PartySightings(first, first)
    assert history.record("sea:TSTU:A", PAIR, date(2026, 11, 3)) == PartySightings(first, first)
    assert history.lookup(PAIR) == PartySightings(first, first)
    other_shipper = PartyPair(shipper="other exporter", consignee=PAIR.consignee)
    assert history.lookup(other_shipper) == PartySightings(consignee=first, pair=None)


def test_party_items_are_keyed_by_normalised_names_and_unknown_parties_store_nothing(table: type) -> None:
    history = DynamoPartyHistory(table)
    history.record("k", PAIR, date(2026, 11, 1))
    assert history.record("k", PartyPair(None, None), date(2026, 11, 1)) == PartySightings()
    assert history.record("k", PartyPair("tulip tools bv", None), date(2026, 11, 1)) == PartySightings()
    assert table.get("PARTY#blue mountain hardware", "PARTY") is not None
    assert table.get("PAIR#tulip tools bv|blue mountain hardware", "PAIR") is not None
    assert table.count("PARTY#tulip tools bv") == 0


def test_very_long_names_still_make_valid_keys(table: type) -> None:
    history = DynamoPartyHistory(table)
    long_a = PartyPair(shipper="s " * 900, consignee=("consignee " * 300) + "a")
    long_b = PartyPair(shipper="s " * 900, consignee=("consignee " * 300) + "b")
    history.record("a", long_a, date(2026, 11, 1))
    history.record("b", long_b, date(2026, 11, 2))
    a, b = history.lookup(long_a), history.lookup(long_b)
    assert a.pair == Sighting("a", date(2026, 11, 1))
    assert b.pair == Sighting("b", date(2026, 11, 2))


def test_random_selection_rates_are_part_of_the_ruleset_and_its_version(table: type) -> None:
    rules = DynamoRules(table)
    rules.put_profile(PARTY_PROFILE)
    without = rules.ruleset(date(2026, 11, 25))
    assert without.random_selection == ()
    rules.put_random_selection(MONTEGO_BAY)
    with_rate = rules.ruleset(date(2026, 11, 25))
    assert with_rate.random_selection == (MONTEGO_BAY,)
    assert [p.id for p in with_rate.profiles] == [PARTY_PROFILE.id]
    assert with_rate.watchlist == ()
    assert with_rate.version != without.version
    rules.put_random_selection(MONTEGO_BAY.model_copy(update={"rate": 0.5}))  # replaced in place
    changed = rules.ruleset(date(2026, 11, 25))
    assert [s.rate for s in changed.random_selection] == [0.5]
    assert changed.version not in (with_rate.version, without.version)
    assert rules.ruleset(date(2026, 11, 25)).version == changed.version


def test_allow_entries_are_part_of_the_ruleset_and_an_edited_entry_changes_its_version(table: type) -> None:
    rules = DynamoRules(table)
    listed = WatchlistEntry(
        id="wl-1", kind="company", value="Shadow Reef Trading", reason="r", category="drugs", source="s"
    )
    rules.put_watchlist_entry(listed)
    before = rules.ruleset(date(2026, 11, 25))
    vouched = AllowEntry(id="allow-1", kind="company", value="Shadow Reef Trading Ltd", reason="audited")
    rules.put_allow_entry(vouched)
    rules.put_allow_entry(vouched.model_copy(update={"id": "allow-old", "valid_to": date(2026, 1, 1)}))
    with_allow = rules.ruleset(date(2026, 11, 25))
    assert with_allow.allow_list == (vouched,)  # the expired one is not in force
    assert with_allow.version != before.version
    rules.put_watchlist_entry(listed.model_copy(update={"weight": 300}))  # edited in place, same id
    edited = rules.ruleset(date(2026, 11, 25))
    assert [e.weight for e in edited.watchlist] == [300]
    assert edited.version != with_allow.version


# ------------------------------------------------------------------ the scoring service on DynamoDB


def stored(number: str, **overrides: Any) -> ConsignmentVersion:
    c = make_consignment(number, **overrides)
    return ConsignmentVersion(
        key=c.key,
        version=1,
        content_hash="h",
        status=VersionStatus.ACTIVE,
        file_id="f",
        carrier_id="ACME",
        stored_at=datetime(2026, 11, 25, tzinfo=UTC),
        consignment=c,
    )


def service(table: type, clock: FakeClock, parties: Any = None) -> ScoringService:
    return ScoringService(
        consignments=DynamoConsignments(table),
        assessments=DynamoAssessments(table),
        alerts=DynamoAlerts(table),
        rules=DynamoRules(table),
        search=FakeSearch(),
        notify_queue=FakeQueue(),
        thresholds=Thresholds(alert=50, red=80),
        clock=clock,
        parties=parties or DynamoPartyHistory(table),
    )


def refs(svc: ScoringService, v: ConsignmentVersion) -> list[str]:
    assessment = svc.score(v.key, v.version).assessment
    assert assessment is not None
    return [h.ref.rpartition("#")[2] for h in assessment.hits]


def test_the_first_shipment_fires_the_second_does_not_and_a_rescore_of_the_first_stays_first(table: type) -> None:
    DynamoRules(table).put_profile(PARTY_PROFILE)
    one, two = stored("FIRST1"), stored("SECOND2")
    for v in (one, two):
        DynamoConsignments(table).add_version(v)
    clock = FakeClock()
    svc = service(table, clock)
    assert refs(svc, one) == ["first-shipment", "new-consignee"]
    assert refs(svc, two) == ["new-consignee"]  # known for 0 days, shipped to by this shipper before
    assert refs(service(table, clock), one) == ["first-shipment", "new-consignee"]  # a retry by another worker
    alerts = DynamoAlerts(table)
    assert alerts.get(alert_id_for(one.key, 1)) is not None
    assert alerts.get(alert_id_for(two.key, 1)) is None


def test_consignee_known_days_count_from_its_first_sighting(table: type) -> None:
    DynamoRules(table).put_profile(PARTY_PROFILE)
    one = stored("FIRST1")
    later = stored("LATER2", parties=[{"role": "consignee", "name": "Blue Mountain Hardware", "country": "JM"}])
    for v in (one, later):
        DynamoConsignments(table).add_version(v)
    clock = FakeClock(datetime(2026, 11, 1, 12, tzinfo=UTC))
    svc = service(table, clock)
    svc.score(one.key, 1)
    clock.current = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert refs(svc, later) == ["new-consignee"]  # 19 days; no shipper: no first-shipment fact
    clock.current = datetime(2026, 12, 20, 12, tzinfo=UTC)
    assert refs(svc, later) == []  # 49 days
    assert refs(svc, one) == ["first-shipment", "new-consignee"]  # before it, the consignee was unknown


class StaleLookup(DynamoPartyHistory):
    """A worker that looked up before another recorded: its lookup sees nothing."""

    def lookup(self, parties: PartyPair) -> PartySightings:
        return PartySightings()


def test_a_worker_that_lost_the_race_to_record_the_pair_is_not_first(table: type) -> None:
    DynamoRules(table).put_profile(PARTY_PROFILE)
    one, two = stored("FIRST1"), stored("SECOND2")
    for v in (one, two):
        DynamoConsignments(table).add_version(v)
    clock = FakeClock()
    assert refs(service(table, clock), one) == ["first-shipment", "new-consignee"]
    assert refs(service(table, clock, StaleLookup(table)), two) == ["new-consignee"]


def test_a_random_selection_raises_one_alert_marked_random_even_below_the_threshold(table: type) -> None:
    DynamoRules(table).put_random_selection(MONTEGO_BAY)
    drawn = stored("DRAWN1", itinerary={"place_of_discharge": {"locode": "JMMBJ"}})
    not_drawn = stored("KINGSTON1")
    for v in (drawn, not_drawn):
        DynamoConsignments(table).add_version(v)
    svc = service(table, FakeClock())
    first, retry = svc.score(drawn.key, 1), svc.score(drawn.key, 1)
    assert first.assessment is not None
    assert (first.assessment.score, first.assessment.level) == (0, Level.NONE)
    assert first.alert_id == retry.alert_id == alert_id_for(drawn.key, 1)
    (alert,) = DynamoAlerts(table).inbox()
    assert alert.random_selection == "montego-bay-all"
    assert alert.level is Level.NONE
    assert isinstance(svc.notify_queue, FakeQueue)
    assert svc.notify_queue.messages == [{"alert_id": first.alert_id}]  # the retry notified nobody again
    assert svc.score(not_drawn.key, 1).alert_id is None


# ------------------------------------------------------------------ the real handlers


def test_handlers_score_party_history_and_random_selections(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    table = bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")
    rules = DynamoRules(table)
    rules.put_profile(PARTY_PROFILE)
    rules.put_random_selection(MONTEGO_BAY)
    when = {"eta": ETA.isoformat(), "etd": ETD.isoformat()}
    upload(resources, "inbox/ACME/first.json", json_manifest(consignment_data("FIRST1", **when)))
    drain(pollers)
    upload(resources, "inbox/ACME/second.json", json_manifest(consignment_data("SECOND2", **when)))
    drawn = consignment_data(
        "DRAWN1",
        **when,
        parties=[{"role": "consignee", "name": "Blue Mountain Hardware", "country": "JM"}],
        itinerary={"place_of_loading": {"locode": "NLRTM"}, "place_of_discharge": {"locode": "JMMBJ"}},
    )
    upload(resources, "inbox/ACME/drawn.json", json_manifest(drawn))
    drain(pollers)

    assessments = DynamoAssessments(table)
    first, second, random = (assessments.latest(f"sea:TSTU:{n}") for n in ("FIRST1", "SECOND2", "DRAWN1"))
    assert first is not None
    assert second is not None
    assert random is not None
    assert [h.ref.rpartition("#")[2] for h in first.hits] == ["first-shipment", "new-consignee"]
    assert [h.ref.rpartition("#")[2] for h in second.hits] == ["new-consignee"]
    assert random.random_selection == "montego-bay-all"
    alerts = {a.document_number: a for a in DynamoAlerts(table).inbox()}
    assert set(alerts) == {"FIRST1", "DRAWN1"}
    assert alerts["FIRST1"].random_selection is None
    assert alerts["DRAWN1"].random_selection == "montego-bay-all"
    assert alerts["DRAWN1"].score == 5  # a new consignee only: below the alert threshold

    # SQS delivers at least once: the same score message again raises, notifies and e-mails nothing twice.
    boto3.client("sqs").send_message(
        QueueUrl=resources.queue_urls["ScoreQueue"], MessageBody=json.dumps({"key": "sea:TSTU:DRAWN1", "version": 1})
    )
    drain(pollers)
    assert len(DynamoAlerts(table).inbox()) == 2
    from moto.backends import get_backend

    sent = get_backend("ses")["123456789012"]["us-east-1"].sent_messages
    assert sorted(m.subject.split("]")[0] for m in sent) == ["[CTS Amber", "[CTS Random selection"]
    assert all(p.failures == 0 for p in pollers.values())
