"""The EDIFACT tokenizer: UNA delimiters, release character, character sets, segment numbers and lines."""

from __future__ import annotations

from cts.domain.model import DataQualityIssue
from cts.domain.parsers.edifact.tokenizer import decode, read_una, segments, split_segment, tokenize


def _segs(raw: bytes) -> list[tuple[str, list[list[str]], int, int, str]]:
    return [(s.tag, s.elements, s.number, s.line, s.raw) for s in tokenize(raw)]


def test_default_delimiters_without_una() -> None:
    found = list(tokenize(b"UNB+UNOA:2+A+B+240101:1200+R1'UNH+1+CUSCAR:D:95B:UN'BGM+85+DOC1+9'"))
    assert [s.tag for s in found] == ["UNB", "UNH", "BGM"]
    assert [s.number for s in found] == [1, 2, 3]
    assert found[1].elements == [["UNH"], ["1"], ["CUSCAR", "D", "95B", "UN"]]
    assert found[1].value(2, 2) == "95B"
    assert found[1].value(5) == ""
    assert found[1].value(2, 9) == ""
    assert found[2].raw == "BGM+85+DOC1+9"


def test_una_counts_as_segment_one_and_sets_the_delimiters() -> None:
    raw = b"UNA;|,\\ ~UNB|UNOC;3|A|B~FTX|AAA|||A\\|B\\;C\\~D\\\\E;F~MEA|AAE|G|KGM;12,5~"
    found = list(tokenize(raw))
    assert [(s.tag, s.number) for s in found] == [("UNA", 1), ("UNB", 2), ("FTX", 3), ("MEA", 4)]
    assert found[2].element(4) == ["A|B;C~D\\E", "F"]
    assert found[3].value(3, 1) == "12,5"
    delims, offset = read_una(raw.decode())
    assert (delims.component, delims.element, delims.decimal, delims.release, delims.terminator) == (
        ";",
        "|",
        ",",
        "\\",
        "~",
    )
    assert offset == 9


def test_release_character_escapes_separators_terminator_and_itself() -> None:
    raw = b"UNA:+.? 'NAD+CZ+++O?'BRIEN?+SONS?: LTD+A??B'DGS+ADR+5.1:(6.1?+8)+1463'"
    found = list(tokenize(raw))
    nad, dgs = found[1], found[2]
    assert nad.element(4) == ["O'BRIEN+SONS: LTD"]
    assert nad.value(5) == "A?B"
    assert dgs.elements == [["DGS"], ["ADR"], ["5.1", "(6.1+8)"], ["1463"]]
    assert nad.raw == "NAD+CZ+++O?'BRIEN?+SONS?: LTD+A??B"


def test_a_doubled_release_before_the_terminator_ends_the_segment() -> None:
    found = list(tokenize(b"FTX+AAA+++ENDS WITH??'BGM+85'"))
    assert [s.tag for s in found] == ["FTX", "BGM"]
    assert found[0].value(4) == "ENDS WITH?"


def test_crlf_lf_one_line_and_doubled_terminators() -> None:
    raw = b"UNB+UNOA:2+A+B'\r\nUNH+1+CUSCAR:D:95B:UN'\n\nBGM+85+X+9''\r\nDTM+137:20240101:102'''CNI+1+D1'"
    found = list(tokenize(raw))
    assert [s.tag for s in found] == ["UNB", "UNH", "BGM", "DTM", "CNI"]
    assert [s.number for s in found] == [1, 2, 3, 4, 5]
    assert [s.line for s in found] == [1, 2, 4, 5, 5]
    assert found[2].raw == "BGM+85+X+9"


def test_unparsable_segment_is_reported_with_its_number_and_raw_text() -> None:
    issues: list[DataQualityIssue] = []
    found = list(tokenize(b"UNH+1+CUSCAR:D:95B:UN'garbage here'BGM+85'", issues))
    assert [s.tag for s in found] == ["UNH", "", "BGM"]
    assert [(i.code, i.segment, i.value) for i in issues] == [("EDIFACT_SYNTAX", 2, "garbage here")]


def test_unow_is_utf8_and_unoc_latin1() -> None:
    utf8 = "UNB+UNOW:4+A+B'NAD+CN+++ŁÓDŹ 東京 MÜLLER'".encode()
    text, syntax = decode(utf8)
    assert syntax == "UNOW"
    assert list(segments(text))[1].value(4) == "ŁÓDŹ 東京 MÜLLER"
    latin = "UNB+UNOC:3+A+B'NAD+CN+++MÜLLER SØRENSEN'".encode("latin-1")
    issues: list[DataQualityIssue] = []
    assert list(tokenize(latin, issues))[1].value(4) == "MÜLLER SØRENSEN"
    assert issues == []


def test_utf8_content_under_a_latin1_syntax_identifier_is_read_as_utf8_with_a_warning() -> None:
    issues: list[DataQualityIssue] = []
    found = list(tokenize("UNB+UNOC:3+A+B'FTX+AAA+++DEKK PÅ FELG'".encode(), issues))
    assert found[1].value(4) == "DEKK PÅ FELG"
    assert [i.code for i in issues] == ["ENCODING_MISMATCH"]


def test_bom_and_leading_blank_lines_are_skipped() -> None:
    found = list(tokenize(b"\xef\xbb\xbf\n\nUNA:+.? '\nUNB+UNOA:2+A+B'"))
    assert [(s.tag, s.number, s.line) for s in found] == [("UNA", 1, 3), ("UNB", 2, 4)]


def test_last_segment_without_terminator_is_still_read() -> None:
    assert [s.tag for s in tokenize(b"UNH+1+X'UNT+2+1")] == ["UNH", "UNT"]


def test_split_segment_fast_and_slow_paths_agree() -> None:
    delims = read_una("UNA:+.? '")[0]
    assert split_segment("LOC+9+CNSHA:139:6", delims) == [["LOC"], ["9"], ["CNSHA", "139", "6"]]
    assert split_segment("LOC+9+CN?SHA:139:6", delims) == [["LOC"], ["9"], ["CNSHA", "139", "6"]]
