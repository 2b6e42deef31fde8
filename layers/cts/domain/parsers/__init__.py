"""Carrier message parsers: every format in, the canonical model out, with provenance and issues."""

from cts.domain.parsers.base import ParseContext, ParsedConsignment, ParseResult
from cts.domain.parsers.registry import UnknownFormat, detect_format, parse

__all__ = ["ParseContext", "ParseResult", "ParsedConsignment", "UnknownFormat", "detect_format", "parse"]
