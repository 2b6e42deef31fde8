"""Whatever arrives, the Cargo-IMP parsers end in a ParseResult with issues: they never raise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cts.domain.parsers.base import ParseContext, ParseResult
from cts.domain.parsers.cargoimp import FfmParser, FhlParser, FwbParser

CTX = ParseContext(object_key="inbox/XX/any.txt", carrier_id="XX", received_at=datetime(2026, 4, 17, tzinfo=UTC))
PARSERS = [FwbParser(), FhlParser(), FfmParser()]

VALID = {
    "FWB": (
        "FWB/17\n125-12345675LHRJFK/T10K250.5MC1.2\nFLT/XX0117/24\nRTG/JFKXX\nSHP\nNAM/ACME\nADR/1 HIGH ST\n"
        "LOC/LONDON\n/GB/SW1A1AA/TE/4420\nCNE/ACC\n/BLUE\n/5 MAIN ST\n/NEW YORK/NY\n/US/10001\nAGT//1234567/0001\n"
        "/FAST\n/LONDON\nCVD/GBP//PP/NVD/1500/XXX\nRTD/1/P10/K250.5/CQ/W300/R2.5/T750\n/NG/MACHINE PARTS AND AC\n"
        "/2/NG/CESSORIES\n/3/NH/847990\n/4/NV/MC1.2\nREF/LONFMXX\nSPH/EAP\nOCI/GB/SHP/T/EORIGB1\n///TE/1\n"
    ),
    "FHL": (
        "FHL/5\nMBI/125-12345675LHRJFK/T10K250.5\nHBS/H1/LHRJFK/6/K150.5//PARTS\n/EAP\nTXT/MACHINE PARTS\n"
        "HTS/847990\n/848310\nOCI/GB/SHP/T/EORIGB1\nSHP\nNAM/ACME\nLOC/LONDON\n/GB/SW1\nCNE/BLUE\n/5 MAIN\n/NY\n"
        "/US/10001\nHBS/H2/LHRJFK/4/L220/4/BOOKS\nCVD/GBP/PP/NVD/NCV/XXX\n"
    ),
    "FFM": (
        "FFM/8\n1/XX101/17APR0930/LHR/G-ABCD\nJFK\n125-12345675LHRJFK/T2K20MC0.1/BOOKS\n/EAP\nULD/AKE12345XX\n"
        "125-23456786LHRJFK/S3K30MC0.2T5/PARTS\nBULK\n125-23456786LHRJFK/S2K20T5/PARTS\nULD/PMC54321XX-M/X\n"
        "125-45678905LHRJFK/T4L100/SHOES\nORD\nNIL\nLAST\n"
    ),
}
ALPHABET = "ABCDEFGHIKLMNOPTXYZ0123456789/-.: \n\r"


def check(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    every = [*result.issues, *(i for p in result.consignments for i in p.issues)]
    assert not any("could not be read" in i.message for i in every), every  # no exception hidden by a catch-all
    for parsed in result.consignments:
        assert parsed.consignment is not None or parsed.issues


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(raw: bytes) -> None:
    for parser in PARSERS:
        check(parser.parse(raw, CTX))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["FWB/16", "FHL/5", "FFM/8"]), st.text(alphabet=ALPHABET, max_size=400))
def test_random_cargo_imp_shaped_text_never_raises(header: str, body: str) -> None:
    raw = f"{header}\n{body}".encode()
    for parser in PARSERS:
        check(parser.parse(raw, CTX))


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(VALID)))
    lines = VALID[kind].split("\n")
    for _ in range(draw(st.integers(1, 6))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "dup", "insert", "delete", "swap", "truncate"]))
        line = lines[index]
        if action == "drop" and len(lines) > 1:
            del lines[index]
        elif action == "dup":
            lines.insert(index, line)
        elif action == "insert":
            pos = draw(st.integers(0, len(line)))
            lines[index] = line[:pos] + draw(st.sampled_from(ALPHABET)) + line[pos:]
        elif action == "delete" and line:
            pos = draw(st.integers(0, len(line) - 1))
            lines[index] = line[:pos] + line[pos + 1 :]
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], line
        elif action == "truncate":
            lines[index] = line[: draw(st.integers(0, len(line)))]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return kind, newline.join(lines).encode()


@settings(max_examples=400, deadline=None)
@given(mutated())
def test_mutated_valid_messages_never_raise(case: tuple[str, bytes]) -> None:
    kind, raw = case
    parser = {"FWB": FwbParser(), "FHL": FhlParser(), "FFM": FfmParser()}[kind]
    check(parser.parse(raw, CTX))


@pytest.mark.parametrize("kind", sorted(VALID))
def test_the_unmutated_fixtures_parse_cleanly(kind: str) -> None:
    parser = {"FWB": FwbParser(), "FHL": FhlParser(), "FFM": FfmParser()}[kind]
    result = parser.parse(VALID[kind].encode(), CTX)
    assert result.issues == []
    assert result.consignments
    assert all(p.consignment is not None for p in result.consignments)
