"""Imported watch lists as rule documents: :class:`ScreeningEntry` -> risk-engine :class:`WatchlistEntry`, pure.

Kinds: ``person`` -> ``person``, ``organization`` -> ``company``, ``other`` -> ``party``. Listed **vessels are
skipped**: the lists name them, and the risk engine matches vessels by IMO number only; screening a ship's name
against party names would raise alerts on unrelated companies. Names without a letter or digit are dropped; an entry
left without any name is skipped. Every skip is counted with its reason.

Ids are prefixed by the source (``ofac-12345``, ``un-QDi.001``, ``os-NK-abc``, ``cts-NAT-0001``; the importers'
own ``OFAC-`` / ``UN-`` prefixes are replaced), so that entries of different sources never overwrite each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import ValidationError

from cts.domain.risk.facts import normalise_text
from cts.domain.risk.rules import WatchlistEntry, WatchlistKind
from cts.domain.screening.model import EntryKind, ScreeningEntry


class WatchlistSource(StrEnum):
    """The list formats a country can switch on (``watchlist_sources`` of its configuration)."""

    CTS_CSV = "cts_csv"
    OFAC_LEGACY = "ofac_legacy"
    UN_CONSOLIDATED = "un_consolidated"
    OPENSANCTIONS_FTM = "opensanctions_ftm"


@dataclass(frozen=True, slots=True)
class SourceInfo:
    prefix: str  # of the rule ids
    label: str  # the entries' ``source`` when the importer gives none
    category: str  # default category of the entries
    native_prefix: str = ""  # the importer's own id prefix, replaced by ``prefix``


SOURCES: Mapping[WatchlistSource, SourceInfo] = {
    WatchlistSource.CTS_CSV: SourceInfo("cts", "CTS watch list", "national"),
    WatchlistSource.OFAC_LEGACY: SourceInfo("ofac", "OFAC-SDN", "sanctions", native_prefix="OFAC-"),
    WatchlistSource.UN_CONSOLIDATED: SourceInfo("un", "UN-SC", "sanctions", native_prefix="UN-"),
    WatchlistSource.OPENSANCTIONS_FTM: SourceInfo("os", "OpenSanctions", "sanctions"),
}

KINDS: Mapping[EntryKind, WatchlistKind] = {
    EntryKind.PERSON: WatchlistKind.PERSON,
    EntryKind.ORGANIZATION: WatchlistKind.COMPANY,
    EntryKind.OTHER: WatchlistKind.PARTY,
}

DEFAULT_WEIGHT = 100
SKIP_VESSEL = "vessel listed by name (the risk engine matches vessels by IMO number)"
SKIP_NO_NAME = "no name with a letter or digit"
SKIP_DUPLICATE = "duplicate id"
SKIP_BAD_DATE = "unreadable valid_from or valid_to date"
SKIP_INVALID = "rejected by the watch-list entry model"


@dataclass(frozen=True, slots=True)
class Skipped:
    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Conversion:
    entries: tuple[WatchlistEntry, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    @property
    def skipped_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(s.reason for s in self.skipped).items()))


@dataclass(frozen=True, slots=True)
class RuleDefaults:
    """What an imported entry does not say itself: its category (default per source) and weight."""

    category: str | None = None
    weight: int = DEFAULT_WEIGHT


def rule_id(source: WatchlistSource, native_id: str) -> str:
    """``<prefix>-<id>``: the importer's own prefix (``OFAC-``, ``UN-``) replaced by the source's."""
    info = SOURCES[source]
    if info.native_prefix and native_id.upper().startswith(info.native_prefix):
        native_id = native_id[len(info.native_prefix) :]
    return f"{info.prefix}-{native_id}"


def _date(value: str | None) -> date | None:
    """An ISO date, or the date part of an ISO timestamp (OpenSanctions' ``first_seen``); ``ValueError`` otherwise."""
    if value is None or not value.strip():
        return None
    return date.fromisoformat(value.strip()[:10])


def to_watchlist_entry(
    entry: ScreeningEntry, source: WatchlistSource, defaults: RuleDefaults = RuleDefaults()
) -> WatchlistEntry | Skipped:
    """The rule document for one imported entry, or why it is skipped."""
    ident = rule_id(source, entry.id)
    kind = KINDS.get(entry.kind)
    if kind is None:
        return Skipped(ident, SKIP_VESSEL)
    names = [name.strip() for name in entry.names if normalise_text(name)]
    seen: set[str] = set()
    unique = []
    for name in names:
        key = normalise_text(name)
        if key not in seen:
            seen.add(key)
            unique.append(name)
    if not unique:
        return Skipped(ident, SKIP_NO_NAME)
    try:
        valid_from, valid_to = _date(entry.valid_from), _date(entry.valid_to)
    except ValueError:
        return Skipped(ident, SKIP_BAD_DATE)
    info = SOURCES[source]
    try:
        return WatchlistEntry(
            id=ident,
            kind=kind,
            value=unique[0],
            aliases=tuple(unique[1:]),
            reason=entry.reason or f"listed on {info.label}",
            source=entry.source or info.label,
            category=defaults.category or info.category,
            weight=defaults.weight,
            valid_from=valid_from,
            valid_to=valid_to,
        )
    except ValidationError:
        return Skipped(ident, SKIP_INVALID)


def to_watchlist_entries(
    entries: Iterable[ScreeningEntry], source: WatchlistSource, defaults: RuleDefaults = RuleDefaults()
) -> Conversion:
    """Rule documents for the entries of one list, in list order; later entries with an id already seen are skipped."""
    converted: list[WatchlistEntry] = []
    skipped: list[Skipped] = []
    ids: set[str] = set()
    for entry in entries:
        result = to_watchlist_entry(entry, source, defaults)
        if isinstance(result, Skipped):
            skipped.append(result)
        elif result.id in ids:
            skipped.append(Skipped(result.id, SKIP_DUPLICATE))
        else:
            ids.add(result.id)
            converted.append(result)
    return Conversion(tuple(converted), tuple(skipped))
