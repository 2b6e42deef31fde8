"""Shared Cargo-IMP pieces: AWB numbers, quantities, parties, OCI identifiers, dates and issue helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from cts.domain.identifiers import awb_check_digit, awb_serial_valid
from cts.domain.model import (
    Consignment,
    DataQualityIssue,
    Party,
    PartyIdentifier,
    PartyRole,
    Severity,
)
from cts.domain.parsers.base import ParsedConsignment, issues_from_validation
from cts.domain.parsers.cargoimp.reader import Element, Line, Message

AWB = re.compile(r"^(\d{3})-?(\d{8})")
_QUANTITY = re.compile(r"^([A-Z])(\d+(?:\.\d+)?)")
_DECIMAL = re.compile(r"^\d+(?:\.\d+)?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_HS = re.compile(r"^\d{2,10}$")
_AIRPORT = re.compile(r"^[A-Z]{3}$")
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, start=1)}

LB_TO_KG = Decimal("0.45359237")
CUBIC_METRES = {"MC": Decimal(1), "CF": Decimal("0.028316846592"), "CI": Decimal("0.000016387064")}
SUPPORTED_VERSIONS = {"FWB": frozenset({"16", "17"}), "FHL": frozenset({"4", "5"}), "FFM": frozenset({"8"})}

ROLES = {
    "SHP": PartyRole.CONSIGNOR,
    "CNE": PartyRole.CONSIGNEE,
    "NFY": PartyRole.NOTIFY_PARTY,
    "AGT": PartyRole.FREIGHT_FORWARDER,
}


def issue(
    code: str,
    message: str,
    *,
    line: int | None,
    value: str | None = None,
    field: str | None = None,
    severity: Severity = Severity.WARNING,
) -> DataQualityIssue:
    return DataQualityIssue(
        code=code,
        message=message,
        line=line,
        value=value[:200] if value is not None else None,
        field=field,
        severity=severity,
    )


def awb_number(prefix: str, serial: str) -> str:
    return f"{prefix}-{serial}"


def check_awb(prefix: str, serial: str, line: int, issues: list[DataQualityIssue], field: str) -> None:
    if not awb_serial_valid(serial):
        issues.append(
            issue(
                "BAD_AWB_CHECK_DIGIT",
                f"AWB serial {serial}: check digit should be {awb_check_digit(serial)}",
                line=line,
                value=awb_number(prefix, serial),
                field=field,
            )
        )


def decimal(text: str) -> Decimal | None:
    if not _DECIMAL.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern guards it
        return None


def weight_kg(
    unit: str, amount: str, line: int, issues: list[DataQualityIssue], field: str = "total_gross_weight_kg"
) -> Decimal | None:
    """``K`` kilograms or ``L`` pounds, converted to kg (3 decimals); other units: a warning and no weight."""
    value = decimal(amount)
    if value is None:
        issues.append(issue("CIMP_SYNTAX", "weight is not a number", line=line, value=amount, field=field))
        return None
    if unit == "K":
        return value
    if unit == "L":
        return (value * LB_TO_KG).quantize(Decimal("0.001"))
    issues.append(
        issue("WEIGHT_UNIT_UNKNOWN", f"weight code {unit!r} is neither K nor L", line=line, value=unit, field=field)
    )
    return None


def volume_m3(code: str, amount: str) -> Decimal | None:
    """``MC`` cubic metres, ``CF`` cubic feet, ``CI`` cubic inches, in m³ (3 decimals where converted)."""
    value = decimal(amount)
    factor = CUBIC_METRES.get(code)
    if value is None or factor is None:
        return None
    return value if code == "MC" else (value * factor).quantize(Decimal("0.001"))


@dataclass(slots=True)
class Quantities:
    """Pieces, weight and volume of a Cargo-IMP quantity detail such as ``T5K46MC0.12`` or ``D4K400MC1.6T12``."""

    code: str | None = None
    pieces: int | None = None
    weight_kg: Decimal | None = None
    volume_m3: Decimal | None = None
    total_pieces: int | None = None
    density_group: str | None = None


_QTY = re.compile(
    r"^(?P<code>[A-Z])(?P<pieces>\d{1,4})(?P<unit>[A-Z])(?P<weight>\d+(?:\.\d+)?)"
    r"(?:(?P<vcode>MC|CF|CI)(?P<volume>\d+(?:\.\d+)?))?(?:DG(?P<dg>\d{1,2}))?(?:T(?P<total>\d{1,5}))?$"
)


def quantities(text: str, line: int, issues: list[DataQualityIssue]) -> Quantities | None:
    match = _QTY.match(text.strip())
    if not match:
        return None
    pieces = int(match["pieces"])
    result = Quantities(code=match["code"], pieces=pieces, density_group=match["dg"])
    result.weight_kg = weight_kg(match["unit"], match["weight"], line, issues)
    if match["vcode"]:
        result.volume_m3 = volume_m3(match["vcode"], match["volume"])
    if match["total"]:
        result.total_pieces = int(match["total"])
    return result


def airport(code: str, line: int, issues: list[DataQualityIssue], field: str) -> dict[str, str] | None:
    """An IATA airport code, for ``Place(name=code)``: it is not a UN/LOCODE (see docs/formats-cargoimp.md)."""
    code = code.strip().upper()
    if not code:
        return None
    if not _AIRPORT.match(code):
        issues.append(
            issue("INVALID_AIRPORT_CODE", "an IATA airport code is three letters", line=line, value=code, field=field)
        )
    return {"name": code}


def check_version(message: Message, issues: list[DataQualityIssue]) -> None:
    ident = message.identifier or ""
    if message.version not in SUPPORTED_VERSIONS.get(ident, frozenset()):
        supported = ", ".join(sorted(SUPPORTED_VERSIONS.get(ident, frozenset()), key=int))
        issues.append(
            issue(
                "UNSUPPORTED_VERSION",
                f"{ident} version {message.version or '(none)'} is not one of {supported}; parsed as the nearest",
                line=message.header_line,
                value=f"{ident}/{message.version or ''}",
            )
        )


def infer_date(day: int, month: int, received_at: datetime, hour: int = 0, minute: int = 0) -> datetime | None:
    """A Cargo-IMP day and month with the year that puts it nearest to when the message was received."""
    reference = received_at if received_at.tzinfo else received_at.replace(tzinfo=UTC)
    best: datetime | None = None
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidate = datetime(year, month, day, hour, minute, tzinfo=UTC)
        except ValueError:
            continue
        if best is None or abs(candidate - reference) < abs(best - reference):
            best = candidate
    return best


_DAY_MONTH = re.compile(r"^(\d{1,2})([A-Z]{3})(?:(\d{2})(\d{2}))?$")


def day_month(text: str, received_at: datetime) -> datetime | None:
    """``19MAR`` or ``19MAR0815`` -> a UTC datetime in the year nearest to reception."""
    match = _DAY_MONTH.match(text.strip())
    if not match or match[2] not in _MONTHS:
        return None
    hour = int(match[3]) if match[3] else 0
    minute = int(match[4]) if match[4] else 0
    if hour > 23 or minute > 59:
        hour = minute = 0
    return infer_date(int(match[1]), _MONTHS[match[2]], received_at, hour, minute)


def join_text(chunks: list[str], width: int = 20) -> str:
    """Join description chunks: a chunk that fills its field (``width``) was cut mid-word, others end a word."""
    out = ""
    for i, chunk in enumerate(chunks):
        if i and len(chunks[i - 1]) < width:
            out += " "
        out += chunk
    return re.sub(r"\s+", " ", out).strip()


def hs_code(text: str) -> str | None:
    digits = re.sub(r"[\s.]", "", text)
    return digits if _HS.match(digits) else None


@dataclass(slots=True)
class PartyDraft:
    """A party as read from SHP/CNE/NFY/AGT (and OCI), before it becomes a :class:`Party`."""

    tag: str
    line: int
    account: str | None = None
    name: str = ""
    address: list[str] = field(default_factory=list)
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postcode: str | None = None
    phone: str | None = None
    email: str | None = None
    identifiers: list[tuple[str, str]] = field(default_factory=list)

    def build(self, issues: list[DataQualityIssue]) -> Party | None:
        name = " ".join(self.name.split())
        if not name:
            return None
        country = self.country if self.country and _COUNTRY.match(self.country) else None
        if self.country and country is None:
            issues.append(
                issue(
                    "CIMP_SYNTAX",
                    "a country code is two letters",
                    line=self.line,
                    value=self.country,
                    field=f"parties.{ROLES[self.tag].value}.country",
                )
            )
        identifiers = [PartyIdentifier(scheme=s, value=v) for s, v in self.identifiers if v]
        if self.account:
            scheme = "IATA_AGENT" if self.tag == "AGT" else "ACCOUNT"
            identifiers.insert(0, PartyIdentifier(scheme=scheme, value=self.account))
        return Party(
            role=ROLES[self.tag],
            name=name,
            address_lines=[a for a in (" ".join(x.split()) for x in self.address) if a],
            city=" ".join(self.city.split()) if self.city else None,
            postcode=self.postcode or None,
            country=country,
            identifiers=identifiers,
            phone=self.phone or None,
            email=self.email or None,
        )


_CONTACT_PHONE = {"TE", "TL", "PH"}


def _contact(draft: PartyDraft, fields: list[str]) -> None:
    """``/CC/postcode/contact id/contact number`` (pairs may repeat)."""
    for kind, value in zip(fields[0::2], fields[1::2], strict=False):
        if kind in _CONTACT_PHONE and not draft.phone:
            draft.phone = value
        elif kind == "EM" and not draft.email:
            draft.email = value


def read_party(element: Element, extra: list[Element]) -> PartyDraft:
    """SHP/CNE/NFY/AGT in both layouts.

    * tagged (FWB/16+, FHL/5): ``SHP[/account]``, ``NAM/name``, ``ADR/street``, ``LOC/place[/state]``,
      ``/CC/postcode[/contact id/number]``;
    * positional (older and FHL/4): ``SHP[/account or /name]``, then ``/name``, ``/street``, ``/place[/state]``,
      ``/CC[/postcode[/contact id/number]]`` as continuation lines.

    AGT carries ``AGT/account/IATA code/CASS address/participant``, then ``/name``, ``/place``.
    """
    draft = PartyDraft(element.tag, element.number)
    head = element.fields[1:]
    positional: list[list[str]] = [c.fields[1:] for c in element.continuations]
    if element.tag == "AGT":
        account, iata, cass = [*head, "", "", ""][:3]
        draft.account = None
        if account:
            draft.identifiers.append(("ACCOUNT", account))
        if iata:
            draft.identifiers.append(("IATA_AGENT", iata))
        if cass:
            draft.identifiers.append(("IATA_CASS", cass))
        if positional:
            draft.name = "/".join(positional[0])
        if len(positional) > 1:
            draft.city = positional[1][0]
        return draft
    tagged = any(e.tag in ("NAM", "ADR", "LOC") for e in extra)
    if tagged:
        draft.account = head[0] if head and head[0] else None
        for sub in extra:
            values = sub.fields[1:]
            conts = [c.fields[1:] for c in sub.continuations]
            if sub.tag == "NAM":
                draft.name = " ".join(["/".join(values), *("/".join(c) for c in conts)])
            elif sub.tag == "ADR":
                draft.address += ["/".join(values), *("/".join(c) for c in conts)]
            elif sub.tag == "LOC":
                draft.city = values[0] if values else None
                draft.state = values[1] if len(values) > 1 else None
                if conts:
                    _country_line(draft, conts[0])
        # a country line may also follow the tag line directly
        for cont in positional:
            _country_line(draft, cont)
        return draft
    # positional layout; FHL/4 puts the name on the tag line itself
    rows = positional
    if head and head[0] and not head[0].isdigit():
        rows = [head, *rows]
    elif head and head[0]:
        draft.account = head[0]
    if rows:
        draft.name = "/".join(rows[0])
    rest = rows[1:]
    if rest and rest[-1] and _COUNTRY.match(rest[-1][0]):
        _country_line(draft, rest[-1])
        rest = rest[:-1]
    if rest:
        _place_line(draft, rest[-1])
        draft.address = ["/".join(r) for r in rest[:-1]]
    return draft


def _place_line(draft: PartyDraft, fields: list[str]) -> None:
    """``place[/state]``; some senders write ``postcode/place``: then the place is the non-numeric field."""
    if len(fields) > 1 and fields[0].isdigit() and fields[1] and not fields[1].isdigit():
        draft.postcode, draft.city = fields[0], fields[1]
        return
    draft.city = fields[0] or None
    draft.state = fields[1] if len(fields) > 1 else None


def _country_line(draft: PartyDraft, fields: list[str]) -> None:
    if not fields:
        return
    draft.country = fields[0] or draft.country
    if len(fields) > 1 and fields[1]:
        draft.postcode = fields[1]
    _contact(draft, fields[2:])


_OCI_ROLES = {"SHP": "SHP", "CNE": "CNE", "NFY": "NFY", "AGT": "AGT"}


@dataclass(slots=True)
class OciEntry:
    line: int
    country: str
    info: str
    customs: str
    value: str


def read_oci(element: Element) -> list[OciEntry]:
    """``OCI/CC/info id/customs info id/supplementary info``; ``/...`` and ``///...`` lines repeat it, an empty
    country or information identifier carrying over from the line above."""
    entries: list[OciEntry] = []
    country = info = ""
    for index, line in enumerate(element.lines()):
        fields = line.fields[1:]
        fields = [*fields, "", "", "", ""][:4] if index == 0 or fields else []
        if not fields:
            continue
        if len(line.fields) > 5:
            fields[3] = "/".join(line.fields[4:])
        country = fields[0] or country
        info = fields[1] or info
        entries.append(OciEntry(line.number, country, info, fields[2], fields[3]))
    return entries


def apply_oci(entries: list[OciEntry], drafts: dict[str, PartyDraft]) -> list[str]:
    """Put OCI identifiers (TIN, EORI) and contacts on the parties they name; return any HS codes found."""
    hs_codes: list[str] = []
    for entry in entries:
        customs, value = entry.customs.upper(), entry.value.strip()
        if customs in ("HS", "HTS"):
            code = hs_code(value)
            if code:
                hs_codes.append(code)
            continue
        draft = drafts.get(_OCI_ROLES.get(entry.info, ""))
        if draft is None or not value:
            continue
        if customs in ("T", "TIN", "EORI", "E"):
            scheme = "EORI" if customs in ("EORI", "E") else "TIN"
            upper = value.upper()
            if upper.startswith("EORI"):
                scheme, value = "EORI", value[4:].lstrip(" :")
            elif upper.startswith("TIN"):
                value = value[3:].lstrip(" :")
            if value and (scheme, value) not in draft.identifiers:
                draft.identifiers.append((scheme, value))
        elif customs in _CONTACT_PHONE and not draft.phone:
            draft.phone = value
        elif customs == "EM" and not draft.email:
            draft.email = value
    return hs_codes


def build_consignment(
    data: dict[str, Any], number: str | None, line: int, issues: list[DataQualityIssue]
) -> ParsedConsignment:
    """Validate the model; a validation failure rejects only this consignment, with the errors as issues.

    Parse warnings of an accepted consignment go to ``Consignment.quality`` (kept with the record and shown on
    the receipt, which lists ``ParsedConsignment.issues`` *and* ``quality``), so they are not repeated in
    ``ParsedConsignment.issues``.
    """
    try:
        consignment = Consignment.model_validate({**data, "quality": issues})
    except ValidationError as exc:
        return ParsedConsignment(number, None, [*issues, *issues_from_validation(exc, line=line)], line=line)
    return ParsedConsignment(number, consignment, [], line=line)


def syntax(line: Line, message: str, severity: Severity = Severity.WARNING) -> DataQualityIssue:
    return issue("CIMP_SYNTAX", message, line=line.number, value=line.text, severity=severity)
