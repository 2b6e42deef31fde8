"""Small, invented consignments for tests (never real carrier data)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from cts.domain.model import Consignment, DataQualityIssue
from cts.domain.receipt import ConsignmentOutcome, Receipt, ReceiptStatus

ETA = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def consignment_data(number: str = "TSTU0000001", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "mode": "sea",
        "direction": "import",
        "transport_document": {"number": number, "kind": "master_bill"},
        "carrier": {"code": "TSTU"},
        "conveyance": {"journey_id": "001E", "vessel_name": "TEST VESSEL", "imo_number": "9074729"},
        "itinerary": {"place_of_loading": {"locode": "NLRTM"}, "place_of_discharge": {"locode": "JMKIN"}},
        "eta": ETA.isoformat(),
        "etd": datetime(2026, 11, 27, tzinfo=UTC).isoformat(),
        "parties": [
            {"role": "consignor", "name": "Tulip Tools BV", "country": "NL"},
            {"role": "consignee", "name": "Blue Mountain Hardware", "country": "JM"},
        ],
        "goods": [
            {
                "sequence": 1,
                "description": "Hand tools",
                "hs_code": "8205.59",
                "package_count": 10,
                "gross_weight_kg": "250",
                "container_numbers": ["CSQU3054383"],
            }
        ],
        "equipment": [{"number": "CSQU 305438-3", "full_empty": "full"}],
    }
    for name, value in overrides.items():
        data[name] = value
    return copy.deepcopy(data)


def make_consignment(number: str = "TSTU0000001", **overrides: Any) -> Consignment:
    data = consignment_data(number, **overrides)
    data["provenance"] = {"object_key": "inbox/TEST/file.json", "source_format": "json"}
    return Consignment.model_validate(data)


def json_manifest(*consignments: dict[str, Any], message_ref: str = "REF-1") -> bytes:
    return json.dumps({"format": "cts-json/1", "message_ref": message_ref, "consignments": list(consignments)}).encode()


def make_receipt(
    outcomes: list[ConsignmentOutcome], issues: list[DataQualityIssue] | None = None, file_id: str = "f1"
) -> Receipt:
    """A receipt of carrier ACME's file ``file_id`` with these outcomes and file issues."""
    now = datetime(2026, 11, 26, tzinfo=UTC)
    return Receipt(
        file_id=file_id,
        object_key=f"inbox/ACME/{file_id}.json",
        carrier_id="ACME",
        source_format=None,
        status=ReceiptStatus.ACCEPTED_WITH_WARNINGS,
        received_at=now,
        processed_at=now,
        consignments=outcomes,
        issues=issues or [],
    )
