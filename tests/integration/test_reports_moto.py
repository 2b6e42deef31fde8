"""The report counters under moto: the real ingest and score handlers and the case store update them, a repeated
S3 event and a repeated score message count nothing twice, and the report routes answer from them."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest
from pipeline_testkit import drain, upload

from builders import consignment_data, json_manifest
from cts.adapters.dynamodb import DynamoAlerts, DynamoRules, bind_table
from cts.adapters.dynamodb_case_board import DynamoCaseBoard
from cts.adapters.dynamodb_cases import DynamoCaseStore
from cts.adapters.dynamodb_reports import DynamoReportCounters
from cts.adapters.local.bootstrap import LocalResources
from cts.adapters.local.demo import WATCHLIST, seed_rules
from cts.adapters.local.runner import QueuePoller
from cts.domain.case_workflow import Actor
from cts.domain.cases import Decision, Examination, ExaminationResult, Finding
from cts.domain.reports import ALL, Family
from cts.domain.roles import Role
from cts.services.cases import CaseService
from cts.services.reports import ReportRecorder, ReportsService, period_of

ETA = datetime.now(UTC) + timedelta(days=2)
ETD = datetime.now(UTC) + timedelta(hours=30)
OFFICER = Actor("olive", frozenset({Role.EXAMINATION_OFFICER.value}))


class NoTasks:
    def complete(self, token: str, output: Any) -> None:
        raise AssertionError("no step waits in this test")

    def fail(self, token: str, error: str, cause: str) -> None:
        raise AssertionError("no step waits in this test")


class NoSearch:
    def set_statuses(self, key: str, *, alert_status: Any = None, case_status: Any = None) -> bool:
        return True


def _manifest() -> bytes:
    watched = WATCHLIST[1].value  # a watch-listed container: the consignment alerts red
    risky = consignment_data(
        "RISKY1",
        eta=ETA.isoformat(),
        etd=ETD.isoformat(),
        goods=[{"sequence": 1, "description": "Tiles", "container_numbers": [watched]}],
        equipment=[{"number": watched}],
        parties=[
            {"role": "consignor", "name": "Shadow Reef Trading Ltd", "country": "PA"},
            {"role": "consignee", "name": "Harbour Tiles", "country": "JM"},
        ],
    )
    vague = consignment_data(
        "VAGUE1",
        eta=ETA.isoformat(),
        etd=ETD.isoformat(),
        goods=[{"sequence": 1, "description": "General cargo", "hs_code": "8205.59"}],
    )
    return json_manifest(consignment_data("CLEAN1", eta=ETA.isoformat(), etd=ETD.isoformat()), risky, vague)


def _open_case(table_name: str, case_id: str, alert_id: str, key: str) -> None:
    """The case as the state machine's first state puts it (revision 0, on the board)."""
    boto3.client("dynamodb").put_item(
        TableName=table_name,
        Item={
            "pk": {"S": f"CASE#{case_id}"},
            "sk": {"S": "CASE"},
            "case_id": {"S": case_id},
            "alert_id": {"S": alert_id},
            "consignment_key": {"S": key},
            "level": {"S": "red"},
            "status": {"S": "new"},
            "revision": {"N": "0"},
            "gsi5pk": {"S": "CASES#new"},
            "gsi5sk": {"S": f"{ETA.isoformat()}#{case_id}"},
        },
        ConditionExpression="attribute_not_exists(pk)",
    )


