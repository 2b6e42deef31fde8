"""What the consignment detail shows beside the consignment: its parties' history and similar past consignments.

Party history is the first sighting of the consignee and of the shipper-consignee pair
(:class:`cts.ports.records.PartyHistoryRepository`) with how many consignments the search index holds for the
consignee; similar consignments are a search by the consignee's (else the shipper's) name and the first goods
item's HS heading (4 digits), the consignment itself left out, best five first."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from cts.domain.errors import CtsError
from cts.domain.parties import PartyPair
from cts.domain.records import ConsignmentVersion
from cts.ports.records import PartyHistoryRepository
from cts.ports.search import SearchIndex, SearchQuery

SIMILAR = 5
HS_PREFIX = 4


class ConsignmentPartyHistory(BaseModel):
    """When the consignment's consignee, and its shipper-consignee pair, were first seen."""

    model_config = ConfigDict(extra="forbid")

    consignee: str = Field(description="the consignee's normalised name")
    shipper: str | None = Field(description="the shipper's normalised name; null when unknown")
    consignee_first_seen: date | None = Field(description="the day the consignee was first seen; null: never")
    consignee_first_key: str | None = Field(description="the consignment it was first seen on")
    pair_first_seen: date | None = Field(description="the day this shipper first shipped to this consignee")
    pair_first_key: str | None = Field(description="the consignment the pair was first seen on")
    consignee_consignments: int | None = Field(
        description="consignments the search index holds for the consignee's name; null when it cannot tell"
    )


class SimilarConsignment(BaseModel):
    """A past consignment like this one: same consignee (else shipper) name and HS heading."""

    model_config = ConfigDict(extra="forbid")

    key: str
    eta: datetime | None
    consignee_name: str | None
    consignor_name: str | None
    hs_codes: list[str]
    score: int
    level: str = Field(description="its risk level: none, amber or red")


def party_history(
    history: PartyHistoryRepository | None, search: SearchIndex, latest: ConsignmentVersion
) -> ConsignmentPartyHistory | None:
    """The parties' history; None without a party-history store or a (usable) consignee name."""
    pair = PartyPair.of(latest.consignment)
    if history is None or pair.consignee is None:
        return None
    sightings = history.lookup(pair)
    consignee = latest.consignment.consignee
    count = _count(search, consignee.name if consignee else None)
    return ConsignmentPartyHistory(
        consignee=pair.consignee,
        shipper=pair.shipper,
        consignee_first_seen=sightings.consignee.first_seen if sightings.consignee else None,
        consignee_first_key=sightings.consignee.first_key if sightings.consignee else None,
        pair_first_seen=sightings.pair.first_seen if sightings.pair else None,
        pair_first_key=sightings.pair.first_key if sightings.pair else None,
        consignee_consignments=count,
    )


def _count(search: SearchIndex, name: str | None) -> int | None:
    if not name:
        return None
    try:
        return search.search(SearchQuery(text=name[:200], page_size=1)).total
    except CtsError:  # the search engine is optional for the detail: left out, not failed
        return None


def similar(search: SearchIndex, latest: ConsignmentVersion, limit: int = SIMILAR) -> list[SimilarConsignment]:
    c = latest.consignment
    party = c.consignee or c.consignor
    hs = next((g.hs_code for g in c.goods if g.hs_code), None)
    if party is None or not party.name:
        return []
    query = SearchQuery(
        text=party.name[:200],
        hs_prefix=hs[:HS_PREFIX] if hs and len(hs) >= HS_PREFIX else None,
        page_size=limit + 1,
    )
    try:
        hits = search.search(query).hits
    except CtsError:
        return []
    return [
        SimilarConsignment(
            key=h.key,
            eta=h.eta,
            consignee_name=h.consignee_name,
            consignor_name=h.consignor_name,
            hs_codes=list(h.hs_codes),
            score=h.score,
            level=h.level,
        )
        for h in hits
        if h.key != latest.key
    ][:limit]
