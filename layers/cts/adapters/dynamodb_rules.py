"""Managing rules in the records table: profile versions with their lifecycle history, versioned watch-list entries
(:class:`cts.ports.rules_admin.ProfileStore` and :class:`~cts.ports.rules_admin.WatchlistStore`).

Item layout, beside :class:`cts.adapters.dynamodb.DynamoRules`'s (which reads the ruleset from the same items):

=====================  ======================  ==============================  ===================================
item                   pk                      sk                              gsi1pk / gsi1sk
=====================  ======================  ==============================  ===================================
profile version        ``PROFILE#<id>``        ``V#<version:04>``              ``RULES`` / ``PROFILE#<id>#<ver>``
profile step           ``PROFILE#<id>``        ``H#<version:04>#<n:04>``       -
watch-list entry       ``WATCH#<id>``          ``ENTRY`` (current version)     ``RULES`` / ``WATCH#<id>``
watch-list version     ``WATCH#<id>``          ``V#<version:04>``              -
=====================  ======================  ==============================  ===================================

A profile version's ``data`` is the profile document (its status included), so the ruleset reader is unchanged; its
steps are items of their own. A lifecycle step rewrites the version item only if its ``data`` is still what the
caller read, in one transaction with the new step items (and, for an activation, the superseded version): of two
reviewers racing, one wins and the other gets Conflict. The current watch-list entry item carries ``version``; a
new version is written with the condition that the stored one is the previous, together with its history item.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import PynamoDBException
from pynamodb.transactions import TransactWrite

from cts.adapters.dynamodb import WRITTEN_OUTSIDE_THE_API, RecordItem, _Table, domain_error
from cts.domain.errors import Conflict
from cts.domain.risk.rules import Profile, WatchlistEntry
from cts.domain.rule_lifecycle import ProfileVersion, Transition, WatchlistChange, WatchlistVersion

_MAX_TRANSACTION = 100


def _profile_item(model: type[RecordItem], profile: Profile) -> RecordItem:
    return model(
        f"PROFILE#{profile.id}",
        f"V#{profile.version:04d}",
        version=profile.version,
        data=profile.model_dump_json(),
        gsi1pk="RULES",
        gsi1sk=f"PROFILE#{profile.id}#{profile.version:04d}",
    )


def _step_items(model: type[RecordItem], profile: Profile, steps: Sequence[Transition], first: int) -> list[RecordItem]:
    return [
        model(f"PROFILE#{profile.id}", f"H#{profile.version:04d}#{first + n:04d}", data=step.model_dump_json())
        for n, step in enumerate(steps, start=1)
    ]


class DynamoRulesAdmin:
    """Profile lifecycle and watch-list versions on the records table."""

    def __init__(self, model: type[RecordItem]) -> None:
        self._t = _Table(model)

    # ------------------------------------------------------------ profiles

    def profile(self, profile_id: str) -> list[ProfileVersion]:
        items = self._t.query(f"PROFILE#{profile_id}", None, consistent=True)
        profiles: dict[int, Profile] = {}
        steps: dict[int, list[tuple[str, Transition]]] = {}
        for item in items:
            if item.sk.startswith("V#"):
                profile = Profile.model_validate_json(item.data)
                profiles[profile.version] = profile
            elif item.sk.startswith("H#"):
                version = int(item.sk.split("#")[1])
                steps.setdefault(version, []).append((item.sk, Transition.model_validate_json(item.data)))
        return [
            ProfileVersion(profile=profiles[v], history=tuple(step for _, step in sorted(steps.get(v, []))))
            for v in sorted(profiles)
        ]

    def latest_profiles(self) -> list[ProfileVersion]:
        latest: dict[str, Profile] = {}
        for item in self._rules("PROFILE#"):
            profile = Profile.model_validate_json(item.data)
            latest[profile.id] = profile  # ascending sort key: the last is the latest version
        return [ProfileVersion(profile=latest[i]) for i in sorted(latest)]

    def add_profile_version(self, record: ProfileVersion) -> None:
        profile = record.profile
        stored = self._t.query(
            f"PROFILE#{profile.id}", self._t.model.sk.startswith("V#"), limit=1, newest_first=True, consistent=True
        )
        latest = int(stored[0].version or 0) if stored else 0
        if profile.version != latest + 1:
            raise Conflict(f"profile {profile.id} version {profile.version}: the latest stored version is {latest}")
        model = self._t.model
        self._transact(
            [(_profile_item(model, profile), model.pk.does_not_exist())]
            + [(i, model.pk.does_not_exist()) for i in _step_items(model, profile, record.history, 0)],
            f"profile {profile.id} version {profile.version}",
        )

    def change_profile_versions(self, changes: Sequence[tuple[ProfileVersion, ProfileVersion]]) -> None:
        model = self._t.model
        writes: list[tuple[RecordItem, Any]] = []
        for before, after in changes:
            if before.profile.id != after.profile.id or before.version != after.version:
                raise ValueError("a lifecycle change keeps the profile id and version")
            new_steps = after.history[len(before.history) :]
            writes.append((_profile_item(model, after.profile), model.data == before.profile.model_dump_json()))
            writes += [
                (i, model.pk.does_not_exist())
                for i in _step_items(model, after.profile, new_steps, len(before.history))
            ]
        what = ", ".join(f"profile {b.profile.id} version {b.version}" for b, _ in changes)
        self._transact(writes, what)

    # ------------------------------------------------------------ watch lists

    def watchlist_current(self) -> list[tuple[WatchlistEntry, int]]:
        return [(WatchlistEntry.model_validate_json(i.data), int(i.version or 1)) for i in self._rules("WATCH#")]

    def watchlist_history(self, entry_id: str) -> list[WatchlistVersion]:
        items = self._t.query(f"WATCH#{entry_id}", None, consistent=True)
        versions = [WatchlistVersion.model_validate_json(i.data) for i in items if i.sk.startswith("V#")]
        current = next((i for i in items if i.sk == "ENTRY"), None)
        if current is not None and int(current.version or 1) not in {v.version for v in versions}:
            # Written in place (rules files, `cts watchlist import`): shown as a version without a recorded author.
            entry = WatchlistEntry.model_validate_json(current.data)
            at = versions[-1].at if versions else None
            versions.append(
                WatchlistVersion(
                    entry=entry,
                    version=int(current.version or 1),
                    change=WatchlistChange.IMPORT,
                    by=WRITTEN_OUTSIDE_THE_API,
                    at=at or datetime(1970, 1, 1, tzinfo=UTC),
                    reason="written outside the API",
                )
            )
        return sorted(versions, key=lambda v: v.version)

    def watchlist_entry(self, entry_id: str) -> WatchlistVersion | None:
        history = self.watchlist_history(entry_id)
        return history[-1] if history else None

    def put_watchlist_version(self, record: WatchlistVersion) -> None:
        model = self._t.model
        entry = record.entry
        current = model(
            f"WATCH#{entry.id}",
            "ENTRY",
            version=record.version,
            data=entry.model_dump_json(),
            gsi1pk="RULES",
            gsi1sk=f"WATCH#{entry.id}",
        )
        condition: Any
        if record.version == 1:
            condition = model.pk.does_not_exist()
        elif record.version == 2:  # version 1 may have been written in place, without a version attribute
            condition = model.pk.exists() & ((model.version == 1) | model.version.does_not_exist())
        else:
            condition = model.version == record.version - 1
        history = model(f"WATCH#{entry.id}", f"V#{record.version:04d}", data=record.model_dump_json())
        self._transact(
            [(current, condition), (history, model.pk.does_not_exist())],
            f"watch-list entry {entry.id} version {record.version}",
        )

    # ------------------------------------------------------------ plumbing

    def _rules(self, prefix: str) -> list[RecordItem]:
        model = self._t.model
        try:
            return list(model.gsi1.query("RULES", model.gsi1sk.startswith(prefix)))
        except PynamoDBException as exc:
            raise domain_error(exc, f"query rules {prefix}") from exc

    def _transact(self, writes: Sequence[tuple[RecordItem, Any]], what: str) -> None:
        if len(writes) > _MAX_TRANSACTION:
            raise Conflict(f"{what}: too many changes for one transaction ({len(writes)})")
        try:
            with TransactWrite(connection=self._t.connection()) as tx:
                for item, condition in writes:
                    tx.save(item, condition=condition)
        except PynamoDBException as exc:
            raise domain_error(exc, what) from exc
