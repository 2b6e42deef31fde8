"""What the engine returns: a score, a level, and one explained hit per point."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Level(StrEnum):
    NONE = "none"
    AMBER = "amber"
    RED = "red"


class Hit(BaseModel):
    """Points with their explanation: which indicator or watch-list entry, on which fact, because of which values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str  # "profile" or "watchlist"
    ref: str  # profile id@version#indicator or watch-list entry id
    points: int
    reason: str
    matched: str
    category: str
    fact: str | None = None
    values: tuple[str, ...] = ()  # the fact values (or keywords found) that made it fire


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    version: int
    ruleset_version: str
    score: int
    level: Level
    hits: tuple[Hit, ...]
    profiles_matched: tuple[str, ...]
    # Selected by a random selection rate (never mixed into the score, hits or profiles above).
    random: bool = False
    random_selection: str | None = None
