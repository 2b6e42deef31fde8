"""Alerts to people, through the real notify handler over moto (SQS, DynamoDB, SES, Step Functions)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from moto.backends import get_backend
from pipeline_testkit import drain, upload

from builders import consignment_data, json_manifest
from cts.adapters.dynamodb import DynamoAlerts, DynamoRules, bind_table
from cts.adapters.dynamodb_inbox import DynamoAlertSchedule, DynamoReadMarkers
from cts.adapters.dynamodb_subscriptions import DynamoDeliveryLog, DynamoDigestQueue, DynamoSubscriptions
from cts.adapters.local.bootstrap import LocalResources
from cts.adapters.local.demo import WATCHLIST, seed_rules
from cts.adapters.local.runner import LambdaContext, QueuePoller
from cts.config.resources import SYSTEM
from cts.domain.alerts import Alert, AlertStatus
from cts.domain.model import Direction, TransportMode
from cts.domain.risk.engine import Hit, Level
from cts.domain.subscriptions import DeliveryStatus, Subscription
from cts.services.inbox import InboxService

NOW = datetime.now(UTC)
ETA = NOW + timedelta(days=2)
ETD = NOW + timedelta(hours=30)
WEB = "http://127.0.0.1:8000"


def sent() -> list[Any]:
    return list(get_backend("ses")["123456789012"]["us-east-1"].sent_messages)


def to(message: Any) -> list[str]:
    return list(message.destinations["ToAddresses"])


def records(resources: LocalResources) -> Any:
    return bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")


def subscribe(resources: LocalResources, user: str, **filters: Any) -> None:
    values: dict[str, Any] = {
        "subscription_id": "main",
        "user_id": user,
        "email": f"{user}@customs.example.jm",
        "roles": ("targeting_analyst",),
    }
    values.update(filters)
    DynamoSubscriptions(records(resources)).put(Subscription(**values))


def alert(number: str, **overrides: Any) -> Alert:
    values: dict[str, Any] = {
        "alert_id": f"sea:TSTU:{number}#v1",
        "key": f"sea:TSTU:{number}",
        "version": 1,
        "document_number": number,
        "score": 60,
        "level": Level.AMBER,
        "hits": (
            Hit(source="profile", ref="p@1#i", points=60, reason="r", matched="Harbour Tiles", category="revenue"),
        ),
        "eta": ETA,
        "place_of_discharge": "JMKIN",
        "raised_at": NOW,
        "mode": TransportMode.SEA,
        "direction": Direction.IMPORT,
    }
    values.update(overrides)
    return Alert(**values)


def queue_alert(resources: LocalResources, a: Alert) -> None:
    assert DynamoAlerts(records(resources)).add(a)
    boto3.client("sqs").send_message(
        QueueUrl=resources.queue_urls["NotifyQueue"], MessageBody=json.dumps({"alert_id": a.alert_id})
    )


def scheduled(pollers: dict[str, QueuePoller], action: str) -> dict[str, Any]:
    result: dict[str, Any] = pollers["NotifyFunction"].handler({"action": action}, LambdaContext("NotifyFunction"))
    return result


def test_a_red_alert_reaches_every_matching_subscriber_once_with_nothing_sensitive_in_the_email(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    seed_rules(DynamoRules(records(resources)))
    subscribe(resources, "ana", ports={"JMKIN"}, modes={TransportMode.SEA}, directions={Direction.IMPORT})
    subscribe(resources, "ben", ports={"JMMBJ"})
    subscribe(resources, "cy", directions={Direction.EXPORT})
    subscribe(resources, "sue", roles=("supervisor",), categories={"drugs"}, min_level=Level.RED)
    watched = WATCHLIST[1].value
    risky = consignment_data(
        "RISKY1",
        eta=ETA.isoformat(),
        etd=ETD.isoformat(),
        goods=[{"sequence": 1, "description": "Ceramic tiles", "container_numbers": [watched]}],
        equipment=[{"number": watched}],
        parties=[
            {"role": "consignor", "name": "Shadow Reef Trading Ltd", "country": "PA"},
            {"role": "consignee", "name": "Harbour Tiles", "country": "JM"},
        ],
    )
    upload(resources, "inbox/ACME/m1.json", json_manifest(risky))
    drain(pollers)

    messages = sent()
    assert sorted(to(m)[0] for m in messages) == ["ana@customs.example.jm", "sue@customs.example.jm"]
    (alert_id,) = {a.alert_id for a in DynamoAlerts(records(resources)).inbox()}
    eta = ETA.strftime("%Y-%m-%d %H:%M UTC")
    for message in messages:
        assert message.subject == f"[CTS RED] RISKY1 scored 100, arriving {eta}"
        assert message.source == "alerts@customs.example.jm"
        body = message.body  # moto keeps the HTML part
        for shown in (
            "RISKY1",
            "<strong>100</strong> (red)",
            eta,
            "JMKIN",
            "drugs",
            f'href="{WEB}/#/alerts/{alert_id}"',
        ):
            assert shown in body
        for hidden in ("Shadow Reef", "Harbour", "Ceramic", "tiles", watched, "altered floor"):
            assert hidden.lower() not in body.lower()

    # The queue delivers the alert again, even after the idempotency record is gone: nobody is e-mailed twice.
    idempotency = boto3.resource("dynamodb").Table(resources.env["CTS_IDEMPOTENCY_TABLE"])
    for item in idempotency.scan()["Items"]:
        idempotency.delete_item(Key={"id": item["id"]})
    boto3.client("sqs").send_message(
        QueueUrl=resources.queue_urls["NotifyQueue"], MessageBody=json.dumps({"alert_id": alert_id})
    )
    drain(pollers)
    assert len(sent()) == 2
    executions = boto3.client("stepfunctions").list_executions(
        stateMachineArn=resources.env["CTS_CASE_STATE_MACHINE_ARN"]
    )["executions"]
    assert len(executions) == 1
    statuses = [(r.recipient, r.status) for r in DynamoDeliveryLog(records(resources)).for_alert(alert_id)]
    assert sorted(statuses) == [("ana", DeliveryStatus.SENT), ("sue", DeliveryStatus.SENT)]
    assert all(p.failures == 0 for p in pollers.values())


def test_amber_alerts_go_into_one_digest_per_recipient_sent_once_under_a_retry(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    subscribe(resources, "ana")
    subscribe(resources, "ben", categories={"revenue"})
    queue_alert(resources, alert("LATE1", eta=ETA + timedelta(days=1)))
    queue_alert(resources, alert("SOON1", eta=NOW + timedelta(hours=20)))
    drain(pollers)
    assert sent() == []

    assert scheduled(pollers, "digest")["digests"] == {"ana": 2, "ben": 2}
    assert scheduled(pollers, "digest")["digests"] == {}  # the schedule fired again
    messages = sent()
    assert sorted(to(m)[0] for m in messages) == ["ana@customs.example.jm", "ben@customs.example.jm"]
    for message in messages:
        assert message.subject.startswith("[CTS digest] 2 alerts, first arriving")
        assert message.body.index("SOON1") < message.body.index("LATE1")
        assert "Harbour Tiles" not in message.body
    assert DynamoDigestQueue(records(resources)).pending() == []


def test_the_web_inbox_orders_by_arrival_counts_unread_and_polls_what_was_raised_since(
    resources: LocalResources,
) -> None:
    table = records(resources)
    raised = datetime.now(UTC) - timedelta(seconds=30)  # older than the feed's settle time
    alerts = DynamoAlerts(table)
    alerts.add(alert("LATE2", eta=NOW + timedelta(days=3), raised_at=raised - timedelta(minutes=30)))
    # an ETA filed with an offset sorts by the moment it arrives
    alerts.add(alert("SOON2", eta=(NOW + timedelta(hours=5)).astimezone(timezone_minus5()), raised_at=raised))
    alerts.add(alert("UNKNOWN2", eta=None, raised_at=raised - timedelta(minutes=20)))
    alerts.add(alert("MID2", eta=NOW + timedelta(days=1), raised_at=raised - timedelta(minutes=10)))
    inbox = InboxService(alerts, DynamoReadMarkers(table), DynamoAlertSchedule(table))

    page = inbox.inbox("ana")
    assert [i.alert.document_number for i in page.items] == ["SOON2", "MID2", "LATE2", "UNKNOWN2"]
    assert page.unread == 4
    inbox.mark_read("ana", "sea:TSTU:MID2#v1")
    inbox.mark_read("ana", "sea:TSTU:SOON2#v1")
    assert [i.read for i in inbox.inbox("ana").items] == [True, True, False, False]
    assert (inbox.unread_count("ana"), inbox.unread_count("ben")) == (2, 4)

    update = inbox.since("ana", raised - timedelta(minutes=15))
    assert [i.alert.document_number for i in update.items] == ["SOON2", "MID2"]
    assert update.unread == 0
    assert inbox.since("ana", update.cursor).items == ()


def timezone_minus5() -> timezone:
    return timezone(timedelta(hours=-5))


def test_an_alert_about_to_miss_its_arrival_escalates_once_to_the_supervisors(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    subscribe(resources, "sue", roles=("supervisor",), supervisor=True, min_level=Level.RED)
    alerts = DynamoAlerts(records(resources))
    alerts.add(alert("DUE3", eta=NOW + timedelta(hours=2)))
    alerts.add(alert("LATER3", eta=NOW + timedelta(hours=30)))
    alerts.add(alert("TAKEN3", eta=NOW + timedelta(hours=1)))
    alerts.set_status("sea:TSTU:TAKEN3#v1", AlertStatus.ACKNOWLEDGED)

    assert scheduled(pollers, "escalate")["escalated"] == ["sea:TSTU:DUE3#v1"]
    assert scheduled(pollers, "escalate")["escalated"] == []
    (message,) = sent()
    assert to(message) == ["sue@customs.example.jm"]
    assert message.subject.startswith("[CTS ESCALATION] DUE3 arrives")
    statuses = [r.status for r in DynamoDeliveryLog(records(resources)).for_alert("sea:TSTU:DUE3#v1")]
    assert statuses == [DeliveryStatus.SENT, DeliveryStatus.ESCALATED]


def test_a_send_that_keeps_failing_is_recorded_retried_and_kept_in_the_dead_letter_queue(
    resources: LocalResources, pollers: dict[str, QueuePoller], monkeypatch: pytest.MonkeyPatch
) -> None:
    # SES refuses an unverified sender until an operator verifies it: transient, so the queue retries.
    monkeypatch.setenv("CTS_ALERT_SENDER", "unverified@customs.example.jm")
    sqs = boto3.client("sqs")
    notify_url, dlq_url = resources.queue_urls["NotifyQueue"], resources.queue_urls["NotifyQueueDlq"]
    sqs.set_queue_attributes(QueueUrl=notify_url, Attributes={"VisibilityTimeout": "0"})
    queue_alert(resources, alert("FAIL4", level=Level.RED, score=90))
    spec = next(q for q in SYSTEM.queues if q.logical_id == "NotifyQueue")
    for _ in range(spec.max_receive_count + 1):
        pollers["NotifyFunction"].poll_once()
    assert pollers["NotifyFunction"].failures == spec.max_receive_count
    assert sent() == []
    log = DynamoDeliveryLog(records(resources))
    retries = log.for_alert("sea:TSTU:FAIL4#v1")
    assert [r.status for r in retries] == [DeliveryStatus.RETRYING] * spec.max_receive_count
    assert "not verified" in (retries[0].reason or "")
    (dead,) = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10)["Messages"]

    # Fixed and re-driven from the dead-letter queue: delivered once.
    boto3.client("ses").verify_email_identity(EmailAddress="unverified@customs.example.jm")
    sqs.send_message(QueueUrl=notify_url, MessageBody=dead["Body"])
    drain(pollers)
    (message,) = sent()
    assert to(message) == ["duty@customs.example.jm"]
    assert log.for_alert("sea:TSTU:FAIL4#v1")[-1].status is DeliveryStatus.SENT


def test_a_rejected_address_is_recorded_on_the_alert_without_blocking_the_queue(
    resources: LocalResources, pollers: dict[str, QueuePoller], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTS_ALERT_RECIPIENTS", "duty-without-domain@")
    queue_alert(resources, alert("BAD5", level=Level.RED, score=90))
    drain(pollers)
    assert pollers["NotifyFunction"].failures == 0
    (record,) = DynamoDeliveryLog(records(resources)).for_alert("sea:TSTU:BAD5#v1")
    assert (record.recipient, record.status) == ("duty", DeliveryStatus.FAILED)
    assert "InvalidParameterValue" in (record.reason or "")


def test_a_bounce_reported_through_sns_is_recorded_and_the_alert_goes_to_the_duty_mailbox(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    subscribe(resources, "ana")
    queue_alert(resources, alert("BOUNCE6", level=Level.RED, score=90))
    drain(pollers)
    (first,) = sent()
    notification = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "NoEmail",
            "bouncedRecipients": [{"emailAddress": "ana@customs.example.jm", "diagnosticCode": "550 no such user"}],
        },
        "mail": {"messageId": first.id, "destination": ["ana@customs.example.jm"]},
    }
    envelope = {"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-bounces"}
    envelope["Message"] = json.dumps(notification)
    boto3.client("sqs").send_message(QueueUrl=resources.queue_urls["NotifyQueue"], MessageBody=json.dumps(envelope))
    drain(pollers)

    statuses = [(r.recipient, r.status) for r in DynamoDeliveryLog(records(resources)).for_alert("sea:TSTU:BOUNCE6#v1")]
    assert ("ana", DeliveryStatus.BOUNCED) in statuses
    assert ("duty", DeliveryStatus.SENT) in statuses
    assert [to(m) for m in sent()] == [["ana@customs.example.jm"], ["duty@customs.example.jm"]]
    assert pollers["NotifyFunction"].failures == 0


def test_sns_invoking_the_function_directly_records_the_bounce_and_a_plain_schedule_runs_both_jobs(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    handler = pollers["NotifyFunction"].handler
    notification = {
        "notificationType": "Bounce",
        "bounce": {"bounceType": "Transient", "bounceSubType": "MailboxFull", "bouncedRecipients": []},
        "mail": {"messageId": "unknown-message"},
    }
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(notification)}}]}
    assert handler(event, LambdaContext("NotifyFunction")) == {"bounces": 1}

    schedule = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    assert handler(schedule, LambdaContext("NotifyFunction")) == {
        "escalated": [],
        "case_escalations": [],
        "digests": {},
        "digests_failed": {},
    }
