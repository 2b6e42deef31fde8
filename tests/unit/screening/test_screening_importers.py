from __future__ import annotations

from pathlib import Path

import pytest

from cts.domain.screening.importers import (
    WatchlistError,
    load_cts_csv,
    load_ofac_legacy,
    load_watchlist,
    parse_opensanctions_ftm,
    parse_un_consolidated,
)
from cts.domain.screening.index import ScreeningIndex
from cts.domain.screening.matcher import Screener
from cts.domain.screening.model import EntryKind

OFAC = Path(__file__).resolve().parents[4] / "shared" / "watchlists" / "ofac_sdn_2021-07"

# The exact legacy layout: no header, quoted cells, "-0- " for empty, CRLF lines, a final \x1a byte.
SDN = (
    '10,"NORTHWIND TRADING CO., LTD.",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Linked To: X."\r\n'
    '11,"KOVAL, Ivan Petrovich","individual","UKRAINE-EO13660","Director",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"DOB 01 Jan 1960."\r\n'
    '12,"SEA FALCON","vessel","IRAN",-0- ,"9HA1234","Crude Oil Tanker",-0- ,"80,000",'
    '"Malta",-0- ,"IMO 9123456."\r\n'
    '13,"P-100","aircraft","DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    "\x1a"
)
ALT = (
    '10,1,"aka","NORTHWIND INTERNATIONAL",-0- \r\n'
    '11,2,"aka","KOVAL, Ivan",-0- \r\n'
    '11,3,"fka","KOVALL, Iwan",-0- \r\n'
    "\x1a"
)
ADD = (
    '10,5,"1 Harbour Road","Hong Kong","China",-0- \r\n'
    '10,6,-0- ,"Dubai","United Arab Emirates",-0- \r\n'
    "11,7,-0- ,-0- ,-0- ,-0- \r\n"
    "\x1a"
)


def write_ofac(folder: Path) -> Path:
    folder.mkdir()
    (folder / "sdn.csv").write_bytes(SDN.encode())
    (folder / "alt.csv").write_bytes(ALT.encode())
    (folder / "add.csv").write_bytes(ADD.encode())
    return folder


def test_ofac_legacy_folder_gives_entries_with_aliases_kinds_and_first_country(tmp_path: Path) -> None:
    entries = {e.id: e for e in load_ofac_legacy(write_ofac(tmp_path / "ofac"))}
    assert list(entries) == ["OFAC-10", "OFAC-11", "OFAC-12", "OFAC-13"]
    assert entries["OFAC-10"].names == ("NORTHWIND TRADING CO., LTD.", "NORTHWIND INTERNATIONAL")
    assert entries["OFAC-10"].kind is EntryKind.ORGANIZATION
    assert entries["OFAC-10"].country == "China"
    assert entries["OFAC-10"].reason == "SDGT"
    assert entries["OFAC-11"].kind is EntryKind.PERSON
    assert entries["OFAC-11"].names == ("KOVAL, Ivan Petrovich", "KOVAL, Ivan", "KOVALL, Iwan")
    assert entries["OFAC-11"].country is None
    assert entries["OFAC-12"].kind is EntryKind.VESSEL
    assert entries["OFAC-13"].kind is EntryKind.OTHER


def test_ofac_aliases_and_addresses_are_optional(tmp_path: Path) -> None:
    folder = tmp_path / "ofac"
    folder.mkdir()
    (folder / "sdn.csv").write_bytes(SDN.encode())
    assert [len(e.names) for e in load_ofac_legacy(folder)] == [1, 1, 1, 1]


def test_a_folder_without_sdn_csv_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WatchlistError, match=r"no sdn\.csv"):
        load_ofac_legacy(tmp_path)


def test_cts_csv_gives_entries_with_split_aliases(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "id,kind,name,aliases,country,reason,valid_from,valid_to\n"
        "W1,organization,Golden Dragon Shipping Ltd,Golden Dragon Marine; GDS Ltd,HK,fraud,2024-01-01,\n"
        "\n"
        'W2,person,"RASHEED, Muhammad",,IQ,,,2030-12-31\n',
        encoding="utf-8",
    )
    first, second = load_cts_csv(path)
    assert first.names == ("Golden Dragon Shipping Ltd", "Golden Dragon Marine", "GDS Ltd")
    assert (first.kind, first.country, first.reason, first.valid_from, first.valid_to) == (
        EntryKind.ORGANIZATION,
        "HK",
        "fraud",
        "2024-01-01",
        None,
    )
    assert second.kind is EntryKind.PERSON
    assert second.valid_to == "2030-12-31"


def test_cts_csv_without_required_columns_or_with_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,kind\nW1,person\n", encoding="utf-8")
    with pytest.raises(WatchlistError, match="name"):
        load_cts_csv(bad)
    bad.write_text("id,kind,name\nW1,spaceship,X\n", encoding="utf-8")
    with pytest.raises(WatchlistError, match="unknown kind"):
        load_cts_csv(bad)


def test_watchlist_format_is_detected_from_the_path(tmp_path: Path) -> None:
    csv_path = tmp_path / "list.csv"
    csv_path.write_text("id,name\nW1,Acme\n", encoding="utf-8")
    assert load_watchlist(csv_path)[0].kind is EntryKind.OTHER
    assert load_watchlist(write_ofac(tmp_path / "ofac"))[0].id == "OFAC-10"
    with pytest.raises(WatchlistError):
        load_watchlist(tmp_path / "missing")


