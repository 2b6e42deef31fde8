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
``max_postings`` records (``TRADING``, ``MOHAMMED`` on a big list) are skipped unless nothing rarer matched. The
``limit`` best-accumulated records are returned: the full scorer only ever sees those.
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


@dataclass(frozen=True, slots=True)
class Record:
    """One indexed name: ``entry`` is the position of its entry in :attr:`ScreeningIndex.entries`."""

    entry: int
    name: str
    normalised: NormalisedName


def deletions(token: str) -> set[str]:
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


class ScreeningIndex:
    def __init__(self, entries: Iterable[ScreeningEntry], max_postings: int = 1_000) -> None:
        self.entries: list[ScreeningEntry] = list(entries)
        self.max_postings = max_postings
        self.records: list[Record] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for position, entry in enumerate(self.entries):
            seen: set[str] = set()
            for name in entry.names:
                normalised = normalise(name)
                if not normalised.tokens or normalised.text in seen:
                    continue
                seen.add(normalised.text)
                record_id = len(self.records)
                self.records.append(Record(position, name, normalised))
                for token in dict.fromkeys(normalised.tokens):
                    postings[token].append(record_id)
        self.postings: dict[str, list[int]] = dict(postings)
        count = max(len(self.records), 1)
        self.idf: dict[str, float] = {t: math.log(1.0 + count / len(p)) for t, p in self.postings.items()}
        self.max_idf = math.log(1.0 + count)
        phonetic: dict[str, list[str]] = defaultdict(list)
        deleted: dict[str, list[str]] = defaultdict(list)
        for token in sorted(self.postings):
            if len(token) >= 3 and not token.isdigit():
                phonetic[phonetic_key(token)].append(token)
            if len(token) >= MIN_DELETION_LENGTH:
                for variant in deletions(token):
                    deleted[variant].append(token)
        self.phonetic: dict[str, list[str]] = dict(phonetic)
        self.deletions: dict[str, list[str]] = dict(deleted)

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

    def candidates(self, tokens: Sequence[str], limit: int = 16) -> list[int]:
        """Record ids worth scoring for a query made of ``tokens``, most promising first."""
        scores: dict[int, float] = defaultdict(float)
        skipped: list[str] = []
        for token in dict.fromkeys(tokens):
            # A neighbour counts no more than the query token itself: the rare phonetic cousins of a common word
            # (GROUP -> GOURPIA) must not outweigh the rare words of the query.
            cap = self.weight(token)
            for found in sorted(self.neighbours(token)):
                posting = self.postings[found]
                if len(posting) > self.max_postings:
                    skipped.append(found)
                    continue
                closeness = 1.0 if found == token else NEIGHBOUR_DISCOUNT * Indel.normalized_similarity(token, found)
                weight = min(self.idf[found], cap) * closeness
                for record_id in posting:
                    scores[record_id] += weight
        if not scores and skipped:
            rarest = min(skipped, key=lambda t: (len(self.postings[t]), t))
            for record_id in self.postings[rarest][: self.max_postings]:
                scores[record_id] += self.idf[rarest]
        best = heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], -item[0]))
        return [record_id for record_id, _ in best]

    def kind_of(self, record_id: int) -> EntryKind:
        return self.entries[self.records[record_id].entry].kind
