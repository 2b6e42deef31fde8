"""Watch-list semantics both evaluators share: exact identifiers, fuzzy names and addresses, and the allow list.

- Identifiers match exactly in any formatting: containers and vessels by their compacted number (``MSCU 123456-7``
  = ``MSCU1234567``, ``IMO 9074729`` = ``9074729``), ports and countries by code, e-mail addresses case-blind (an
  entry ``@example.com`` lists a whole domain), phone numbers by their last nine digits (whatever the international
  prefix or trunk zero), HS codes as prefixes.
- Names (``party``, ``company``, ``person``) and addresses are **screened** with the fuzzy screener; a match scores
  ``weight x similarity`` and its hit carries the listed name and the token-by-token evidence. Company and person
  entries are screened as organisations and persons (legal forms, initials and name order are read accordingly).
- An allow-list entry (a known-good party, container ...) suppresses the watch-list hits on the value it names; a
  suppressed hit scores nothing and is kept on the assessment with the allow-list entry that suppressed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from cts.domain.model import compact_identifier
from cts.domain.risk.assessment import Hit, Suppressed
from cts.domain.risk.facts import Facts, normalise_text
from cts.domain.risk.rules import AllowEntry, WatchlistEntry, WatchlistKind
from cts.domain.screening import EntryKind, Match, Screener, ScreeningConfig, ScreeningEntry, ScreeningIndex, normalise

WATCH_FACTS = {
    WatchlistKind.PARTY: "party_names",
    WatchlistKind.COMPANY: "party_names",
    WatchlistKind.PERSON: "party_names",
    WatchlistKind.ADDRESS: "party_addresses",
    WatchlistKind.PHONE: "party_phones",
    WatchlistKind.EMAIL: "party_emails",
    WatchlistKind.CONTAINER: "container_numbers",
    WatchlistKind.VESSEL: "imo_number",
    WatchlistKind.HS_CODE: "hs_codes",
    WatchlistKind.PORT: "ports",
    WatchlistKind.COUNTRY: "countries",
}

# Kinds screened fuzzily, and how the screener reads their names.
SCREENED_KINDS = {
    WatchlistKind.PARTY: EntryKind.OTHER,
    WatchlistKind.COMPANY: EntryKind.ORGANIZATION,
    WatchlistKind.PERSON: EntryKind.PERSON,
    WatchlistKind.ADDRESS: EntryKind.OTHER,
}

_PHONE_DIGITS = 9

# Street-type abbreviations carriers write either way; expanded on both sides before an address is screened.
_ADDRESS_WORDS = {
    "st": "street",
    "str": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "blvd": "boulevard",
    "ln": "lane",
    "dr": "drive",
    "hwy": "highway",
    "sq": "square",
    "bldg": "building",
    "fl": "floor",
    "flr": "floor",
    "apt": "apartment",
    "no": "number",
    "nr": "number",
    "po": "post office",
    "ind": "industrial",
    "est": "estate",
}


def expand_address(text: str) -> str:
    return " ".join(_ADDRESS_WORDS.get(w, w) for w in normalise_text(text).split(" "))


def _screened_text(kind: WatchlistKind, value: str) -> str:
    return expand_address(value) if kind is WatchlistKind.ADDRESS else value


def _phone_key(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits[-_PHONE_DIGITS:]


def entry_keys(kind: WatchlistKind, value: str) -> tuple[str, ...]:
    """The exact keys a listed value is found under (for an exact kind)."""
    if kind is WatchlistKind.PHONE:
        return (_phone_key(value),)
    if kind is WatchlistKind.EMAIL:
        return (value.strip().lower(),)
    compact = compact_identifier(value)
    return (compact.removeprefix("IMO") if kind is WatchlistKind.VESSEL else compact,)


def lookup_keys(kind: WatchlistKind, have: str) -> tuple[str, ...]:
    """The keys under which a consignment's fact value may be listed (an e-mail also under its domain)."""
    if kind is WatchlistKind.EMAIL:
        address = have.strip().lower()
        domain = address.rpartition("@")[2]
        return (address, f"@{domain}") if domain else (address,)
    return entry_keys(kind, have)


def watch_keys(entry: WatchlistEntry) -> set[str]:
    return {k for v in (entry.value, *entry.aliases) for k in entry_keys(entry.kind, v) if k}


def watch_hit_for(entry: WatchlistEntry, matched: str) -> Hit:
    return Hit(
        source="watchlist",
        ref=entry.id,
        points=entry.weight,
        reason=f"{entry.kind.value} on watch list: {entry.reason}",
        matched=matched,
        category=entry.category,
        fact=WATCH_FACTS[entry.kind],
        values=(matched,),
    )


def watch_hit(entry: WatchlistEntry, facts: Facts) -> Hit | None:
    """The reference semantics of one exact-kind entry."""
    keys = watch_keys(entry)
    have = facts.get(WATCH_FACTS[entry.kind])
    if entry.kind is WatchlistKind.HS_CODE:
        matched = next((h for h in have for k in keys if h.startswith(k)), None)
    else:
        matched = next((h for h in have if not keys.isdisjoint(lookup_keys(entry.kind, h))), None)
    return None if matched is None else watch_hit_for(entry, matched)


