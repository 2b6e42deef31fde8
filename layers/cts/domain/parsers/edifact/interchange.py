"""UN/EDIFACT interchange structure: UNB [UNG] UNH..UNT [UNE] UNZ, with the control counts checked.

The reader streams: each message's segments go to a sink chosen by the message type as they are read,
so a large interchange is never held as a list of messages. Control-count problems are WARNING issues
and never stop the reading: a truncated message is closed as such and the next one is read normally.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from cts.domain.model import DataQualityIssue, Severity
from cts.domain.parsers.edifact.tokenizer import Segment, tokenize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MessageHeader:
    """UNH: message reference (0062) and identifier (S009: type, version, release, agency, association code)."""

    reference: str
    message_type: str
    version: str = ""
    release: str = ""
    agency: str = ""
    association: str = ""
    segment: int = 1
    line: int = 1

    @property
    def directory(self) -> str:
        """``D:95B`` style directory, e.g. for reports."""
        return f"{self.version}:{self.release}" if self.version else ""


class MessageSink(Protocol):
    """Receives the segments of one message between UNH and UNT (both excluded)."""

    def add(self, segment: Segment) -> None: ...

    def close(self, *, truncated: bool, end_segment: int | None) -> None: ...


SinkFactory = Callable[[MessageHeader], MessageSink | None]


@dataclass
class InterchangeSummary:
    syntax: str | None = None
    sender: str | None = None
    recipient: str | None = None
    control_reference: str | None = None
    messages: int = 0
    groups: int = 0
    message_types: list[str] = field(default_factory=list)


def _warning(code: str, message: str, segment: Segment, *, value: str | None = None) -> DataQualityIssue:
    return DataQualityIssue(
        code=code, message=message, value=value, segment=segment.number, line=segment.line, field=segment.tag or None
    )


def _count(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


class _Reader:
    def __init__(self, factory: SinkFactory, issues: list[DataQualityIssue]) -> None:
        self.factory = factory
        self.issues = issues
        self.summary = InterchangeSummary()
        self.unb: Segment | None = None
        self.unb_seen = False
        self.closed_unb = False
        self.interchange_units = 0  # messages, or groups when the interchange uses groups
        self.uses_groups = False
        self.ung: Segment | None = None
        self.group_messages = 0
        self.unh: Segment | None = None
        self.header: MessageHeader | None = None
        self.sink: MessageSink | None = None
        self.message_segments = 0

    # --- messages ---------------------------------------------------------------------------------
    def open_message(self, seg: Segment) -> None:
        self.close_truncated(seg)
        identifier = seg.element(2)
        parts = [*identifier, "", "", "", "", ""]
        header = MessageHeader(
            reference=seg.value(1),
            message_type=parts[0].strip().upper(),
            version=parts[1].strip(),
            release=parts[2].strip(),
            agency=parts[3].strip(),
            association=parts[4].strip(),
            segment=seg.number,
            line=seg.line,
        )
        self.unh, self.header, self.message_segments = seg, header, 1
        self.summary.messages += 1
        self.summary.message_types.append(header.message_type)
        if self.ung is not None:
            self.group_messages += 1
        else:
            self.interchange_units += 1
        self.sink = self.factory(header)
        if self.sink is None:
            self.issues.append(
                _warning(
                    "UNSUPPORTED_MESSAGE",
                    f"message type {header.message_type or '(none)'} is not read by this parser; message skipped",
                    seg,
                    value=":".join(identifier)[:200],
                )
            )

    def add(self, seg: Segment) -> None:
        self.message_segments += 1
        if self.sink is not None:
            try:
                self.sink.add(seg)
            except Exception as exc:  # a mapping bug must not sink the other messages
                log.exception("EDIFACT mapping failed at segment %s", seg.number)
                self.fail(seg, exc)

    def fail(self, seg: Segment, exc: Exception) -> None:
        self.issues.append(
            DataQualityIssue(
                code="PARSER_ERROR",
                message=f"the message could not be read past this segment ({type(exc).__name__}); message skipped",
                value=seg.raw[:200],
                segment=seg.number,
                line=seg.line,
                severity=Severity.ERROR,
            )
        )
        self.sink = None

    def close_message(self, unt: Segment) -> None:
        if self.unh is None or self.header is None:
            self.issues.append(_warning("UNEXPECTED_SEGMENT", "UNT without UNH", unt, value=unt.raw[:200]))
            return
        self.message_segments += 1
        declared = _count(unt.value(1))
        if declared != self.message_segments:
            self.issues.append(
                _warning(
                    "UNT_COUNT_MISMATCH",
                    f"UNT of message {self.header.reference} declares {unt.value(1) or '(nothing)'} segments, "
                    f"the message has {self.message_segments}",
                    unt,
                    value=unt.value(1),
                )
            )
        if unt.value(2) != self.header.reference:
            self.issues.append(
                _warning(
                    "UNT_REFERENCE_MISMATCH",
                    f"UNT reference {unt.value(2)!r} differs from UNH reference {self.header.reference!r}",
                    unt,
                    value=unt.value(2),
                )
            )
        self.end_sink(truncated=False, end_segment=unt.number, at=unt)

    def end_sink(self, *, truncated: bool, end_segment: int | None, at: Segment | None) -> None:
        sink, self.sink = self.sink, None
        self.unh = self.header = None
        if sink is not None:
            try:
                sink.close(truncated=truncated, end_segment=end_segment)
            except Exception as exc:
                log.exception("EDIFACT mapping failed when closing a message")
                if at is not None:
                    self.fail(at, exc)

    def close_truncated(self, at: Segment | None) -> None:
        """A message still open when UNH, UNE, UNZ or the end of the data comes: it lacks its UNT."""
        if self.unh is None or self.header is None:
            return
        where = f"before segment {at.number} ({at.tag})" if at is not None else "at the end of the data"
        self.issues.append(
            _warning(
                "MISSING_UNT",
                f"message {self.header.reference} has no UNT: truncated {where}",
                self.unh,
                value=self.header.reference,
            )
        )
        self.end_sink(truncated=True, end_segment=None, at=at)

    # --- groups and interchange -------------------------------------------------------------------
    def open_group(self, seg: Segment) -> None:
        self.close_truncated(seg)
        self.close_group_missing(seg)
        self.ung, self.group_messages, self.uses_groups = seg, 0, True
        self.interchange_units += 1
        self.summary.groups += 1

    def close_group_missing(self, at: Segment | None) -> None:
        if self.ung is not None:
            where = f"before segment {at.number} ({at.tag})" if at is not None else "at the end of the data"
            self.issues.append(
                _warning("MISSING_UNE", f"functional group has no UNE {where}", self.ung, value=self.ung.value(5))
            )
            self.ung = None

    def close_group(self, une: Segment) -> None:
        self.close_truncated(une)
        if self.ung is None:
            self.issues.append(_warning("UNEXPECTED_SEGMENT", "UNE without UNG", une, value=une.raw[:200]))
            return
        declared = _count(une.value(1))
        if declared != self.group_messages:
            self.issues.append(
                _warning(
                    "UNE_COUNT_MISMATCH",
                    f"UNE declares {une.value(1) or '(nothing)'} messages, the group has {self.group_messages}",
                    une,
                    value=une.value(1),
                )
            )
        if une.value(2) != self.ung.value(5):
            self.issues.append(
                _warning(
                    "UNE_REFERENCE_MISMATCH",
                    f"UNE reference {une.value(2)!r} differs from UNG reference {self.ung.value(5)!r}",
                    une,
                    value=une.value(2),
                )
            )
        self.ung = None

    def open_interchange(self, unb: Segment) -> None:
        if self.unb is not None:
            self.close_interchange_missing(unb)
        self.unb, self.unb_seen, self.interchange_units, self.uses_groups = unb, True, 0, False
        self.summary.syntax = self.summary.syntax or unb.value(1).upper() or None
        self.summary.sender = self.summary.sender or unb.value(2) or None
        self.summary.recipient = self.summary.recipient or unb.value(3) or None
        self.summary.control_reference = self.summary.control_reference or unb.value(5) or None

    def close_interchange_missing(self, at: Segment | None) -> None:
        self.close_truncated(at)
        self.close_group_missing(at)
        if self.unb is not None:
            self.issues.append(
                _warning("MISSING_UNZ", "interchange has no UNZ trailer", self.unb, value=self.unb.value(5))
            )
            self.unb = None

    def close_interchange(self, unz: Segment) -> None:
        self.close_truncated(unz)
        self.close_group_missing(unz)
        declared = _count(unz.value(1))
        what = "functional groups" if self.uses_groups else "messages"
        if declared != self.interchange_units:
            self.issues.append(
                _warning(
                    "UNZ_COUNT_MISMATCH",
                    f"UNZ declares {unz.value(1) or '(nothing)'} {what}, the interchange has {self.interchange_units}",
                    unz,
                    value=unz.value(1),
                )
            )
        if self.unb is not None and unz.value(2) != self.unb.value(5):
            self.issues.append(
                _warning(
                    "UNZ_REFERENCE_MISMATCH",
                    f"UNZ reference {unz.value(2)!r} differs from UNB reference {self.unb.value(5)!r}",
                    unz,
                    value=unz.value(2),
                )
            )
        self.unb = None
        self.interchange_units = 0

    def feed(self, seg: Segment) -> None:
        tag = seg.tag
        if tag == "UNA":
            return
        if tag == "UNB":
            self.open_interchange(seg)
        elif tag == "UNG":
            self.open_group(seg)
        elif tag == "UNH":
            self.open_message(seg)
        elif tag == "UNT":
            self.close_message(seg)
        elif tag == "UNE":
            self.close_group(seg)
        elif tag == "UNZ":
            self.close_interchange(seg)
        elif self.unh is not None:
            self.add(seg)
        elif tag:
            self.issues.append(
                _warning("UNEXPECTED_SEGMENT", f"{tag} segment outside a message (UNH..UNT)", seg, value=seg.raw[:200])
            )

    def finish(self) -> None:
        self.close_truncated(None)
        self.close_group_missing(None)
        if self.unb is not None:
            self.close_interchange_missing(None)


def read_interchange(raw: bytes, factory: SinkFactory, issues: list[DataQualityIssue]) -> InterchangeSummary:
    """Stream ``raw`` through the interchange structure, handing each message's segments to ``factory(header)``."""
    reader = _Reader(factory, issues)
    for seg in tokenize(raw, issues):
        reader.feed(seg)
    reader.finish()
    if not reader.unb_seen and reader.summary.messages:
        issues.append(DataQualityIssue(code="MISSING_UNB", message="the data has no UNB interchange header"))
    return reader.summary


@dataclass
class Message:
    """A whole message, for tests and small tools (the parsers stream instead)."""

    header: MessageHeader
    segments: list[Segment] = field(default_factory=list)
    complete: bool = False


class _Collector:
    def __init__(self, message: Message) -> None:
        self.message = message

    def add(self, segment: Segment) -> None:
        self.message.segments.append(segment)

    def close(self, *, truncated: bool, end_segment: int | None) -> None:
        self.message.complete = not truncated


def split_messages(raw: bytes) -> tuple[list[Message], list[DataQualityIssue], InterchangeSummary]:
    """All messages of an interchange with their segments, plus the interchange-level issues."""
    messages: list[Message] = []
    issues: list[DataQualityIssue] = []

    def factory(header: MessageHeader) -> MessageSink:
        messages.append(Message(header))
        return _Collector(messages[-1])

    summary = read_interchange(raw, factory, issues)
    return messages, issues, summary
