"""The builder on a tiny synthetic source tree laid out like ../shared/reference."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import pytest

from cts.domain.reference import ReferenceData
from cts.reference.build import build_reference_data, parse_coordinates

HS_CSV = (
    "section,hscode,description,parent,level\n"
    "I,01,Animals; live,TOTAL,2\n"
    'I,0101,"Horses, asses, mules and hinnies; live",01,4\n'
    'I,010121,"Horses; live, pure-bred breeding animals",0101,6\n'
    "XVI,8549,Electrical and electronic waste and scrap,85,4\n"
    "TOTAL,99,Commodities not specified according to kind,TOTAL,2\n"
    "TOTAL,999999,Commodities not specified according to kind,9999,6\n"
    "TOTAL,TOTAL,Total of all HS2022 commodities,TOTAL,5\n"
)

COUNTRIES_CSV = (
    "ISO3166-1-Alpha-3,ISO3166-1-numeric,ISO3166-1-Alpha-2,official_name_en,CLDR display name,"
    "ISO4217-currency_alphabetic_code,Region Name\n"
    "JAM,388,JM,Jamaica,Jamaica,JMD,Americas\n"
    'NAM,516,NA,Namibia,Namibia,"NAD,ZAR",Africa\n'
    "AND,20,AD,,Andorra,EUR,Europe\n"
    ",,,Sark,Sark,GBP,Europe\n"
)

# 2024-2 part: cp1252, CRLF, every field quoted, no header, Function before Status.
PART2 = (
    b',"GA",,".GABON",,,,,,,,\r\n'
    b',"GA","AKE","Akieni","Akieni",,"---4----","AI","9601",,,\r\n'
    b'"+","GA","LBV","Libreville","Libreville","1","1234----","AI","0101","LBV","0023N 00927E",\r\n'
    b',"MA","MDT","Midelt","Midelt","KHN","--3-----","AA","1701",,"3240N 00444W","line one\nline two"\r\n'
    b',"FR","CQF","C\x9cur \x92s Port","Coeur s Port",,"1-------","RL","2401",,"5057N 00151E",\r\n'
    b'"=","GL",,"Godhavn = Qeqertarsuaq","Godhavn = Qeqertarsuaq",,,,,,,\r\n'
    b',"GR","HER","Heraklion (Iraklion)","Heraklion (Iraklion)","91","1--4----","AI","1101",,"3520N 02510E",\r\n'
    b',"GR","HER","Iraklion (Heraklion)","Iraklion (Heraklion)","91","1--4----","AI","1101",,"3520N 02510E",\r\n'
)

# 2018-1 full list as opentraveldata ships it: UTF-8, LF, bzip2.
FULL_2018 = (
    ',"AD",,".ANDORRA",,,,,,,,\n'
    ',"AD","ALV","Andorra la Vella","Andorra la Vella",,"--34-6--","AI","0601",,"4230N 00131E",""\n'
    ',"CN","SHA","Shanghai Hongqiao International Apt","Shanghai Hongqiao International Apt",'
    '"31","---4----","AS","1601",,,""\n'
    ',"GA","LBV","Libreville (old)","Libreville (old)",,"1-------","AI","0101",,,\n'
    ',"GA","OLD","Oldport","Oldport",,"1-------","RL","0101",,"0130S 00930E",\n'
)

EXPECTED_UNLOCODE = (
    "locode,name,ascii_name,subdivision,function,status,iata,lat,lon,edition\n"
    "ADALV,Andorra la Vella,,,--34-6--,AI,,42.5,1.5167,2018-1\n"
    "CNSHA,Shanghai Hongqiao International Apt,,31,---4----,AS,,,,2018-1\n"
    "FRCQF,C\u0153ur \u2019s Port,Coeur s Port,,1-------,RL,,50.95,1.85,2024-2\n"
    "GAAKE,Akieni,,,---4----,AI,,,,2024-2\n"
    "GALBV,Libreville,,1,1234----,AI,LBV,0.3833,9.45,2024-2\n"
    "GAOLD,Oldport,,,1-------,RL,,-1.5,9.5,2018-1\n"
    "GRHER,Heraklion (Iraklion),,91,1--4----,AI,,35.3333,25.1667,2024-2\n"
    "MAMDT,Midelt,,KHN,--3-----,AA,,32.6667,-4.7333,2024-2\n"
)
EXPECTED_HS = (
    "code,section,description\n"
    "01,I,Animals; live\n"
    '0101,I,"Horses, asses, mules and hinnies; live"\n'
    '010121,I,"Horses; live, pure-bred breeding animals"\n'
    "8549,XVI,Electrical and electronic waste and scrap\n"
)
EXPECTED_COUNTRIES = (
    "alpha2,alpha3,numeric,name,currencies,region\n"
    "AD,AND,020,Andorra,EUR,Europe\n"
    "JM,JAM,388,Jamaica,JMD,Americas\n"
    "NA,NAM,516,Namibia,NAD ZAR,Africa\n"
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = tmp_path / "source"
    for folder in ("hs", "countries", "unlocode"):
        (root / folder).mkdir(parents=True)
    (root / "hs" / "harmonized-system.csv").write_bytes(HS_CSV.encode("utf-8-sig"))
    (root / "countries" / "country-codes.csv").write_text(COUNTRIES_CSV, encoding="utf-8")
    (root / "unlocode" / "2024-2_UNLOCODE_CodeListPart2.csv").write_bytes(PART2)
    (root / "unlocode" / "unlocode-code-list-2018-1-optd.csv.bz2").write_bytes(bz2.compress(FULL_2018.encode("utf-8")))
    (root / "unlocode" / "status-indicators.csv").write_text("STStatus,STDescription\nAI,x\n")
    return root


def test_builder_writes_the_exact_compact_tables(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    counts = build_reference_data(source, dest, built_on="2025-01-02")

    assert gzip.decompress((dest / "unlocode.csv.gz").read_bytes()).decode("utf-8") == EXPECTED_UNLOCODE
    assert gzip.decompress((dest / "hs.csv.gz").read_bytes()).decode("utf-8") == EXPECTED_HS
    assert (dest / "countries.csv").read_text(encoding="utf-8") == EXPECTED_COUNTRIES
    assert counts == {
        "hs": 4,
        "countries": 3,
        "unlocode": 8,
        "unlocode:2024-2": 5,
        "unlocode:2018-1": 3,
    }


def test_sources_json_records_editions_checksums_and_counts(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    build_reference_data(source, dest, built_on="2025-01-02")
    sources = json.loads((dest / "SOURCES.json").read_text(encoding="utf-8"))

    assert sources["built_on"] == "2025-01-02"
    assert sources["hs"]["edition"] == "HS 2022"
    assert sources["hs"]["rows"] == 4
    assert sources["unlocode"]["primary_edition"] == "2024-2"
    editions = {e["edition"]: e for e in sources["unlocode"]["editions"]}
    assert [e["edition"] for e in sources["unlocode"]["editions"]] == ["2024-2", "2018-1"]
    assert editions["2024-2"]["countries"] == "FR GA GR MA"
    assert editions["2018-1"]["rows"] == 3
    part2 = editions["2024-2"]["files"][0]
    assert part2["path"] == "unlocode/2024-2_UNLOCODE_CodeListPart2.csv"
    assert len(part2["sha256"]) == 64
    assert part2["bytes"] == len(PART2)


def test_building_twice_gives_byte_identical_files(source: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    build_reference_data(source, first, built_on="2025-01-02")
    build_reference_data(source, second, built_on="2025-01-02")

    names = sorted(p.name for p in first.iterdir())
    assert names == ["SOURCES.json", "countries.csv", "hs.csv.gz", "unlocode.csv.gz"]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_build_date_comes_from_source_date_epoch(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build_reference_data(source, tmp_path / "out")
    sources = json.loads((tmp_path / "out" / "SOURCES.json").read_text(encoding="utf-8"))
    assert sources["built_on"] == "2023-11-14"


def test_lookups_read_a_built_folder(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    build_reference_data(source, dest, built_on="2025-01-02")
    ref = ReferenceData(dest)

    coeur = ref.location("FR CQF")
    assert coeur is not None
    assert coeur.name == "C\u0153ur \u2019s Port"
    assert coeur.ascii_name == "Coeur s Port"
    libreville = ref.location("GALBV")
    assert libreville is not None
    assert (libreville.name, libreville.iata, libreville.edition) == ("Libreville", "LBV", "2024-2")
    assert libreville.is_port
    assert libreville.is_airport
    assert libreville.is_rail_terminal
    oldport = ref.location("GAOLD")
    assert oldport is not None
    assert ref.is_superseded(oldport)
    andorra = ref.location("ADALV")
    assert andorra is not None
    assert not ref.is_superseded(andorra)
    assert ref.location("GLGOD") is None
    assert ref.country("NA") is not None
    assert ref.is_known_currency("ZAR")
    assert ref.hs_code("999999") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0117N 10351E", ("1.2833", "103.85")),
        ("3403N 11815W", ("34.05", "-118.25")),
        ("0130S 00930E", ("-1.5", "9.5")),
        ("0000N 00000W", ("0", "0")),
        ("2444N 05045", None),
        ("4427N 064250W", None),
        ("4375N 00100E", None),
        ("", None),
    ],
)
def test_coordinates_are_parsed_to_decimal_degrees_or_dropped(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_coordinates(text) == expected


def test_cli_reference_build_writes_the_package_data_layout(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cts.cli.reference import main

    dest = tmp_path / "cli-out"
    assert main(["reference", "build", "--source", str(source), "--dest", str(dest), "--built-on", "2025-01-02"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"]["unlocode"] == 8
    assert gzip.decompress((dest / "unlocode.csv.gz").read_bytes()).decode("utf-8") == EXPECTED_UNLOCODE


def test_cli_reference_build_refuses_a_missing_source(tmp_path: Path) -> None:
    from cts.cli.reference import main

    assert main(["reference", "build", "--source", str(tmp_path / "nope"), "--dest", str(tmp_path / "o")]) == 2
