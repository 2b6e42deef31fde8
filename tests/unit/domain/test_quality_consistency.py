"""Consistency and timeliness checks: facts the risk engine can use, reported on the carrier's receipt."""

from __future__ import annotations

from datetime import UTC, datetime

from builders import make_consignment
from cts.domain.quality import assess_quality
from cts.domain.reference import default_reference


def codes(**overrides: object) -> dict[str, str | None]:
    found = assess_quality(make_consignment(**overrides), default_reference())
    return {i.code: i.value for i in found}


def test_totals_that_disagree_with_the_goods_items_are_flagged() -> None:
    found = codes(total_packages=12, total_gross_weight_kg="300")
    assert found["PACKAGES_MISMATCH"] == "total 12 != goods items 10"
    assert found["WEIGHT_MISMATCH"] == "total 300 kg != goods items 250 kg"
    assert "PACKAGES_MISMATCH" not in codes(total_packages=10, total_gross_weight_kg="250.4")


def test_sea_cargo_filed_less_than_24_hours_before_departure_is_late() -> None:
    late = codes(filed_at=datetime(2026, 11, 26, 12, tzinfo=UTC).isoformat())  # ETD is 27 Nov 00:00
    assert late["LATE_FILING"] == "12.0 h before departure, due 24 h before"
    assert "LATE_FILING" not in codes(filed_at=datetime(2026, 11, 25, tzinfo=UTC).isoformat())


def test_air_cargo_is_late_when_filed_within_four_hours_of_arrival() -> None:
    air = {
        "mode": "air",
        "transport_document": {"number": "157-12345675", "kind": "master_awb"},
        "etd": None,
        "equipment": [],
        "goods": [{"sequence": 1, "description": "Watches", "gross_weight_kg": "5"}],
    }
    late = codes(**air, filed_at=datetime(2026, 12, 1, 3, tzinfo=UTC).isoformat())  # ETA is 1 Dec 06:00
    assert late["LATE_FILING"] == "3.0 h before arrival, due 4 h before"


def test_the_receipt_time_stands_in_when_the_carrier_gives_no_filing_time() -> None:
    c = make_consignment()
    received = c.provenance.model_copy(update={"received_at": datetime(2026, 11, 26, 18, tzinfo=UTC)})
    found = assess_quality(c.model_copy(update={"provenance": received}), default_reference())
    assert [i.code for i in found] == ["LATE_FILING"]
