from __future__ import annotations

from datetime import UTC, datetime

import pytest

from builders import consignment_data, json_manifest
from cts.domain.model import Severity, SourceFormat
from cts.domain.parsers import ParseContext, UnknownFormat, detect_format, parse

CTX = ParseContext(object_key="inbox/ACME/m.json", carrier_id="ACME", received_at=datetime(2026, 11, 25, tzinfo=UTC))

CSV_HEADER = (
    "document_number,document_kind,mode,direction,carrier_code,place_of_loading,place_of_discharge,eta,"
    "consignor_name,consignor_country,consignee_name,consignee_country,description,hs_code,package_count,"
    "gross_weight_kg,container_number\n"
)


def test_json_template_is_detected_and_parsed_with_provenance():
    result = parse(json_manifest(consignment_data("A1"), consignment_data("A2")), CTX)
    assert result.source_format is SourceFormat.JSON
    assert [p.document_number for p in result.consignments] == ["A1", "A2"]
    first = result.consignments[0].consignment
    assert first is not None
    assert first.provenance.object_key == "inbox/ACME/m.json"
    assert first.provenance.message_ref == "REF-1"
    assert first.provenance.segment == 1


def test_one_bad_json_consignment_does_not_sink_the_others():
    bad = consignment_data("B1")
    del bad["direction"]
    result = parse(json_manifest(consignment_data("A1"), bad), CTX)
    good, rejected = result.consignments
    assert good.consignment is not None
    assert rejected.consignment is None
    assert rejected.document_number == "B1"
    assert rejected.issues[0].code == "MISSING_DIRECTION"
    assert rejected.issues[0].field == "consignments[1].direction"
    assert rejected.issues[0].severity is Severity.ERROR


def test_malformed_json_is_reported_with_its_line():
    raw = b'{"format": "cts-json/1",\n "consignments": [\n  {,}\n]}'
    result = parse(raw, CTX, SourceFormat.JSON)
    assert result.consignments == []
    assert result.issues[0].code == "MALFORMED_JSON"
    assert result.issues[0].line == 3


def test_csv_rows_sharing_a_document_form_one_consignment():
    raw = (
        CSV_HEADER
        + "MB1,master_bill,sea,import,MAEU,NLRTM,JMKIN,2026-12-01T06:00:00Z,Tulip BV,NL,Blue Ltd,JM,Tools,820559,"
        "10,250,CSQU3054383\n"
        + "MB1,master_bill,sea,import,MAEU,NLRTM,JMKIN,2026-12-01T06:00:00Z,Tulip BV,NL,Blue Ltd,JM,Bolts,731815,"
        "5,100,CSQU3054383\n"
        + "MB2,master_bill,sea,import,MAEU,NLRTM,JMKIN,,Tulip BV,NL,Blue Ltd,JM,Paint,320810,1,20,\n"
    ).encode()
    result = parse(raw, CTX)
    assert result.source_format is SourceFormat.CSV
    mb1 = result.consignments[0].consignment
    assert mb1 is not None
    assert [g.description for g in mb1.goods] == ["Tools", "Bolts"]
    assert [e.number for e in mb1.equipment] == ["CSQU3054383"]
    assert mb1.provenance.line == 2
    assert result.consignments[1].consignment is not None


def test_a_bad_csv_row_names_its_line():
    raw = (CSV_HEADER + "MB1,master_bill,boat,import,,,,,,,,,Tools,,,,\n").encode()
    result = parse(raw, CTX)
    (item,) = result.consignments
    assert item.consignment is None
    assert item.issues[0].line == 2
    assert item.issues[0].field == "mode"


def test_csv_without_required_columns_is_rejected_at_line_one():
    raw = b"document_number,document_kind,mode\nX,master_bill,sea\n"
    result = parse(raw, CTX, SourceFormat.CSV)
    assert result.issues[0].code == "MISSING_COLUMNS"
    assert "direction" in result.issues[0].message


def test_unrecognised_content_raises_unknown_format():
    with pytest.raises(UnknownFormat):
        detect_format(b"hello world")
