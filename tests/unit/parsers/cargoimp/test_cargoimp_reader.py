from __future__ import annotations

import pytest

from cts.domain.identifiers import awb_serial_valid
from cts.domain.parsers.cargoimp import FfmParser, FhlParser, FwbParser
from cts.domain.parsers.cargoimp.common import join_text, quantities
from cts.domain.parsers.cargoimp.reader import message_identifier, read_message, sniff_identifier


@pytest.mark.parametrize(
    ("serial", "ok"),
    [("68076960", True), ("12345675", True), ("12345670", False), ("23456710", False), ("1234567", False)],
)
def test_awb_check_digit_is_the_first_seven_digits_modulo_seven(serial: str, ok: bool) -> None:
    assert awb_serial_valid(serial) is ok


@pytest.mark.parametrize(
    ("line", "expected"),
    [("FWB/16", ("FWB", "16")), ("FHL/5", ("FHL", "5")), ("FFM/8", ("FFM", "8")), ("FFM", ("FFM", None))],
)
def test_message_identifier(line: str, expected: tuple[str, str | None]) -> None:
    assert message_identifier(line) == expected


@pytest.mark.parametrize("line", ["UNB+UNOA:2", "QK LHRFFBA", "FOO/1", "125-12345675LHRJFK/T1K1", ""])
def test_other_lines_are_not_message_identifiers(line: str) -> None:
    assert message_identifier(line) is None


def test_sniff_looks_past_type_b_envelope_lines() -> None:
    head = "QK BRUFMSN LHRFFBA\r\n.LHRFFBA 251200\r\nFWB/17\r\n125-12345675LHRJFK/T1K1\r\n"
    assert sniff_identifier(head) == "FWB"
    assert FwbParser().sniff(head)
    assert not FhlParser().sniff(head)
    assert not FfmParser().sniff(head)
    assert FhlParser().sniff("FHL/4\nMBI/125-12345675LHRJFK/T1K1")
    assert FfmParser().sniff("\n\nFFM/8\n1/XX1/01JAN/LHR")


@pytest.mark.parametrize("head", ["UNA:+.? 'UNB+UNOC:3", '{"format": "cts-json/1"}', "document_number,kind\n", ""])
def test_sniff_rejects_other_formats(head: str) -> None:
    assert sniff_identifier(head) is None


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_reader_keeps_raw_line_numbers_across_newline_styles_and_envelope(newline: str) -> None:
    text = newline.join(["QK LHRFFBA", ".BRUFMSN 121212", "FWB/16", "125-12345675LHRJFK/T1K1", "SHP", "/NAME"])
    message = read_message(text.encode())
    assert (message.identifier, message.version, message.header_line) == ("FWB", "16", 3)
    assert [(e.tag, e.number) for e in message.elements] == [("", 4), ("SHP", 5)]
    assert [c.number for c in message.elements[1].continuations] == [6]
    assert message.issues == []


def test_no_identifier_is_a_syntax_error_on_line_one() -> None:
    message = read_message(b"hello\nworld")
    assert message.identifier is None
    assert message.issues[0].code == "CIMP_SYNTAX"
    assert message.issues[0].line == 1


def test_continuation_without_an_element_is_flagged() -> None:
    message = read_message(b"FHL/5\n/ORPHAN\nMBI/125-12345675LHRJFK/T1K1")
    assert [(i.code, i.line, i.value) for i in message.issues] == [("CIMP_SYNTAX", 2, "/ORPHAN")]


def test_quantities_with_split_code_volume_and_total() -> None:
    qty = quantities("D4K400MC1.6T12", 1, [])
    assert qty is not None
    assert (qty.code, qty.pieces, str(qty.weight_kg), str(qty.volume_m3), qty.total_pieces) == (
        "D",
        4,
        "400",
        "1.6",
        12,
    )


def test_quantities_in_pounds_and_cubic_feet_are_converted() -> None:
    qty = quantities("T2L100CF10", 1, [])
    assert qty is not None
    assert str(qty.weight_kg) == "45.359"
    assert str(qty.volume_m3) == "0.283"


def test_description_chunks_cut_mid_word_are_joined() -> None:
    assert join_text(["MACHINE PARTS AND AC", "CESSORIES", "FOR LINES"]) == "MACHINE PARTS AND ACCESSORIES FOR LINES"