class FuzzyScreening:
    """Screening of the consignment's party names and addresses against the screened entries of the watch list.

    Both evaluators use it, so they agree; built once per ruleset (the compiled evaluator keeps it)."""

    def __init__(self, entries: Sequence[WatchlistEntry], threshold: float = 0.8) -> None:
        self._entries = {e.id: e for e in entries if e.kind in SCREENED_KINDS}
        self._order = {entry_id: n for n, entry_id in enumerate(self._entries)}
        self._screeners: dict[str, Screener] = {}
        by_fact: dict[str, list[ScreeningEntry]] = {}
        for e in self._entries.values():
            names = tuple(_screened_text(e.kind, v) for v in (e.value, *e.aliases))
            listed = ScreeningEntry(id=e.id, kind=SCREENED_KINDS[e.kind], names=names)
            by_fact.setdefault(WATCH_FACTS[e.kind], []).append(listed)
        for fact, listed_entries in by_fact.items():
            self._screeners[fact] = Screener(ScreeningIndex(listed_entries), ScreeningConfig(threshold=threshold))

    def hits(self, facts: Facts, today: date) -> list[Hit]:
        best: dict[str, tuple[float, str, Match]] = {}
        for fact, screener in self._screeners.items():
            for value in facts.get(fact):
                query = expand_address(value) if fact == "party_addresses" else value
                for match in screener.screen(query):
                    if match.score > best.get(match.entry_id, (-1.0, "", match))[0]:
                        best[match.entry_id] = (match.score, value, match)
        hits = []
        for entry_id in sorted(best, key=self._order.__getitem__):  # ruleset order: deterministic
            entry, (score, value, match) = self._entries[entry_id], best[entry_id]
            if not entry.in_force(today):
                continue
            evidence = tuple(
                f"{p.kind}:{p.query_token}~{p.list_token}={p.contribution:+.3f}" for p in match.explanation
            )
            hits.append(
                Hit(
                    source="watchlist",
                    ref=entry.id,
                    points=round(entry.weight * score),
                    reason=f"{entry.kind.value} on watch list ({score:.2f} match with {match.name_matched!r}): "
                    f"{entry.reason}",
                    matched=value,
                    category=entry.category,
                    fact=WATCH_FACTS[entry.kind],
                    values=(match.name_matched, *evidence),
                )
            )
        return hits


def _allow_key(kind: WatchlistKind, value: str) -> str:
    if kind in SCREENED_KINDS:
        # Known-good names are compared as the screener reads them: case, accents, punctuation, legal forms and
        # word order do not matter, spelling does (an allow entry vouches for one party, not for look-alikes).
        return " ".join(sorted(normalise(_screened_text(kind, value)).tokens))
    return entry_keys(kind, value)[0]


class AllowList:
    """Known-good values: a watch-list hit on a value the allow list names is suppressed, not scored."""

    def __init__(self, entries: Sequence[AllowEntry]) -> None:
        self._by_fact: dict[str, dict[str, list[AllowEntry]]] = {}
        for entry in entries:
            index = self._by_fact.setdefault(WATCH_FACTS[entry.kind], {})
            for value in (entry.value, *entry.aliases):
                index.setdefault(_allow_key(entry.kind, value), []).append(entry)
        self._kinds = {WATCH_FACTS[e.kind]: e.kind for e in entries}

    def __bool__(self) -> bool:
        return bool(self._by_fact)

    def apply(self, hits: list[Hit], today: date) -> tuple[list[Hit], tuple[Suppressed, ...]]:
        """Split watch-list hits into those that stand and those an allow-list entry in force suppresses."""
        if not self._by_fact:
            return hits, ()
        kept: list[Hit] = []
        suppressed: list[Suppressed] = []
        for hit in hits:
            allowed = self._allowing(hit, today) if hit.source == "watchlist" else None
            if allowed is None:
                kept.append(hit)
            else:
                suppressed.append(Suppressed(hit=hit, allow_id=allowed.id, reason=allowed.reason))
        return kept, tuple(suppressed)

    def _allowing(self, hit: Hit, today: date) -> AllowEntry | None:
        index = self._by_fact.get(hit.fact or "")
        if index is None:
            return None
        for entry in index.get(_allow_key(self._kinds[hit.fact or ""], hit.matched), ()):
            if entry.in_force(today) and (not entry.suppresses or hit.ref in entry.suppresses):
                return entry
        return None


def with_watchlist_facts(facts: Facts, hits: Sequence[Hit], entries: dict[str, WatchlistEntry]) -> Facts:
    """The facts plus what the watch lists found, so profiles can combine "on a watch list" with other indicators."""
    if not hits:
        return facts
    listed = [entries[h.ref] for h in hits if h.ref in entries]
    return facts.extended(
        {
            "watchlist_entries": tuple(dict.fromkeys(e.id for e in listed)),
            "watchlist_kinds": tuple(dict.fromkeys(e.kind.value for e in listed)),
            "watchlist_categories": tuple(dict.fromkeys(e.category for e in listed)),
        }
    )
