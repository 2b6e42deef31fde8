"""What every Cargo-IMP parser does before reading its own lines: the envelope, the identifier, the version."""

from __future__ import annotations

from cts.domain.model import Direction, Severity, SourceFormat
from cts.domain.parsers.base import ParseContext, ParseResult
from cts.domain.parsers.cargoimp.common import check_version, issue
from cts.domain.parsers.cargoimp.reader import Message, read_message, sniff_identifier


class CargoImpParser:
    source_format: SourceFormat

    def __init__(self, direction: Direction = Direction.IMPORT) -> None:
        self.direction = direction

    @property
    def identifier(self) -> str:
        return self.source_format.value.upper()

    def sniff(self, head: str) -> bool:
        return sniff_identifier(head) == self.identifier

    def parse(self, raw: bytes, ctx: ParseContext) -> ParseResult:
        result = ParseResult(self.source_format)
        message = read_message(raw)
        result.issues += message.issues
        if message.identifier is None:
            return result
        if message.identifier != self.identifier:
            result.issues.append(
                issue(
                    "CIMP_SYNTAX",
                    f"expected an {self.identifier} message, found {message.identifier}",
                    line=message.header_line,
                    value=message.identifier,
                    severity=Severity.ERROR,
                )
            )
            return result
        check_version(message, result.issues)
        try:
            self.read(message, ctx, result)
        except Exception as exc:  # the parser must end in a result, whatever the carrier sent
            result.issues.append(
                issue("CIMP_SYNTAX", f"message could not be read: {exc}", line=None, severity=Severity.ERROR)
            )
        return result

    def read(self, message: Message, ctx: ParseContext, result: ParseResult) -> None:
        """Add this message's consignments and issues to ``result``."""
        raise NotImplementedError