@pytest.mark.skipif(not OFAC.is_dir(), reason="../shared/watchlists/ofac_sdn_2021-07 is absent")
def test_real_ofac_list_loads_in_full_and_its_names_screen_to_themselves() -> None:
    entries = load_ofac_legacy(OFAC)
    assert len(entries) == 8976
    kinds = {k: sum(1 for e in entries if e.kind is k) for k in EntryKind}
    assert kinds == {EntryKind.PERSON: 4620, EntryKind.ORGANIZATION: 3673, EntryKind.VESSEL: 406, EntryKind.OTHER: 277}
    assert sum(len(e.names) - 1 for e in entries) > 11_000
    screener = Screener(ScreeningIndex(entries))
    for entry_id, name in [
        ("OFAC-36", "AEROCARIBBEAN AIRLINES"),
        ("OFAC-173", "ANGLO-CARIBBEAN CO., LTD."),
        ("OFAC-306", "BANCO NACIONAL DE CUBA"),
        ("OFAC-6365", "BIN LADEN, Osama"),
    ]:
        best = screener.screen(name)[0]
        assert (best.entry_id, best.score) == (entry_id, 1.0)
    assert screener.screen("NATIONAL BANK OF CUBA")[0].entry_id == "OFAC-306"
    assert screener.screen("Anglo Caribean Company Limited")[0].entry_id == "OFAC-173"


UN_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" dateGenerated="2024-01-01T00:00:00">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>6908555</DATAID>
      <FIRST_NAME>IVAN</FIRST_NAME>
      <SECOND_NAME>PETROV</SECOND_NAME>
      <THIRD_NAME/>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
      <REFERENCE_NUMBER>KPi.999</REFERENCE_NUMBER>
      <LISTED_ON>2016-11-30</LISTED_ON>
      <NAME_ORIGINAL_SCRIPT>@ORIGINAL@</NAME_ORIGINAL_SCRIPT>
      <NATIONALITY><VALUE>Testland</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Iwan Petroff</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME/></INDIVIDUAL_ALIAS>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>110</DATAID>
      <FIRST_NAME>OCEAN STAR TRADING CO., LTD.</FIRST_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
      <REFERENCE_NUMBER/>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>OSTC</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ADDRESS><CITY>Port</CITY><COUNTRY>Otherland</COUNTRY></ENTITY_ADDRESS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
""".replace(b"@ORIGINAL@", "\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432".encode())


def test_un_consolidated_xml_gives_persons_and_organisations_with_aliases() -> None:
    person, org = parse_un_consolidated(UN_XML)
    assert person.id == "UN-KPi.999"
    assert person.kind is EntryKind.PERSON
    assert person.names == (
        "IVAN PETROV",
        "Iwan Petroff",
        "\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432",
    )
    assert (person.country, person.reason, person.valid_from) == ("Testland", "DPRK", "2016-11-30")
    assert org.id == "UN-110"
    assert org.kind is EntryKind.ORGANIZATION
    assert org.names == ("OCEAN STAR TRADING CO., LTD.", "OSTC")
    assert org.country == "Otherland"


def test_un_xml_with_a_doctype_or_another_root_is_refused() -> None:
    with pytest.raises(WatchlistError):
        parse_un_consolidated(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><CONSOLIDATED_LIST/>')
    with pytest.raises(WatchlistError, match="CONSOLIDATED_LIST"):
        parse_un_consolidated(b"<OTHER/>")


FTM = (
    b'{"id": "os-1", "schema": "Person", "properties": {"name": ["Ivan Petrov"], "alias": ["Iwan Petroff"],'
    b' "nationality": ["ru"], "topics": ["sanction"]}, "first_seen": "2022-03-01T00:00:00"}\n'
    b"\n"
    b'{"id": "os-2", "schema": "Address", "properties": {"full": ["1 Main St"]}}\n'
    b'{"id": "os-3", "schema": "Company", "properties": {"name": ["Ocean Star Ltd"], "weakAlias": ["OSL"],'
    b' "country": ["hk"]}}\n'
    b'{"id": "os-4", "schema": "Vessel", "properties": {"name": ["SEA FALCON"]}}\n'
)


def test_opensanctions_ftm_lines_give_party_entities_only() -> None:
    entries = parse_opensanctions_ftm(FTM)
    assert [(e.id, e.kind) for e in entries] == [
        ("os-1", EntryKind.PERSON),
        ("os-3", EntryKind.ORGANIZATION),
        ("os-4", EntryKind.VESSEL),
    ]
    assert entries[0].names == ("Ivan Petrov", "Iwan Petroff")
    assert (entries[0].country, entries[0].reason) == ("ru", "sanction")
    assert entries[1].names == ("Ocean Star Ltd", "OSL")
    with pytest.raises(WatchlistError, match="line 1"):
        parse_opensanctions_ftm(b"{not json\n")


def test_watchlist_format_is_detected_from_the_file_suffix(tmp_path: Path) -> None:
    (tmp_path / "un.xml").write_bytes(UN_XML)
    (tmp_path / "os.jsonl").write_bytes(FTM)
    assert load_watchlist(tmp_path / "un.xml")[0].source == "UN-SC"
    assert load_watchlist(tmp_path / "os.jsonl")[0].source == "OpenSanctions"
