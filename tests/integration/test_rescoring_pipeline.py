"""Re-scoring after a rules change, through the real score handler and the arrivals index (gsi2) in moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from pipeline_testkit import drain

from builders import make_consignment
from cts.adapters.dynamodb import DynamoAlerts, DynamoAssessments, DynamoConsignments, DynamoRules, bind_table
from cts.adapters.local.bootstrap import LocalResources
from cts.adapters.local.runner import QueuePoller
from cts.adapters.sqs import SqsWorkQueue
from cts.domain.records import ConsignmentVersion, VersionStatus
from cts.domain.risk.rules import WatchlistEntry
from cts.services.rescoring import RescoringPolicy, RescoringService

NOW = datetime.now(UTC).replace(microsecond=0)
BOX = "MSKU1234565"
WATCHED = WatchlistEntry(id="w-late", kind="container", value=BOX, reason="late intel", category="drugs", weight=90)
# Every fixture sails on this vessel: a rules change naming it changes the assessment of each consignment re-scored.
VESSEL = WatchlistEntry(id="w-vessel", kind="vessel", value="9074729", reason="late intel", category="drugs", weight=5)


def stored(number: str, eta: datetime | None, version: int = 1, **changes: Any) -> ConsignmentVersion:
    c = make_consignment(number, eta=eta.isoformat() if eta else None, **changes)
    return ConsignmentVersion(
        key=c.key,
        version=version,
        content_hash=f"{number}-{version}",
        status=VersionStatus.ACTIVE,
        file_id="f",
        carrier_id="ACME",
        stored_at=NOW - timedelta(days=3),
        consignment=c,
    )


def watched(number: str, eta: datetime) -> ConsignmentVersion:
    goods = [{"sequence": 1, "description": "Tiles", "container_numbers": [BOX]}]
    return stored(number, eta, equipment=[{"number": BOX}], goods=goods)


def key(number: str) -> str:
    return f"sea:TSTU:{number}"


def test_the_arrivals_index_lists_latest_active_versions_by_day_in_pages(resources: LocalResources) -> None:
    repo = DynamoConsignments(bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1"))
    day = datetime(2026, 12, 1, tzinfo=UTC)
    for n in range(5):
        repo.add_version(stored(f"D{n}", day + timedelta(hours=10 - n)))
    repo.add_version(stored("MOVED", day + timedelta(hours=1)))
    repo.add_version(stored("MOVED", day + timedelta(days=1), version=2))  # amended: now arrives the next day
    repo.add_version(stored("NOETA", None))
    cancelled = stored("GONE", day + timedelta(hours=2))
    repo.add_version(cancelled)
    repo.add_version(cancelled.model_copy(update={"version": 2, "status": VersionStatus.CANCELLED}))

    seen: list[tuple[str, int]] = []
    cursor: str | None = None
    pages = 0
    while True:
        page, cursor = repo.arriving(day.date(), cursor=cursor, limit=2)
        seen.extend(page)
        pages += 1
        if cursor is None:
            break
    assert seen == [(key(f"D{n}"), 1) for n in reversed(range(5))]  # soonest first
    assert pages >= 3
    assert repo.arriving((day + timedelta(days=1)).date())[0] == [(key("MOVED"), 2)]
    after, _ = repo.arriving(day.date(), after=day + timedelta(hours=8))
    assert after == [(key("D2"), 1), (key("D1"), 1), (key("D0"), 1)]


@pytest.fixture
def rescore_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTS_RESCORE_WINDOW_HOURS", "6")
    monkeypatch.setenv("CTS_RESCORE_HORIZON_DAYS", "30")
    monkeypatch.setenv("CTS_RESCORE_PAGE_SIZE", "2")


def test_a_watch_list_change_rescores_what_has_not_arrived_and_alerts_new_matches_once(
    resources: LocalResources, pollers: dict[str, QueuePoller], rescore_env: None
) -> None:
    table = bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")
    consignments, assessments, alerts = DynamoConsignments(table), DynamoAssessments(table), DynamoAlerts(table)
    rules = DynamoRules(table)
    arriving = {
        "RECENT": NOW - timedelta(hours=3),  # inside the 6-hour window
        **{f"SOON{n}": NOW + timedelta(days=1, minutes=n) for n in range(5)},  # one day, three pages of two
        "LATER": NOW + timedelta(days=10),
    }
    versions = [stored(n, eta) for n, eta in arriving.items()]
    versions += [
        watched("WATCHED", NOW + timedelta(days=2)),
        watched("ARRIVED", NOW - timedelta(hours=12)),  # arrived before the window: not re-scored
        stored("FAR", NOW + timedelta(days=45)),  # beyond the horizon
        stored("NOETA", None),
    ]
    score_queue = SqsWorkQueue(resources.queue_urls["ScoreQueue"], "us-east-1")
    for version in versions:
        consignments.add_version(version)
    score_queue.send_many([{"key": v.key, "version": v.version} for v in versions])
    drain(pollers)
    before = {v.key: assessments.latest(v.key) for v in versions}
    assert all(a is not None for a in before.values())
    assert alerts.inbox() == []

    rules.put_watchlist_entry(WATCHED)
    rules.put_watchlist_entry(VESSEL)
    rescoring = RescoringService(consignments, rules, score_queue, RescoringPolicy(window_hours=6))
    start = rescoring.rules_changed(NOW)
    assert start.ruleset != next(iter(before.values())).ruleset_version  # type: ignore[union-attr]
    drain_all(pollers)

    rescored = {
        v.key for v in versions if (a := assessments.latest(v.key)) is not None and a.ruleset_version == start.ruleset
    }
    assert rescored == {key(n) for n in [*arriving, "WATCHED"]}
    (alert,) = alerts.inbox()
    assert alert.alert_id == f"{key('WATCHED')}#v1"
    assert alert.score == 90 + 5
    assert (
        len(
            boto3.client("stepfunctions").list_executions(stateMachineArn=resources.env["CTS_CASE_STATE_MACHINE_ARN"])[
                "executions"
            ]
        )
        == 1
    )

    rescoring.rules_changed(NOW + timedelta(minutes=1))  # the same change announced again: no second alert
    drain_all(pollers)
    assert [a.alert_id for a in alerts.inbox()] == [alert.alert_id]
    executions = boto3.client("stepfunctions").list_executions(
        stateMachineArn=resources.env["CTS_CASE_STATE_MACHINE_ARN"]
    )["executions"]
    assert len(executions) == 1
    assert all(p.failures == 0 for p in pollers.values())


def test_a_second_rules_change_rescores_again_without_a_second_alert(
    resources: LocalResources, pollers: dict[str, QueuePoller], rescore_env: None
) -> None:
    table = bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")
    consignments, assessments, alerts = DynamoConsignments(table), DynamoAssessments(table), DynamoAlerts(table)
    rules = DynamoRules(table)
    rules.put_watchlist_entry(WATCHED)
    version = watched("HIT", NOW + timedelta(days=1))
    consignments.add_version(version)
    sqs = boto3.client("sqs")
    score_url = resources.queue_urls["ScoreQueue"]
    sqs.send_message(QueueUrl=score_url, MessageBody=json.dumps({"key": version.key, "version": 1}))
    drain(pollers)
    (alert,) = alerts.inbox()

    rules.put_watchlist_entry(WATCHED.model_copy(update={"weight": 95}))  # edited: a new ruleset version
    start = RescoringService(consignments, rules, SqsWorkQueue(score_url, "us-east-1")).rules_changed(NOW)
    drain_all(pollers)
    assessment = assessments.latest(version.key)
    assert assessment is not None
    assert assessment.ruleset_version == start.ruleset
    assert assessment.score == 95
    assert [a.alert_id for a in alerts.inbox()] == [alert.alert_id]


def test_a_rescore_writes_only_what_the_new_rules_judge_differently(
    resources: LocalResources, pollers: dict[str, QueuePoller], rescore_env: None
) -> None:
    table = bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")
    consignments, assessments = DynamoConsignments(table), DynamoAssessments(table)
    rules = DynamoRules(table)
    versions = [stored("PLAIN", NOW + timedelta(days=1)), watched("BOXED", NOW + timedelta(days=1, hours=1))]
    score_queue = SqsWorkQueue(resources.queue_urls["ScoreQueue"], "us-east-1")
    for version in versions:
        consignments.add_version(version)
    score_queue.send_many([{"key": v.key, "version": v.version} for v in versions])
    drain(pollers)
    plain, boxed = (assessments.latest(v.key) for v in versions)
    assert plain is not None
    assert boxed is not None

    rules.put_watchlist_entry(WATCHED)  # names the box of one of them only
    start = RescoringService(consignments, rules, score_queue, RescoringPolicy(window_hours=6)).rules_changed(NOW)
    drain_all(pollers)

    # Judged as before: nothing written, the assessment keeps the ruleset version that first produced it.
    assert assessments.latest(key("PLAIN")) == plain
    assert [a.ruleset_version for a in assessments.runs(key("PLAIN"))] == [plain.ruleset_version]
    # Judged differently: written under the new ruleset, with its new hit.
    rescored = assessments.latest(key("BOXED"))
    assert rescored is not None
    assert rescored.ruleset_version == start.ruleset
    assert rescored.score == boxed.score + 90
    assert [a.ruleset_version for a in assessments.runs(key("BOXED"))] == sorted([boxed.ruleset_version, start.ruleset])
    assert all(p.failures == 0 for p in pollers.values())


def test_a_poisoned_rescore_page_fails_alone(
    resources: LocalResources, pollers: dict[str, QueuePoller], rescore_env: None
) -> None:
    table = bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")
    consignments = DynamoConsignments(table)
    version = stored("OK", NOW + timedelta(days=1))
    consignments.add_version(version)
    sqs = boto3.client("sqs")
    score_url = resources.queue_urls["ScoreQueue"]
    day = (NOW + timedelta(days=1)).date().isoformat()
    bad = {"rescore": "page", "ruleset": "r1", "day": day, "cursor": "{not json"}
    good = {"rescore": "page", "ruleset": "r1", "day": day}
    for body in (bad, good):
        sqs.send_message(QueueUrl=score_url, MessageBody=json.dumps(body))
    handled = pollers["ScoreFunction"].poll_once()
    assert handled == 2
    assert pollers["ScoreFunction"].failures == 1
    pollers["ScoreFunction"].poll_once()  # the score message the good page queued
    assessment = DynamoAssessments(table).latest(version.key)
    assert assessment is not None


def drain_all(pollers: dict[str, QueuePoller]) -> None:
    """Re-scoring chains several hops (start, pages, score, notify): drain until nothing moves."""
    for _ in range(5):
        drain(pollers)
