"""Whatever a carrier sends, ingestion ends in a receipt: no crash, nothing lost, the raw file untouched."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import consignment_data, json_manifest
from cts.domain.receipt import ReceiptStatus
from cts.domain.reference import default_reference
from cts.services.ingest import IngestService
from fakes import FakeClock, FakeConsignments, FakeObjectStore, FakeQueue, FakeReceipts

KEY = "inbox/FUZZ/file"
CSV = (
    b"document_number,document_kind,mode,direction,description,hs_code,package_count,gross_weight_kg\n"
    b"A1,master_bill,sea,import,Tools,820559,10,250\n"
)


def ingest(raw: bytes) -> tuple[IngestService, ReceiptStatus]:
    inbox = FakeObjectStore({KEY: raw})
    svc = IngestService(
        inbox, FakeObjectStore(), FakeReceipts(), FakeConsignments(), FakeQueue(), default_reference(), FakeClock()
    )
    receipt = svc.ingest(KEY)
    assert inbox.objects[KEY] == raw
    return svc, receipt.status


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_end_in_a_receipt(raw: bytes) -> None:
    ingest(raw)


def mutate(data: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for position, length, insert in cuts:
        at = position % (len(out) + 1)
        out[at : at + length] = insert
    return bytes(out)


mutations = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 8), st.binary(max_size=8)), max_size=6)


@settings(max_examples=200, deadline=None)
@given(mutations)
def test_mutated_csv_files_end_in_a_receipt(cuts: list[tuple[int, int, bytes]]) -> None:
    ingest(mutate(CSV, cuts))


@settings(max_examples=200, deadline=None)
@given(mutations)
def test_mutated_json_files_end_in_a_receipt(cuts: list[tuple[int, int, bytes]]) -> None:
    ingest(mutate(json_manifest(consignment_data("A1"), consignment_data("A2")), cuts))


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["mode", "direction", "eta", "goods", "parties", "carrier"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=20), st.lists(st.integers(), max_size=3)),
    )
)
def test_json_consignments_with_wrong_types_are_rejected_one_by_one(overrides: dict[str, object]) -> None:
    bad = {**consignment_data("B1"), **overrides}
    raw = json.dumps({"format": "cts-json/1", "consignments": [consignment_data("A1"), bad]}, default=str).encode()
    _, status = ingest(raw)
    assert status is not ReceiptStatus.REJECTED  # the good one always gets through
