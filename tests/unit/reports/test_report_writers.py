"""The pipeline's services count into the report counters only what they wrote the first time."""

from __future__ import annotations

from datetime import UTC, datetime

from fakes_reports import MemoryReportCounters

from builders import consignment_data, json_manifest
from cts.domain.reference import default_reference
from cts.domain.reports import ALL, Family
from cts.services.ingest import IngestService
from cts.services.reports import ReportRecorder
from fakes import FakeClock, FakeConsignments, FakeObjectStore, FakeQueue, FakeReceipts

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
KEY = "inbox/ACME/manifest-1.json"


def _ingest(counters: MemoryReportCounters, files: dict[str, bytes]) -> IngestService:
    return IngestService(
        inbox=FakeObjectStore(files),
        receipt_store=FakeObjectStore(),
        receipts=FakeReceipts(),
        consignments=FakeConsignments(),
        score_queue=FakeQueue(),
        reference=default_reference(),
        clock=FakeClock(NOW),
        reports=ReportRecorder(counters),
    )


def _day(counters: MemoryReportCounters, family: Family, scope: str = ALL) -> dict[str, float]:
    return counters.day_cells.get((family, scope, NOW.date()), {})


def test_ingest_counts_each_new_version_and_each_file_once() -> None:
    counters = MemoryReportCounters()
    vague = consignment_data("A2", goods=[{"sequence": 1, "description": "General cargo", "hs_code": "8205.59"}])
    amended = consignment_data("A1", message_function="amendment", eta="2026-12-02T06:00:00+00:00")
    service = _ingest(
        counters,
        {
            KEY: json_manifest(consignment_data("A1"), vague),
            "inbox/ACME/amend.json": json_manifest(amended),
            "inbox/BETA/junk.json": b"this is not a manifest",
        },
    )
    service.ingest(KEY)
    service.ingest(KEY)  # the same file again: nothing new stored, the file already counted
    service.ingest("inbox/ACME/amend.json")
    service.ingest("inbox/BETA/junk.json")
    service.ingest("inbox/BETA/junk.json")  # a rejected file re-delivered: still one rejected file
    flow = _day(counters, Family.FLOW)
    assert (flow["received"], flow["new_consignments"], flow["amendments"]) == (3, 2, 1)
    assert _day(counters, Family.FLOW, "JMKIN|sea|import")["received"] == 3
    assert _day(counters, Family.CARRIERS) == {
        "ACME|consignments": 2,
        "ACME|vague_descriptions": 1,
        "ACME|files": 2,
        "BETA|files": 1,
        "BETA|rejected_files": 1,
    }
    assert counters.scopes() == {"JMKIN|sea|import"}


def test_a_counter_store_that_fails_never_fails_the_ingest() -> None:
    from cts.domain.errors import Unavailable

    class Down(MemoryReportCounters):
        def add(self, cells: object) -> None:  # type: ignore[override]
            raise Unavailable("throttled")

        def first_time(self, marker: str) -> bool:
            raise Unavailable("throttled")

    service = _ingest(Down(), {KEY: json_manifest(consignment_data("A1"))})
    receipt = service.ingest(KEY)
    assert receipt.consignments[0].version == 1


def test_a_buffered_recorder_writes_its_invocations_counts_once_on_flush() -> None:
    from cts.domain.reports import Dims, Tally

    counters = MemoryReportCounters()
    recorder = ReportRecorder(counters, buffered=True)
    dims = Dims("JMKIN", "sea", "import")
    for _ in range(3):
        tally = Tally()
        tally.add(Family.FLOW, dims, NOW.date(), {"assessed": 50})
        recorder.save(tally)
    assert counters.day_cells == {}  # nothing written before the flush
    recorder.flush()
    assert _day(counters, Family.FLOW) == {"assessed": 150}
    assert _day(counters, Family.FLOW, "JMKIN|sea|import") == {"assessed": 150}
    recorder.flush()  # nothing pending: nothing added twice
    assert _day(counters, Family.FLOW) == {"assessed": 150}
