"""UN/EDIFACT lexical layer: bytes to text (UNB syntax identifier), text to segments (UNA delimiters).

The input is decoded once; segments are then produced lazily with ``str.find`` on the terminator, so
a large interchange is never split into a list of lines or copied several times. Each segment carries
its 1-based number (counting every non-empty segment from the start of the file, UNA and UNB included),
the line it starts on, and its raw text for issue reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from cts.domain.model import DataQualityIssue

_TAG = re.compile(r"[A-Z][A-Z0-9]{2}")
_LEADING = re.compile(r"[\ufeff \t\r\n]*")
_SYNTAX = re.compile(rb"UNB.(UNO[A-Z])")

#: UNB syntax identifier (0001) to the character set it declares; UTF-8 is always tried first.
CHARSETS: dict[str, str] = {
    "UNOA": "latin-1",  # ISO 646 subsets: ASCII, read as latin-1 so that stray bytes survive
    "UNOB": "latin-1",
    "UNOC": "iso8859-1",
    "UNOD": "iso8859-2",
    "UNOE": "iso8859-5",
    "UNOF": "iso8859-7",
    "UNOG": "iso8859-3",
    "UNOH": "iso8859-4",
    "UNOI": "iso8859-6",
    "UNOJ": "iso8859-8",
    "UNOK": "iso8859-9",
    "UNOW": "utf-8",
    "UNOY": "utf-8",
}


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The service string advice (UNA): defaults are ``:+.? '``."""

    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"
    repetition: str = " "
    terminator: str = "'"


DEFAULT_DELIMITERS = Delimiters()


class Segment:
    """One segment: ``elements[0][0]`` is the tag; ``value(i, j)`` reads component j of data element i."""

    __slots__ = ("elements", "line", "number", "raw", "tag")

    def __init__(self, tag: str, elements: list[list[str]], number: int, line: int, raw: str) -> None:
        self.tag = tag
        self.elements = elements
        self.number = number
        self.line = line
        self.raw = raw

    def element(self, index: int) -> list[str]:
        """Data element ``index`` (1 = first after the tag) as its components; empty when absent."""
        return self.elements[index] if index < len(self.elements) else []

    def value(self, index: int, component: int = 0) -> str:
        parts = self.elements[index] if index < len(self.elements) else ()
        return parts[component].strip() if component < len(parts) else ""

    def __repr__(self) -> str:
        return f"Segment({self.number}: {self.raw[:60]!r})"


def syntax_identifier(raw: bytes) -> str | None:
    """The UNB syntax identifier (UNOA, UNOC, UNOW ...) from the first bytes, if there is one."""
    match = _SYNTAX.search(raw[:1024])
    return match.group(1).decode("ascii") if match else None


def decode(raw: bytes, issues: list[DataQualityIssue] | None = None) -> tuple[str, str | None]:
    """Decode the interchange once: UTF-8 first (it never misreads latin-1 text as valid), then the declared set."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    syntax = syntax_identifier(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if issues is not None and syntax in CHARSETS and CHARSETS[syntax] != "utf-8" and not raw.isascii():
            issues.append(
                DataQualityIssue(
                    code="ENCODING_MISMATCH",
                    message=f"UNB declares {syntax} but the content is UTF-8; read as UTF-8",
                    field="UNB.0001",
                    value=syntax,
                )
            )
        return text, syntax
    charset = CHARSETS.get(syntax or "", "latin-1")
    if charset == "utf-8":
        if issues is not None:
            issues.append(
                DataQualityIssue(
                    code="ENCODING_MISMATCH",
                    message=f"UNB declares {syntax} but the content is not valid UTF-8; read as ISO 8859-1",
                    field="UNB.0001",
                    value=syntax,
                )
            )
        charset = "latin-1"
    return raw.decode(charset, errors="replace"), syntax


def read_una(text: str, start: int = 0) -> tuple[Delimiters, int]:
    """The delimiters and the offset of the first segment after the UNA (``start`` when there is no UNA)."""
    if text.startswith("UNA", start) and len(text) >= start + 9:
        comp, elem, dec, rel, rep, term = tuple(text[start + 3 : start + 9])
        if len({comp, elem, term}) == 3 and rel not in (comp, elem, term):
            release = "" if rel == " " else rel
            return Delimiters(comp, elem, dec, release, rep, term), start + 9
    return DEFAULT_DELIMITERS, start


def _unescape(body: str, delims: Delimiters) -> list[list[str]]:
    """Split a segment whose text contains the release character (slow path)."""
    elements: list[list[str]] = []
    components: list[str] = []
    current: list[str] = []
    escaped = False
    for char in body:
        if escaped:
            current.append(char)
            escaped = False
        elif char == delims.release:
            escaped = True
        elif char == delims.component:
            components.append("".join(current))
            current = []
        elif char == delims.element:
            components.append("".join(current))
            elements.append(components)
            components, current = [], []
        else:
            current.append(char)
    components.append("".join(current))
    elements.append(components)
    return elements


def split_segment(body: str, delims: Delimiters) -> list[list[str]]:
    if delims.release and delims.release in body:
        return _unescape(body, delims)
    comp = delims.component
    return [part.split(comp) for part in body.split(delims.element)]


def segments(text: str, issues: list[DataQualityIssue] | None = None) -> Iterator[Segment]:
    """Yield the segments of a decoded interchange; unparsable ones come with tag ``""`` and an issue."""
    match = _LEADING.match(text)
    start = match.end() if match else 0
    delims, pos = read_una(text, start)
    number = 0
    line = 1 + text.count("\n", 0, start)
    if pos > start:
        number = 1
        yield Segment("UNA", [["UNA"], [text[start + 3 : pos]]], 1, line, text[start:pos])
    term, rel, length = delims.terminator, delims.release, len(text)
    comp, elem = delims.component, delims.element
    tag_ok = _TAG.fullmatch
    while pos < length:
        end = text.find(term, pos)
        if end < 0:
            end = length
        elif rel and end > pos and text[end - 1] == rel:
            while end < length and _is_released(text, end, pos, rel):
                end = text.find(term, end + 1)
                if end < 0:
                    end = length
        chunk = text[pos:end]
        stripped = chunk.lstrip(" \t\r\n")
        lead = len(chunk) - len(stripped)
        if lead:
            line += chunk.count("\n", 0, lead)
        start_line = line
        line += chunk.count("\n", lead)
        body = stripped.rstrip("\r\n")
        pos = end + 1
        if not body:
            continue  # doubled terminator or blank line between segments
        number += 1
        elements = _unescape(body, delims) if rel and rel in body else [part.split(comp) for part in body.split(elem)]
        tag = elements[0][0] if tag_ok(elements[0][0]) else ""
        if not tag and issues is not None:
            issues.append(
                DataQualityIssue(
                    code="EDIFACT_SYNTAX",
                    message="not an EDIFACT segment (a segment starts with a three-letter tag)",
                    value=body[:200],
                    segment=number,
                    line=start_line,
                )
            )
        yield Segment(tag, elements, number, start_line, body)


def _is_released(text: str, index: int, start: int, release: str) -> bool:
    """Whether the character at ``index`` is preceded by an odd number of release characters."""
    count = 0
    i = index - 1
    while i >= start and text[i] == release:
        count += 1
        i -= 1
    return count % 2 == 1


def tokenize(raw: bytes, issues: list[DataQualityIssue] | None = None) -> Iterator[Segment]:
    """Decode ``raw`` and yield its segments."""
    text, _ = decode(raw, issues)
    return segments(text, issues)
