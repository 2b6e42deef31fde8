"""Format detection from content, with an explicit override."""

from __future__ import annotations

from cts.domain.model import SourceFormat
from cts.domain.parsers.base import ParseContext, Parser, ParseResult
from cts.domain.parsers.canonical_csv import CanonicalCsvParser
from cts.domain.parsers.canonical_json import CanonicalJsonParser
from cts.domain.parsers.cargoimp import FfmParser, FhlParser, FwbParser
from cts.domain.parsers.cargoxml import XffmParser, XfwbParser, XfzbParser
from cts.domain.parsers.edifact import CuscarParser, IftmcsParser, IftminParser

# Most specific first: the CSV sniffer only looks at a header line, so it goes last.
PARSERS: tuple[Parser, ...] = (
    CanonicalJsonParser(),
    CuscarParser(),
    IftminParser(),
    IftmcsParser(),
    XfwbParser(),
    XfzbParser(),
    XffmParser(),
    FwbParser(),
    FhlParser(),
    FfmParser(),
    CanonicalCsvParser(),
)


class UnknownFormat(Exception):
    """No parser recognises the content."""


def detect_format(raw: bytes) -> Parser:
    head = raw[:4096].decode("utf-8", errors="replace")
    for parser in PARSERS:
        if parser.sniff(head):
            return parser
    raise UnknownFormat("the file matches no supported format (see docs/formats.md)")


def parse(raw: bytes, ctx: ParseContext, source_format: SourceFormat | None = None) -> ParseResult:
    if source_format is None:
        return detect_format(raw).parse(raw, ctx)
    for parser in PARSERS:
        if parser.source_format is source_format:
            return parser.parse(raw, ctx)
    raise UnknownFormat(f"no parser for {source_format.value}")
