"""Scoring a name against listed names, with an explanation whose parts add up to the score.

For a query name Q and a listed name L (both normalised, legal forms apart):

1. Token alignment. Every pair (q, l) gets a similarity: 1 if equal; ``phonetic``: ``0.5 + 0.5 * ratio`` (rapidfuzz
   Indel ratio) when both share a :func:`phonetic_key` and the ratio is at least ``phonetic_min_ratio``; else
   ``fuzzy``: the ratio when it is at least ``fuzzy_cutoff``; ``initial``: ``initial_similarity`` when one side is
   a single letter starting the other (persons only). Pairs are then taken greedily, best similarity first, each
   token used once.
2. Weights. A listed token weighs its IDF on the list; a matched pair weighs twice its listed token; an unmatched
   query token weighs its own IDF (the rarest weight when the list never holds it); an unmatched listed token weighs
   its IDF. For persons, unmatched listed tokens weigh ``person_extra_factor`` (0.5) of that, so a dropped middle name
   or patronymic costs less, while a query token the listed name lacks (another given name) weighs
   ``person_missing_factor`` (1.0).
3. Base score = sum(pair weight * similarity) / total weight: each matched pair is a part with that contribution;
   unmatched tokens are ``missing``/``extra`` parts with contribution 0 and the weight they cost.
4. Discounts, multiplicative, shown as negative parts: ``legal_form`` for organisations whose legal forms differ
   (``legal_form_mismatch``) or are present on one side only (``legal_form_missing``); ``kind_mismatch`` when the
   query kind is given and differs from the entry kind.

The score is the sum of the parts' contributions (rounded to 12 decimals), always within [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Indel

from cts.domain.screening.index import ScreeningIndex
from cts.domain.screening.model import EntryKind, Match, Part
from cts.domain.screening.normalise import JURISDICTIONS, NormalisedName, normalise, phonetic_key


@dataclass(frozen=True, slots=True)
class ScreeningConfig:
    threshold: float = 0.8
    fuzzy_cutoff: float = 0.8
    phonetic_min_ratio: float = 0.6
    initial_similarity: float = 0.8
    person_missing_factor: float = 1.0
    person_extra_factor: float = 0.5
    legal_form_mismatch: float = 0.05
    legal_form_missing: float = 0.02
    kind_mismatch: float = 0.15
    candidates: int = 16
    # Matches below the threshold kept in the cache so that screen(..., threshold=lower) can return them.
    keep_below_threshold: float | None = 0.5
    max_matches: int = 10
    cache_size: int = 16_384


DEFAULT_CONFIG = ScreeningConfig()


@lru_cache(maxsize=262_144)
def token_similarity(query: str, listed: str, fuzzy_cutoff: float, phonetic_min_ratio: float) -> tuple[float, str]:
    """Similarity of two tokens in [0, 1] and how it was found (``exact``, ``fuzzy``, ``phonetic`` or ``none``)."""
    if query == listed:
        return 1.0, "exact"
    if len(query) < 2 or len(listed) < 2 or query.isdigit() or listed.isdigit():
        return 0.0, "none"
    ratio = Indel.normalized_similarity(query, listed)
    if ratio >= phonetic_min_ratio and phonetic_key(query) == phonetic_key(listed):
        return 0.5 + 0.5 * ratio, "phonetic"  # never below the ratio itself
    if ratio >= fuzzy_cutoff:
        return ratio, "fuzzy"
    return 0.0, "none"


def _legal_forms(name: NormalisedName) -> frozenset[str]:
    return frozenset(f for f in name.legal_forms if f not in JURISDICTIONS)


def _align(
    query: NormalisedName,
    listed: NormalisedName,
    weights: Sequence[float],
    person: bool,
    config: ScreeningConfig,
) -> list[tuple[int, int, float, str]]:
    """Greedy one-to-one token alignment: (query index, listed index, similarity, how), best similarity first.

    ``weights`` are those of the listed tokens, position by position."""
    options: list[tuple[float, float, int, int, str]] = []
    cutoff, phonetic_min = config.fuzzy_cutoff, config.phonetic_min_ratio
    listed_tokens = listed.tokens
    for i, q in enumerate(query.tokens):
        for j, token in enumerate(listed_tokens):
            similarity, how = token_similarity(q, token, cutoff, phonetic_min)
            if how == "none" and person and (len(q) == 1 or len(token) == 1) and token[0] == q[0]:
                similarity, how = config.initial_similarity, "initial"
            if similarity > 0.0:
                options.append((-similarity, -weights[j], i, j, how))
    options.sort()
    used_query: set[int] = set()
    used_listed: set[int] = set()
    matched: list[tuple[int, int, float, str]] = []
    for negative_similarity, _, i, j, how in options:
        if i in used_query or j in used_listed:
            continue
        used_query.add(i)
        used_listed.add(j)
        matched.append((i, j, -negative_similarity, how))
    return matched


def _is_person(listed_kind: EntryKind, query_kind: EntryKind | None) -> bool:
    return listed_kind is EntryKind.PERSON or (listed_kind is EntryKind.OTHER and query_kind is EntryKind.PERSON)


def _discounts(
    query: NormalisedName,
    listed: NormalisedName,
    person: bool,
    listed_kind: EntryKind,
    query_kind: EntryKind | None,
    config: ScreeningConfig,
) -> list[tuple[str, str, str, float]]:
    discounts: list[tuple[str, str, str, float]] = []
    if not person:
        mine, theirs = _legal_forms(query), _legal_forms(listed)
        if mine != theirs:
            rate = config.legal_form_mismatch if mine and theirs else config.legal_form_missing
            discounts.append(("legal_form", " ".join(sorted(mine)), " ".join(sorted(theirs)), rate))
    if query_kind is not None and EntryKind.OTHER not in (query_kind, listed_kind) and query_kind is not listed_kind:
        discounts.append(("kind_mismatch", query_kind.value, listed_kind.value, config.kind_mismatch))
    return discounts


def quick_score(
    query: NormalisedName,
    listed: NormalisedName,
    weight: Callable[[str], float],
    listed_kind: EntryKind = EntryKind.OTHER,
    query_kind: EntryKind | None = None,
    config: ScreeningConfig = DEFAULT_CONFIG,
) -> float:
    """The score of :func:`compare` (to within 1e-9) without building the explanation."""
    if not query.tokens or not listed.tokens:
        return 0.0
    person = _is_person(listed_kind, query_kind)
    weights = [weight(t) for t in listed.tokens]
    matched = _align(query, listed, weights, person, config)
    missing_factor = config.person_missing_factor if person else 1.0
    extra_factor = config.person_extra_factor if person else 1.0
    gained = total = 0.0
    for _, j, similarity, _ in matched:
        pair_weight = 2.0 * weights[j]
        gained += pair_weight * similarity
        total += pair_weight
    if len(matched) < len(query.tokens):
        used = {i for i, _, _, _ in matched}
        total += missing_factor * sum(weight(q) for i, q in enumerate(query.tokens) if i not in used)
    if len(matched) < len(listed.tokens):
        used = {j for _, j, _, _ in matched}
        total += extra_factor * sum(w for j, w in enumerate(weights) if j not in used)
    score = gained / total
    for *_, rate in _discounts(query, listed, person, listed_kind, query_kind, config):
        score *= 1.0 - rate
    return score


def compare(
    query: NormalisedName,
    listed: NormalisedName,
    weight: Callable[[str], float],
    listed_kind: EntryKind = EntryKind.OTHER,
    query_kind: EntryKind | None = None,
    config: ScreeningConfig = DEFAULT_CONFIG,
) -> tuple[float, tuple[Part, ...]]:
    """Score ``query`` against ``listed``: (score, parts) with ``sum(p.contribution for p in parts) == score``."""
    if not query.tokens or not listed.tokens:
        return 0.0, ()
    person = _is_person(listed_kind, query_kind)
    matched = _align(query, listed, [weight(t) for t in listed.tokens], person, config)
    used_query = {i for i, _, _, _ in matched}
    used_listed = {j for _, j, _, _ in matched}
    missing_factor = config.person_missing_factor if person else 1.0
    extra_factor = config.person_extra_factor if person else 1.0
    pending: list[tuple[Part, float]] = []
    for i, j, similarity, how in sorted(matched):
        pair_weight = 2.0 * weight(listed.tokens[j])
        part = Part(how, query.tokens[i], listed.tokens[j], similarity, pair_weight)
        pending.append((part, pair_weight * similarity))
    for i, q in enumerate(query.tokens):
        if i not in used_query:
            pending.append((Part("missing", query_token=q, weight=missing_factor * weight(q)), 0.0))
    for j, token in enumerate(listed.tokens):
        if j not in used_listed:
            pending.append((Part("extra", list_token=token, weight=extra_factor * weight(token)), 0.0))
    total = math.fsum(p.weight for p, _ in pending)
    parts = [Part(p.kind, p.query_token, p.list_token, p.similarity, p.weight, gained / total) for p, gained in pending]
    running = math.fsum(p.contribution for p in parts)
    for kind, mine_text, theirs_text, rate in _discounts(query, listed, person, listed_kind, query_kind, config):
        cut = running * rate
        parts.append(Part(kind, mine_text, theirs_text, 1.0 - rate, 0.0, -cut))
        running -= cut
    score = round(min(1.0, max(0.0, math.fsum(p.contribution for p in parts))), 12)
    return score, tuple(parts)


class Screener:
    """Screens names against a :class:`ScreeningIndex`; results of repeated names come from an LRU cache."""

    def __init__(self, index: ScreeningIndex, config: ScreeningConfig = DEFAULT_CONFIG) -> None:
        self.index = index
        self.config = config
        self._cached = lru_cache(maxsize=config.cache_size)(self._screen)

    def screen(self, name: str, kind: EntryKind | None = None, threshold: float | None = None) -> list[Match]:
        """Matches at or above ``threshold`` (the configured one by default), best first, one per entry."""
        limit = self.config.threshold if threshold is None else threshold
        return [m for m in self._cached(name, kind) if m.score >= limit]

    def cache_info(self) -> tuple[int, int]:
        """(hits, misses) of the screening cache."""
        info = self._cached.cache_info()
        return info.hits, info.misses

    def candidate_count(self, name: str) -> int:
        return len(self.index.candidates(normalise(name).tokens, self.config.candidates))

    def _screen(self, name: str, kind: EntryKind | None) -> tuple[Match, ...]:
        query = normalise(name)
        if not query.tokens:
            return ()
        best: dict[int, tuple[float, int]] = {}
        floor = self.config.threshold
        if self.config.keep_below_threshold is not None:
            floor = min(floor, self.config.keep_below_threshold)
        for record_id in self.index.candidates(query.tokens, self.config.candidates):
            record = self.index.records[record_id]
            entry_kind = self.index.entries[record.entry].kind
            score = quick_score(query, record.normalised, self.index.weight, entry_kind, kind, self.config)
            if score < floor - 1e-9:
                continue
            previous = best.get(record.entry)
            if previous is None or score > previous[0]:
                best[record.entry] = (score, record_id)
        matches = []
        top = sorted(best.items(), key=lambda item: (-item[1][0], self.index.entries[item[0]].id))
        for position, (_, record_id) in top[: self.config.max_matches]:
            record = self.index.records[record_id]
            entry = self.index.entries[position]
            score, parts = compare(query, record.normalised, self.index.weight, entry.kind, kind, self.config)
            matches.append(Match(entry.id, record.name, score, parts, entry.kind))
        ranked = sorted(matches, key=lambda m: (-m.score, m.entry_id, m.name_matched))
        return tuple(ranked[: self.config.max_matches])

    def score_pair(self, left: str, right: str, kind: EntryKind | None = None) -> tuple[float, tuple[Part, ...]]:
        """Score two free names, weighting tokens by this screener's list."""
        listed_kind = kind if kind is not None else EntryKind.OTHER
        return compare(normalise(left), normalise(right), self.index.weight, listed_kind, kind, self.config)


def uniform_weight(token: str) -> float:
    """Token weight when no list is at hand: every token counts the same."""
    return 1.0


def score_pair(
    left: str, right: str, kind: EntryKind | None = None, config: ScreeningConfig = DEFAULT_CONFIG
) -> tuple[float, tuple[Part, ...]]:
    """Score two names with uniform token weights (no list needed)."""
    listed_kind = kind if kind is not None else EntryKind.OTHER
    return compare(normalise(left), normalise(right), uniform_weight, listed_kind, kind, config)
