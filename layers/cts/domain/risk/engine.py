"""The pure risk engine: consignment + ruleset -> assessment with every point explained."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from cts.domain.model import Consignment, compact_identifier
from cts.domain.risk.facts import Facts, extract_facts, normalise_text
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import Indicator, Operator, Profile, Ruleset, WatchlistEntry, WatchlistKind


class Level(StrEnum):
    NONE = "none"
    AMBER = "amber"
    RED = "red"


class Hit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str  # "profile" or "watchlist"
    ref: str  # profile id@version#indicator or watch-list entry id
    points: int
    reason: str
    matched: str
    category: str


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    version: int
    ruleset_version: str
    score: int
    level: Level
    hits: tuple[Hit, ...]
    profiles_matched: tuple[str, ...]


def _indicator_match(ind: Indicator, facts: Facts) -> str | None:
    have = facts.get(ind.fact)
    if ind.op is Operator.EQUALS or ind.op is Operator.IN:
        wanted = {v.upper() for v in ind.values}
        return next((h for h in have if h.upper() in wanted), None)
    if ind.op is Operator.PREFIX:
        return next((h for h in have for v in ind.values if h.startswith(v)), None)
    # KEYWORD: whole words or phrases, case- and accent-insensitive
    for text in have:
        padded = f" {text} "
        for phrase in ind.values:
            if f" {normalise_text(phrase)} " in padded:
                return phrase
    return None


def _profile_hits(profile: Profile, facts: Facts) -> list[Hit]:
    fired: list[Hit] = []
    for ind in profile.indicators:
        matched = _indicator_match(ind, facts)
        if matched is not None:
            ref = f"{profile.id}@{profile.version}#{ind.id}"
            fired.append(
                Hit(
                    source="profile",
                    ref=ref,
                    points=ind.weight,
                    reason=ind.description,
                    matched=matched,
                    category=profile.category,
                )
            )
    if sum(h.points for h in fired) >= profile.threshold:
        return fired
    return []


_WATCH_FACTS = {
    WatchlistKind.PARTY: "party_names",
    WatchlistKind.CONTAINER: "container_numbers",
    WatchlistKind.VESSEL: "imo_number",
    WatchlistKind.HS_CODE: "hs_codes",
    WatchlistKind.PORT: "ports",
}


def _watch_keys(entry: WatchlistEntry) -> set[str]:
    values = (entry.value, *entry.aliases)
    if entry.kind is WatchlistKind.PARTY:
        return {normalise_text(v) for v in values}
    return {compact_identifier(v).removeprefix("IMO") for v in values}


def _watch_hit(entry: WatchlistEntry, facts: Facts) -> Hit | None:
    keys = _watch_keys(entry)
    have = facts.get(_WATCH_FACTS[entry.kind])
    if entry.kind is WatchlistKind.HS_CODE:
        matched = next((h for h in have for k in keys if h.startswith(k)), None)
    else:
        matched = next((h for h in have if h in keys), None)
    if matched is None:
        return None
    return Hit(
        source="watchlist",
        ref=entry.id,
        points=entry.weight,
        reason=f"{entry.kind.value} on watch list: {entry.reason}",
        matched=matched,
        category=entry.category,
    )


def assess(
    key: str, version: int, consignment: Consignment, ruleset: Ruleset, thresholds: Thresholds, today: date
) -> Assessment:
    facts = extract_facts(consignment)
    hits: list[Hit] = []
    matched_profiles: list[str] = []
    for profile in ruleset.profiles:
        if profile.in_force(today):
            profile_hits = _profile_hits(profile, facts)
            if profile_hits:
                matched_profiles.append(profile.id)
                hits.extend(profile_hits)
    for entry in ruleset.watchlist:
        if entry.in_force(today) and (hit := _watch_hit(entry, facts)) is not None:
            hits.append(hit)
    score = sum(h.points for h in hits)
    level = Level.RED if score >= thresholds.red else Level.AMBER if score >= thresholds.alert else Level.NONE
    return Assessment(
        key=key,
        version=version,
        ruleset_version=ruleset.version,
        score=score,
        level=level,
        hits=tuple(hits),
        profiles_matched=tuple(matched_profiles),
    )
