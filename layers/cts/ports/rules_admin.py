"""What managing rules through the API needs: profile versions with their lifecycle, versioned watch-list entries,
and a way to start re-scoring when the rules in force change (docs/profiles.md, docs/watchlists.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from cts.domain.risk.rules import WatchlistEntry
from cts.domain.rule_lifecycle import ProfileVersion, WatchlistVersion


class ProfileStore(Protocol):
    def profile(self, profile_id: str) -> list[ProfileVersion]:
        """Every stored version of the profile with its history, oldest first (empty: unknown profile)."""
        ...

    def latest_profiles(self) -> list[ProfileVersion]:
        """The latest version of every profile (history not included), by profile id."""
        ...

    def add_profile_version(self, record: ProfileVersion) -> None:
        """Store a new version: version 1 of a new profile or exactly the latest + 1, with its history; raises
        Conflict otherwise (another editor was first)."""
        ...

    def change_profile_versions(self, changes: Sequence[tuple[ProfileVersion, ProfileVersion]]) -> None:
        """Replace each ``before`` by its ``after`` (same version, new status, longer history), all or nothing, only
        if each stored version is still ``before``; raises Conflict when one changed meanwhile."""
        ...


class WatchlistStore(Protocol):
    def watchlist_current(self) -> list[tuple[WatchlistEntry, int]]:
        """The current content and version number of every entry (removed ones included: not in force), by id."""
        ...

    def watchlist_entry(self, entry_id: str) -> WatchlistVersion | None: ...

    def watchlist_history(self, entry_id: str) -> list[WatchlistVersion]:
        """Every version of the entry, oldest first."""
        ...

    def put_watchlist_version(self, record: WatchlistVersion) -> None:
        """Make ``record`` the entry's current version and keep it in its history; its version must be the stored
        current version + 1 (1 for a new entry), else Conflict."""
        ...


class RescoreTrigger(Protocol):
    """:class:`cts.services.rescoring.RescoringService` fits: queues the re-scoring under the rules now in force."""

    def rules_changed(self, now: datetime) -> Any: ...


class RulesStore(ProfileStore, WatchlistStore, Protocol):
    """Both stores in one (the records table adapter :class:`cts.adapters.dynamodb_rules.DynamoRulesAdmin`)."""
