"""A flight manifest moves an air waybill's journey forward without erasing who sent what."""

from __future__ import annotations

from builders import make_consignment
from cts.domain.model import Consignment, SourceFormat
from cts.domain.reference import default_reference
from cts.services.ingest import IngestService
from fakes import FakeClock, FakeConsignments, FakeObjectStore, FakeQueue, FakeReceipts

AIR = {
    "mode": "air",
    "transport_document": {"number": "157-12345675", "kind": "master_awb"},
    "carrier": {"code": "157"},
    "equipment": [],
    "itinerary": {"place_of_loading": {"name": "DOH"}, "place_of_discharge": {"name": "KIN"}},
}


def waybill() -> Consignment:
    return make_consignment(**AIR, conveyance={"journey_id": "QR123"})


def manifest(flight: str = "QR8001") -> Consignment:
    thin = make_consignment(
        **AIR,
        parties=[],
        goods=[{"sequence": 1, "description": "CONSOL", "package_count": 3}],
        conveyance={"journey_id": flight},
    )
    return thin.model_copy(
        update={"provenance": thin.provenance.model_copy(update={"source_format": SourceFormat.FFM})}
    )


def store(svc: IngestService, consignment: Consignment, name: str) -> int | None:
    from cts.domain.parsers.base import ParsedConsignment

    outcome = svc._store(ParsedConsignment(consignment.transport_document.number, consignment), name, "AIRLINE")
    return None if outcome.duplicate else outcome.version


def service() -> tuple[IngestService, FakeConsignments]:
    repo = FakeConsignments()
    svc = IngestService(
        FakeObjectStore(), FakeObjectStore(), FakeReceipts(), repo, FakeQueue(), default_reference(), FakeClock()
    )
    return svc, repo


def test_a_manifest_after_the_waybill_updates_the_flight_and_keeps_parties_and_goods() -> None:
    svc, repo = service()
    assert store(svc, waybill(), "fwb") == 1
    assert store(svc, manifest(), "ffm") == 2
    latest = repo.latest(waybill().key)
    assert latest is not None
    assert latest.consignment.conveyance.journey_id == "QR8001"
    assert [p.name for p in latest.consignment.parties] == ["Tulip Tools BV", "Blue Mountain Hardware"]
    assert latest.consignment.goods[0].description == "Hand tools"
    assert latest.file_id == "ffm"
    assert store(svc, manifest(), "ffm-again") is None  # the same manifest re-sent: nothing new


def test_a_waybill_after_the_manifest_keeps_the_manifest_flight_when_it_has_none() -> None:
    svc, repo = service()
    store(svc, manifest(), "ffm")
    no_flight = make_consignment(**AIR, conveyance={})
    assert store(svc, no_flight, "fwb") == 2
    latest = repo.latest(waybill().key)
    assert latest is not None
    assert latest.consignment.conveyance.journey_id == "QR8001"
    assert latest.consignment.parties
