"""The semantics both evaluators share: when an indicator fires, when a profile matches, what a hit says."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from cts.domain.risk.assessment import Assessment, Hit, Level, Suppressed
from cts.domain.risk.facts import Facts, format_number, normalise_text
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import (
    Indicator,
    Operator,
    Profile,
    RandomSelection,
    Ruleset,
    Scope,
    evaluate_match,
)

Fired = tuple[str, tuple[str, ...]]  # (matched, values)


def indicator_regexes(ind: Indicator) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in ind.values)


def in_bounds(x: float, low: float | None, high: float | None) -> bool:
    return (low is None or x >= low) and (high is None or x <= high)


def regex_fired(patterns: tuple[re.Pattern[str], ...], have: Iterable[str]) -> Fired | None:
    found: list[str] = []
    for h in have:
        for pattern in patterns:
            m = pattern.search(h)
            if m is not None:
                found.append(m.group(0))
                break
    return (found[0], tuple(found)) if found else None


def _ratio(ind: Indicator, facts: Facts) -> float | None:
    numerator = facts.number(ind.fact or "")
    denominator = facts.number(ind.per or "")
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def indicator_fired(ind: Indicator, facts: Facts) -> Fired | None:
    """The reference semantics of one indicator: ``(matched, values)`` when it fires, else ``None``."""
    op = ind.op
    if op is Operator.EQUALS or op is Operator.IN or op is Operator.COUNTRY_OF:
        wanted = {v.upper() for v in ind.values}
        have = (
            [h for f in ind.country_facts for h in facts.get(f)]
            if op is Operator.COUNTRY_OF
            else facts.get(ind.fact or "")
        )
        found = tuple(h for h in have if h.upper() in wanted)
        return (found[0], found) if found else None
    if op is Operator.PREFIX:
        found = tuple(h for h in facts.get(ind.fact or "") if any(h.startswith(v) for v in ind.values))
        return (found[0], found) if found else None
    if op is Operator.KEYWORD:
        phrases: list[str] = []
        for text in facts.get(ind.fact or ""):
            padded = f" {text} "
            for phrase in ind.values:
                if f" {normalise_text(phrase)} " in padded and phrase not in phrases:
                    phrases.append(phrase)
        return (phrases[0], tuple(phrases)) if phrases else None
    if op is Operator.REGEX:
        return regex_fired(indicator_regexes(ind), facts.get(ind.fact or ""))
    if op is Operator.RANGE or op is Operator.RATIO or op is Operator.LEAD_TIME_HOURS:
        if op is Operator.RANGE:
            x = facts.number(ind.fact or "")
            ok = x is not None and in_bounds(x, ind.min, ind.max)
        elif op is Operator.RATIO:
            x = _ratio(ind, facts)
            ok = x is not None and in_bounds(x, ind.min, ind.max)
        else:
            x = facts.number("lead_time_hours")
            ok = x is not None and ind.hours is not None and x < ind.hours
        if not ok or x is None:
            return None
        text = format_number(x)
        return text, (text,)
    present = facts.present(ind.fact or "")
    if op is Operator.EXISTS:
        return (present[0], present) if present else None
    return ("missing", ()) if present is None else None  # MISSING


def scope_applies(scope: Scope, facts: Facts) -> bool:
    if scope.is_everything:
        return True
    if scope.modes and facts.get("mode")[0] not in scope.modes:
        return False
    if scope.directions and facts.get("direction")[0] not in scope.directions:
        return False
    if scope.carriers and not set(facts.get("carrier")) & set(scope.carriers):
        return False
    return not scope.ports or bool(set(facts.get("ports")) & set(scope.ports))


def profile_matches(profile: Profile, fired: list[tuple[Indicator, Fired]]) -> bool:
    if not fired:
        return False
    if profile.threshold is not None and sum(ind.weight for ind, _ in fired) < profile.threshold:
        return False
    return profile.match is None or evaluate_match(profile.match, {ind.id for ind, _ in fired})


def profile_hits(profile: Profile, fired: list[tuple[Indicator, Fired]]) -> list[Hit]:
    # Built from validated documents: constructed without re-validation (this is the hot path).
    return [
        Hit(
            source="profile",
            ref=f"{profile.id}@{profile.version}#{ind.id}",
            points=ind.weight,
            reason=ind.description,
            matched=matched,
            category=profile.category,
            fact=ind.fact or ("lead_time_hours" if ind.hours else ",".join(ind.country_facts)),
            values=values,
        )
        for ind, (matched, values) in fired
    ]


def random_draw(key: str, ruleset_version: str, selection: RandomSelection) -> float:
    """A number in [0, 1) fixed by the consignment key, the ruleset version and the selection's id and seed."""
    digest = hashlib.sha256(f"{selection.id}|{selection.seed}|{ruleset_version}|{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def random_selection_for(key: str, ruleset: Ruleset, facts: Facts) -> str | None:
    for selection in ruleset.random_selection:
        if (
            selection.rate > 0
            and scope_applies(selection.scope, facts)
            and random_draw(key, ruleset.version, selection) < selection.rate
        ):
            return selection.id
    return None


def build_assessment(
    key: str,
    version: int,
    ruleset: Ruleset,
    hits: list[Hit],
    profiles: list[str],
    thresholds: Thresholds,
    facts: Facts,
    suppressed: tuple[Suppressed, ...] = (),
) -> Assessment:
    score = sum(h.points for h in hits)
    level = Level.RED if score >= thresholds.red else Level.AMBER if score >= thresholds.alert else Level.NONE
    selection = random_selection_for(key, ruleset, facts) if ruleset.random_selection else None
    return Assessment.model_construct(
        key=key,
        version=version,
        ruleset_version=ruleset.version,
        score=score,
        level=level,
        hits=tuple(hits),
        profiles_matched=tuple(profiles),
        random=selection is not None,
        random_selection=selection,
        suppressed=suppressed,
    )
