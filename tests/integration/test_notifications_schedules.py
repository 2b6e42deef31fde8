"""The notify function's schedules run locally as the EventBridge rules do, SES bounces reach it through the SNS
topic the bootstrap creates, and case escalations recorded by the real case workflow are e-mailed once (moto)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.backends import get_backend
from moto.core.config import default_user_config
from pipeline_testkit import drain

from cts.adapters.dynamodb import DynamoAlerts, bind_table
from cts.adapters.dynamodb_cases import DynamoCaseStore
from cts.adapters.dynamodb_subscriptions import DynamoDeliveryLog, DynamoSubscriptions
from cts.adapters.local.bootstrap import LocalResources
from cts.adapters.local.runner import LambdaContext, QueuePoller, ScheduleRunner, next_run
from cts.config.country import CountryConfig
from cts.config.resources import SYSTEM, Cadence
from cts.domain.alerts import Alert
from cts.domain.model import Direction, TransportMode
from cts.domain.risk.engine import Hit, Level
from cts.domain.subscriptions import Channel, DeliveryStatus, Subscription

NOW = datetime.now(UTC)
ESCALATION = next(s for s in SYSTEM.schedules if s.cadence is Cadence.EVERY)


def sent() -> list[Any]:
    return list(get_backend("ses")["123456789012"]["us-east-1"].sent_messages)


def records(resources: LocalResources) -> Any:
    return bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")


def until(probe: Callable[[], Any], what: str, timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


def red_alert(number: str, eta: datetime) -> Alert:
    return Alert(
        alert_id=f"sea:TSTU:{number}#v1",
        key=f"sea:TSTU:{number}",
        version=1,
        document_number=number,
        score=90,
        level=Level.RED,
        hits=(Hit(source="profile", ref="p@1#i", points=90, reason="r", matched="Harbour Tiles", category="drugs"),),
        eta=eta,
        place_of_discharge="JMKIN",
        raised_at=NOW,
        mode=TransportMode.SEA,
        direction=Direction.IMPORT,
    )


def supervise(resources: LocalResources, user: str) -> None:
    DynamoSubscriptions(records(resources)).put(
        Subscription(
            subscription_id="main",
            user_id=user,
            email=f"{user}@customs.example.jm",
            roles=("supervisor",),
            supervisor=True,
            min_level=Level.RED,
        )
    )


@pytest.fixture
def executing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(default_user_config, "stepfunctions", {"execute_state_machine": True})


@pytest.fixture
def stopped_executions() -> Iterator[None]:
    yield
    sfn = boto3.client("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]:
            if execution["status"] == "RUNNING":
                sfn.stop_execution(executionArn=execution["executionArn"])


def test_the_local_scheduler_fires_the_real_handler_with_the_rules_event(
    resources: LocalResources, pollers: dict[str, QueuePoller], country: CountryConfig
) -> None:
    supervise(resources, "sue")
    DynamoAlerts(records(resources)).add(red_alert("DUE1", NOW + timedelta(hours=1)))
    stop = threading.Event()
    runner = ScheduleRunner(
        country,
        stop,
        {"NotifyFunction": pollers["NotifyFunction"].handler},
        schedules=(ESCALATION,),
        every=timedelta(milliseconds=50),
    )
    runner.start()
    try:
        until(lambda: len(runner.fired) >= 2, "the schedule fired twice")
    finally:
        stop.set()
        runner.join(timeout=5)
    assert not runner.is_alive()
    assert {(name, json.dumps(event)) for name, event in runner.fired} == {
        ("EscalationSchedule", '{"action": "escalate"}')
    }
    assert runner.failures == 0
    (message,) = sent()  # escalated once, however often the schedule fired
    assert message.subject.startswith("[CTS ESCALATION] DUE1 arrives")


def test_an_ses_bounce_published_to_the_feedback_topic_reaches_the_notify_function(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    assert resources.env["CTS_SES_CONFIGURATION_SET"] == "cts-jm-email"
    described = boto3.client("ses").describe_configuration_set(
        ConfigurationSetName="cts-jm-email", ConfigurationSetAttributeNames=["eventDestinations"]
    )
    (destination,) = described["EventDestinations"]
    topic = resources.topic_arns["EmailFeedbackTopic"]
    assert destination["SNSDestination"]["TopicARN"] == topic
    assert sorted(destination["MatchingEventTypes"]) == ["bounce", "complaint"]

    supervise(resources, "sue")
    DynamoAlerts(records(resources)).add(red_alert("BNC2", NOW + timedelta(hours=1)))
    handler = pollers["NotifyFunction"].handler
    assert handler({"action": "escalate"}, LambdaContext("NotifyFunction"))["escalated"] == ["sea:TSTU:BNC2#v1"]
    (first,) = sent()
    # What a configuration set's event destination publishes (eventType, not notificationType).
    event = {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": "sue@customs.example.jm", "diagnosticCode": "550 unknown"}],
        },
        "mail": {"messageId": first.id, "destination": ["sue@customs.example.jm"]},
    }
    boto3.client("sns").publish(TopicArn=topic, Message=json.dumps(event))
    drain(pollers)
    assert pollers["NotifyFunction"].failures == 0
    statuses = [(r.recipient, r.status) for r in DynamoDeliveryLog(records(resources)).for_alert("sea:TSTU:BNC2#v1")]
    assert ("sue", DeliveryStatus.BOUNCED) in statuses


def test_a_case_escalation_the_workflow_records_is_emailed_to_the_supervisor_once(
    executing: None, resources: LocalResources, pollers: dict[str, QueuePoller], stopped_executions: None
) -> None:
    supervise(resources, "sue")
    alert = red_alert("CASE3", NOW + timedelta(hours=2))  # within the 6-hour margin: the case escalates at once
    assert DynamoAlerts(records(resources)).add(alert)
    boto3.client("sqs").send_message(
        QueueUrl=resources.queue_urls["NotifyQueue"], MessageBody=json.dumps({"alert_id": alert.alert_id})
    )
    drain(pollers)  # the red alert e-mail (sue is subscribed) and the case's execution
    store = DynamoCaseStore(resources.env["CTS_RECORDS_TABLE"])
    (escalation,) = until(lambda: store.escalations(), "the workflow records the arrival-near escalation")
    assert (escalation.case_id, escalation.reason) == (alert.alert_id, "arrival near")
    before = len(sent())

    handler = pollers["NotifyFunction"].handler
    result = handler({"action": "escalate"}, LambdaContext("NotifyFunction"))
    assert len(result["case_escalations"]) == 1
    assert handler({"action": "escalate"}, LambdaContext("NotifyFunction"))["case_escalations"] == []

    subjects = sorted(m.subject for m in sent()[before:])
    assert len(subjects) == 2  # the alert nobody took, and the case the workflow escalated
    assert subjects[0] == "[CTS CASE ESCALATION] CASE3: arrival near (case new)"
    assert subjects[1].startswith("[CTS ESCALATION] CASE3 arrives")
    case_mail = next(m for m in sent()[before:] if m.subject.startswith("[CTS CASE ESCALATION]"))
    assert list(case_mail.destinations["ToAddresses"]) == ["sue@customs.example.jm"]
    assert "Harbour" not in case_mail.body
    assert f"#/alerts/{alert.alert_id}" in case_mail.body
    log = DynamoDeliveryLog(records(resources)).for_alert(alert.alert_id)
    case_records = [(r.recipient, r.channel, r.status) for r in log if r.reason == "case escalation: arrival near"]
    assert case_records == [("sue", Channel.ESCALATION, DeliveryStatus.SENT)]


def test_the_local_digest_runs_at_the_countrys_local_times_and_the_escalation_at_its_rate(
    country: CountryConfig,
) -> None:
    digest = next(s for s in SYSTEM.schedules if s.cadence is Cadence.DIGEST_TIMES)
    jamaica = country.model_copy(update={"timezone": "America/Jamaica"})  # UTC-5, no daylight saving time
    at = datetime(2026, 11, 25, 11, 30, tzinfo=UTC)  # 06:30 in Kingston
    assert next_run(digest, jamaica, at) == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 07:00 local
    assert next_run(digest, jamaica, datetime(2026, 11, 25, 12, 0, tzinfo=UTC)) == datetime(
        2026, 11, 25, 17, 0, tzinfo=UTC
    )
    assert next_run(digest, jamaica, datetime(2026, 11, 25, 22, 0, tzinfo=UTC)) == datetime(
        2026, 11, 26, 12, 0, tzinfo=UTC
    )  # after 16:00 local: tomorrow's first
    assert next_run(ESCALATION, jamaica, at) == at + timedelta(minutes=15)
    assert next_run(ESCALATION, jamaica, at, every=timedelta(seconds=1)) == at + timedelta(seconds=1)
