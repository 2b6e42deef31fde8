from __future__ import annotations

import json

import pytest

from builders import consignment_data, json_manifest
from cts.domain.receipt import ReceiptStatus
from cts.domain.reference import default_reference
from cts.services.ingest import IngestService, NotAnUpload, receipt_key
from fakes import FakeClock, FakeConsignments, FakeObjectStore, FakeQueue, FakeReceipts

KEY = "inbox/ACME/manifest-1.json"


def service(raw: bytes, key: str = KEY) -> tuple[IngestService, FakeConsignments, FakeQueue, FakeObjectStore]:
    consignments, queue, receipts_store = FakeConsignments(), FakeQueue(), FakeObjectStore()
    svc = IngestService(
        inbox=FakeObjectStore({key: raw}),
        receipt_store=receipts_store,
        receipts=FakeReceipts(),
        consignments=consignments,
        score_queue=queue,
        reference=default_reference(),
        clock=FakeClock(),
    )
    return svc, consignments, queue, receipts_store


def test_a_good_file_is_stored_queued_for_scoring_and_receipted():
    svc, consignments, queue, receipts_store = service(json_manifest(consignment_data("A1"), consignment_data("A2")))
    receipt = svc.ingest(KEY)
    assert receipt.status is ReceiptStatus.ACCEPTED
    assert receipt.carrier_id == "ACME"
    assert queue.messages == [{"refs": [["sea:TSTU:A1", 1], ["sea:TSTU:A2", 1]]}]
    assert {k for k, _ in consignments.items} == {"sea:TSTU:A1", "sea:TSTU:A2"}
    assert consignments.batches == [2]  # one read of the latest versions, one grouped write
    stored = json.loads(receipts_store.get(receipt_key("ACME", receipt.file_id)))
    assert stored["status"] == "accepted"


def test_the_same_file_twice_stores_nothing_twice():
    svc, consignments, queue, _ = service(json_manifest(consignment_data("A1")))
    first, second = svc.ingest(KEY), svc.ingest(KEY)
    assert len(consignments.items) == 1
    assert len(queue.messages) == 1
    assert second.consignments[0].duplicate
    assert not first.consignments[0].duplicate
    assert first.file_id == second.file_id


def test_an_amendment_becomes_version_two_and_is_rescored():
    svc, consignments, queue, _ = service(json_manifest(consignment_data("A1")))
    svc.ingest(KEY)
    amended = consignment_data("A1", message_function="amendment", eta="2026-12-02T06:00:00+00:00")
    svc.inbox.objects["inbox/ACME/amend.json"] = json_manifest(amended)  # type: ignore[attr-defined]
    receipt = svc.ingest("inbox/ACME/amend.json")
    assert receipt.consignments[0].version == 2
    assert [ref for m in queue.messages for ref in m["refs"]] == [["sea:TSTU:A1", 1], ["sea:TSTU:A1", 2]]
    assert consignments.latest("sea:TSTU:A1").consignment.eta.day == 2  # type: ignore[union-attr]


def test_data_quality_problems_are_kept_as_warnings_not_dropped():
    bad_box = consignment_data("A1", equipment=[{"number": "CSQU3054384"}])
    svc, consignments, _, _ = service(json_manifest(bad_box))
    receipt = svc.ingest(KEY)
    assert receipt.status is ReceiptStatus.ACCEPTED_WITH_WARNINGS
    codes = {i.code for i in receipt.consignments[0].issues}
    assert "BAD_CONTAINER_CHECK_DIGIT" in codes
    assert len(consignments.items) == 1


def test_a_file_with_nothing_usable_is_rejected_with_a_receipt():
    svc, consignments, queue, receipts_store = service(b"this is not a manifest")
    receipt = svc.ingest(KEY)
    assert receipt.status is ReceiptStatus.REJECTED
    assert receipt.issues[0].code == "UNKNOWN_FORMAT"
    assert not consignments.items
    assert not queue.messages
    assert receipts_store.writes == [receipt_key("ACME", receipt.file_id)]


def test_objects_outside_a_carrier_inbox_are_refused():
    svc, *_ = service(b"{}", key="elsewhere/file.json")
    with pytest.raises(NotAnUpload):
        svc.ingest("elsewhere/file.json")


def test_a_consignment_named_twice_in_one_file_becomes_two_versions_in_file_order():
    original = consignment_data("A1")
    amended = consignment_data("A1", message_function="amendment", eta="2026-12-02T06:00:00+00:00")
    svc, consignments, queue, _ = service(json_manifest(original, consignment_data("A2"), amended))
    receipt = svc.ingest(KEY)
    assert [(o.key, o.version) for o in receipt.consignments] == [
        ("sea:TSTU:A1", 1),
        ("sea:TSTU:A2", 1),
        ("sea:TSTU:A1", 2),
    ]
    assert consignments.latest("sea:TSTU:A1").consignment.eta.day == 2  # type: ignore[union-attr]
    assert consignments.batches == [1]  # only A2 went in the grouped write; A1 was stored one version at a time
    assert sorted(ref for m in queue.messages for ref in m["refs"]) == [
        ["sea:TSTU:A1", 1],
        ["sea:TSTU:A1", 2],
        ["sea:TSTU:A2", 1],
    ]


def test_a_grouped_write_that_meets_a_concurrent_one_is_stored_one_by_one():
    svc, consignments, queue, _ = service(json_manifest(consignment_data("A1"), consignment_data("A2")))
    consignments.race_in_batches = {"sea:TSTU:A2"}
    receipt = svc.ingest(KEY)
    assert consignments.batches == [2]
    assert [(o.key, o.version, o.duplicate) for o in receipt.consignments] == [
        ("sea:TSTU:A1", 1, False),
        ("sea:TSTU:A2", 1, False),
    ]
    assert {k for k, _ in consignments.items} == {"sea:TSTU:A1", "sea:TSTU:A2"}
    assert queue.messages == [{"refs": [["sea:TSTU:A1", 1], ["sea:TSTU:A2", 1]]}]


def test_a_large_file_is_queued_for_scoring_a_slice_at_a_time_while_the_rest_is_stored():
    svc, consignments, queue, _ = service(json_manifest(*(consignment_data(f"S{n}") for n in range(5))))
    svc.slice_size = 2
    stored_when_sent: list[int] = []
    send_many = queue.send_many

    def watching(bodies):  # type: ignore[no-untyped-def]
        stored_when_sent.append(len(consignments.items))
        send_many(bodies)

    queue.send_many = watching  # type: ignore[method-assign]
    receipt = svc.ingest(KEY)
    assert [o.version for o in receipt.consignments] == [1] * 5
    assert consignments.batches == [2, 2, 1]
    assert stored_when_sent == [2, 4, 5]  # scoring of the first slice can start before the rest is stored
    assert [ref[0] for m in queue.messages for ref in m["refs"]] == [f"sea:TSTU:S{n}" for n in range(5)]
