"""The CTS JSON template (``cts-json/1``) for small forwarders: the canonical model, without provenance.

Each consignment is validated on its own, so one bad entry does not sink the rest of the file.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from cts.domain.model import Consignment, DataQualityIssue, Provenance, Severity, SourceFormat
from cts.domain.parsers.base import ParseContext, ParsedConsignment, ParseResult, issues_from_validation

FORMAT_TAG = "cts-json/1"


class CanonicalJsonParser:
    source_format = SourceFormat.JSON

    def sniff(self, head: str) -> bool:
        return head.lstrip().startswith("{") and FORMAT_TAG in head[:2000]

    def parse(self, raw: bytes, ctx: ParseContext) -> ParseResult:
        result = ParseResult(SourceFormat.JSON)
        try:
            document = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            result.issues.append(_fatal("MALFORMED_JSON", str(exc), line=line))
            return result
        if not isinstance(document, dict) or document.get("format") != FORMAT_TAG:
            result.issues.append(_fatal("UNSUPPORTED_TEMPLATE", f'expected "format": "{FORMAT_TAG}"'))
            return result
        entries = document.get("consignments")
        if not isinstance(entries, list) or not entries:
            result.issues.append(_fatal("NO_CONSIGNMENTS", "the file holds no consignments", field="consignments"))
            return result
        for index, entry in enumerate(entries):
            result.consignments.append(self._one(index, entry, document, ctx))
        return result

    def _one(self, index: int, entry: Any, document: dict[str, Any], ctx: ParseContext) -> ParsedConsignment:
        prefix = f"consignments[{index}]."
        number = _document_number(entry)
        if not isinstance(entry, dict):
            issue = _fatal("INVALID_CONSIGNMENT", "each consignment must be an object", field=prefix[:-1])
            return ParsedConsignment(number, None, [issue])
        data = {"message_ref": document.get("message_ref"), **entry}
        data["provenance"] = Provenance(
            object_key=ctx.object_key,
            source_format=SourceFormat.JSON,
            message_ref=data.get("message_ref"),
            segment=index + 1,
            received_at=ctx.received_at,
        )
        try:
            return ParsedConsignment(number, Consignment.model_validate(data))
        except ValidationError as exc:
            return ParsedConsignment(number, None, issues_from_validation(exc, prefix=prefix))


def _document_number(entry: Any) -> str | None:
    if isinstance(entry, dict):
        doc = entry.get("transport_document")
        number = doc.get("number") if isinstance(doc, dict) else None
        if isinstance(number, str):
            return number
    return None


def _fatal(code: str, message: str, *, line: int | None = None, field: str | None = None) -> DataQualityIssue:
    return DataQualityIssue(code=code, message=message, severity=Severity.ERROR, line=line, field=field)
