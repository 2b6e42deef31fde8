"""RulesAdmin without HTTP: the profile test's cap, and what a change answers when re-scoring cannot be queued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fakes_rules import MemoryRulesStore, RecordingRescore

from cts.services.rules_admin import RulesAdmin
from fakes import FakeConsignments
from fakes_api import consignment, version_of

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PROFILE: dict[str, Any] = {
    "id": "sea",
    "name": "Everything by sea",
    "category": "test",
    "threshold": 1,
    "indicators": [{"id": "sea", "description": "sea", "fact": "mode", "op": "equals", "values": ["sea"], "weight": 1}],
}


def admin(consignments: FakeConsignments, rescore: RecordingRescore | None, cap: int = 2000) -> RulesAdmin:
    store = MemoryRulesStore()
    return RulesAdmin(store, store, consignments, rescore, clock=lambda: NOW, max_test_evaluated=cap)


def test_a_profile_test_evaluates_at_most_its_cap_newest_days_first_and_says_so() -> None:
    consignments = FakeConsignments()
    for n, days_ago in enumerate([0, 1, 2, 3]):
        c = consignment(f"MEDU{n:07d}", eta=NOW - timedelta(days=days_ago, hours=1))
        consignments.add_version(version_of(c))
    service = admin(consignments, None, cap=2)
    service.create_profile(PROFILE, "alice")
    result = service.test_profile("sea", days=30)
    assert (result["evaluated"], result["selected"], result["truncated"], result["cap"]) == (2, 2, True, 2)
    assert {s["key"].rsplit(":", 1)[-1] for s in result["sample"]} == {"MEDU0000000", "MEDU0000001"}
    assert "cap was reached" in result["note"]
    assert (result["from"], result["to"]) == ("2026-10-27", "2026-11-25")
    complete = admin(consignments, None).test_profile("sea", 30, document=PROFILE)
    assert (complete["evaluated"], complete["truncated"]) == (4, False)


def test_a_change_without_rescoring_or_with_a_failing_queue_is_stored_and_says_nothing_was_queued() -> None:
    entry = {"id": "w", "kind": "party", "value": "ACME", "reason": "r", "category": "c"}
    unconfigured = admin(FakeConsignments(), None)
    answer = unconfigured.create_entry(entry, "alice")
    assert answer["rescore"]["queued"] is False
    assert "not configured" in answer["rescore"]["message"]
    failing = admin(FakeConsignments(), RecordingRescore(fail=True))
    answer = failing.create_entry(entry, "alice")
    assert answer["rescore"]["queued"] is False
    assert "could not be queued" in answer["rescore"]["message"]
    assert failing.entry_detail("w")["version"] == 1
