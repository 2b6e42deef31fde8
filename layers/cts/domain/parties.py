"""Party history: who shipped to whom before, and since when a consignee is known (pure; the records keep it).

The risk engine reads two facts from it (:class:`cts.domain.risk.facts.PartyHistory`):
``first_shipment_shipper_to_consignee`` and ``consignee_known_days``. They describe the records *before* the
consignment being scored, so the consignment that introduced a pair (or a consignee) keeps reading as the first
one when it is scored again: the records keep the key that was seen first, not only that something was seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cts.domain.model import Consignment
from cts.domain.risk.facts import PartyHistory, normalise_text


def _normalised(name: str | None) -> str | None:
    text = normalise_text(name) if name else ""
    return text or None


@dataclass(frozen=True)
class PartyPair:
    """The normalised names of a consignment's shipper (consignor) and consignee; ``None`` when unknown.

    A name without a letter or digit left after normalisation (say one written only in a non-Latin script)
    counts as unknown: it cannot be compared reliably."""

    shipper: str | None
    consignee: str | None

    @classmethod
    def of(cls, consignment: Consignment) -> PartyPair:
        consignor, consignee = consignment.consignor, consignment.consignee
        return cls(
            shipper=_normalised(consignor.name if consignor else None),
            consignee=_normalised(consignee.name if consignee else None),
        )

    @property
    def complete(self) -> bool:
        return self.shipper is not None and self.consignee is not None


@dataclass(frozen=True)
class Sighting:
    """The first time something was seen: on which day, with which consignment key."""

    first_key: str
    first_seen: date


@dataclass(frozen=True)
class PartySightings:
    """What the records hold for a pair: the consignee's first sighting and the shipper-consignee pair's."""

    consignee: Sighting | None = None
    pair: Sighting | None = None

    def missing_for(self, parties: PartyPair) -> bool:
        """Whether recording this pair would add anything (a known consignee or pair is never rewritten)."""
        if parties.consignee is None:
            return False
        return self.consignee is None or (parties.shipper is not None and self.pair is None)


def party_history(key: str, parties: PartyPair, sightings: PartySightings, today: date) -> PartyHistory:
    """The facts for consignment ``key``, from the sightings stored before (or by) it.

    - first shipment: the pair was never seen, or was first seen with this very consignment (a re-score or a
      retry); unknown (``None``) when the shipper or the consignee is unknown;
    - consignee known days: 0 for a consignee never seen or first seen with this consignment, else the days
      since its first sighting; unknown when the consignee is unknown.
    """
    first: bool | None = None
    if parties.complete:
        first = sightings.pair is None or sightings.pair.first_key == key
    known_days: int | None = None
    if parties.consignee is not None:
        seen = sightings.consignee
        known_days = 0 if seen is None or seen.first_key == key else max(0, (today - seen.first_seen).days)
    return PartyHistory(first_shipment_shipper_to_consignee=first, consignee_known_days=known_days)
