"""Interchange structure: messages, functional groups, control counts and truncation, all as warnings."""

from __future__ import annotations

from cts.domain.model import DataQualityIssue, Severity
from cts.domain.parsers.edifact.interchange import split_messages


def _codes(issues: list[DataQualityIssue]) -> list[tuple[str, int | None]]:
    return [(i.code, i.segment) for i in issues]


def test_several_messages_with_correct_counts_give_no_issue() -> None:
    raw = (
        b"UNB+UNOA:2+S+R+240101:1200+IC1'"
        b"UNH+M1+CUSCAR:D:95B:UN'BGM+85+A+9'UNT+3+M1'"
        b"UNH+M2+IFTMIN:D:00B:UN:BIG14'BGM+610+B+9'DTM+137:20240101:102'UNT+4+M2'"
        b"UNZ+2+IC1'"
    )
    messages, issues, summary = split_messages(raw)
    assert issues == []
    assert [(m.header.reference, m.header.message_type, m.header.directory, m.complete) for m in messages] == [
        ("M1", "CUSCAR", "D:95B", True),
        ("M2", "IFTMIN", "D:00B", True),
    ]
    assert messages[1].header.association == "BIG14"
    assert [s.tag for s in messages[1].segments] == ["BGM", "DTM"]
    assert (summary.syntax, summary.control_reference, summary.messages) == ("UNOA", "IC1", 2)


def test_functional_groups_are_counted_by_une_and_unz() -> None:
    raw = (
        b"UNB+UNOA:4+S+R+20240101:1200+IC1'"
        b"UNG+CUSCAR+S+R+20240101:1200+G1+UN+D:03B'"
        b"UNH+M1+CUSCAR:D:03B:UN'BGM+85+A+9'UNT+3+M1'"
        b"UNH+M2+CUSCAR:D:03B:UN'BGM+85+B+9'UNT+3+M2'"
        b"UNE+2+G1'"
        b"UNG+CUSCAR+S+R+20240101:1200+G2+UN+D:03B'"
        b"UNH+M3+CUSCAR:D:03B:UN'BGM+85+C+9'UNT+3+M3'"
        b"UNE+1+G2'"
        b"UNZ+2+IC1'"
    )
    messages, issues, summary = split_messages(raw)
    assert issues == []
    assert len(messages) == 3
    assert summary.groups == 2


def test_wrong_counts_and_references_are_warnings_with_segment_numbers() -> None:
    raw = (
        b"UNB+UNOA:4+S+R+20240101:1200+IC1'"  # 1
        b"UNG+CUSCAR+S+R+20240101:1200+G1+UN+D:03B'"  # 2
        b"UNH+M1+CUSCAR:D:03B:UN'BGM+85+A+9'UNT+9+MX'"  # 3-5
        b"UNE+3+G1'"  # 6
        b"UNZ+5+IC2'"  # 7
    )
    messages, issues, _ = split_messages(raw)
    assert messages[0].complete
    assert _codes(issues) == [
        ("UNT_COUNT_MISMATCH", 5),
        ("UNT_REFERENCE_MISMATCH", 5),
        ("UNE_COUNT_MISMATCH", 6),
        ("UNZ_COUNT_MISMATCH", 7),
        ("UNZ_REFERENCE_MISMATCH", 7),
    ]
    assert all(i.severity is Severity.WARNING for i in issues)
    assert issues[0].value == "9"


def test_truncated_message_is_closed_and_the_next_one_read() -> None:
    raw = (
        b"UNB+UNOA:2+S+R+240101:1200+IC1'"
        b"UNH+M1+CUSCAR:D:95B:UN'BGM+85+A+9'CNI+1+X'"  # no UNT
        b"UNH+M2+CUSCAR:D:95B:UN'BGM+85+B+9'UNT+3+M2'"
        b"UNZ+2+IC1'"
    )
    messages, issues, _ = split_messages(raw)
    assert [(m.header.reference, m.complete, len(m.segments)) for m in messages] == [("M1", False, 2), ("M2", True, 1)]
    assert _codes(issues) == [("MISSING_UNT", 2)]
    assert "before segment 5 (UNH)" in issues[0].message


def test_truncated_interchange_reports_missing_unt_une_and_unz() -> None:
    raw = b"UNB+UNOA:4+S+R+20240101:1200+IC1'UNG+CUSCAR+S+R+20240101:1200+G1+UN+D:03B'UNH+M1+CUSCAR:D:03B:UN'BGM+85"
    messages, issues, _ = split_messages(raw)
    assert not messages[0].complete
    assert _codes(issues) == [("MISSING_UNT", 3), ("MISSING_UNE", 2), ("MISSING_UNZ", 1)]


def test_segments_outside_a_message_are_reported() -> None:
    _, issues, _ = split_messages(b"UNB+UNOA:2+S+R+240101:1200+IC1'BGM+85+A+9'UNZ+0+IC1'")
    assert _codes(issues) == [("UNEXPECTED_SEGMENT", 2)]


def test_no_unb_is_a_warning_only() -> None:
    messages, issues, _ = split_messages(b"UNH+M1+CUSCAR:D:95B:UN'BGM+85+A+9'UNT+3+M1'")
    assert len(messages) == 1
    assert messages[0].complete
    assert _codes(issues) == [("MISSING_UNB", None)]
