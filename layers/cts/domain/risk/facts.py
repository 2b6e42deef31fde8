"""The facts about a consignment that risk rules can test, extracted once per assessment.

Text facts are tuples of strings (a consignment has many ports, HS codes, party names); numeric facts are
single numbers, absent when the carrier did not give what they are computed from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from anyascii import anyascii

from cts.domain.model import Consignment, FullEmpty, Party, PartyRole

_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_text(value: str) -> str:
    """Case- and accent-insensitive form used for keyword and name matching."""
    if value.isascii():
        return _NON_WORD.sub(" ", value.lower()).strip()
    # Transliterated, not dropped: Cyrillic, Arabic and CJK names keep their letters (anyascii), "Café" reads "cafe".
    return _NON_WORD.sub(" ", anyascii(unicodedata.normalize("NFKC", value)).lower()).strip()


@dataclass(frozen=True)
class PartyHistory:
    """What the records say about the parties before this consignment (pure data, looked up by the caller).

    ``None`` means unknown: the corresponding fact is then missing rather than false."""

    first_shipment_shipper_to_consignee: bool | None = None
    consignee_known_days: int | None = None


@dataclass(frozen=True)
class Facts:
    values: dict[str, tuple[str, ...]]
    numbers: dict[str, float] = field(default_factory=dict)

    def get(self, name: str) -> tuple[str, ...]:
        return self.values.get(name, ())

    def number(self, name: str) -> float | None:
        return self.numbers.get(name)

    def present(self, name: str) -> tuple[str, ...] | None:
        """The values of a fact as text when the consignment has it, else ``None`` (for exists / missing)."""
        if name in NUMERIC_FACTS:
            number = self.numbers.get(name)
            return None if number is None else (format_number(number),)
        have = self.values.get(name, ())
        return have or None


def format_number(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


FACT_NAMES = (
    "mode",
    "direction",
    "carrier",
    "place_of_loading",
    "place_of_discharge",
    "ports",
    "countries",
    "origin_countries",
    "loading_countries",
    "transshipment_countries",
    "routing_countries",
    "hs_codes",
    "goods_text",
    "consignor_name",
    "consignee_name",
    "notify_party_name",
    "party_names",
    "party_addresses",
    "party_phones",
    "party_emails",
    "container_numbers",
    "imo_number",
    "quality_codes",
    "document_kind",
    "empty_containers_with_weight",
    "house_master_mismatch",
    "first_shipment_shipper_to_consignee",
    # What the watch lists found (after the allow list): entry ids, kinds and categories.
    "watchlist_entries",
    "watchlist_kinds",
    "watchlist_categories",
)

NUMERIC_FACTS = (
    "gross_weight_kg",
    "package_count",
    "declared_value",
    "container_count",
    "weight_per_package_kg",
    "value_per_kg",
    "lead_time_hours",
    "consignee_known_days",
)

ALL_FACTS = FACT_NAMES + NUMERIC_FACTS

# country_of: the place roles an indicator may name, and the fact holding each role's countries.
COUNTRY_ROLES = {
    "origin": "origin_countries",
    "loading": "loading_countries",
    "transshipment": "transshipment_countries",
    "routing": "routing_countries",
}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _numbers(c: Consignment, containers: set[str]) -> dict[str, float]:
    numbers: dict[str, float] = {}
    weight = c.gross_weight_kg
    if weight is not None:
        numbers["gross_weight_kg"] = float(weight)
    packages: int | None = c.total_packages
    if packages is None:
        counts = [g.package_count for g in c.goods if g.package_count is not None]
        packages = sum(counts) if counts else None
    if packages is not None:
        numbers["package_count"] = float(packages)
    values = [g.value for g in c.goods if g.value is not None]
    if values:
        numbers["declared_value"] = float(sum(values, Decimal(0)))
    if weight is not None and packages:
        numbers["weight_per_package_kg"] = float(weight) / packages
    if values and weight:
        numbers["value_per_kg"] = numbers["declared_value"] / float(weight)
    numbers["container_count"] = float(len(containers))
    filed = c.filed_at or c.provenance.received_at
    eta = c.eta
    if filed is not None and eta is not None:
        if eta.tzinfo is None or filed.tzinfo is None:  # naive times are UTC; aware ones subtract as they are
            eta, filed = _utc(eta), _utc(filed)
        numbers["lead_time_hours"] = (eta - filed).total_seconds() / 3600
    return numbers


def _address(party: Party) -> str:
    if not party.address_lines and not party.city:
        return ""
    return normalise_text(" ".join([*party.address_lines, party.city or "", party.postcode or ""]))


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def _house_master_mismatch(c: Consignment) -> tuple[str, ...]:
    doc = c.transport_document
    if doc.kind.is_house and not doc.master_number:
        return ("house document without master",)
    if doc.kind.is_house and doc.master_number == doc.number:
        return ("house number equals master number",)
    return ()


def extract_facts(c: Consignment, history: PartyHistory | None = None) -> Facts:
    # Hot path (once per assessment): every model property is read once.
    itinerary = c.itinerary
    places = itinerary.all_places()
    ports = [p.locode for p in places if p.locode]
    place_countries = [locode[:2] for locode in ports]  # Place.country, without a property call per place
    routing_countries = list(itinerary.routing_countries)
    parties = c.parties
    countries = set(place_countries)
    countries.update(routing_countries)
    countries.update(p.country for p in parties if p.country)
    containers = {e.number for e in c.equipment}
    for g in c.goods:
        containers.update(g.container_numbers)
    party_names = tuple(normalise_text(p.name) for p in parties)
    first_name: dict[PartyRole, str] = {}
    for p, normalised in zip(parties, party_names, strict=True):
        first_name.setdefault(p.role, normalised)

    def name(role: PartyRole) -> tuple[str, ...]:
        found = first_name.get(role)
        return () if found is None else (found,)

    loading = itinerary.place_of_loading
    discharge = itinerary.place_of_discharge
    loading_country = loading.country if loading is not None else None
    receipt = itinerary.place_of_receipt
    origin = [p.country for p in (receipt, loading) if p is not None and p.country]
    consignor = c.party(PartyRole.CONSIGNOR)
    if consignor is not None and consignor.country:
        origin.append(consignor.country)
    empty_with_weight = tuple(
        e.number
        for e in c.equipment
        if e.full_empty is FullEmpty.EMPTY and e.gross_weight_kg and e.gross_weight_kg > (e.tare_weight_kg or 0)
    )
    carrier = c.carrier
    document = c.transport_document
    values: dict[str, tuple[str, ...]] = {
        "mode": (c.mode.value,),
        "direction": (c.direction.value,),
        "carrier": (carrier.code,) if carrier else (),
        "place_of_loading": (loading.locode,) if loading and loading.locode else (),
        "place_of_discharge": (discharge.locode,) if discharge and discharge.locode else (),
        "ports": tuple(ports),
        "countries": tuple(sorted(countries)),
        "origin_countries": _unique(origin),
        "loading_countries": (loading_country,) if loading_country else (),
        "transshipment_countries": _unique([p.country for p in itinerary.transshipment if p.country]),
        "routing_countries": _unique(place_countries + routing_countries),
        "hs_codes": tuple(g.hs_code for g in c.goods if g.hs_code),
        "goods_text": (normalise_text(" ".join(g.description for g in c.goods)),),
        "consignor_name": name(PartyRole.CONSIGNOR),
        "consignee_name": name(PartyRole.CONSIGNEE),
        "notify_party_name": name(PartyRole.NOTIFY_PARTY),
        "party_names": party_names,
        "party_addresses": tuple(a for a in (_address(p) for p in parties) if a),
        "party_phones": tuple(d for d in (_digits(p.phone) for p in parties if p.phone) if d),
        "party_emails": tuple(p.email.strip().lower() for p in parties if p.email),
        "container_numbers": tuple(sorted(containers)),
        "imo_number": (c.conveyance.imo_number,) if c.conveyance.imo_number else (),
        # Data-quality findings from ingestion (LATE_FILING, VAGUE_GOODS_DESCRIPTION ...) are risk facts too.
        "quality_codes": tuple(sorted({issue.code for issue in c.quality})) if c.quality else (),
        "document_kind": (document.kind.value,),
        "empty_containers_with_weight": empty_with_weight,
        "house_master_mismatch": _house_master_mismatch(c),
    }
    numbers = _numbers(c, containers)
    if history is not None:
        first = history.first_shipment_shipper_to_consignee
        if first is not None:
            values["first_shipment_shipper_to_consignee"] = ("yes" if first else "no",)
        if history.consignee_known_days is not None:
            numbers["consignee_known_days"] = float(history.consignee_known_days)
    return Facts(values, numbers)
