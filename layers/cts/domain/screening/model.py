"""Watch-list entries and screening results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EntryKind(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    VESSEL = "vessel"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ScreeningEntry:
    """One listed party: ``names[0]`` is the primary name, the others its aliases."""

    id: str
    kind: EntryKind
    names: tuple[str, ...]
    country: str | None = None
    source: str = ""
    reason: str = ""
    valid_from: str | None = None
    valid_to: str | None = None


@dataclass(frozen=True, slots=True)
class Part:
    """One term of a match score: the parts of a :class:`Match` add up to its score.

    ``kind`` is one of ``exact``, ``fuzzy``, ``phonetic``, ``initial`` (positive contributions), ``missing`` (a query
    token the listed name lacks), ``extra`` (a listed token the query lacks), both with contribution 0 and the weight
    they cost, ``legal_form`` and ``kind_mismatch`` (negative discounts).
    """

    kind: str
    query_token: str = ""
    list_token: str = ""
    similarity: float = 0.0
    weight: float = 0.0
    contribution: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "query_token": self.query_token,
            "list_token": self.list_token,
            "similarity": round(self.similarity, 4),
            "weight": round(self.weight, 4),
            "contribution": round(self.contribution, 6),
        }


@dataclass(frozen=True, slots=True)
class Match:
    entry_id: str
    name_matched: str
    score: float
    explanation: tuple[Part, ...] = field(default_factory=tuple)
    kind: EntryKind = EntryKind.OTHER
