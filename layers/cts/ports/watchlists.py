"""Where imported watch-list entries go: the rule store (``RuleRepository`` fits) or a rules file."""

from __future__ import annotations

from typing import Protocol

from cts.domain.risk.rules import WatchlistEntry


class WatchlistSink(Protocol):
    def put_watchlist_entry(self, entry: WatchlistEntry) -> None:
        """Store (or replace, by id) one watch-list entry."""
        ...
