"""The Cargo-IMP line reader: lines, the message identifier, elements and their continuation lines.

Cargo-IMP messages are line oriented. Each line starts with a three-letter tag (``SHP``, ``RTD``) or is a
format-specific data line (an AWB number, a flight line, an airport code). A line starting with ``/`` continues
the element of the previous line; its meaning depends on the element, so the reader keeps continuation lines
apart and the message parsers read them. Type-B envelope lines (``QK ...``, ``.SENDER ...``, ``=HEADER``)
before the message identifier are skipped; line numbers always count from the first line of the raw file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cts.domain.model import DataQualityIssue, Severity

_MESSAGE_ID = re.compile(r"^([A-Z]{3})/(\d{1,3})(?:/.*)?$|^([A-Z]{3})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAG = re.compile(r"^[A-Z]{3}(?=/|$)")
KNOWN_MESSAGES = frozenset({"FWB", "FHL", "FFM"})


@dataclass(slots=True)
class Line:
    number: int
    text: str

    @property
    def fields(self) -> list[str]:
        return self.text.split("/")


@dataclass(slots=True)
class Element:
    """A line with its tag (``""`` for a data line without one) and the ``/`` lines that continue it."""

    tag: str
    line: Line
    continuations: list[Line] = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.line.number

    @property
    def fields(self) -> list[str]:
        return self.line.fields

    def lines(self) -> list[Line]:
        return [self.line, *self.continuations]


@dataclass(slots=True)
class Message:
    identifier: str | None
    version: str | None
    header_line: int | None
    elements: list[Element]
    issues: list[DataQualityIssue]


def decode(raw: bytes) -> str:
    """Cargo-IMP is ASCII; accept UTF-8 (with or without BOM) and fall back to Latin-1 byte for byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def split_lines(text: str) -> list[Line]:
    """Split on CRLF, LF or CR (a missing final newline is fine); strip control characters and trailing blanks."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [Line(i, _CONTROL.sub("", raw).rstrip()) for i, raw in enumerate(lines, start=1)]


def message_identifier(line: str) -> tuple[str, str | None] | None:
    """``FWB/16`` -> ("FWB", "16"); ``FFM`` -> ("FFM", None); anything else -> None."""
    match = _MESSAGE_ID.match(line.strip())
    if not match:
        return None
    ident = match.group(1) or match.group(3)
    if ident not in KNOWN_MESSAGES:
        return None
    return ident, match.group(2)


def sniff_identifier(head: str) -> str | None:
    """The message identifier of the first line that is one, looking past envelope lines (at most 12)."""
    for index, line in enumerate(split_lines(head)):
        if index >= 12:
            break
        found = message_identifier(line.text)
        if found:
            return found[0]
    return None


def read_message(raw: bytes) -> Message:
    """Find the message identifier (after optional envelope lines) and group the lines after it into elements."""
    lines = split_lines(decode(raw))
    issues: list[DataQualityIssue] = []
    start = None
    identifier = version = None
    for index, line in enumerate(lines):
        found = message_identifier(line.text)
        if found:
            identifier, version = found
            start = index
            break
    if start is None:
        issues.append(
            DataQualityIssue(
                code="CIMP_SYNTAX",
                message="no Cargo-IMP message identifier (FWB/, FHL/, FFM/) found",
                severity=Severity.ERROR,
                line=1,
                value=lines[0].text[:200] if lines else None,
            )
        )
        return Message(None, None, None, [], issues)
    elements: list[Element] = []
    for line in lines[start + 1 :]:
        if not line.text.strip():
            continue
        text = line.text.lstrip()
        if text.startswith("/"):
            if elements:
                elements[-1].continuations.append(Line(line.number, text))
            else:
                issues.append(syntax_issue(line, "a continuation line with no element to continue"))
            continue
        tag_match = _TAG.match(text)
        elements.append(Element(tag_match.group(0) if tag_match else "", Line(line.number, text)))
    return Message(identifier, version, lines[start].number, elements, issues)


def syntax_issue(line: Line, message: str, severity: Severity = Severity.WARNING) -> DataQualityIssue:
    return DataQualityIssue(
        code="CIMP_SYNTAX", message=message, value=line.text[:200], severity=severity, line=line.number
    )
