"""IFTMIN (instruction) and IFTMCS (instruction contract status, i.e. bills of lading): one consignment per message.

The document number is RFF BM / BH (bill of lading), else a DOC document, else RFF AAM, else the BGM
document number; BGM 1225 gives the message function (1 or 3: cancellation, 4 or 5: amendment).
"""

from __future__ import annotations

from cts.domain.model import SourceFormat
from cts.domain.parsers.base import ParseContext, ParsedConsignment
from cts.domain.parsers.edifact.interchange import MessageHeader
from cts.domain.parsers.edifact.mapping import Draft
from cts.domain.parsers.edifact.tokenizer import Segment


class IftminMessage:
    """Streams one IFTMIN or IFTMCS message into one consignment."""

    def __init__(
        self, header: MessageHeader, ctx: ParseContext, out: list[ParsedConsignment], source_format: SourceFormat
    ) -> None:
        self.ctx = ctx
        self.out = out
        self.draft = Draft(source_format, header.reference or None, header.segment, header.line)

    def add(self, segment: Segment) -> None:
        self.draft.add(segment)

    def close(self, *, truncated: bool, end_segment: int | None) -> None:
        self.out.append(self.draft.build(self.ctx, use_bgm=True, truncated=truncated))
