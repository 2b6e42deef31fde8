"""The compiled evaluator: indexes built once per ruleset version, so cost grows with what can match."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from cts.domain.model import Consignment
from cts.domain.risk.assessment import Assessment, Hit, Suppressed
from cts.domain.risk.evaluation import (
    Fired,
    build_assessment,
    in_bounds,
    indicator_fired,
    indicator_regexes,
    profile_hits,
    regex_fired,
    scope_applies,
)
from cts.domain.risk.facts import (
    COUNTRY_ROLES,
    HISTORY_FACTS,
    Facts,
    PartyHistory,
    extract_facts,
    format_number,
    normalise_text,
)
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import (
    AllOf,
    AnyOf,
    AtLeast,
    Indicator,
    Match,
    Operator,
    Profile,
    Ruleset,
    WatchlistKind,
)
from cts.domain.risk.watchlist import (
    SCREENED_KINDS,
    WATCH_FACTS,
    AllowList,
    FuzzyScreening,
    lookup_keys,
    watch_hit_for,
    watch_keys,
    with_watchlist_facts,
)

_FEW_VALUES = frozenset(
    {"mode", "direction", "carrier", "document_kind", "quality_codes", "first_shipment_shipper_to_consignee"}
    | {"countries", *COUNTRY_ROLES.values()}
)


def _rarity(ind: Indicator) -> int:
    """How often an indicator is expected to fire (lower is rarer): rare ones make the best anchors."""
    op = ind.op
    if op in (Operator.EQUALS, Operator.IN, Operator.PREFIX, Operator.KEYWORD):
        return 2 if ind.fact in _FEW_VALUES else 1
    if op is Operator.COUNTRY_OF or op is Operator.REGEX:
        return 2
    if op in (Operator.RANGE, Operator.RATIO, Operator.LEAD_TIME_HOURS):
        return 3
    return 4


Anchors = tuple[int, frozenset[str]]  # (worst rarity, indicator ids)


def _best(options: Iterable[Anchors]) -> Anchors:
    return min(options, key=lambda a: (a[0], len(a[1]), sorted(a[1])))


def _match_anchors(rule: Match, rarity: dict[str, int]) -> Anchors:
    """Indicator ids of which at least one fires whenever ``rule`` holds."""
    if isinstance(rule, str):
        return rarity[rule], frozenset({rule})
    if isinstance(rule, AllOf):
        return _best(_match_anchors(r, rarity) for r in rule.all)
    children = rule.any if isinstance(rule, AnyOf) else rule.of
    # any: one of all; at least N of k: one of any k - N + 1 of them (else at most N - 1 could hold).
    need = len(children) if isinstance(rule, AnyOf) else len(children) - rule.at_least + 1
    options = sorted((_match_anchors(r, rarity) for r in children), key=lambda a: (a[0], len(a[1]), sorted(a[1])))
    chosen = options[:need]
    return max(a[0] for a in chosen), frozenset().union(*(a[1] for a in chosen))


def _compile_match(rule: Match) -> Callable[[set[str]], bool]:
    """``evaluate_match`` unrolled into closures once per profile; flat combinations become set operations."""
    if isinstance(rule, str):
        return lambda fired: rule in fired
    children = rule.all if isinstance(rule, AllOf) else rule.any if isinstance(rule, AnyOf) else rule.of
    leaves = frozenset(r for r in children if isinstance(r, str))
    nested = tuple(_compile_match(r) for r in children if not isinstance(r, str))
    if isinstance(rule, AllOf):
        if not nested:
            return leaves.issubset
        return lambda fired: leaves <= fired and all(p(fired) for p in nested)
    if isinstance(rule, AnyOf):
        if not nested:
            return lambda fired: not leaves.isdisjoint(fired)
        return lambda fired: not leaves.isdisjoint(fired) or any(p(fired) for p in nested)
    need = rule.at_least
    if len(leaves) + len(nested) < len(children):  # a repeated id counts once per mention: count them one by one
        parts = tuple(_compile_match(r) for r in children)
        return lambda fired: sum(1 for p in parts if p(fired)) >= need
    if not nested:
        return lambda fired: len(leaves & fired) >= need
    return lambda fired: len(leaves & fired) + sum(1 for p in nested if p(fired)) >= need


def _evaluator(ind: Indicator) -> Callable[[Facts], Fired | None]:
    """``indicator_fired`` specialised once per indicator for the common operators (same semantics)."""
    op = ind.op
    if op is Operator.EQUALS or op is Operator.IN:
        wanted, fact = frozenset(v.upper() for v in ind.values), ind.fact or ""

        def equals(facts: Facts) -> Fired | None:
            found = tuple(h for h in facts.get(fact) if h.upper() in wanted)
            return (found[0], found) if found else None

        return equals
    if op is Operator.RANGE:
        fact, low, high = ind.fact or "", ind.min, ind.max

        def in_range(facts: Facts) -> Fired | None:
            x = facts.number(fact)
            if x is None or not in_bounds(x, low, high):
                return None
            text = format_number(x)
            return text, (text,)

        return in_range
    if op is Operator.LEAD_TIME_HOURS:
        hours = ind.hours or 0.0

        def late(facts: Facts) -> Fired | None:
            x = facts.number("lead_time_hours")
            if x is None or not x < hours:
                return None
            text = format_number(x)
            return text, (text,)

        return late
    if op is Operator.RATIO:
        fact, per, low, high = ind.fact or "", ind.per or "", ind.min, ind.max

        def ratio(facts: Facts) -> Fired | None:
            numerator, denominator = facts.number(fact), facts.number(per)
            if numerator is None or not denominator:
                return None
            x = numerator / denominator
            if not in_bounds(x, low, high):
                return None
            text = format_number(x)
            return text, (text,)

        return ratio
    if op is Operator.MISSING:
        fact = ind.fact or ""
        return lambda facts: ("missing", ()) if facts.present(fact) is None else None
    if op is Operator.PREFIX:
        fact, prefixes = ind.fact or "", tuple(ind.values)

        def prefixed(facts: Facts) -> Fired | None:
            found = tuple(h for h in facts.get(fact) if h.startswith(prefixes))
            return (found[0], found) if found else None

        return prefixed
    if op is Operator.COUNTRY_OF:
        wanted, country_facts = frozenset(v.upper() for v in ind.values), ind.country_facts

        def country_of(facts: Facts) -> Fired | None:
            found = tuple(h for f in country_facts for h in facts.get(f) if h.upper() in wanted)
            return (found[0], found) if found else None

        return country_of
    if op is Operator.KEYWORD:
        fact = ind.fact or ""
        padded_phrases = tuple((phrase, f" {normalise_text(phrase)} ") for phrase in ind.values)

        def keywords(facts: Facts) -> Fired | None:
            phrases: list[str] = []
            for text in facts.get(fact):
                padded = f" {text} "
                for phrase, needle in padded_phrases:
                    if needle in padded and phrase not in phrases:
                        phrases.append(phrase)
            return (phrases[0], tuple(phrases)) if phrases else None

        return keywords
    if op is Operator.REGEX:
        fact, patterns = ind.fact or "", indicator_regexes(ind)
        return lambda facts: regex_fired(patterns, facts.get(fact))
    return lambda facts: indicator_fired(ind, facts)


def _required_by(rule: Match) -> frozenset[str]:
    """Indicator ids that fire whenever ``rule`` holds."""
    if isinstance(rule, str):
        return frozenset({rule})
    if isinstance(rule, AllOf) or (isinstance(rule, AtLeast) and rule.at_least == len(rule.of)):
        return frozenset().union(*(_required_by(r) for r in (rule.all if isinstance(rule, AllOf) else rule.of)))
    if isinstance(rule, AnyOf):
        return frozenset.intersection(*(_required_by(r) for r in rule.any))
    return frozenset()


def required_indicators(profile: Profile) -> frozenset[str]:
    """Indicators without which the profile cannot match: by its rule, or because the rest stay below its threshold."""
    required = _required_by(profile.match) if profile.match is not None else frozenset()
    if profile.threshold is not None:
        total = sum(i.weight for i in profile.indicators)
        required |= {i.id for i in profile.indicators if total - i.weight < profile.threshold}
    return required


def _phrase_in(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    first, n = phrase[0], len(phrase)
    return any(token == first and tuple(tokens[i : i + n]) == phrase for i, token in enumerate(tokens))


def _position(item: tuple[int, Indicator, Fired]) -> int:
    return item[0]


def profile_anchors(profile: Profile) -> frozenset[str]:
    """The indicators that are indexed: a profile is only looked at when one of them fires.

    Every other indicator of a candidate profile is then evaluated directly, so the choice changes speed only."""
    rarity = {ind.id: _rarity(ind) for ind in profile.indicators}
    options: list[Anchors] = []
    if profile.match is not None:
        options.append(_match_anchors(profile.match, rarity))
    if profile.threshold is not None:
        # Leave out the most common indicators while together they cannot reach the threshold.
        excluded, left_out = 0, set()
        for ind in sorted(profile.indicators, key=lambda i: (-rarity[i.id], i.weight, i.id)):
            if excluded + ind.weight >= profile.threshold:
                break
            excluded += ind.weight
            left_out.add(ind.id)
        anchors = frozenset(i.id for i in profile.indicators if i.id not in left_out)
        # No anchors: all the weights together stay below the threshold, the profile can never match.
        options.append((max((rarity[i] for i in anchors), default=0), anchors))
    return _best(options)[1]


@dataclass
class _Intervals:
    """Indicators with numeric bounds, sorted by lower bound: a lookup only checks those with ``min <= x``."""

    items: list[tuple[float, float, int]] = field(default_factory=list)  # (min, max, slot)
    lows: list[float] = field(default_factory=list)

    def add(self, low: float | None, high: float | None, slot: int) -> None:
        self.items.append((float("-inf") if low is None else low, float("inf") if high is None else high, slot))

    def freeze(self) -> None:
        self.items.sort()
        self.lows = [low for low, _, _ in self.items]

    def containing(self, x: float) -> Iterable[int]:
        for _, high, slot in self.items[: bisect_right(self.lows, x)]:
            if x <= high:
                yield slot


@dataclass
class _Keywords:
    # first token -> (phrase tokens, slot, phrase number in the indicator, phrase as written)
    by_first_token: dict[str, list[tuple[tuple[str, ...], int, int, str]]] = field(default_factory=dict)


class CompiledRuleset:
    """A ruleset turned into indexes once; :meth:`assess` gives the same assessments as the reference evaluator."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.version = ruleset.version
        self._profiles: list[Profile] = []
        # profile number -> indicators not indexed, evaluated when the profile is a candidate: (position,
        # indicator, evaluator, required); required ones come first so a candidate is dropped at the first miss.
        self._others: list[list[tuple[int, Indicator, Callable[[Facts], Fired | None], bool]]] = []
        self._plain: list[bool] = []  # no validity dates, no scope: nothing to check but the indicators
        self._matchers: list[Callable[[set[str]], bool] | None] = []
        # slot (an indexed indicator) -> (profile number, indicator number, indicator, required by the profile)
        self._order: list[tuple[int, int, Indicator, bool]] = []
        # profile number -> how many of its indexed indicators are required: a candidate missing one is dropped
        # before anything else is evaluated (two specific indicators, a route and a commodity, is the common case)
        self._need: list[int] = []
        self._equals: dict[str, dict[str, list[int]]] = {}
        self._countries: dict[str, dict[str, list[int]]] = {}
        self._prefixes: dict[str, tuple[list[int], dict[str, list[int]]]] = {}
        self._keywords: dict[str, _Keywords] = {}
        self.indicator_regexes: dict[str, list[tuple[int, tuple[re.Pattern[str], ...]]]] = {}
        self._ranges: dict[str, _Intervals] = {}
        self._ratios: dict[tuple[str, str], _Intervals] = {}
        self._lead_hours: list[float] = []
        self._lead_slots: list[int] = []
        self._exists: dict[str, list[int]] = {}
        self._missing: dict[str, list[int]] = {}
        for profile in ruleset.profiles:
            if profile.status.value == "active":
                self._add_profile(profile)
        # Whether any indicator reads the party records: when none does, judging a consignment needs no history.
        self.reads_party_history = any({i.fact, i.per} & HISTORY_FACTS for p in self._profiles for i in p.indicators)
        for intervals in (*self._ranges.values(), *self._ratios.values()):
            intervals.freeze()
        lead = sorted(zip(self._lead_hours, self._lead_slots, strict=True))
        self._lead_hours = [h for h, _ in lead]
        self._lead_slots = [s for _, s in lead]
        self._prefix_lengths = {fact: sorted(set(lengths)) for fact, (lengths, _) in self._prefixes.items()}
        self._country_indexes = [(f, self._countries[f]) for f in COUNTRY_ROLES.values() if f in self._countries]
        self._entries = ruleset.watchlist
        self._entry_by_id = {e.id: e for e in ruleset.watchlist}
        self._watch_exact: dict[WatchlistKind, dict[str, list[int]]] = {}
        self._watch_prefix: dict[str, list[int]] = {}
        self._screening = FuzzyScreening(ruleset.watchlist)  # names and addresses are screened, not looked up
        self._allow = AllowList(ruleset.allow_list)
        for n, entry in enumerate(ruleset.watchlist):
            if entry.kind in SCREENED_KINDS:
                continue
            for k in sorted(watch_keys(entry)):
                if entry.kind is WatchlistKind.HS_CODE:
                    self._watch_prefix.setdefault(k, []).append(n)
                else:
                    self._watch_exact.setdefault(entry.kind, {}).setdefault(k, []).append(n)
        self._watch_prefix_lengths = sorted({len(k) for k in self._watch_prefix})

    def _add_profile(self, profile: Profile) -> None:
        pnum = len(self._profiles)
        self._profiles.append(profile)
        anchors = profile_anchors(profile)
        self._matchers.append(None if profile.match is None else _compile_match(profile.match))
        others: list[tuple[int, Indicator, Callable[[Facts], Fired | None], bool]] = []
        self._others.append(others)
        required = required_indicators(profile)
        rarity = {ind.id: _rarity(ind) for ind in profile.indicators}
        indexed = anchors | {i for i in required if rarity[i] == 1}
        self._need.append(sum(1 for i in indexed if i in required))
        self._plain.append(profile.valid_from is None and profile.valid_to is None and profile.scope.is_everything)
        for inum, ind in enumerate(profile.indicators):
            if ind.id not in indexed:
                others.append((inum, ind, _evaluator(ind), ind.id in required))
                others.sort(key=lambda other: (not other[3], other[0]))
                continue
            slot = len(self._order)
            self._order.append((pnum, inum, ind, ind.id in required))
            fact = ind.fact or ""
            op = ind.op
            if op is Operator.EQUALS or op is Operator.IN:
                index = self._equals.setdefault(fact, {})
                for v in dict.fromkeys(v.upper() for v in ind.values):
                    index.setdefault(v, []).append(slot)
            elif op is Operator.COUNTRY_OF:
                for cfact in ind.country_facts:
                    index = self._countries.setdefault(cfact, {})
                    for v in dict.fromkeys(v.upper() for v in ind.values):
                        index.setdefault(v, []).append(slot)
            elif op is Operator.PREFIX:
                lengths, by_prefix = self._prefixes.setdefault(fact, ([], {}))
                for v in dict.fromkeys(ind.values):
                    lengths.append(len(v))
                    by_prefix.setdefault(v, []).append(slot)
            elif op is Operator.KEYWORD:
                keywords = self._keywords.setdefault(fact, _Keywords())
                for pnum_phrase, phrase in enumerate(ind.values):
                    tokens = tuple(normalise_text(phrase).split(" "))
                    keywords.by_first_token.setdefault(tokens[0], []).append((tokens, slot, pnum_phrase, phrase))
            elif op is Operator.REGEX:
                self.indicator_regexes.setdefault(fact, []).append((slot, indicator_regexes(ind)))
            elif op is Operator.RANGE:
                self._ranges.setdefault(fact, _Intervals()).add(ind.min, ind.max, slot)
            elif op is Operator.RATIO:
                self._ratios.setdefault((fact, ind.per or ""), _Intervals()).add(ind.min, ind.max, slot)
            elif op is Operator.LEAD_TIME_HOURS:
                self._lead_hours.append(ind.hours or 0.0)
                self._lead_slots.append(slot)
            elif op is Operator.EXISTS:
                self._exists.setdefault(fact, []).append(slot)
            else:
                self._missing.setdefault(fact, []).append(slot)

    def _fire(self, facts: Facts) -> dict[int, Fired]:
        fired: dict[int, Fired] = {}
        get = facts.get

        def add(slot: int, value: str) -> None:
            prev = fired.get(slot)
            fired[slot] = (value, (value,)) if prev is None else (prev[0], (*prev[1], value))

        for fact, index in self._equals.items():
            for h in get(fact):
                if slots := index.get(h.upper()):
                    for slot in slots:
                        add(slot, h)
        for cfact, by_country in self._country_indexes:  # in role order: values come out as the reference's
            for h in get(cfact):
                if slots := by_country.get(h.upper()):
                    for slot in slots:
                        add(slot, h)
        for fact, (_, by_prefix) in self._prefixes.items():
            lengths = self._prefix_lengths[fact]
            for h in get(fact):
                seen: set[int] = set()
                for length in lengths:
                    if length > len(h):
                        break
                    for slot in by_prefix.get(h[:length], ()):
                        if slot not in seen:
                            seen.add(slot)
                            add(slot, h)
        for fact, keywords in self._keywords.items():
            self._fire_keywords(facts.get(fact), keywords, fired)
        for fact, regexes in self.indicator_regexes.items():
            have = facts.get(fact)
            if have:
                for slot, patterns in regexes:
                    if (r := regex_fired(patterns, have)) is not None:
                        fired[slot] = r
        self._fire_numbers(facts, fired)
        for fact, slots in self._exists.items():
            if (present := facts.present(fact)) is not None:
                for slot in slots:
                    fired[slot] = (present[0], present)
        for fact, slots in self._missing.items():
            if facts.present(fact) is None:
                for slot in slots:
                    fired[slot] = ("missing", ())
        return fired

    def _fire_keywords(self, texts: tuple[str, ...], keywords: _Keywords, fired: dict[int, Fired]) -> None:
        phrases: dict[int, list[str]] = {}
        index = keywords.by_first_token
        for text in texts:
            tokens = text.split(" ")
            starts = index.keys() & set(tokens)  # most texts start no phrase at all: find out in one C call
            if not starts:
                continue
            found: list[tuple[int, int, str]] = []  # (slot, phrase number, phrase)
            for token in starts:
                for phrase_tokens, slot, number, phrase in index[token]:
                    if len(phrase_tokens) == 1 or _phrase_in(tokens, phrase_tokens):
                        found.append((slot, number, phrase))
            found.sort()  # a slot's phrases in their own order, as the reference lists them
            for slot, _, phrase in found:
                if (already := phrases.get(slot)) is None:
                    phrases[slot] = [phrase]
                elif phrase not in already:
                    already.append(phrase)
        for slot, listed in phrases.items():
            fired[slot] = (listed[0], tuple(listed))

    def _fire_numbers(self, facts: Facts, fired: dict[int, Fired]) -> None:
        for fact, intervals in self._ranges.items():
            x = facts.number(fact)
            if x is not None:
                text = format_number(x)
                for slot in intervals.containing(x):
                    fired[slot] = (text, (text,))
        for (fact, per), intervals in self._ratios.items():
            numerator, denominator = facts.number(fact), facts.number(per)
            if numerator is not None and denominator:
                x = numerator / denominator
                text = format_number(x)
                for slot in intervals.containing(x):
                    fired[slot] = (text, (text,))
        lead = facts.number("lead_time_hours") if self._lead_slots else None
        if lead is not None:
            text = format_number(lead)
            for slot in self._lead_slots[bisect_right(self._lead_hours, lead) :]:  # every hours > lead
                fired[slot] = (text, (text,))

    def assess_facts(self, key: str, version: int, facts: Facts, thresholds: Thresholds, today: date) -> Assessment:
        listed = self._watch_hits(facts, today)
        suppressed: tuple[Suppressed, ...] = ()
        if listed:
            if self._allow:
                listed, suppressed = self._allow.apply(listed, today)
            facts = with_watchlist_facts(facts, listed, self._entry_by_id)
        fired = self._fire(facts)
        by_profile: dict[int, list[tuple[int, Indicator, Fired]]] = {}
        required_fired: dict[int, int] = {}
        order = self._order
        for slot, result in fired.items():
            pnum, inum, ind, required = order[slot]
            if pnum in by_profile:
                by_profile[pnum].append((inum, ind, result))
            else:
                by_profile[pnum] = [(inum, ind, result)]
            if required:
                required_fired[pnum] = required_fired.get(pnum, 0) + 1
        hits: list[Hit] = []
        matched_profiles: list[str] = []
        need = self._need
        for pnum in sorted(by_profile):
            if required_fired.get(pnum, 0) < need[pnum]:
                continue
            profile = self._profiles[pnum]
            if not self._plain[pnum] and not (profile.in_force(today) and scope_applies(profile.scope, facts)):
                continue
            found = by_profile[pnum]
            for inum, ind, evaluate, required in self._others[pnum]:
                if (other := evaluate(facts)) is not None:
                    found.append((inum, ind, other))
                elif required:
                    break
            else:
                self._judge(pnum, profile, found, hits, matched_profiles)
        hits.extend(listed)
        return build_assessment(
            key, version, self.ruleset, hits, matched_profiles, thresholds, facts, suppressed=suppressed
        )

    def _judge(
        self,
        pnum: int,
        profile: Profile,
        found: list[tuple[int, Indicator, Fired]],
        hits: list[Hit],
        matched_profiles: list[str],
    ) -> None:
        """Add the profile's hits when the indicators that fired reach its threshold and satisfy its rule."""
        threshold, matcher = profile.threshold, self._matchers[pnum]
        if threshold is not None and sum(item[1].weight for item in found) < threshold:
            return
        if matcher is None or matcher({item[1].id for item in found}):
            if len(found) > 1:
                found.sort(key=_position)
            matched_profiles.append(profile.id)
            hits.extend(profile_hits(profile, [(ind, result) for _, ind, result in found]))

    def _watch_hits(self, facts: Facts, today: date) -> list[Hit]:
        matched: dict[int, str] = {}
        for kind, index in self._watch_exact.items():
            for h in facts.get(WATCH_FACTS[kind]):
                for k in lookup_keys(kind, h):
                    for n in index.get(k, ()):
                        matched.setdefault(n, h)
        if self._watch_prefix:
            for h in facts.get("hs_codes"):
                for length in self._watch_prefix_lengths:
                    if length > len(h):
                        break
                    for n in self._watch_prefix.get(h[:length], ()):
                        matched.setdefault(n, h)
        hits: list[Hit] = []
        for n in sorted(matched):
            entry = self._entries[n]
            if entry.in_force(today):
                hits.append(watch_hit_for(entry, matched[n]))
        return hits + self._screening.hits(facts, today)

    def assess(
        self,
        key: str,
        version: int,
        consignment: Consignment,
        thresholds: Thresholds,
        today: date,
        history: PartyHistory | None = None,
    ) -> Assessment:
        return self.assess_facts(key, version, extract_facts(consignment, history), thresholds, today)


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    return CompiledRuleset(ruleset)
