"""Importing a public or national watch list into the rules, if the country has switched its format on.

:func:`import_watchlist` refuses a source the country's configuration does not list in ``watchlist_sources``
(:class:`SourceNotEnabled`), reads the file with the source's importer (:class:`WatchlistUnreadable` if it cannot),
converts the entries to rule documents (:mod:`cts.domain.screening.to_rules`) and writes them to the sink.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cts.config.country import CountryConfig
from cts.domain.errors import ValidationFailed
from cts.domain.screening.importers import (
    WatchlistError,
    load_cts_csv,
    load_ofac_legacy,
    parse_opensanctions_ftm,
    parse_un_consolidated,
)
from cts.domain.screening.model import ScreeningEntry
from cts.domain.screening.to_rules import RuleDefaults, WatchlistSource, to_watchlist_entries
from cts.ports.watchlists import WatchlistSink

LOADERS: Mapping[WatchlistSource, Callable[[Path], list[ScreeningEntry]]] = {
    WatchlistSource.CTS_CSV: load_cts_csv,
    WatchlistSource.OFAC_LEGACY: load_ofac_legacy,
    WatchlistSource.UN_CONSOLIDATED: lambda path: parse_un_consolidated(path.read_bytes()),
    WatchlistSource.OPENSANCTIONS_FTM: lambda path: parse_opensanctions_ftm(path.read_bytes()),
}
WHAT = {
    WatchlistSource.CTS_CSV: "a CTS watch-list CSV file",
    WatchlistSource.OFAC_LEGACY: "an OFAC legacy CSV folder (sdn.csv, alt.csv, add.csv)",
    WatchlistSource.UN_CONSOLIDATED: "a UN Security Council consolidated list XML file",
    WatchlistSource.OPENSANCTIONS_FTM: "an OpenSanctions FollowTheMoney JSON lines file",
}


class UnknownSource(ValidationFailed):
    """Not one of the watch-list formats (:class:`WatchlistSource`)."""


class SourceNotEnabled(ValidationFailed):
    """The country has not switched this watch-list format on."""


class WatchlistUnreadable(ValidationFailed):
    """The file cannot be read as the format of its source."""


@dataclass(frozen=True)
class ImportSummary:
    country: str
    source: WatchlistSource
    path: str
    read: int
    imported: int
    skipped: Mapping[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "country": self.country,
            "source": self.source.value,
            "path": self.path,
            "read": self.read,
            "imported": self.imported,
            "skipped": sum(self.skipped.values()),
            "skipped_reasons": dict(self.skipped),
        }


def as_source(source: WatchlistSource | str) -> WatchlistSource:
    try:
        return WatchlistSource(source)
    except ValueError:
        known = ", ".join(s.value for s in WatchlistSource)
        raise UnknownSource(f"unknown watch-list source {source!r}; known sources: {known}") from None


def check_enabled(source: WatchlistSource, config: CountryConfig) -> None:
    if not config.accepts_watchlist(source):
        enabled = ", ".join(s.value for s in config.watchlist_sources) or "none"
        raise SourceNotEnabled(
            f"watch-list source {source.value!r} is not switched on for {config.code} ({config.name}); "
            f"switched on: {enabled}. To accept it, add {source.value} to watchlist_sources in "
            f"infra/countries/{config.code}.yaml"
        )


def import_watchlist(
    source: WatchlistSource | str, path: Path | str, config: CountryConfig, sink: WatchlistSink
) -> ImportSummary:
    """Load ``path`` as ``source``, convert and write its entries; refuse a source the country has not switched on."""
    chosen = as_source(source)
    check_enabled(chosen, config)
    path = Path(path)
    try:
        listed = LOADERS[chosen](path)
    except (OSError, WatchlistError, UnicodeDecodeError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise WatchlistUnreadable(f"cannot read {path} as {WHAT[chosen]}: {detail}") from exc
    defaults = config.watchlist_defaults_for(chosen)
    conversion = to_watchlist_entries(listed, chosen, RuleDefaults(category=defaults.category, weight=defaults.weight))
    for entry in conversion.entries:
        sink.put_watchlist_entry(entry)
    return ImportSummary(
        country=config.code,
        source=chosen,
        path=str(path),
        read=len(listed),
        imported=len(conversion.entries),
        skipped=conversion.skipped_by_reason,
    )
