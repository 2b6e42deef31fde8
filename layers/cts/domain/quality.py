"""Data-quality checks: warnings kept with a consignment, never a reason to drop it.

Each rule in :data:`RULES` has a stable ``code`` and a finder that yields ``(field path, offending value)``
pairs, so adding a check is adding a row. Field paths use the model's attribute names with 0-based list
indexes: ``goods[0].hs_code``, ``equipment[1].number``, ``itinerary.place_of_loading.locode``.
A finder that fails on odd data yields a ``QUALITY_CHECK_FAILED`` issue instead of raising.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from stdnum import imo, iso6346
from stdnum.exceptions import InvalidChecksum, ValidationError

from cts.domain.model import (
    Consignment,
    DataQualityIssue,
    FullEmpty,
    MessageFunction,
    PartyRole,
    Place,
    TransportMode,
)
from cts.domain.reference import ReferenceData

Finding = tuple[str | None, str | None]
Finder = Callable[[Consignment, ReferenceData], Iterable[Finding]]

# Descriptions that say nothing about the goods when they are the whole description (compared after
# lower-casing, dropping punctuation and a leading "said to contain"/"STC").
VAGUE_DESCRIPTIONS = frozenset(
    {
        "general cargo",
        "general goods",
        "general merchandise",
        "fak",
        "freight all kinds",
        "said to contain",
        "stc",
        "parts",
        "spare parts",
        "goods",
        "merchandise",
        "cargo",
        "consolidated cargo",
        "consolidated goods",
        "consolidation",
        "consol",
        "various",
        "various goods",
        "sundries",
        "miscellaneous",
        "misc",
        "mixed goods",
        "assorted goods",
    }
)
_STC_PREFIX = re.compile(r"^(said to contain|stc)\b\s*")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class QualityRule:
    code: str
    message: str  # formatted with {value} and {field}
    find: Finder
    on_cancellation: bool = True  # a cancellation only names the document: skip completeness checks


# --- finders ---------------------------------------------------------------------------------------


def _places(c: Consignment) -> Iterator[tuple[str, Place]]:
    it = c.itinerary
    named = [("place_of_receipt", it.place_of_receipt), ("place_of_loading", it.place_of_loading)]
    named += [(f"transshipment[{i}]", p) for i, p in enumerate(it.transshipment)]
    named += [("place_of_discharge", it.place_of_discharge), ("place_of_delivery", it.place_of_delivery)]
    for name, place in named:
        if place is not None and place.locode:
            yield f"itinerary.{name}.locode", place


def _unknown_locodes(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    for path, place in _places(c):
        if not ref.is_known_locode(place.locode or ""):
            yield path, place.locode


def _superseded_locodes(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    for path, place in _places(c):
        location = ref.location(place.locode or "")
        if location is not None and ref.is_superseded(location):
            yield path, place.locode


def _unknown_hs_codes(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    for i, item in enumerate(c.goods):
        if item.hs_code and not ref.is_known_hs(item.hs_code):
            yield f"goods[{i}].hs_code", item.hs_code


def _countries(c: Consignment) -> Iterator[Finding]:
    for i, party in enumerate(c.parties):
        yield f"parties[{i}].country", party.country
    for i, country in enumerate(c.itinerary.routing_countries):
        yield f"itinerary.routing_countries[{i}]", country
    yield "conveyance.nationality", c.conveyance.nationality


def _unknown_countries(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    return ((path, value) for path, value in _countries(c) if value and not ref.is_known_country(value))


def _unknown_currencies(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    for i, item in enumerate(c.goods):
        if item.currency and not ref.is_known_currency(item.currency):
            yield f"goods[{i}].currency", item.currency


def _container_numbers(c: Consignment) -> Iterator[tuple[str, str]]:
    """Container numbers to check against ISO 6346: all of them at sea; in other modes only those shaped
    like one (owner code + category letter + digits), since air equipment numbers are ULDs."""
    found = [(f"equipment[{i}].number", e.number) for i, e in enumerate(c.equipment)]
    for i, item in enumerate(c.goods):
        found += [(f"goods[{i}].container_numbers[{j}]", n) for j, n in enumerate(item.container_numbers)]
    for path, number in found:
        if c.mode is TransportMode.SEA or re.match(r"^[A-Z]{4}\d{6}", number):
            yield path, number


def _iso6346_error(number: str) -> ValidationError | None:
    try:
        iso6346.validate(number)
    except ValidationError as error:
        return error
    return None


def _bad_container_numbers(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    for path, number in _container_numbers(c):
        error = _iso6346_error(number)
        if error is not None and not isinstance(error, InvalidChecksum):
            yield path, number


def _bad_container_check_digits(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    for path, number in _container_numbers(c):
        if isinstance(_iso6346_error(number), InvalidChecksum):
            yield path, number


def _imo_error(c: Consignment) -> ValidationError | None:
    if not c.conveyance.imo_number:
        return None
    try:
        imo.validate(c.conveyance.imo_number)
    except ValidationError as error:
        return error
    return None


def _bad_imo_numbers(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    error = _imo_error(c)
    if error is not None and not isinstance(error, InvalidChecksum):
        yield "conveyance.imo_number", c.conveyance.imo_number


def _bad_imo_check_digits(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    if isinstance(_imo_error(c), InvalidChecksum):
        yield "conveyance.imo_number", c.conveyance.imo_number


def _missing_party(role: PartyRole) -> Finder:
    def find(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
        if c.party(role) is None:
            yield "parties", None

    return find


def _missing_descriptions(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    for i, item in enumerate(c.goods):
        if not item.description.strip():
            yield f"goods[{i}].description", item.description


def is_vague_description(description: str) -> bool:
    """True when the whole description is a placeholder such as "FAK", "general cargo" or "STC parts"."""
    words = _NOT_WORD.sub(" ", description.lower().replace(".", "")).strip()  # "F.A.K." reads as "fak"
    rest = _STC_PREFIX.sub("", words).strip()
    return bool(words) and (not rest or rest in VAGUE_DESCRIPTIONS or words in VAGUE_DESCRIPTIONS)


def _vague_descriptions(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    for i, item in enumerate(c.goods):
        if is_vague_description(item.description):
            yield f"goods[{i}].description", item.description


def _empty_containers_with_weight(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    """An empty container weighs its tare: a gross weight above the tare (or above 0 when the tare is
    not given) means something is inside."""
    for i, e in enumerate(c.equipment):
        if e.full_empty is FullEmpty.EMPTY and e.gross_weight_kg and e.gross_weight_kg > (e.tare_weight_kg or 0):
            yield f"equipment[{i}].gross_weight_kg", str(e.gross_weight_kg)


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC so that naive and aware values compare without raising."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _eta_before_etd(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    if c.eta is not None and c.etd is not None and _utc(c.eta) < _utc(c.etd):
        yield "eta", f"ETA {c.eta.isoformat()} < ETD {c.etd.isoformat()}"


def _packages_mismatch(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    counts = [g.package_count for g in c.goods]
    if c.total_packages is not None and counts and all(n is not None for n in counts):
        declared = sum(n for n in counts if n is not None)
        if declared != c.total_packages:
            yield "total_packages", f"total {c.total_packages} != goods items {declared}"


# Totals and item weights rounded by different systems differ a little; more than this is an inconsistency.
WEIGHT_TOLERANCE = Decimal("0.01")


def _weight_mismatch(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    weights = [g.gross_weight_kg for g in c.goods]
    if c.total_gross_weight_kg is not None and weights and all(w is not None for w in weights):
        items = sum((w for w in weights if w is not None), Decimal(0))
        total = c.total_gross_weight_kg
        if abs(total - items) > max(Decimal(1), WEIGHT_TOLERANCE * total):
            yield "total_gross_weight_kg", f"total {total} kg != goods items {items} kg"


# How long before departure (sea: loading) or arrival (air, road, rail) cargo data is due: the 24-hour rule
# for maritime containers (US, EU ICS2) and the usual pre-arrival times for the other modes.
FILING_DEADLINES = {
    TransportMode.SEA: ("departure", timedelta(hours=24)),
    TransportMode.AIR: ("arrival", timedelta(hours=4)),
    TransportMode.ROAD: ("arrival", timedelta(hours=1)),
    TransportMode.RAIL: ("arrival", timedelta(hours=2)),
}


def _late_filing(c: Consignment, ref: ReferenceData) -> Iterator[Finding]:
    filed = c.filed_at or c.provenance.received_at
    event, lead = FILING_DEADLINES[c.mode]
    moment = c.etd if event == "departure" and c.etd is not None else c.eta
    if filed is None or moment is None:
        return
    if _utc(filed) > _utc(moment) - lead:
        hours = (_utc(moment) - _utc(filed)).total_seconds() / 3600
        which = "departure" if moment is c.etd else "arrival"
        yield "filed_at", f"{hours:.1f} h before {which}, due {lead.total_seconds() / 3600:.0f} h before"


# --- the table -------------------------------------------------------------------------------------

RULES: tuple[QualityRule, ...] = (
    QualityRule("UNKNOWN_LOCODE", "UN/LOCODE {value} is not in the UN/LOCODE list", _unknown_locodes),
    QualityRule(
        "SUPERSEDED_LOCODE",
        "UN/LOCODE {value} is only in an older UN/LOCODE edition: it was removed or replaced since",
        _superseded_locodes,
    ),
    QualityRule("UNKNOWN_HS_CODE", "HS code {value} is not an HS chapter, heading or subheading", _unknown_hs_codes),
    QualityRule("UNKNOWN_COUNTRY", "country code {value} is not an ISO 3166-1 alpha-2 code", _unknown_countries),
    QualityRule("UNKNOWN_CURRENCY", "currency {value} is not the ISO 4217 code of any country", _unknown_currencies),
    QualityRule(
        "BAD_CONTAINER_NUMBER",
        "container number {value} is not an ISO 6346 number (4 letters, 6 digits, check digit)",
        _bad_container_numbers,
    ),
    QualityRule(
        "BAD_CONTAINER_CHECK_DIGIT",
        "container number {value} has a wrong ISO 6346 check digit",
        _bad_container_check_digits,
    ),
    QualityRule("BAD_IMO_NUMBER", "IMO number {value} is not 7 digits", _bad_imo_numbers),
    QualityRule("BAD_IMO_CHECK_DIGIT", "IMO number {value} has a wrong check digit", _bad_imo_check_digits),
    QualityRule("MISSING_CONSIGNOR", "no consignor (shipper) is given", _missing_party(PartyRole.CONSIGNOR), False),
    QualityRule("MISSING_CONSIGNEE", "no consignee is given", _missing_party(PartyRole.CONSIGNEE), False),
    QualityRule("MISSING_GOODS_DESCRIPTION", "goods item has no description", _missing_descriptions, False),
    QualityRule(
        "VAGUE_GOODS_DESCRIPTION",
        "goods description {value!r} does not say what the goods are",
        _vague_descriptions,
        False,
    ),
    QualityRule(
        "EMPTY_CONTAINER_WITH_WEIGHT",
        "container declared empty has a gross weight of {value} kg",
        _empty_containers_with_weight,
    ),
    QualityRule("ETA_BEFORE_ETD", "arrival is before departure: {value}", _eta_before_etd),
    QualityRule("PACKAGES_MISMATCH", "package counts disagree: {value}", _packages_mismatch, False),
    QualityRule("WEIGHT_MISMATCH", "gross weights disagree: {value}", _weight_mismatch, False),
    QualityRule("LATE_FILING", "filed late: {value}", _late_filing, False),
)

QUALITY_CODES: frozenset[str] = frozenset(rule.code for rule in RULES) | {"QUALITY_CHECK_FAILED"}


def assess_quality(consignment: Consignment, ref: ReferenceData) -> list[DataQualityIssue]:
    """Run every rule over ``consignment``; returns warnings in rule order, never raises on odd data."""
    cancelled = consignment.message_function is MessageFunction.CANCELLATION
    issues: list[DataQualityIssue] = []
    for rule in RULES:
        if cancelled and not rule.on_cancellation:
            continue
        issues += _apply(rule, consignment, ref)
    return issues


def _apply(rule: QualityRule, consignment: Consignment, ref: ReferenceData) -> list[DataQualityIssue]:
    try:
        return [
            DataQualityIssue(
                code=rule.code,
                message=rule.message.format(value=value, field=path),
                field=path,
                value=value,
            )
            for path, value in rule.find(consignment, ref)
        ]
    except Exception as error:  # a check must never stop ingestion: report it as an issue instead
        message = f"check {rule.code} could not run: {type(error).__name__}: {error}"
        return [DataQualityIssue(code="QUALITY_CHECK_FAILED", message=message, value=rule.code)]


def with_quality(consignment: Consignment, ref: ReferenceData) -> Consignment:
    """A copy of ``consignment`` with the quality issues found appended, de-duplicated by code and field."""
    copy = consignment.model_copy(deep=True)
    seen = {(issue.code, issue.field) for issue in copy.quality}
    for issue in assess_quality(consignment, ref):
        if (issue.code, issue.field) not in seen:
            seen.add((issue.code, issue.field))
            copy.quality.append(issue)
    return copy
