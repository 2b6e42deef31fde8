"""The EDIFACT parsers the registry routes to: :class:`CuscarParser` and :class:`IftminParser` (also IFTMCS).

Both read any CUSCAR, IFTMIN or IFTMCS message of the interchange (each consignment's provenance names its
own message type); other message types are skipped with ``UNSUPPORTED_MESSAGE``. ``result.source_format`` is
the parser's format, or IFTMCS when the IFTMIN parser meets an interchange whose first message is IFTMCS.
"""

from __future__ import annotations

import gc
import re

from cts.domain.model import DataQualityIssue, Severity, SourceFormat
from cts.domain.parsers.base import ParseContext, ParsedConsignment, ParseResult
from cts.domain.parsers.edifact.cuscar import CuscarMessage
from cts.domain.parsers.edifact.iftmin import IftminMessage
from cts.domain.parsers.edifact.interchange import MessageHeader, MessageSink, read_interchange

MESSAGE_FORMATS = {
    "CUSCAR": SourceFormat.CUSCAR,
    "IFTMIN": SourceFormat.IFTMIN,
    "IFTMCS": SourceFormat.IFTMCS,
}
_START = re.compile(r"[\ufeff \t\r\n]*UN[AB]")


def _has_message(head: str, types: tuple[str, ...]) -> bool:
    if not _START.match(head):
        return False
    pattern = r"UNH.{1,60}?(?:" + "|".join(types) + ")"
    return re.search(pattern, head[:4096], re.DOTALL) is not None


def _parse(raw: bytes, ctx: ParseContext, result: ParseResult) -> list[str]:
    out: list[ParsedConsignment] = result.consignments

    def factory(header: MessageHeader) -> MessageSink | None:
        source_format = MESSAGE_FORMATS.get(header.message_type)
        if source_format is SourceFormat.CUSCAR:
            return CuscarMessage(header, ctx, out)
        if source_format is not None:
            return IftminMessage(header, ctx, out, source_format)
        return None

    collecting = gc.isenabled()
    gc.disable()  # the parse makes no reference cycles; pausing the cyclic collector saves ~40% on large files
    try:
        summary = read_interchange(raw, factory, result.issues)
    finally:
        if collecting:
            gc.enable()
    if summary.messages == 0:
        result.issues.append(
            DataQualityIssue(
                code="NO_MESSAGES",
                message="the file holds no EDIFACT message (UNH..UNT)",
                severity=Severity.ERROR,
            )
        )
    return summary.message_types


class CuscarParser:
    """UN/EDIFACT CUSCAR: one consignment per CNI group."""

    source_format = SourceFormat.CUSCAR

    def sniff(self, head: str) -> bool:
        return _has_message(head, ("CUSCAR",))

    def parse(self, raw: bytes, ctx: ParseContext) -> ParseResult:
        result = ParseResult(SourceFormat.CUSCAR)
        _parse(raw, ctx, result)
        return result


class IftminParser:
    """UN/EDIFACT IFTMIN and IFTMCS: one consignment per message."""

    source_format = SourceFormat.IFTMIN

    def sniff(self, head: str) -> bool:
        return _has_message(head, ("IFTMIN", "IFTMCS"))

    def parse(self, raw: bytes, ctx: ParseContext) -> ParseResult:
        result = ParseResult(self.source_format)
        types = [t for t in _parse(raw, ctx, result) if t in ("IFTMIN", "IFTMCS")]
        if types:
            result.source_format = MESSAGE_FORMATS[types[0]]
        return result


class IftmcsParser(IftminParser):
    """The same parser under ``iftmcs``, for an explicit format override (``parse(..., SourceFormat.IFTMCS)``)."""

    source_format = SourceFormat.IFTMCS

    def sniff(self, head: str) -> bool:
        return _has_message(head, ("IFTMCS",))
