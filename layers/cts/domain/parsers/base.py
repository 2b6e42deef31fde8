"""What every parser returns: consignments that parsed, each with its issues, plus file-level issues."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pydantic import ValidationError

from cts.domain.model import Consignment, DataQualityIssue, Severity, SourceFormat


@dataclass(frozen=True)
class ParseContext:
    object_key: str
    carrier_id: str
    received_at: datetime


@dataclass
class ParsedConsignment:
    """One consignment from the file: the model when it is usable, and what was wrong either way."""

    document_number: str | None
    consignment: Consignment | None
    issues: list[DataQualityIssue] = field(default_factory=list)
    line: int | None = None


@dataclass
class ParseResult:
    source_format: SourceFormat | None
    consignments: list[ParsedConsignment] = field(default_factory=list)
    issues: list[DataQualityIssue] = field(default_factory=list)


class Parser(Protocol):
    source_format: SourceFormat

    def sniff(self, head: str) -> bool: ...

    def parse(self, raw: bytes, ctx: ParseContext) -> ParseResult: ...


def issues_from_validation(
    error: ValidationError, *, line: int | None = None, prefix: str = ""
) -> list[DataQualityIssue]:
    """Turn pydantic's errors into receipt issues with a field path a carrier can act on."""
    issues = []
    for err in error.errors():
        path = prefix + ".".join(str(p) for p in err["loc"])
        missing = err["type"] == "missing"
        code = "MISSING_" + str(err["loc"][-1]).upper() if missing and err["loc"] else "INVALID_VALUE"
        value = None if missing else str(err.get("input"))[:200]
        issues.append(
            DataQualityIssue(
                code=code, message=err["msg"], field=path or None, value=value, severity=Severity.ERROR, line=line
            )
        )
    return issues
