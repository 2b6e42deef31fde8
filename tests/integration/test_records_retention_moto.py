"""Retention (DynamoDB TTL, S3 retention tags) and legal holds under moto (docs/data-model.md, retention section)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from pipeline_testkit import drain, upload

from builders import consignment_data, json_manifest, make_consignment, make_receipt
from cts.adapters.dynamodb import (
    HOLD_SK,
    DynamoAssessments,
    DynamoConsignments,
    DynamoReceipts,
    DynamoRules,
    bind_table,
)
from cts.adapters.dynamodb_holds import DynamoRecordsHold
from cts.adapters.local.bootstrap import LocalResources
from cts.adapters.local.demo import WATCHLIST, seed_rules
from cts.adapters.local.runner import QueuePoller
from cts.adapters.s3 import S3ObjectStore
from cts.domain.errors import Conflict, NotFound
from cts.domain.records import ConsignmentVersion, VersionStatus
from cts.domain.retention import HOLD, STANDARD, Hold, epoch_seconds
from cts.domain.risk.engine import Assessment, Level

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
EXPIRES = NOW + timedelta(days=400)
ETA = datetime.now(UTC) + timedelta(days=2)
ETD = datetime.now(UTC) + timedelta(hours=30)


@pytest.fixture
def table(resources: LocalResources) -> type:
    return bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")


def version(n: int, key_number: str = "TSTU0000001") -> ConsignmentVersion:
    c = make_consignment(key_number)
    return ConsignmentVersion(
        key=c.key,
        version=n,
        content_hash=f"h{n}",
        status=VersionStatus.ACTIVE,
        file_id=f"f{n}",
        carrier_id="ACME",
        stored_at=NOW,
        consignment=c,
    )


def assessment(key: str, n: int) -> Assessment:
    return Assessment(key=key, version=n, ruleset_version="r", score=0, level=Level.NONE, hits=(), profiles_matched=())


def expiries(table: type, pk: str) -> dict[str, int | None]:
    return {i.sk: (int(i.expires_at) if i.expires_at is not None else None) for i in table.query(pk)}


def test_the_table_has_ttl_on_expires_at(resources: LocalResources) -> None:
    ttl = boto3.client("dynamodb").describe_time_to_live(TableName=resources.env["CTS_RECORDS_TABLE"])
    assert ttl["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_versions_latest_assessments_and_receipts_get_expires_at(table: type) -> None:
    v = version(1)
    DynamoConsignments(table).add_version(v, expires=EXPIRES)
    DynamoAssessments(table).put(assessment(v.key, 1), expires=EXPIRES)
    assert DynamoReceipts(table).put(make_receipt([], file_id="f1"), expires=EXPIRES) is False
    epoch = epoch_seconds(EXPIRES)
    assert expiries(table, f"CONS#{v.key}") == {
        "ASSESS#000001": epoch,
        "RUN#000001#r": epoch,
        "LATEST": epoch,
        "V#000001": epoch,
    }
    assert expiries(table, "RECEIPT#f1") == {"RECEIPT": epoch}
    DynamoConsignments(table).add_version(version(2))  # no retention configured: kept
    assert expiries(table, f"CONS#{v.key}")["V#000002"] is None


def test_a_hold_removes_every_expiry_of_the_consignment_and_later_writes_stay_held(table: type) -> None:
    consignments, assessments, holds = DynamoConsignments(table), DynamoAssessments(table), DynamoRecordsHold(table)
    other = version(1, "OTHER1")
    v = version(1)
    for item in (v, other):
        consignments.add_version(item, expires=EXPIRES)
        assessments.put(assessment(item.key, 1), expires=EXPIRES)
    hold = Hold(key=v.key, reason="alert x", held_at=NOW)

    assert holds.hold_consignment(hold) == 4  # V#1, LATEST, ASSESS#1, RUN#1#r
    assert holds.hold_consignment(Hold(key=v.key, reason="again", held_at=NOW)) == 0  # idempotent
    assert holds.held(v.key) == hold  # the first hold is kept
    assert holds.held(other.key) is None
    assert set(expiries(table, f"CONS#{v.key}").values()) == {None}
    assert set(expiries(table, f"CONS#{other.key}").values()) == {epoch_seconds(EXPIRES)}  # untouched

    consignments.add_version(version(2), expires=EXPIRES)
    assessments.put(assessment(v.key, 2), expires=EXPIRES)
    stored = expiries(table, f"CONS#{v.key}")
    assert set(stored) == {"V#000001", "V#000002", "LATEST", "ASSESS#000001", "ASSESS#000002", HOLD_SK} | {
        "RUN#000001#r",
        "RUN#000002#r",
    }
    assert set(stored.values()) == {None}
    assert consignments.latest(v.key).version == 2  # type: ignore[union-attr]
    assert [a.version for a in [assessments.latest(v.key)] if a] == [2]


def test_a_hold_placed_between_the_read_and_the_write_fails_the_transaction(
    table: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    consignments, assessments, holds = DynamoConsignments(table), DynamoAssessments(table), DynamoRecordsHold(table)
    v = version(1)
    holds.hold_consignment(Hold(key=v.key, reason="case", held_at=NOW))
    with monkeypatch.context() as patched:
        patched.setattr(consignments._t, "held", lambda pk: False)  # the writer read "not held" just before
        with pytest.raises(Conflict):  # the in-transaction check sees the marker: the ingest service retries
            consignments.add_version(v, expires=EXPIRES)
    consignments.add_version(v, expires=EXPIRES)  # the retry reads the hold
    with monkeypatch.context() as patched:
        patched.setattr(assessments._t, "held", lambda pk: False)
        assessments.put(assessment(v.key, 1), expires=EXPIRES)  # falls back to a write without expiry
    assert set(expiries(table, f"CONS#{v.key}").values()) == {None}


def test_a_held_receipt_loses_its_expiry_and_is_rewritten_without_one(table: type) -> None:
    receipts, holds = DynamoReceipts(table), DynamoRecordsHold(table)
    receipts.put(make_receipt([], file_id="f9"), expires=EXPIRES)
    assert holds.hold_receipt("f9", Hold(key="k", reason="case", held_at=NOW)) == 1
    assert receipts.put(make_receipt([], file_id="f9"), expires=EXPIRES) is True  # a re-delivered file: still held
    assert expiries(table, "RECEIPT#f9") == {"RECEIPT": None, HOLD_SK: None}
    assert receipts.get("f9") == make_receipt([], file_id="f9")


def test_s3_retention_tags_are_set_on_put_and_changed_keeping_other_tags(resources: LocalResources) -> None:
    bucket = resources.env["CTS_RECEIPTS_BUCKET"]
    store = S3ObjectStore(bucket)
    store.put("receipts/ACME/a.json", b"{}", "application/json", retention=STANDARD)
    assert store.retention("receipts/ACME/a.json") == STANDARD
    s3 = boto3.client("s3")
    s3.put_object_tagging(
        Bucket=bucket,
        Key="receipts/ACME/a.json",
        Tagging={"TagSet": [{"Key": "retention", "Value": STANDARD}, {"Key": "owner", "Value": "ops"}]},
    )
    store.set_retention("receipts/ACME/a.json", HOLD)
    tags = s3.get_object_tagging(Bucket=bucket, Key="receipts/ACME/a.json")["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"retention": HOLD, "owner": "ops"}
    store.put("receipts/ACME/b.json", b"{}")
    assert store.retention("receipts/ACME/b.json") is None
    with pytest.raises(NotFound):
        store.retention("receipts/ACME/missing.json")
    with pytest.raises(NotFound):
        store.set_retention("receipts/ACME/missing.json", HOLD)


def test_the_pipeline_sets_expiries_and_holds_what_alerts(
    resources: LocalResources, pollers: dict[str, QueuePoller], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTS_RECORDS_RETENTION_DAYS", "400")  # read by the handlers on their first event
    table = bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")
    seed_rules(DynamoRules(table))
    watched = WATCHLIST[1].value
    risky = consignment_data(
        "RISKY1",
        eta=ETA.isoformat(),
        etd=ETD.isoformat(),
        goods=[{"sequence": 1, "description": "Tiles", "container_numbers": [watched]}],
        equipment=[{"number": watched}],
        parties=[
            {"role": "consignor", "name": "Shadow Reef Trading Ltd", "country": "PA"},
            {"role": "consignee", "name": "Harbour Tiles", "country": "JM"},
        ],
    )
    upload(resources, "inbox/ACME/held.json", json_manifest(risky, message_ref="H"))
    upload(resources, "inbox/ACME/clean.json", json_manifest(consignment_data("CLEAN1", eta=ETA.isoformat())))
    drain(pollers)
    assert all(p.failures == 0 for p in pollers.values())

    clean = expiries(table, "CONS#sea:TSTU:CLEAN1")
    runs = {sk for sk in clean if sk.startswith("RUN#000001#")}  # one per ruleset version that judged it
    assert len(runs) == 1
    assert set(clean) == {"V#000001", "LATEST", "ASSESS#000001", *runs}
    expected = int((ETA + timedelta(days=400)).timestamp())
    assert all(value is not None and abs(value - expected) <= 1 for value in clean.values())
    held = expiries(table, "CONS#sea:TSTU:RISKY1")
    assert {sk for sk in held if not sk.startswith("RUN#000001#")} == {"V#000001", "LATEST", "ASSESS#000001", HOLD_SK}
    assert set(held.values()) == {None}
    assert DynamoRecordsHold(table).held("sea:TSTU:RISKY1").reason == "alert sea:TSTU:RISKY1#v1"  # type: ignore[union-attr]

    inbox = S3ObjectStore(resources.env["CTS_INBOX_BUCKET"])
    receipts_store = S3ObjectStore(resources.env["CTS_RECEIPTS_BUCKET"])
    assert inbox.retention("inbox/ACME/held.json") == HOLD
    assert inbox.retention("inbox/ACME/clean.json") == STANDARD
    by_object = {r.object_key: r for r in DynamoReceipts(table).for_carrier("ACME")}
    held_file, clean_file = by_object["inbox/ACME/held.json"].file_id, by_object["inbox/ACME/clean.json"].file_id
    assert receipts_store.retention(f"receipts/ACME/{held_file}.json") == HOLD
    assert receipts_store.retention(f"receipts/ACME/{clean_file}.json") == STANDARD
    assert expiries(table, f"RECEIPT#{held_file}") == {"RECEIPT": None, HOLD_SK: None}
    assert expiries(table, f"RECEIPT#{clean_file}")["RECEIPT"] is not None


def test_grouped_versions_keep_a_held_consignment_without_expiry_and_expire_the_others(table: type) -> None:
    consignments, holds = DynamoConsignments(table), DynamoRecordsHold(table)
    held, free = version(1, "HELD01"), version(1, "FREE01")
    holds.hold_consignment(Hold(key=held.key, reason="case", held_at=NOW))
    assert consignments.add_versions([(held, EXPIRES), (free, EXPIRES)]) == set()
    assert set(expiries(table, f"CONS#{held.key}").values()) == {None}
    assert expiries(table, f"CONS#{free.key}") == {"V#000001": epoch_seconds(EXPIRES), "LATEST": epoch_seconds(EXPIRES)}


def test_assessments_written_in_batches_expire_unless_held_even_when_the_hold_lands_during_the_write(
    table: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    assessments, holds = DynamoAssessments(table), DynamoRecordsHold(table)
    held, free, late = version(1, "HELD02"), version(1, "FREE02"), version(1, "LATE02")
    holds.hold_consignment(Hold(key=held.key, reason="case", held_at=NOW))
    real_batch_write = assessments._t.batch_write
    writes = 0

    def hold_lands_after_the_first_write(items: Any) -> None:
        nonlocal writes
        writes += 1
        real_batch_write(items)
        if writes == 1:  # a case opened on LATE02 just after the items were written
            holds.hold_consignment(Hold(key=late.key, reason="case", held_at=NOW))

    monkeypatch.setattr(assessments._t, "batch_write", hold_lands_after_the_first_write)
    assessments.put_many([(assessment(v.key, 1), EXPIRES) for v in (held, free, late)])
    assert set(expiries(table, f"CONS#{held.key}").values()) == {None}
    assert set(expiries(table, f"CONS#{late.key}").values()) == {None}
    assert expiries(table, f"CONS#{free.key}") == {
        "ASSESS#000001": epoch_seconds(EXPIRES),
        "RUN#000001#r": epoch_seconds(EXPIRES),
    }
    assert [a.key for a in (assessments.latest(v.key) for v in (held, free, late)) if a] == [
        held.key,
        free.key,
        late.key,
    ]
