"""Managing risk profiles and watch lists through the API (docs/profiles.md#lifecycle, docs/watchlists.md).

:class:`RulesAdmin` applies the pure lifecycle rules of :mod:`cts.domain.rule_lifecycle` to the stored versions and,
whenever the rules in force change (a profile activated or retired, a watch-list entry added, edited, removed or
imported), starts the re-scoring of what has not arrived yet through the :class:`RescoreTrigger` port
(:meth:`cts.services.rescoring.RescoringService.rules_changed`). :meth:`RulesAdmin.test_profile` runs the pure engine
over the consignments that arrived in the last days, with one profile, and reports what it would have selected.

Its answers are plain JSON-ready dicts, the JSON form of the typed models of :mod:`cts.services.rules_admin_views`
(the API routes' ``response=`` models; ``tests/unit/api/test_response_models.py`` checks they agree).
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from cts.domain import rule_lifecycle as lifecycle
from cts.domain.errors import CtsError, NotFound, ValidationFailed
from cts.domain.risk.engine import Level, compile_ruleset
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import Profile, ProfileStatus, Ruleset, WatchlistEntry, WatchlistKind
from cts.domain.rule_lifecycle import ProfileVersion, Step, WatchlistVersion
from cts.ports.records import ConsignmentRepository
from cts.ports.rules_admin import ProfileStore, RescoreTrigger, WatchlistStore

log = logging.getLogger("cts.rules_admin")

MAX_TEST_EVALUATED = 2000  # consignments a profile test reads at most (one API call)
TEST_SAMPLE = 25
MAX_IMPORT_ENTRIES = 2000
MAX_IMPORT_BYTES = 1_000_000
MAX_PAGE_SIZE = 200
CSV_COLUMNS = ("id", "kind", "value", "aliases", "category", "weight", "reason", "source", "valid_from", "valid_to")


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'document'}: {e['msg']}" for e in exc.errors())


def parse_profile(document: Mapping[str, Any], by: str, profile_id: str | None = None) -> Profile:
    """A profile document from a client: ``version``, ``status`` and ``author`` are the system's to set."""
    data = {k: v for k, v in document.items() if k not in ("version", "status", "author")}
    if profile_id is not None and data.setdefault("id", profile_id) != profile_id:
        raise ValidationFailed(f"the document's id {data['id']!r} is not the profile {profile_id!r} of the path")
    try:
        return Profile.model_validate({**data, "version": 1, "author": by, "status": ProfileStatus.DRAFT.value})
    except ValidationError as exc:
        raise ValidationFailed(_problems(exc)) from None


def parse_entry(document: Mapping[str, Any], entry_id: str | None = None) -> WatchlistEntry:
    data = dict(document)
    if entry_id is not None and data.setdefault("id", entry_id) != entry_id:
        raise ValidationFailed(f"the document's id {data['id']!r} is not the entry {entry_id!r} of the path")
    try:
        return WatchlistEntry.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(_problems(exc)) from None


def profile_view(record: ProfileVersion, history: bool = True) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": record.profile.id,
        "version": record.version,
        "status": record.status.value,
        "author": record.profile.author,
        "name": record.profile.name,
        "category": record.profile.category,
        "valid_from": record.profile.valid_from.isoformat() if record.profile.valid_from else None,
        "valid_to": record.profile.valid_to.isoformat() if record.profile.valid_to else None,
        "profile": record.profile.model_dump(mode="json", exclude_none=True),
    }
    if history:
        view["history"] = [t.model_dump(mode="json") for t in record.history]
    return view


def entry_view(entry: WatchlistEntry, version: int, today: date) -> dict[str, Any]:
    return {
        "id": entry.id,
        "version": version,
        "in_force": entry.in_force(today),
        "entry": entry.model_dump(mode="json", exclude_none=True),
    }


def version_view(record: WatchlistVersion) -> dict[str, Any]:
    return {
        "version": record.version,
        "change": record.change.value,
        "by": record.by,
        "at": record.at.isoformat(),
        "reason": record.reason,
        "entry": record.entry.model_dump(mode="json", exclude_none=True),
    }


@dataclass(frozen=True)
class ImportLineError:
    line: int
    id: str | None
    message: str


