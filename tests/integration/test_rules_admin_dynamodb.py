"""Managing rules on the records table under moto: profile versions through the four-eyes lifecycle, the ruleset
reading only what is in force, versioned watch-list entries, and an activation through the API's own container
putting a re-scoring start message on the score queue."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from cts.adapters.dynamodb import DynamoConsignments, DynamoRules, bind_table
from cts.adapters.dynamodb_rules import DynamoRulesAdmin
from cts.adapters.local.bootstrap import LocalResources
from cts.domain.errors import Conflict
from cts.domain.risk.rules import ProfileStatus, WatchlistEntry
from cts.domain.rule_lifecycle import Step, WatchlistChange
from cts.services.rules_admin import RulesAdmin
from fakes_api import API_DIR

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()
PROFILE: dict[str, Any] = {
    "id": "p",
    "name": "sea",
    "category": "test",
    "threshold": 1,
    "indicators": [{"id": "i", "description": "d", "fact": "mode", "op": "equals", "values": ["sea"], "weight": 1}],
}
ENTRY: dict[str, Any] = {"id": "w", "kind": "party", "value": "ACME", "reason": "r", "category": "c"}


@pytest.fixture
def table(resources: LocalResources) -> type:
    return bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")


def service(table: type, rescoring: Any = None) -> RulesAdmin:
    store = DynamoRulesAdmin(table)
    return RulesAdmin(store, store, DynamoConsignments(table), rescoring, clock=lambda: NOW)


def activate(admin: RulesAdmin, version: int, author: str, reviewer: str) -> dict[str, Any]:
    admin.step("p", version, Step.SUBMIT, author)
    admin.step("p", version, Step.APPROVE, reviewer)
    return admin.step("p", version, Step.ACTIVATE, author)


def test_profile_versions_go_through_the_lifecycle_and_only_the_active_one_is_in_the_ruleset(table: type) -> None:
    admin, rules = service(table), DynamoRules(table)
    admin.create_profile(PROFILE, "alice")
    assert rules.ruleset(TODAY).profiles == ()  # a draft is not in force
    activate(admin, 1, "alice", "bob")
    assert [(p.id, p.version) for p in rules.ruleset(TODAY).profiles] == [("p", 1)]
    first_version = rules.ruleset(TODAY).version

    admin.edit_profile("p", 1, {**PROFILE, "threshold": 2}, "bob")
    with pytest.raises(Conflict):
        admin.edit_profile("p", 1, PROFILE, "carol")  # stale: version 2 exists
    assert [(p.id, p.version) for p in rules.ruleset(TODAY).profiles] == [("p", 1)]  # the draft changes nothing
    activate(admin, 2, "bob", "alice")
    ruleset = rules.ruleset(TODAY)
    assert [(p.id, p.version, p.threshold) for p in ruleset.profiles] == [("p", 2, 2)]
    assert ruleset.version != first_version

    stored = DynamoRulesAdmin(table).profile("p")
    assert [v.status for v in stored] == [ProfileStatus.SUPERSEDED, ProfileStatus.ACTIVE]
    assert [(t.step, t.by) for t in stored[0].history] == [
        (Step.CREATE, "alice"),
        (Step.SUBMIT, "alice"),
        (Step.APPROVE, "bob"),
        (Step.ACTIVATE, "alice"),
        (Step.SUPERSEDE, "bob"),
    ]
    assert [v.version for v in DynamoRulesAdmin(table).latest_profiles()] == [2]
    assert [p.version for p in rules.profile_versions("p")] == [1, 2]  # the older port still reads them

    admin.step("p", 2, Step.RETIRE, "alice", "no longer needed")
    assert rules.ruleset(TODAY).profiles == ()


def test_a_lifecycle_change_from_a_stale_read_conflicts_and_writes_nothing(table: type) -> None:
    admin, store = service(table), DynamoRulesAdmin(table)
    admin.create_profile(PROFILE, "alice")
    read = store.profile("p")
    admin.step("p", 1, Step.SUBMIT, "alice")
    from cts.domain import rule_lifecycle

    stale = rule_lifecycle.transition(read, "p", 1, Step.SUBMIT, "carol", NOW)
    with pytest.raises(Conflict):
        store.change_profile_versions(stale)
    (record,) = store.profile("p")
    assert [(t.step, t.by) for t in record.history] == [(Step.CREATE, "alice"), (Step.SUBMIT, "alice")]


def test_watchlist_entries_are_versioned_and_the_ruleset_reads_only_the_current_version(table: type) -> None:
    admin, rules = service(table), DynamoRules(table)
    empty = rules.ruleset(TODAY).version
    admin.create_entry(ENTRY, "alice", "tip-off")
    created = rules.ruleset(TODAY)
    assert [(e.id, e.weight) for e in created.watchlist] == [("w", 100)]
    admin.edit_entry("w", 1, {**ENTRY, "weight": 40}, "bob")
    edited = rules.ruleset(TODAY)
    assert [(e.id, e.weight) for e in edited.watchlist] == [("w", 40)]
    with pytest.raises(Conflict):
        admin.edit_entry("w", 1, ENTRY, "carol")
    admin.remove_entry("w", 2, "carol", "cleared")
    removed = rules.ruleset(TODAY)
    assert removed.watchlist == ()
    assert len({empty, created.version, edited.version}) == 3
    history = DynamoRulesAdmin(table).watchlist_history("w")
    assert [(v.version, v.change, v.by) for v in history] == [
        (1, WatchlistChange.CREATE, "alice"),
        (2, WatchlistChange.EDIT, "bob"),
        (3, WatchlistChange.REMOVE, "carol"),
    ]
    assert DynamoRulesAdmin(table).watchlist_current()[0][1] == 3


def test_entries_written_in_place_are_versioned_like_changes_through_the_api(table: type) -> None:
    DynamoRules(table).put_watchlist_entry(WatchlistEntry.model_validate(ENTRY))  # rules file or CLI import
    admin = service(table)
    assert admin.entry_detail("w")["version"] == 1
    admin.edit_entry("w", 1, {**ENTRY, "weight": 5}, "bob")
    DynamoRules(table).put_watchlist_entry(WatchlistEntry.model_validate({**ENTRY, "weight": 5}))  # unchanged
    history = DynamoRulesAdmin(table).watchlist_history("w")
    assert [(v.version, v.by) for v in history] == [(1, "(rules file or command line)"), (2, "bob")]
    assert [e.weight for e in DynamoRules(table).ruleset(TODAY).watchlist] == [5]
    DynamoRules(table).put_watchlist_entry(WatchlistEntry.model_validate({**ENTRY, "weight": 7}))  # a rules file
    with pytest.raises(Conflict):
        admin.edit_entry("w", 2, ENTRY, "carol")  # the in-place write was version 3
    assert admin.entry_detail("w")["version"] == 3


def test_activating_through_the_api_container_puts_a_rescore_start_on_the_score_queue(
    resources: LocalResources,
) -> None:
    if str(API_DIR) not in sys.path:
        sys.path.insert(0, str(API_DIR))
    from chalicelib.container import build_container

    env = {**resources.env, "CTS_COUNTRY": "JM", "AWS_REGION": "us-east-1", "CTS_SEARCH_PATH": ":memory:"}
    container = build_container(env)
    assert container.rules is not None
    assert container.rescoring is not None
    store = container.rules
    admin = RulesAdmin(store, store, container.consignments, container.rescoring, clock=lambda: NOW)
    admin.create_profile(PROFILE, "alice")
    answer = activate(admin, 1, "alice", "bob")
    ruleset = DynamoRules(bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")).ruleset(TODAY)
    assert answer["rescore"] == {"queued": True, "ruleset": ruleset.version}
    sqs = boto3.client("sqs", region_name="us-east-1")
    received = sqs.receive_message(QueueUrl=resources.env["CTS_SCORE_QUEUE_URL"], MaxNumberOfMessages=10)
    bodies = [json.loads(m["Body"]) for m in received.get("Messages", [])]
    assert [(b["rescore"], b["ruleset"]) for b in bodies] == [("start", ruleset.version)]
