"""The facts about a consignment that risk rules can test, extracted once per assessment.

Text facts are tuples of strings (a consignment has many ports, HS codes, party names); numeric facts are
single numbers, absent when the carrier did not give what they are computed from.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from anyascii import anyascii

from cts.domain.model import Consignment, FullEmpty, Party, PartyRole, Place

_T = TypeVar("_T")

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


class Facts:
    """The facts of one consignment, each extracted the first time a rule reads it.

    A ruleset reads few of them for most consignments (the compiled evaluator looks up the indexed facts, and the
    others only for the profiles that are candidates), so extracting them all up front was most of the cost of
    scoring. Facts are pure functions of the consignment and its party history: caching them is safe."""

    __slots__ = ("_consignment", "_history", "_numbers", "_scratch", "_values")

    def __init__(
        self,
        consignment: Consignment | None = None,
        history: PartyHistory | None = None,
        *,
        values: Mapping[str, tuple[str, ...]] | None = None,
        numbers: Mapping[str, float] | None = None,
    ) -> None:
        self._consignment = consignment
        self._history = history
        self._values: dict[str, tuple[str, ...]] = dict(values) if values else {}
        self._numbers: dict[str, float] | None = dict(numbers) if numbers is not None else None
        self._scratch: dict[str, Any] = {}

    def get(self, name: str) -> tuple[str, ...]:
        try:
            return self._values[name]
        except KeyError:
            pass
        extract = _TEXT_FACTS.get(name)
        value = extract(self._consignment, self) if extract is not None and self._consignment is not None else ()
        self._values[name] = value
        return value

    def number(self, name: str) -> float | None:
        numbers = self._numbers
        if numbers is None:
            numbers = self._numbers = self._extract_numbers()
        return numbers.get(name)

    def present(self, name: str) -> tuple[str, ...] | None:
        """The values of a fact as text when the consignment has it, else ``None`` (for exists / missing)."""
        if name in NUMERIC_FACTS:
            number = self.number(name)
            return None if number is None else (format_number(number),)
        return self.get(name) or None

    def extended(self, values: Mapping[str, tuple[str, ...]]) -> Facts:
        """These facts plus ``values`` (what the watch lists found), leaving these unchanged."""
        more = Facts(self._consignment, self._history, values={**self._values, **values}, numbers=self._numbers)
        more._scratch = self._scratch
        return more

    @property
    def values(self) -> dict[str, tuple[str, ...]]:
        """Every text fact the consignment has (extracting them all)."""
        return {name: have for name in (*FACT_NAMES, *self._values) if (have := self.get(name))}

    @property
    def numbers(self) -> dict[str, float]:
        if self._numbers is None:
            self._numbers = self._extract_numbers()
        return dict(self._numbers)

    def _extract_numbers(self) -> dict[str, float]:
        c = self._consignment
        numbers = _numbers(c, _containers(c, self)) if c is not None else {}
        if self._history is not None and self._history.consignee_known_days is not None:
            numbers["consignee_known_days"] = float(self._history.consignee_known_days)
        return numbers

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Facts) and (self.values, self.numbers) == (other.values, other.numbers)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Facts(values={self.values!r}, numbers={self.numbers!r})"


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
# The facts that come from the party records (a consignment's history), not from the consignment itself.
HISTORY_FACTS = frozenset({"first_shipment_shipper_to_consignee", "consignee_known_days"})

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


def _scratch(f: Facts, name: str, make: Callable[[], _T]) -> _T:
    """A value several facts are made from, computed once per consignment."""
    scratch = f._scratch
    if name not in scratch:
        scratch[name] = make()
    value: _T = scratch[name]
    return value


def _ports(c: Consignment, f: Facts) -> list[str]:
    return _scratch(f, "ports", lambda: [p.locode for p in c.itinerary.all_places() if p.locode])


def _place_countries(c: Consignment, f: Facts) -> list[str]:
    return [locode[:2] for locode in _ports(c, f)]  # Place.country, without a property call per place


def _containers(c: Consignment, f: Facts) -> set[str]:
    def make() -> set[str]:
        containers = {e.number for e in c.equipment}
        for g in c.goods:
            containers.update(g.container_numbers)
        return containers

    return _scratch(f, "containers", make)


def _party_names(c: Consignment, f: Facts) -> tuple[str, ...]:
    return _scratch(f, "party_names", lambda: tuple(normalise_text(p.name) for p in c.parties))


def _named(role: PartyRole) -> Callable[[Consignment, Facts], tuple[str, ...]]:
    def extract(c: Consignment, f: Facts) -> tuple[str, ...]:
        for party, normalised in zip(c.parties, _party_names(c, f), strict=True):
            if party.role is role:
                return (normalised,)
        return ()

    return extract


def _countries(c: Consignment, f: Facts) -> tuple[str, ...]:
    countries = set(_place_countries(c, f))
    countries.update(c.itinerary.routing_countries)
    countries.update(p.country for p in c.parties if p.country)
    return tuple(sorted(countries))


def _origin_countries(c: Consignment, f: Facts) -> tuple[str, ...]:
    itinerary = c.itinerary
    places = (itinerary.place_of_receipt, itinerary.place_of_loading)
    origin = [p.country for p in places if p is not None and p.country]
    consignor = c.party(PartyRole.CONSIGNOR)
    if consignor is not None and consignor.country:
        origin.append(consignor.country)
    return _unique(origin)


def _locode(place: Place | None) -> tuple[str, ...]:
    return (place.locode,) if place is not None and place.locode else ()


def _first_shipment(c: Consignment, f: Facts) -> tuple[str, ...]:
    history = f._history
    first = history.first_shipment_shipper_to_consignee if history is not None else None
    return () if first is None else ("yes" if first else "no",)


def _empty_with_weight(c: Consignment, f: Facts) -> tuple[str, ...]:
    return tuple(
        e.number
        for e in c.equipment
        if e.full_empty is FullEmpty.EMPTY and e.gross_weight_kg and e.gross_weight_kg > (e.tare_weight_kg or 0)
    )


_TEXT_FACTS: dict[str, Callable[[Consignment, Facts], tuple[str, ...]]] = {
    "mode": lambda c, f: (c.mode.value,),
    "direction": lambda c, f: (c.direction.value,),
    "carrier": lambda c, f: (c.carrier.code,) if c.carrier else (),
    "place_of_loading": lambda c, f: _locode(c.itinerary.place_of_loading),
    "place_of_discharge": lambda c, f: _locode(c.itinerary.place_of_discharge),
    "ports": lambda c, f: tuple(_ports(c, f)),
    "countries": _countries,
    "origin_countries": _origin_countries,
    "loading_countries": lambda c, f: tuple(p[:2] for p in _locode(c.itinerary.place_of_loading)),
    "transshipment_countries": lambda c, f: _unique([p.country for p in c.itinerary.transshipment if p.country]),
    "routing_countries": lambda c, f: _unique(_place_countries(c, f) + list(c.itinerary.routing_countries)),
    "hs_codes": lambda c, f: tuple(g.hs_code for g in c.goods if g.hs_code),
    "goods_text": lambda c, f: (normalise_text(" ".join(g.description for g in c.goods)),),
    "consignor_name": _named(PartyRole.CONSIGNOR),
    "consignee_name": _named(PartyRole.CONSIGNEE),
    "notify_party_name": _named(PartyRole.NOTIFY_PARTY),
    "party_names": _party_names,
    "party_addresses": lambda c, f: tuple(a for a in (_address(p) for p in c.parties) if a),
    "party_phones": lambda c, f: tuple(d for d in (_digits(p.phone) for p in c.parties if p.phone) if d),
    "party_emails": lambda c, f: tuple(p.email.strip().lower() for p in c.parties if p.email),
    "container_numbers": lambda c, f: tuple(sorted(_containers(c, f))),
    "imo_number": lambda c, f: (c.conveyance.imo_number,) if c.conveyance.imo_number else (),
    # Data-quality findings from ingestion (LATE_FILING, VAGUE_GOODS_DESCRIPTION ...) are risk facts too.
    "quality_codes": lambda c, f: tuple(sorted({issue.code for issue in c.quality})) if c.quality else (),
    "document_kind": lambda c, f: (c.transport_document.kind.value,),
    "empty_containers_with_weight": _empty_with_weight,
    "house_master_mismatch": lambda c, f: _house_master_mismatch(c),
    "first_shipment_shipper_to_consignee": _first_shipment,
}


def extract_facts(c: Consignment, history: PartyHistory | None = None) -> Facts:
    """The facts of ``c`` (and its party history), each extracted when first read."""
    return Facts(c, history)