def test_the_pipeline_and_the_case_store_count_each_record_once_and_the_reports_read_them(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    table_name = resources.env["CTS_RECORDS_TABLE"]
    table = bind_table(table_name, "us-east-1")
    seed_rules(DynamoRules(table))
    sqs, score_url = boto3.client("sqs"), resources.queue_urls["ScoreQueue"]

    upload(resources, "inbox/ACME/m1.json", _manifest())
    pollers["IngestFunction"].poll_once()
    # the score messages ingest sent, read and left visible, so that the same ones can be sent again after
    queued = sqs.receive_message(QueueUrl=score_url, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    drain(pollers)
    for message in queued:  # a retried (duplicate) score message
        sqs.send_message(QueueUrl=score_url, MessageBody=message["Body"])
    upload(resources, "inbox/ACME/m1.json", _manifest())  # the same file again: a second S3 event
    drain(pollers)
    assert all(p.failures == 0 for p in pollers.values())

    counters = DynamoReportCounters(table_name, "us-east-1")
    today = datetime.now(UTC).date()
    flow = counters.days(Family.FLOW, ALL, today, today)[today]
    assert flow["received"] == 3
    assert flow["new_consignments"] == 3
    assert flow["assessed"] == 3
    assert flow["alerts"] == 1
    assert flow["level|red"] == 1
    carriers = counters.days(Family.CARRIERS, ALL, today, today)[today]
    assert carriers["ACME|files"] == 1
    assert carriers["ACME|consignments"] == 3
    assert carriers["ACME|vague_descriptions"] == 1
    assert counters.scopes() == {"JMKIN|sea|import"}

    # the case of the alert, worked through the real case store: decided, examined with a seizure, closed
    (alert,) = DynamoAlerts(table).inbox()
    _open_case(table_name, "CASE-1", alert.alert_id, alert.key)
    cases = CaseService(
        DynamoCaseStore(table_name, "us-east-1"),
        NoTasks(),  # type: ignore[arg-type]
        DynamoAlerts(table),
        NoSearch(),  # type: ignore[arg-type]
        reports=ReportRecorder(counters),
    )
    cases.claim("CASE-1", OFFICER, revision=0)
    cases.decide("CASE-1", OFFICER, Decision.PHYSICAL_EXAMINATION, revision=1)
    seizure = Finding(category="drugs", quantity=Decimal(3), unit="kg", value=Decimal(90000))
    cases.record_examination(
        "CASE-1", OFFICER, Examination(result=ExaminationResult.SEIZURE, findings=(seizure,)), revision=2
    )
    cases.close("CASE-1", OFFICER, revision=3)
    with pytest.raises(Exception, match="revision"):  # the same close sent again: refused, not counted again
        cases.close("CASE-1", OFFICER, revision=3)

    # an open case of olive's, waiting on its step for two days (the default step timeout is a day): overdue
    _open_case(table_name, "CASE-2", "other#v1", "sea:TSTU:OTHER")
    boto3.client("dynamodb").update_item(
        TableName=table_name,
        Key={"pk": {"S": "CASE#CASE-2"}, "sk": {"S": "CASE"}},
        UpdateExpression="SET assignee = :o, awaiting_since = :a, task_token = :t, gsi5pk = :p",
        ExpressionAttributeValues={
            ":o": {"S": "olive"},
            ":a": {"S": (datetime.now(UTC) - timedelta(days=2)).isoformat()},
            ":t": {"S": "token"},
            ":p": {"S": "CASES#triaged"},
        },
    )
    service = ReportsService(counters, DynamoCaseBoard(table_name, "us-east-1"))
    period = period_of(today, None, None)
    totals = service.overview(period)["totals"]
    assert (totals["received"], totals["assessed"], totals["alerts"]) == (3, 3, 1)
    assert (totals["referrals"], totals["examinations"], totals["findings"], totals["seizures"]) == (1, 1, 1, 1)
    assert (totals["seizure_quantity"], totals["seizure_value"]) == (3.0, 90000.0)
    filtered = service.overview(period_of(today, None, None, port="JMKIN", mode="sea"))["totals"]
    assert (filtered["received"], filtered["examinations"]) == (3, 1)
    entries = service.hit_rates(period, "watchlist_entry")["rows"]
    watched = {hit.ref for hit in alert.hits if hit.source == "watchlist"}
    assert {r["id"]: (r["hits"], r["examinations"], r["findings"]) for r in entries} == dict.fromkeys(
        watched, (1, 1, 1)
    )
    (officer,) = service.workload(period)["officers"]
    assert (officer["officer"], officer["closed"], officer["decided"]) == ("olive", 1, 1)
    assert (officer["open"], officer["overdue"]) == (1, 1)
    assert totals["overdue_cases"] == 1


@pytest.fixture
def api(resources: LocalResources) -> Iterator[Any]:
    """The Chalice app over the moto table's counters and case board (tokens from the unit fakes)."""
    from fakes_api import API_DIR, make_world

    if str(API_DIR) not in sys.path:
        sys.path.insert(0, str(API_DIR))
    from chalice.test import Client

    from chalicelib.container import set_container

    table_name = resources.env["CTS_RECORDS_TABLE"]
    world = make_world()
    counters = DynamoReportCounters(table_name, "us-east-1")
    board = DynamoCaseBoard(table_name, "us-east-1")
    set_container(dataclasses.replace(world.container, reports=counters, case_board=board))
    from app import app

    yield Client(app, project_dir=str(API_DIR)), world, counters
    set_container(None)


def test_the_report_routes_answer_the_contract_from_the_table(api: Any) -> None:
    client, world, counters = api
    today = datetime.now(UTC).date()
    counters.add(
        {
            (Family.FLOW, ALL, today): {"received": 7, "alerts": 2, "level|amber": 2, "cat|drugs": 2},
            (Family.FLOW, "JMKIN|sea|import", today): {"received": 7, "alerts": 2},
            (Family.CARRIERS, ALL, today): {"ACME|files": 1, "ACME|consignments": 7},
        }
    )
    headers = world.auth("supervisor")
    overview = json.loads(client.http.get("/reports/overview", headers=headers).body)
    assert set(overview) >= {
        "period",
        "filters",
        "totals",
        "alerts_by_level",
        "alerts_by_category",
        "series",
        "lead_time",
        "decision_time",
    }
    assert overview["totals"]["received"] == 7
    assert overview["alerts_by_level"] == {"amber": 2}
    assert overview["series"][-1]["day"] == today.isoformat()
    port = json.loads(client.http.get("/reports/overview?port=JMKIN", headers=headers).body)
    assert port["totals"]["alerts"] == 2
    carriers = json.loads(client.http.get("/reports/carriers", headers=headers).body)["carriers"]
    assert carriers == [
        {
            "carrier_id": "ACME",
            "files": 1,
            "rejected_files": 0,
            "consignments": 7,
            "late_filings": 0,
            "vague_descriptions": 0,
            "on_time_share": 1.0,
        }
    ]
    pdf = client.http.get("/reports/monthly.pdf", headers={**headers, "Accept": "application/pdf"})
    assert pdf.status_code == 200, pdf.body
    assert pdf.body.startswith(b"%PDF-")


def test_days_and_months_that_are_over_are_packed_once_and_read_back_alike(resources: LocalResources) -> None:
    table_name = resources.env["CTS_RECORDS_TABLE"]
    counters = DynamoReportCounters(table_name, "us-east-1")
    today = datetime.now(UTC).date()
    old = today - timedelta(days=3)
    two_months_ago = (today.replace(day=1) - timedelta(days=40)).replace(day=10)
    counters.add(
        {
            (Family.FLOW, ALL, old): {"received": 2, "cat|drugs": 1},
            (Family.FLOW, ALL, today): {"received": 1},
            (Family.FLOW, ALL, two_months_ago): {"received": 5, "alerts": 1, "lead|3": 1},
        }
    )
    service = ReportsService(counters, DynamoCaseBoard(table_name, "us-east-1"))
    ddb = boto3.client("dynamodb")

    def item(sk: str) -> dict[str, Any]:
        key = {"pk": {"S": "STATS#FLOW#all"}, "sk": {"S": sk}}
        found: dict[str, Any] = ddb.get_item(TableName=table_name, Key=key).get("Item", {})
        return found

    # the last four days: no whole month in them, the day three days ago is over
    recent = service.overview(period_of(today, old, today))
    assert recent["totals"]["received"] == 3
    assert recent["alerts_by_category"] == {"drugs": 1}
    assert set(item(f"D#{old.isoformat()}")) == {"pk", "sk", "v"}  # packed: one attribute
    assert "received" in item(f"D#{today.isoformat()}")  # today's counter still takes increments
    assert service.overview(period_of(today, old, today)) == recent

    # a hundred days: the month two months ago is whole and over, rolled up once
    period = period_of(today, today - timedelta(days=100), today)
    first = service.overview(period)
    assert first["totals"]["received"] == 8
    month = f"{two_months_ago.year:04d}-{two_months_ago.month:02d}"
    assert set(item(f"M#{month}")) == {"pk", "sk", "v"}
    again = service.overview(period)
    assert again == first
    series = {row["day"]: row["received"] for row in again["series"]}
    assert (series[old.isoformat()], series[two_months_ago.isoformat()], series[today.isoformat()]) == (2, 5, 1)


def test_a_warm_adapter_reads_again_only_the_days_not_sealed_and_no_roll_up(resources: LocalResources) -> None:
    counters = DynamoReportCounters(resources.env["CTS_RECORDS_TABLE"], "us-east-1")
    today = datetime.now(UTC).date()
    past = [today - timedelta(days=n) for n in (9, 8, 6)]  # day 7 has no item: nothing happened then
    counters.add({(Family.FLOW, ALL, day): {"received": n + 1} for n, day in enumerate(past)})
    counters.add({(Family.FLOW, ALL, today): {"received": 10}})
    counters.put_month(Family.FLOW, ALL, "2025-01", {"received": 7})
    asked: list[tuple[str, str, str]] = []
    query = counters._query

    def counted(pk: str, low: str, high: str) -> list[dict[str, Any]]:
        asked.append((pk, low, high))
        return query(pk, low, high)

    counters._query = counted  # type: ignore[method-assign]
    first, sealed = today - timedelta(days=9), today - timedelta(days=1)
    cold = counters.days(Family.FLOW, ALL, first, today, seal_before=sealed)
    assert cold == {
        past[0]: {"received": 1},
        past[1]: {"received": 2},
        past[2]: {"received": 3},
        today: {"received": 10},
    }
    assert asked == [("STATS#FLOW#all", f"D#{first.isoformat()}", f"D#{today.isoformat()}")]

    counters.add({(Family.FLOW, ALL, today): {"received": 1}})  # today still counts
    warm = counters.days(Family.FLOW, ALL, first, today, seal_before=sealed)
    assert warm == {**cold, today: {"received": 11}}
    assert asked[1] == ("STATS#FLOW#all", f"D#{sealed.isoformat()}", f"D#{today.isoformat()}")  # only from the seal
    assert counters.days(Family.FLOW, ALL, first, today - timedelta(days=6), seal_before=sealed) == {
        day: cold[day] for day in past
    }
    assert len(asked) == 2  # sealed days held whole: no request

    assert counters.months(Family.FLOW, ALL, date(2025, 1, 1), date(2025, 1, 31)) == {"2025-01": {"received": 7}}
    assert counters.months(Family.FLOW, ALL, date(2025, 1, 1), date(2025, 1, 31)) == {"2025-01": {"received": 7}}
    assert len(asked) == 3  # the roll-up asked once
