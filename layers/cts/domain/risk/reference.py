"""The reference evaluator: every profile, every indicator. Plain, obviously right, slow at scale."""

from __future__ import annotations

from datetime import date

from cts.domain.model import Consignment
from cts.domain.risk.assessment import Assessment, Hit
from cts.domain.risk.evaluation import (
    PartyScreening,
    build_assessment,
    indicator_fired,
    profile_hits,
    profile_matches,
    scope_applies,
    watch_hit,
)
from cts.domain.risk.facts import Facts, PartyHistory, extract_facts
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import (
    Ruleset,
    WatchlistKind,
)


def assess_facts(
    key: str, version: int, facts: Facts, ruleset: Ruleset, thresholds: Thresholds, today: date
) -> Assessment:
    """Reference evaluator over extracted facts: every profile, every indicator."""
    hits: list[Hit] = []
    matched_profiles: list[str] = []
    for profile in ruleset.profiles:
        if not profile.in_force(today) or not scope_applies(profile.scope, facts):
            continue
        fired = [(ind, f) for ind in profile.indicators if (f := indicator_fired(ind, facts)) is not None]
        if profile_matches(profile, fired):
            matched_profiles.append(profile.id)
            hits.extend(profile_hits(profile, fired))
    for entry in ruleset.watchlist:
        if entry.kind is not WatchlistKind.PARTY and entry.in_force(today) and (hit := watch_hit(entry, facts)):
            hits.append(hit)
    hits.extend(PartyScreening(ruleset.watchlist).hits(facts, today))
    return build_assessment(key, version, ruleset, hits, matched_profiles, thresholds, facts)


def assess(
    key: str,
    version: int,
    consignment: Consignment,
    ruleset: Ruleset,
    thresholds: Thresholds,
    today: date,
    history: PartyHistory | None = None,
) -> Assessment:
    """Assess one consignment with the reference evaluator (for many, compile the ruleset once)."""
    return assess_facts(key, version, extract_facts(consignment, history), ruleset, thresholds, today)
