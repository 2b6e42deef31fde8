"""Risk profiles and watch lists as validated documents.

This is the foundation's rule language: a handful of operators over named facts. The
risk-engine issue grows it (nested combinations, fuzzy screening, random selection) without
changing the shape callers see: rules in, explained hits out.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cts.domain.risk.facts import FACT_NAMES

_Doc = ConfigDict(extra="forbid", frozen=True)


class Operator(StrEnum):
    EQUALS = "equals"
    IN = "in"
    PREFIX = "prefix"
    KEYWORD = "keyword"


class ProfileStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


class Indicator(BaseModel):
    model_config = _Doc

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str
    fact: str
    op: Operator
    values: tuple[str, ...] = Field(min_length=1)
    weight: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _known_fact(self) -> Indicator:
        if self.fact not in FACT_NAMES:
            raise ValueError(f"unknown fact {self.fact!r}; known facts: {', '.join(FACT_NAMES)}")
        return self


class Profile(BaseModel):
    model_config = _Doc

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    version: int = Field(ge=1)
    name: str
    category: str
    status: ProfileStatus = ProfileStatus.DRAFT
    author: str
    valid_from: date | None = None
    valid_to: date | None = None
    threshold: int = Field(ge=1, description="the profile matches when fired weights reach this")
    indicators: tuple[Indicator, ...] = Field(min_length=1)

    def in_force(self, on: date) -> bool:
        if self.status is not ProfileStatus.ACTIVE:
            return False
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


class WatchlistKind(StrEnum):
    PARTY = "party"
    CONTAINER = "container"
    VESSEL = "vessel"
    HS_CODE = "hs_code"
    PORT = "port"


class WatchlistEntry(BaseModel):
    model_config = _Doc

    id: str
    kind: WatchlistKind
    value: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    reason: str
    category: str
    source: str
    weight: int = Field(default=100, ge=1, le=1000)
    valid_from: date | None = None
    valid_to: date | None = None

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


class Ruleset(BaseModel):
    """The profiles and watch-list entries in force, identified so assessments can say what judged them."""

    model_config = _Doc

    version: str
    profiles: tuple[Profile, ...] = ()
    watchlist: tuple[WatchlistEntry, ...] = ()