@dataclass
class RulesAdmin:
    profiles: ProfileStore
    watchlists: WatchlistStore
    consignments: ConsignmentRepository
    rescoring: RescoreTrigger | None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    thresholds: Thresholds = field(default_factory=Thresholds)
    max_test_evaluated: int = MAX_TEST_EVALUATED

    # ------------------------------------------------------------ profiles

    def list_profiles(self, status: ProfileStatus | None = None) -> dict[str, Any]:
        latest = self.profiles.latest_profiles()
        listed = [profile_view(r, history=False) for r in latest if status is None or r.status is status]
        return {"profiles": listed, "count": len(listed)}

    def profile_detail(self, profile_id: str) -> dict[str, Any]:
        versions = self._versions(profile_id)
        in_force = [v.version for v in versions if v.profile.in_force(self.clock().date())]
        return {
            "id": profile_id,
            "latest_version": versions[-1].version,
            "in_force_version": in_force[-1] if in_force else None,
            "versions": [profile_view(v) for v in versions],
        }

    def create_profile(self, document: Mapping[str, Any], by: str, reason: str = "") -> dict[str, Any]:
        profile = parse_profile(document, by)
        record = lifecycle.create(profile, by, self.clock(), self.profiles.profile(profile.id))
        if reason.strip():
            first = record.history[0].model_copy(update={"reason": reason.strip()})
            record = record.model_copy(update={"history": (first,)})
        self.profiles.add_profile_version(record)
        return profile_view(record)

    def edit_profile(
        self, profile_id: str, edited: int, document: Mapping[str, Any], by: str, reason: str = ""
    ) -> dict[str, Any]:
        profile = parse_profile(document, by, profile_id)
        record = lifecycle.edit(self._versions(profile_id), edited, profile, by, self.clock(), reason)
        self.profiles.add_profile_version(record)
        return profile_view(record)

    def step(self, profile_id: str, version: int, step: Step, by: str, reason: str = "") -> dict[str, Any]:
        now = self.clock()
        changes = lifecycle.transition(self._versions(profile_id), profile_id, version, step, by, now, reason)
        self.profiles.change_profile_versions(changes)
        answer: dict[str, Any] = {"profile": profile_view(changes[0][1])}
        if len(changes) > 1:
            answer["superseded"] = [after.version for _, after in changes[1:]]
        if step in lifecycle.CHANGES_RULES_IN_FORCE:
            answer["rescore"] = self._rescore(now)
        return answer

    def _versions(self, profile_id: str) -> list[ProfileVersion]:
        versions = self.profiles.profile(profile_id)
        if not versions:
            raise NotFound(f"profile {profile_id}")
        return versions

    # ------------------------------------------------------------ test against past data

    def test_profile(
        self,
        profile_id: str,
        days: int,
        version: int | None = None,
        document: Mapping[str, Any] | None = None,
        by: str = "",
    ) -> dict[str, Any]:
        """What the profile (a stored version, the latest by default, or an unsaved document) would have selected
        among the consignments arriving (UTC ETA day) in the last ``days`` days, today included, newest day first,
        at most :attr:`max_test_evaluated` of them. Validity dates and status are ignored: the indicators are
        tested. Party-history facts (first shipment, consignee known since) are unknown here, so indicators on
        them do not fire."""
        if not 1 <= days <= 365:
            raise ValidationFailed("days must be between 1 and 365")
        if document is not None:
            profile = parse_profile(document, by or "test", profile_id)
            tested_version: int | None = None
        else:
            versions = self._versions(profile_id)
            record = lifecycle.find(versions, profile_id, version) if version is not None else versions[-1]
            profile, tested_version = record.profile, record.version
        candidate = profile.model_copy(update={"status": ProfileStatus.ACTIVE, "valid_from": None, "valid_to": None})
        compiled = compile_ruleset(Ruleset(version=f"test-{profile.id}", profiles=(candidate,)))
        today = self.clock().date()
        refs, truncated = self._recent_arrivals(today, days)
        evaluated, selected = 0, 0
        levels: Counter[str] = Counter()
        sample: list[dict[str, Any]] = []
        for start in range(0, len(refs), 100):
            stored = self.consignments.get_many(refs[start : start + 100])
            for ref in refs[start : start + 100]:
                found = stored.get(ref)
                if found is None:
                    continue
                evaluated += 1
                assessment = compiled.assess(found.key, found.version, found.consignment, self.thresholds, today)
                if profile.id not in assessment.profiles_matched:
                    continue
                selected += 1
                levels[assessment.level.value] += 1
                if len(sample) < TEST_SAMPLE:
                    eta = found.consignment.eta
                    sample.append(
                        {
                            "key": found.key,
                            "version": found.version,
                            "eta": eta.isoformat() if eta else None,
                            "score": assessment.score,
                            "level": assessment.level.value,
                            "indicators": [h.ref.rpartition("#")[2] for h in assessment.hits if h.source == "profile"],
                            "reasons": [h.reason for h in assessment.hits],
                        }
                    )
        return {
            "profile_id": profile.id,
            "version": tested_version,
            "days": days,
            "from": (today - timedelta(days=days - 1)).isoformat(),
            "to": today.isoformat(),
            "evaluated": evaluated,
            "selected": selected,
            "by_level": {level.value: levels.get(level.value, 0) for level in Level},
            "cap": self.max_test_evaluated,
            "truncated": truncated,
            "note": (
                f"at most {self.max_test_evaluated} consignments are evaluated, the most recent arrival days first"
                + ("; the cap was reached, older days were not evaluated" if truncated else "")
                + "; party-history indicators do not fire in a test"
            ),
            "sample": sample,
        }

    def _recent_arrivals(self, today: date, days: int) -> tuple[list[tuple[str, int]], bool]:
        refs: list[tuple[str, int]] = []
        for back in range(days):
            day = today - timedelta(days=back)
            cursor: str | None = None
            while True:
                room = self.max_test_evaluated - len(refs)
                if room <= 0:
                    return refs, True
                page, cursor = self.consignments.arriving(day, None, cursor, min(500, room))
                refs += page
                if cursor is None:
                    break
        return refs, False

    # ------------------------------------------------------------ watch lists

    def list_entries(
        self, kind: WatchlistKind | None = None, q: str | None = None, page: int = 1, page_size: int = 50
    ) -> dict[str, Any]:
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValidationFailed(f"page must be 1 or more and page_size between 1 and {MAX_PAGE_SIZE}")
        today = self.clock().date()
        needle = (q or "").casefold().strip()

        def wanted(entry: WatchlistEntry) -> bool:
            if kind is not None and entry.kind is not kind:
                return False
            if not needle:
                return True
            texts = (entry.id, entry.value, *entry.aliases, entry.reason, entry.category, entry.source)
            return any(needle in text.casefold() for text in texts)

        matching = sorted(
            (pair for pair in self.watchlists.watchlist_current() if wanted(pair[0])), key=lambda p: p[0].id
        )
        chosen = matching[(page - 1) * page_size : page * page_size]
        return {
            "entries": [entry_view(entry, version, today) for entry, version in chosen],
            "total": len(matching),
            "page": page,
            "page_size": page_size,
        }

    def entry_detail(self, entry_id: str) -> dict[str, Any]:
        history = self.watchlists.watchlist_history(entry_id)
        if not history:
            raise NotFound(f"watch-list entry {entry_id}")
        current = history[-1]
        return {
            **entry_view(current.entry, current.version, self.clock().date()),
            "removed": current.removed,
            "history": [version_view(v) for v in history],
        }

    def create_entry(self, document: Mapping[str, Any], by: str, reason: str = "") -> dict[str, Any]:
        entry = parse_entry(document)
        record = lifecycle.new_entry(entry, self.watchlists.watchlist_entry(entry.id), by, self.clock(), reason)
        return self._store_entry(record)

    def edit_entry(
        self, entry_id: str, edited: int, document: Mapping[str, Any], by: str, reason: str = ""
    ) -> dict[str, Any]:
        entry = parse_entry(document, entry_id)
        current = self.watchlists.watchlist_entry(entry_id)
        record = lifecycle.edit_entry(entry, current, edited, by, self.clock(), reason)
        return self._store_entry(record)

    def remove_entry(self, entry_id: str, edited: int, by: str, reason: str) -> dict[str, Any]:
        current = self.watchlists.watchlist_entry(entry_id)
        record = lifecycle.remove_entry(current, entry_id, edited, by, self.clock(), reason)
        return self._store_entry(record)

    def _store_entry(self, record: WatchlistVersion) -> dict[str, Any]:
        self.watchlists.put_watchlist_version(record)
        return {
            **entry_view(record.entry, record.version, record.at.date()),
            "change": version_view(record),
            "rescore": self._rescore(record.at),
        }

    def import_entries(
        self, fmt: str, content: str | None, entries: Sequence[Any] | None, by: str, reason: str = ""
    ) -> dict[str, Any]:
        """Bulk add or update entries from CSV text (:data:`CSV_COLUMNS`, header line first) or a JSON list of
        entry documents: entries are checked one by one (an error names its line, or its position in the list,
        counted from 1) and the valid ones are written as new versions; an entry identical to its current version
        is counted as unchanged. One re-scoring is started at the end when anything was written."""
        rows = self._import_rows(fmt, content, entries)
        now = self.clock()
        current = {entry.id: version for entry, version in self.watchlists.watchlist_current()}
        errors: list[ImportLineError] = []
        created = updated = unchanged = 0
        seen: set[str] = set()
        for line, document in rows:
            entry_id = document.get("id") if isinstance(document, Mapping) else None
            try:
                if not isinstance(document, Mapping):
                    raise ValidationFailed("an entry must be a JSON object")
                entry = parse_entry(document)
                if entry.id in seen:
                    raise ValidationFailed(f"entry {entry.id} appears twice in the import")
                seen.add(entry.id)
                existing = self.watchlists.watchlist_entry(entry.id) if entry.id in current else None
                record = lifecycle.imported_entry(entry, existing, by, now, reason or f"import ({fmt})")
                if record is None:
                    unchanged += 1
                    continue
                self.watchlists.put_watchlist_version(record)
                if existing is None:
                    created += 1
                else:
                    updated += 1
            except CtsError as exc:
                errors.append(ImportLineError(line, str(entry_id) if entry_id is not None else None, str(exc)))
        written = created + updated
        return {
            "read": len(rows),
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            "rejected": len(errors),
            "errors": [{"line": e.line, "id": e.id, "message": e.message} for e in errors],
            "rescore": self._rescore(now) if written else None,
        }

    def _import_rows(self, fmt: str, content: str | None, entries: Sequence[Any] | None) -> list[tuple[int, Any]]:
        if fmt == "json":
            if entries is None:
                if content is None:
                    raise ValidationFailed("a JSON import needs `entries` (a list) or `content` (a JSON list)")
                self._check_size(content)
                try:
                    entries = json.loads(content)
                except ValueError as exc:
                    raise ValidationFailed(f"content is not JSON: {exc}") from None
                if isinstance(entries, dict) and isinstance(entries.get("watchlist"), list):
                    entries = entries["watchlist"]  # a rules file: {"watchlist": [...], ...}
                if not isinstance(entries, list):
                    raise ValidationFailed(
                        "content must be a JSON list of entries (or a rules file's {watchlist: [...]})"
                    )
            rows: list[tuple[int, Any]] = list(enumerate(entries, start=1))
        elif fmt == "csv":
            if content is None:
                raise ValidationFailed("a CSV import needs `content`: the CSV text, header line first")
            self._check_size(content)
            rows = self._csv_rows(content)
        else:
            raise ValidationFailed(f"unknown import format {fmt!r}; use csv or json")
        if len(rows) > MAX_IMPORT_ENTRIES:
            raise ValidationFailed(f"at most {MAX_IMPORT_ENTRIES} entries per import, got {len(rows)}")
        return rows

    @staticmethod
    def _check_size(content: str) -> None:
        if len(content.encode()) > MAX_IMPORT_BYTES:
            raise ValidationFailed(f"the import is larger than {MAX_IMPORT_BYTES} bytes: split it")

    @staticmethod
    def _csv_rows(content: str) -> list[tuple[int, Any]]:
        reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
        header = [h.strip() for h in reader.fieldnames or []]
        unknown = sorted(set(header) - set(CSV_COLUMNS))
        missing = sorted({"id", "kind", "value", "category", "reason"} - set(header))
        if unknown or missing:
            raise ValidationFailed(
                f"CSV header: unknown columns {unknown}, missing {missing}; columns: {', '.join(CSV_COLUMNS)}"
            )
        rows: list[tuple[int, Any]] = []
        for row in reader:
            cells = {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
            if not any(cells.values()):
                continue
            document: dict[str, Any] = {k: v for k, v in cells.items() if v != ""}
            if "aliases" in document:
                document["aliases"] = [a.strip() for a in document["aliases"].split(";") if a.strip()]
            rows.append((reader.line_num, document))
        return rows

    # ------------------------------------------------------------ re-scoring

    def _rescore(self, now: datetime) -> dict[str, Any]:
        if self.rescoring is None:
            return {"queued": False, "message": "re-scoring is not configured: run `cts rescore` after rule changes"}
        try:
            start = self.rescoring.rules_changed(now)
        except CtsError as exc:
            log.warning("rules changed but re-scoring could not be queued: %s", exc)
            return {"queued": False, "message": f"the change is stored but re-scoring could not be queued: {exc}"}
        ruleset = getattr(start, "ruleset", None)
        return {"queued": True, "ruleset": ruleset}
