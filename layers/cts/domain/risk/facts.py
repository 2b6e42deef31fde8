"""The facts about a consignment that risk rules can test, extracted once per assessment."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cts.domain.model import Consignment, PartyRole


def normalise_text(value: str) -> str:
    """Case- and accent-insensitive form used for keyword and name matching."""
    folded = unicodedata.normalize("NFKD", value)
    ascii_only = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", ascii_only.lower()).strip()


@dataclass(frozen=True)
class Facts:
    values: dict[str, tuple[str, ...]]

    def get(self, name: str) -> tuple[str, ...]:
        return self.values.get(name, ())


FACT_NAMES = (
    "mode",
    "direction",
    "carrier",
    "place_of_loading",
    "place_of_discharge",
    "ports",
    "countries",
    "hs_codes",
    "goods_text",
    "consignor_name",
    "consignee_name",
    "notify_party_name",
    "party_names",
    "container_numbers",
    "imo_number",
    "quality_codes",
)


def extract_facts(c: Consignment) -> Facts:
    places = c.itinerary.all_places()
    ports = tuple(p.locode for p in places if p.locode)
    countries = {p.country for p in places if p.country} | set(c.itinerary.routing_countries)
    countries |= {p.country for p in c.parties if p.country}
    containers = {e.number for e in c.equipment} | {n for g in c.goods for n in g.container_numbers}

    def name(role: PartyRole) -> tuple[str, ...]:
        party = c.party(role)
        return (normalise_text(party.name),) if party else ()

    loading = c.itinerary.place_of_loading
    discharge = c.itinerary.place_of_discharge
    values: dict[str, tuple[str, ...]] = {
        "mode": (c.mode.value,),
        "direction": (c.direction.value,),
        "carrier": (c.carrier.code,) if c.carrier else (),
        "place_of_loading": (loading.locode,) if loading and loading.locode else (),
        "place_of_discharge": (discharge.locode,) if discharge and discharge.locode else (),
        "ports": ports,
        "countries": tuple(sorted(countries)),
        "hs_codes": tuple(g.hs_code for g in c.goods if g.hs_code),
        "goods_text": (normalise_text(" ".join(g.description for g in c.goods)),),
        "consignor_name": name(PartyRole.CONSIGNOR),
        "consignee_name": name(PartyRole.CONSIGNEE),
        "notify_party_name": name(PartyRole.NOTIFY_PARTY),
        "party_names": tuple(normalise_text(p.name) for p in c.parties),
        "container_numbers": tuple(sorted(containers)),
        "imo_number": (c.conveyance.imo_number,) if c.conveyance.imo_number else (),
        # Data-quality findings from ingestion (LATE_FILING, VAGUE_GOODS_DESCRIPTION ...) are risk facts too.
        "quality_codes": tuple(sorted({issue.code for issue in c.quality})),
    }
    return Facts(values)
