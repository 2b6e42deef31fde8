"""``ScreeningIndex``: watch-list names indexed once, so that a screening compares a name with a few candidates only.

Every name of every entry (primary name and aliases) is a *record*. Built once:

- ``postings``: normalised token -> records holding it, and the token's IDF weight ``log(1 + N / df)`` where N is the
  number of records and df the number of records holding the token (rare tokens weigh more);
- ``phonetic``: :func:`phonetic_key` of a token -> the vocabulary tokens sharing it (spelling variants);
- ``deletions``: every one-character deletion of a vocabulary token of 4 characters or more -> those tokens (the
  symmetric-deletion scheme: a query token within one edit, or one transposition/substitution, of a vocabulary token
  meets it through a shared deletion). This is the typo index: it replaces an n-gram index because one dictionary
  probe per query-token character is far cheaper than merging long 3-gram posting lists, and it finds the same
  one-edit neighbours.

Candidate generation (:meth:`ScreeningIndex.candidates`) gathers, for each query token, the vocabulary tokens it meets
exactly, by deletion or phonetically, and adds to each record holding them the token's IDF, capped at the query
token's own IDF (so that rare phonetic cousins of a common word do not crowd out the query's rare words) and, for a
non-exact neighbour, times 0.8 and its Indel similarity to the query token. Tokens held by more than
``max_postings`` records (``TRADING``, ``MOHAMMED`` on a big list) are skipped unless nothing rarer matched.
Evidence is applied strongest first; once the pool holds ``limit`` records, a token held by more than
``seed_postings`` records, and any evidence once the pool holds ``POOL_FACTOR * limit`` records, only adds to records
already in the pool (:meth:`ScreeningIndex.evidence`): on a million names a given name held by 300 records no longer
puts 300 records in the pool when the query's surname already found its holders. The ``limit`` best-accumulated
records are returned (ties: lower record id first): the full scorer only ever sees those.

Build cost: token strings and legal-form tuples are shared between records, deletion keys hold tuples (no list
spare capacity), and names are normalised without going through :func:`normalise`'s LRU cache (list names would
only evict query names from it).
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from cts.domain.screening.model import EntryKind, ScreeningEntry
from cts.domain.screening.normalise import NormalisedName, normalise, phonetic_key

MIN_DELETION_LENGTH = 4
MAX_PHONETIC_FANOUT = 64
NEIGHBOUR_DISCOUNT = 0.8
# Tokens held by more records than this only add to candidates rarer tokens found (see ScreeningIndex.evidence).
SEED_POSTINGS = 128
POOL_FACTOR = 16


@dataclass(frozen=True, slots=True)
class Record:
    """One indexed name: ``entry`` is the position of its entry in :attr:`ScreeningIndex.entries`."""

    entry: int
    name: str
    normalised: NormalisedName


def deletions(token: str) -> set[str]:
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


class ScreeningIndex:
    def __init__(
        self, entries: Iterable[ScreeningEntry], max_postings: int = 1_000, seed_postings: int = SEED_POSTINGS
    ) -> None:
        self.entries: list[ScreeningEntry] = list(entries)
        self.max_postings = max_postings
        self.seed_postings = seed_postings
        self.records: list[Record] = []
        self._record_tokens: list[tuple[str, ...]] = []
        postings: dict[str, list[int]] = {}
        # One string object per distinct token and one tuple per distinct legal-form run, shared by every record:
        # on a list of a million synthetic names that is some 150 MB less.
        shared: dict[str, str] = {}
        forms: dict[tuple[str, ...], tuple[str, ...]] = {}
        build = normalise.__wrapped__  # list names would only flush the query cache
        for position, entry in enumerate(self.entries):
            seen: set[tuple[str, ...]] = set()
            for name in entry.names:
                normalised: NormalisedName = build(name)
                if not normalised.tokens or normalised.tokens in seen:
                    continue
                seen.add(normalised.tokens)
                tokens = tuple([shared.setdefault(t, t) for t in normalised.tokens])
                legal_forms = forms.setdefault(normalised.legal_forms, normalised.legal_forms)
                record_id = len(self.records)
                self.records.append(Record(position, name, NormalisedName(name, tokens, legal_forms)))
                self._record_tokens.append(tokens)
                for token in dict.fromkeys(tokens) if len(tokens) > 1 else tokens:
                    posting = postings.get(token)
                    if posting is None:
                        postings[token] = [record_id]
                    else:
                        posting.append(record_id)
        self.postings: dict[str, list[int]] = postings
        count = max(len(self.records), 1)
        self.idf: dict[str, float] = {t: math.log(1.0 + count / len(p)) for t, p in postings.items()}
        self.max_idf = math.log(1.0 + count)
        phonetic: dict[str, list[str]] = defaultdict(list)
        # Deletion keys hold tuples grown one token at a time rather than lists: nearly every key holds one or two
        # tokens, and lists' spare capacity on half a million keys would be a sixth of the index.
        deleted: dict[str, tuple[str, ...]] = {}
        for token in sorted(postings):
            if len(token) >= 3 and not token.isdigit():
                phonetic[phonetic_key(token)].append(token)
            if len(token) >= MIN_DELETION_LENGTH:
                for variant in deletions(token):
                    deleted[variant] = (*deleted.get(variant, ()), token)
        self.phonetic: dict[str, list[str]] = dict(phonetic)
        self.deletions: dict[str, tuple[str, ...]] = deleted

    def __len__(self) -> int:
        return len(self.records)

    def weight(self, token: str) -> float:
        """IDF of a token; a token the list never holds weighs as much as the rarest one."""
        return self.idf.get(token, self.max_idf)

    def neighbours(self, token: str) -> set[str]:
        """Vocabulary tokens that may match ``token``: itself, within one edit, or sharing its phonetic key."""
        found: set[str] = set()
        if token in self.postings:
            found.add(token)
        if len(token) < 2:
            return found
        if len(token) >= MIN_DELETION_LENGTH - 1:
            found.update(self.deletions.get(token, ()))
        if len(token) >= MIN_DELETION_LENGTH:
            for variant in deletions(token):
                if variant in self.postings:
                    found.add(variant)
                found.update(self.deletions.get(variant, ()))
        if len(token) >= 3 and not token.isdigit():
            same_sound = self.phonetic.get(phonetic_key(token), ())
            if len(same_sound) <= MAX_PHONETIC_FANOUT:
                found.update(same_sound)
        return found

    def evidence(self, tokens: Sequence[str], limit: int = 16) -> dict[int, float]:
        """The records that receive evidence from the query ``tokens``, with their accumulated weight.

        Evidence is taken rarest first. Once at least ``limit`` records hold some, a token held by more than
        ``seed_postings`` records only adds to the records already there (looked up from the pool's side, so the cost
        is the pool's size, not the token's posting list): a common given name or word (300 holders of a given name
        on a million names) ranks the records its query's rare words found instead of adding hundreds of records
        that only share it.
        """
        postings = self.postings
        found_evidence: list[tuple[int, str, float]] = []
        skipped: list[str] = []
        for token in dict.fromkeys(tokens):
            # A neighbour counts no more than the query token itself: the rare phonetic cousins of a common word
            # (GROUP -> GOURPIA) must not outweigh the rare words of the query.
            cap = self.weight(token)
            for found in self.neighbours(token):
                size = len(postings[found])
                if size > self.max_postings:
                    skipped.append(found)
                    continue
                closeness = 1.0 if found == token else NEIGHBOUR_DISCOUNT * Indel.normalized_similarity(token, found)
                found_evidence.append((size, found, min(self.idf[found], cap) * closeness))
        # Strongest evidence first, then rarest, then by token: the same order on every run.
        found_evidence.sort(key=lambda item: (-item[2], item[0], item[1]))
        scores: dict[int, float] = {}
        budget = POOL_FACTOR * limit
        for size, found, weight in found_evidence:
            if len(scores) >= limit and (size > self.seed_postings or len(scores) >= budget):
                if size > len(scores):
                    record_tokens = self._record_tokens
                    for record_id in scores:
                        if found in record_tokens[record_id]:
                            scores[record_id] += weight
                else:
                    for record_id in postings[found]:
                        if record_id in scores:
                            scores[record_id] += weight
                continue
            get = scores.get
            for record_id in postings[found]:
                scores[record_id] = get(record_id, 0.0) + weight
        if not scores and skipped:
            rarest = min(skipped, key=lambda t: (len(postings[t]), t))
            weight = self.idf[rarest]
            for record_id in postings[rarest][: self.max_postings]:
                scores[record_id] = weight
        return scores

    def candidates(self, tokens: Sequence[str], limit: int = 16) -> list[int]:
        """Record ids worth scoring for a query made of ``tokens``, most promising first (ties: lower id first)."""
        scores = self.evidence(tokens, limit)
        if len(scores) > limit:
            cut = heapq.nlargest(limit, scores.values())[-1]
            ranked = [(-score, record_id) for record_id, score in scores.items() if score >= cut]
        else:
            ranked = [(-score, record_id) for record_id, score in scores.items()]
        ranked.sort()
        return [record_id for _, record_id in ranked[:limit]]

    def kind_of(self, record_id: int) -> EntryKind:
        return self.entries[self.records[record_id].entry].kind
