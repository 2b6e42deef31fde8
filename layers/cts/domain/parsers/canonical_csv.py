"""The CTS CSV template (``cts-csv/1``) for small forwarders: one row per goods item.

Rows sharing a ``document_number`` form one consignment; consignment-level columns are read
from the first row of each group. Errors name the CSV line, so a forwarder can fix the row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from cts.domain.model import Consignment, DataQualityIssue, Provenance, Severity, SourceFormat
from cts.domain.parsers.base import ParseContext, ParsedConsignment, ParseResult, issues_from_validation

REQUIRED_COLUMNS = ("document_number", "document_kind", "mode", "direction")

COLUMNS = (
    *REQUIRED_COLUMNS,
    "master_number",
    "message_function",
    "message_ref",
    "carrier_code",
    "journey_id",
    "vessel_name",
    "imo_number",
    "place_of_receipt",
    "place_of_loading",
    "transshipment",
    "place_of_discharge",
    "place_of_delivery",
    "etd",
    "eta",
    "consignor_name",
    "consignor_address",
    "consignor_city",
    "consignor_country",
    "consignee_name",
    "consignee_address",
    "consignee_city",
    "consignee_country",
    "notify_name",
    "notify_country",
    "description",
    "hs_code",
    "package_count",
    "package_kind",
    "gross_weight_kg",
    "value",
    "currency",
    "un_number",
    "container_number",
    "container_size_type",
    "container_full_empty",
    "seal",
)


class CanonicalCsvParser:
    source_format = SourceFormat.CSV

    def sniff(self, head: str) -> bool:
        lines = head.lstrip("\ufeff").splitlines()
        first = lines[0] if lines else ""
        header = [c.strip().lower() for c in first.split(",")]
        return all(c in header for c in REQUIRED_COLUMNS)

    def parse(self, raw: bytes, ctx: ParseContext) -> ParseResult:
        result = ParseResult(SourceFormat.CSV)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            result.issues.append(_error("BAD_ENCODING", f"the file must be UTF-8: {exc}"))
            return result
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        unknown = [h for h in header if h not in COLUMNS]
        if missing:
            result.issues.append(_error("MISSING_COLUMNS", f"missing columns: {', '.join(missing)}", line=1))
            return result
        if unknown:
            result.issues.append(
                DataQualityIssue(code="UNKNOWN_COLUMNS", message=f"ignored columns: {', '.join(unknown)}", line=1)
            )
        for number, rows in _groups(reader, result.issues):
            result.consignments.append(_consignment(number, rows, ctx))
        if not result.consignments:
            result.issues.append(_error("NO_CONSIGNMENTS", "the file holds no rows"))
        return result


def _groups(
    reader: csv.DictReader[str], issues: list[DataQualityIssue]
) -> Iterator[tuple[str, list[tuple[int, dict[str, str]]]]]:
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for row in reader:
        extra = row.pop(None, None)  # surplus fields land under DictReader's restkey (None)
        if extra:
            issues.append(
                DataQualityIssue(
                    code="TOO_MANY_FIELDS",
                    message=f"{len(extra)} field(s) beyond the header were ignored",
                    line=reader.line_num,
                    value=",".join(str(v) for v in extra)[:200],
                )
            )
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        groups.setdefault(clean.get("document_number", ""), []).append((reader.line_num, clean))
    yield from groups.items()


def _place(value: str) -> dict[str, str] | None:
    if not value:
        return None
    compact = value.replace(" ", "").upper()
    return {"locode": compact} if len(compact) == 5 and compact.isalnum() else {"name": value}


def _party(role: str, row: dict[str, str], prefix: str) -> dict[str, Any] | None:
    name = row.get(f"{prefix}_name")
    if not name:
        return None
    address = row.get(f"{prefix}_address")
    return {
        "role": role,
        "name": name,
        "address_lines": [a.strip() for a in address.split("|")] if address else [],
        "city": row.get(f"{prefix}_city") or None,
        "country": (row.get(f"{prefix}_country") or "").upper() or None,
    }


def _goods(sequence: int, row: dict[str, str]) -> dict[str, Any]:
    container = row.get("container_number")
    return {
        "sequence": sequence,
        "description": row.get("description", ""),
        "hs_code": row.get("hs_code") or None,
        "package_count": row.get("package_count") or None,
        "package_kind": row.get("package_kind") or None,
        "gross_weight_kg": row.get("gross_weight_kg") or None,
        "value": row.get("value") or None,
        "currency": (row.get("currency") or "").upper() or None,
        "un_number": row.get("un_number") or None,
        "container_numbers": [container] if container else [],
    }


def _equipment(rows: list[tuple[int, dict[str, str]]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for _, row in rows:
        number = row.get("container_number")
        if number and number not in seen:
            seal = row.get("seal")
            seen[number] = {
                "number": number,
                "size_type": row.get("container_size_type") or None,
                "full_empty": (row.get("container_full_empty") or "").lower() or None,
                "seals": [seal] if seal else [],
            }
    return list(seen.values())


def _consignment(number: str, rows: list[tuple[int, dict[str, str]]], ctx: ParseContext) -> ParsedConsignment:
    line, first = rows[0]
    parties = [
        _party("consignor", first, "consignor"),
        _party("consignee", first, "consignee"),
        _party("notify_party", first, "notify"),
    ]
    data: dict[str, Any] = {
        "message_function": first.get("message_function") or "original",
        "message_ref": first.get("message_ref") or None,
        "mode": first.get("mode", "").lower(),
        "direction": first.get("direction", "").lower(),
        "transport_document": {
            "number": number,
            "kind": first.get("document_kind", "").lower(),
            "master_number": first.get("master_number") or None,
        },
        "carrier": {"code": first["carrier_code"]} if first.get("carrier_code") else None,
        "conveyance": {
            "journey_id": first.get("journey_id") or None,
            "vessel_name": first.get("vessel_name") or None,
            "imo_number": first.get("imo_number") or None,
        },
        "itinerary": {
            "place_of_receipt": _place(first.get("place_of_receipt", "")),
            "place_of_loading": _place(first.get("place_of_loading", "")),
            "transshipment": [p for t in first.get("transshipment", "").split("|") if (p := _place(t.strip()))],
            "place_of_discharge": _place(first.get("place_of_discharge", "")),
            "place_of_delivery": _place(first.get("place_of_delivery", "")),
        },
        "etd": first.get("etd") or None,
        "eta": first.get("eta") or None,
        "parties": [p for p in parties if p],
        "goods": [_goods(i, row) for i, (_, row) in enumerate(rows, start=1)],
        "equipment": _equipment(rows),
        "provenance": Provenance(
            object_key=ctx.object_key,
            source_format=SourceFormat.CSV,
            message_ref=first.get("message_ref") or None,
            line=line,
            received_at=ctx.received_at,
        ),
    }
    if not number:
        issue = _error("MISSING_DOCUMENT_NUMBER", "document_number is empty", line=line, field="document_number")
        return ParsedConsignment(None, None, [issue], line=line)
    try:
        return ParsedConsignment(number, Consignment.model_validate(data), line=line)
    except ValidationError as exc:
        return ParsedConsignment(number, None, issues_from_validation(exc, line=line), line=line)


def _error(code: str, message: str, *, line: int | None = None, field: str | None = None) -> DataQualityIssue:
    return DataQualityIssue(code=code, message=message, severity=Severity.ERROR, line=line, field=field)
