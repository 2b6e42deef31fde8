"""What the engine returns: a score, a level, and one explained hit per point."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Level(StrEnum):
    NONE = "none"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """Points with their explanation: which indicator or watch-list entry, on which fact, because of which values.

    A plain dataclass, not a model: the compiled evaluator makes thousands per second and pydantic construction
    dominated its cost. Pydantic still validates and serialises it inside :class:`Assessment` and alerts."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    source: str  # "profile" or "watchlist"
    ref: str  # profile id@version#indicator or watch-list entry id
    points: int
    reason: str
    matched: str
    category: str
    fact: str | None = None
    values: tuple[str, ...] = ()  # the fact values (or keywords found) that made it fire


@dataclass(frozen=True, slots=True, kw_only=True)
class Suppressed:
    """A watch-list hit that an allow-list entry vouched away: shown, not scored."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    hit: Hit
    allow_id: str
    reason: str


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    version: int
    ruleset_version: str
    score: int
    level: Level
    hits: tuple[Hit, ...]
    profiles_matched: tuple[str, ...]
    suppressed: tuple[Suppressed, ...] = ()
    # Selected by a random selection rate (never mixed into the score, hits or profiles above).
    random: bool = False
    random_selection: str | None = None
