"""Robustness: random bytes and mutated valid interchanges never raise; they end in a ParseResult with issues."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cts.domain.parsers.base import ParseContext, ParseResult
from cts.domain.parsers.edifact import CuscarParser, IftminParser
from cts.domain.parsers.edifact.tokenizer import tokenize

CTX = ParseContext(object_key="inbox/X/fuzz.edi", carrier_id="X", received_at=datetime(2024, 1, 1, tzinfo=UTC))

VALID = (
    "UNA:+,? '\n"
    "UNB+UNOC:3+S:ZZ+R:ZZ+240101:1200+IC1'\n"
    "UNG+CUSCAR+S+R+240101:1200+G1+UN+D:95B'\n"
    "UNH+M1+CUSCAR:D:95B:UN'\n"
    "BGM+785+MAN1+9'\n"
    "DTM+137:202401011200:203'\n"
    "TDT+20+V1+1++MAEU:172:20+++9321483:146:11:EMMA MAERSK'\n"
    "EQD+CN+MSKU1234565+22G1+++5'\n"
    "SEL+S1'\n"
    "CNI+1+BL1'\n"
    "LOC+9+CNSHA'\n"
    "LOC+11+NLRTM'\n"
    "NAD+CZ+++SHIPPER?+CO+STREET 1+CITY++123+CN'\n"
    "NAD+CN+++CONSIGNEE+STREET 2+CITY++456+NL'\n"
    "GID+1+10:CT'\n"
    "FTX+AAA+++TOYS'\n"
    "PIA+5+950300:HS'\n"
    "MEA+AAE+G+KGM:100,5'\n"
    "DGS+IMD+9+3090'\n"
    "SGP+MSKU1234565'\n"
    "CNI+2+BL2'\n"
    "RFF+BH:BL2'\n"
    "RFF+BM:MBL2'\n"
    "GID+1+1:PK'\n"
    "UNT+22+M1'\n"
    "UNE+1+G1'\n"
    "UNZ+1+IC1'\n"
).encode("latin-1")


def _check(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    codes = [i.code for i in result.issues] + [i.code for p in result.consignments for i in p.issues]
    assert "PARSER_ERROR" not in codes  # the safety net in the reader must never be needed
    for parsed in result.consignments:
        assert parsed.consignment is not None or parsed.issues


def test_the_valid_fixture_is_clean() -> None:
    result = CuscarParser().parse(VALID, CTX)
    assert result.issues == []
    assert [p.document_number for p in result.consignments] == ["BL1", "BL2"]
    assert all(p.consignment is not None for p in result.consignments)


@settings(max_examples=300, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    _check(CuscarParser().parse(raw, CTX))
    _check(IftminParser().parse(raw, CTX))
    list(tokenize(raw))


@settings(max_examples=300, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="UNAHBTZGE:+,.?' \n\r0123456789CUSCARIFTMIN", max_size=400))
def test_edifact_looking_text_never_raises(text: str) -> None:
    _check(CuscarParser().parse(("UNB+UNOA:2+S+R+IC'UNH+1+CUSCAR:D:95B:UN'" + text).encode(), CTX))
    _check(IftminParser().parse(("UNB+UNOA:2+S+R+IC'UNH+1+IFTMIN:D:00B:UN'" + text).encode(), CTX))


_MUTATION = st.tuples(
    st.sampled_from(["delete", "insert", "replace", "duplicate", "truncate"]),
    st.integers(min_value=0, max_value=len(VALID) - 1),
    st.integers(min_value=1, max_value=40),
    st.binary(min_size=1, max_size=8) | st.sampled_from([b"'", b"+", b":", b"?", b"''", b"\xff", b"UNH+9+CUSCAR'"]),
)


def _mutate(raw: bytes, mutation: tuple[str, int, int, bytes]) -> bytes:
    kind, at, length, piece = mutation
    if kind == "delete":
        return raw[:at] + raw[at + length :]
    if kind == "insert":
        return raw[:at] + piece + raw[at:]
    if kind == "replace":
        return raw[:at] + piece + raw[at + len(piece) :]
    if kind == "duplicate":
        return raw[:at] + raw[at : at + length] + raw[at:]
    return raw[:at]


@settings(max_examples=400, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_MUTATION, min_size=1, max_size=4))
def test_mutated_valid_interchanges_never_raise(mutations: list[tuple[str, int, int, bytes]]) -> None:
    raw = VALID
    for mutation in mutations:
        raw = _mutate(raw, mutation)
    _check(CuscarParser().parse(raw, CTX))
    _check(IftminParser().parse(raw.replace(b"CUSCAR", b"IFTMIN"), CTX))


def _escape(text: str) -> str:
    return "".join("?" + ch if ch in ":+?'" else ch for ch in text)


_COMPONENT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=12)


@settings(max_examples=300, database=None, deadline=None)
@given(
    st.lists(st.lists(_COMPONENT, min_size=1, max_size=3), min_size=1, max_size=5), st.sampled_from(["", "\n", "\r\n"])
)
def test_released_text_round_trips_through_the_tokenizer(elements: list[list[str]], newline: str) -> None:
    body = "+".join(":".join(_escape(c) for c in comps) for comps in elements)
    raw = f"UNA:+.? '{newline}FTX+{body}'{newline}BGM+85'{newline}".encode()
    found = list(tokenize(raw))
    assert [s.tag for s in found] == ["UNA", "FTX", "BGM"]
    assert found[1].elements[1:] == elements
    assert found[2].number == 3
