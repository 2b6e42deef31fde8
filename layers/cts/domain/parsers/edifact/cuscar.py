"""CUSCAR (customs cargo report, D95B..D11A and national profiles) to consignments: one per CNI group.

Message-level segments (BGM, DTM, TDT, LOC, NAD CA, EQD/SEL) are inherited by every CNI group; the CNI
group adds its own document number (CNI, RFF BM/BH), places, parties, goods (GID) and equipment. A message
with no CNI group at all (some national profiles) is read as one consignment numbered by BGM.
"""

from __future__ import annotations

from cts.domain.model import SourceFormat
from cts.domain.parsers.base import ParseContext, ParsedConsignment
from cts.domain.parsers.edifact.interchange import MessageHeader
from cts.domain.parsers.edifact.mapping import Draft
from cts.domain.parsers.edifact.tokenizer import Segment


class CuscarMessage:
    """Streams one CUSCAR message: each CNI group is built as soon as the next one starts."""

    def __init__(self, header: MessageHeader, ctx: ParseContext, out: list[ParsedConsignment]) -> None:
        self.ctx = ctx
        self.out = out
        self.root = Draft(SourceFormat.CUSCAR, header.reference or None, header.segment, header.line)
        self.current: Draft | None = None
        self.built = 0

    def add(self, segment: Segment) -> None:
        if segment.tag == "CNI":
            self._flush()
            self.current = self.root.child(segment)
            self.current.cni(segment)
        elif self.current is not None:
            self.current.add(segment)
        else:
            self.root.add(segment)

    def _flush(self) -> None:
        if self.current is not None:
            self.out.append(self.current.build(self.ctx, use_bgm=False))
            self.built += 1
            self.current = None

    def close(self, *, truncated: bool, end_segment: int | None) -> None:
        if self.current is not None:
            self.out.append(self.current.build(self.ctx, use_bgm=False, truncated=truncated))
            self.current = None
        elif self.built == 0:
            self.out.append(self.root.build(self.ctx, use_bgm=True, truncated=truncated))
