"""In-memory rules store (profile versions, watch-list versions) and a re-scoring trigger that records its calls,
with the records table's conditions: a new version must follow the latest, a change must find what was read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cts.domain.errors import Conflict, Unavailable
from cts.domain.risk.rules import WatchlistEntry
from cts.domain.rule_lifecycle import ProfileVersion, WatchlistVersion


@dataclass
class MemoryRulesStore:
    profiles: dict[str, dict[int, ProfileVersion]] = field(default_factory=dict)
    entries: dict[str, list[WatchlistVersion]] = field(default_factory=dict)

    def profile(self, profile_id: str) -> list[ProfileVersion]:
        stored = self.profiles.get(profile_id, {})
        return [stored[v] for v in sorted(stored)]

    def latest_profiles(self) -> list[ProfileVersion]:
        return [
            ProfileVersion(profile=versions[max(versions)].profile) for _, versions in sorted(self.profiles.items())
        ]

    def add_profile_version(self, record: ProfileVersion) -> None:
        stored = self.profiles.setdefault(record.profile.id, {})
        latest = max(stored, default=0)
        if record.version != latest + 1:
            raise Conflict(f"profile {record.profile.id} version {record.version}: latest is {latest}")
        stored[record.version] = record

    def change_profile_versions(self, changes: Sequence[tuple[ProfileVersion, ProfileVersion]]) -> None:
        for before, _ in changes:
            if self.profiles[before.profile.id].get(before.version) != before:
                raise Conflict(f"profile {before.profile.id} version {before.version} changed meanwhile")
        for _, after in changes:
            self.profiles[after.profile.id][after.version] = after

    def watchlist_current(self) -> list[tuple[WatchlistEntry, int]]:
        return [(history[-1].entry, history[-1].version) for _, history in sorted(self.entries.items())]

    def watchlist_entry(self, entry_id: str) -> WatchlistVersion | None:
        history = self.entries.get(entry_id)
        return history[-1] if history else None

    def watchlist_history(self, entry_id: str) -> list[WatchlistVersion]:
        return list(self.entries.get(entry_id, []))

    def put_watchlist_version(self, record: WatchlistVersion) -> None:
        history = self.entries.setdefault(record.entry.id, [])
        if record.version != len(history) + 1:
            raise Conflict(f"watch-list entry {record.entry.id} version {record.version}: latest is {len(history)}")
        history.append(record)


@dataclass
class RecordingRescore:
    calls: list[datetime] = field(default_factory=list)
    fail: bool = False

    def rules_changed(self, now: datetime) -> object:
        if self.fail:
            raise Unavailable("score queue unreachable")
        self.calls.append(now)

        @dataclass(frozen=True)
        class Start:
            ruleset: str

        return Start(ruleset=f"rs-{len(self.calls)}")


# A draft profile and a watch-list entry as the rules API takes them (the API tests' shared examples).
PROFILE_DOC: dict[str, Any] = {
    "id": "kingston-imports",
    "name": "Kingston Imports consignee",
    "category": "narcotics",
    "threshold": 60,
    "indicators": [
        {
            "id": "cnee",
            "description": "consignee named Kingston",
            "fact": "consignee_name",
            "op": "keyword",
            "values": ["kingston"],
            "weight": 60,
        }
    ],
}
ENTRY_DOC: dict[str, Any] = {
    "id": "wl-acme",
    "kind": "party",
    "value": "ACME TRADING",
    "reason": "seizure in 2025",
    "category": "narcotics",
    "weight": 80,
}
