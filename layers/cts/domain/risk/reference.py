"""The reference evaluator: every profile, every indicator. Plain, obviously right, slow at scale."""

from __future__ import annotations

from datetime import date

from cts.domain.model import Consignment
from cts.domain.risk.assessment import Assessment, Hit
from cts.domain.risk.evaluation import (
    build_assessment,
    indicator_fired,
    profile_hits,
    profile_matches,
    scope_applies,
)
from cts.domain.risk.facts import Facts, PartyHistory, extract_facts
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import Ruleset
from cts.domain.risk.watchlist import SCREENED_KINDS, AllowList, FuzzyScreening, watch_hit, with_watchlist_facts


def assess_facts(
    key: str, version: int, facts: Facts, ruleset: Ruleset, thresholds: Thresholds, today: date
) -> Assessment:
    """Reference evaluator over extracted facts: every watch-list entry, then every profile and indicator."""
    listed: list[Hit] = []
    for entry in ruleset.watchlist:
        if entry.kind not in SCREENED_KINDS and entry.in_force(today) and (hit := watch_hit(entry, facts)):
            listed.append(hit)
    listed.extend(FuzzyScreening(ruleset.watchlist).hits(facts, today))
    listed, suppressed = AllowList(ruleset.allow_list).apply(listed, today)
    facts = with_watchlist_facts(facts, listed, {e.id: e for e in ruleset.watchlist})
    hits: list[Hit] = []
    matched_profiles: list[str] = []
    for profile in ruleset.profiles:
        if not profile.in_force(today) or not scope_applies(profile.scope, facts):
            continue
        fired = [(ind, f) for ind in profile.indicators if (f := indicator_fired(ind, facts)) is not None]
        if profile_matches(profile, fired):
            matched_profiles.append(profile.id)
            hits.extend(profile_hits(profile, fired))
    return build_assessment(
        key, version, ruleset, hits + listed, matched_profiles, thresholds, facts, suppressed=suppressed
    )


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
