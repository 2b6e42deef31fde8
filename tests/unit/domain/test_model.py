from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from builders import consignment_data, make_consignment
from cts.domain.model import Consignment, DocumentKind, PartyRole, TransportDocument


def test_identifiers_are_compacted_whatever_the_carrier_formatting():
    c = make_consignment(conveyance={"imo_number": "IMO 9074729"})
    assert c.conveyance.imo_number == "9074729"
    assert c.equipment[0].number == "CSQU3054383"


def test_hs_codes_keep_digits_only_and_reject_letters():
    assert make_consignment().goods[0].hs_code == "820559"
    data = consignment_data(goods=[{"sequence": 1, "hs_code": "82AB"}])
    data["provenance"] = {"object_key": "k", "source_format": "json"}
    with pytest.raises(ValidationError, match="HS code"):
        Consignment.model_validate(data)


def test_house_bill_links_to_its_master_and_gets_its_own_key():
    house = make_consignment("HB1", transport_document={"number": "HB1", "kind": "house_bill", "master_number": "MB 9"})
    master = make_consignment("MB9")
    assert house.transport_document.master_number == "MB9"
    assert house.key == "sea:TSTU/MB9:HB1"
    assert master.key == "sea:TSTU:MB9"


def test_a_master_document_cannot_point_to_a_master():
    with pytest.raises(ValidationError, match="only a house document"):
        TransportDocument(number="X", kind=DocumentKind.MASTER_BILL, master_number="Y")


def test_unknown_fields_are_rejected_so_typos_do_not_pass_silently():
    data = consignment_data(eat="2026-01-01")
    data["provenance"] = {"object_key": "k", "source_format": "json"}
    with pytest.raises(ValidationError, match="eat"):
        Consignment.model_validate(data)


def test_parties_are_found_by_role_and_weights_add_up():
    c = make_consignment(
        goods=[
            {"sequence": 1, "description": "a", "gross_weight_kg": "10.5"},
            {"sequence": 2, "description": "b", "gross_weight_kg": "4.5"},
        ]
    )
    assert c.consignee is not None
    assert c.consignee.name == "Blue Mountain Hardware"
    assert c.party(PartyRole.NOTIFY_PARTY) is None
    assert c.gross_weight_kg == Decimal("15.0")


def test_a_place_needs_a_code_or_a_name():
    data = consignment_data(itinerary={"place_of_loading": {}})
    data["provenance"] = {"object_key": "k", "source_format": "json"}
    with pytest.raises(ValidationError, match="UN/LOCODE or a name"):
        Consignment.model_validate(data)
