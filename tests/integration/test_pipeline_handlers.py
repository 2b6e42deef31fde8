"""The real Lambda handlers, fed SQS events the way Lambda would, over moto's S3/SQS/DynamoDB/SES/Step Functions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
from pipeline_testkit import drain, upload

from builders import consignment_data, json_manifest
from cts.adapters.dynamodb import (
    DynamoAlerts,
    DynamoAssessments,
    DynamoConsignments,
    DynamoReceipts,
    DynamoRules,
    bind_table,
)
from cts.adapters.local.bootstrap import LocalResources
from cts.adapters.local.demo import WATCHLIST, seed_rules
from cts.adapters.local.runner import QueuePoller
from cts.config.resources import SYSTEM

ETA = datetime.now(UTC) + timedelta(days=2)
ETD = datetime.now(UTC) + timedelta(hours=30)  # filed in time: more than 24 h before loading


def test_an_uploaded_manifest_flows_to_stored_scored_alerted_and_emailed(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    table = bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")
    seed_rules(DynamoRules(table))
    watched = WATCHLIST[1].value  # a watch-listed container
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
    upload(
        resources,
        "inbox/ACME/m1.json",
        json_manifest(consignment_data("CLEAN1", eta=ETA.isoformat(), etd=ETD.isoformat()), risky),
    )
    drain(pollers)

    consignments = DynamoConsignments(table)
    assert consignments.latest("sea:TSTU:CLEAN1") is not None
    (alert,) = DynamoAlerts(table).inbox()
    assert alert.document_number == "RISKY1"
    assert alert.score == 100
    assert alert.level.value == "red"
    (receipt,) = DynamoReceipts(table).for_carrier("ACME")
    assert receipt.status.value == "accepted"
    receipt_obj = boto3.client("s3").get_object(
        Bucket=resources.env["CTS_RECEIPTS_BUCKET"], Key=f"receipts/ACME/{receipt.file_id}.json"
    )
    assert json.loads(receipt_obj["Body"].read())["file_id"] == receipt.file_id
    executions = boto3.client("stepfunctions").list_executions(
        stateMachineArn=resources.env["CTS_CASE_STATE_MACHINE_ARN"]
    )["executions"]
    assert len(executions) == 1
    from moto.backends import get_backend

    sent = get_backend("ses")["123456789012"]["us-east-1"].sent_messages
    assert len(sent) == 1
    assert "RISKY1" in sent[0].subject
    assert all(p.failures == 0 for p in pollers.values())


def test_a_repeated_s3_event_stores_and_alerts_nothing_twice(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    table = bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")
    body = json_manifest(consignment_data("ONCE1", eta=ETA.isoformat(), etd=ETD.isoformat()))
    upload(resources, "inbox/ACME/again.json", body)
    drain(pollers)
    upload(resources, "inbox/ACME/again.json", body)  # same key, same content: S3 sends a second event
    drain(pollers)
    assert [v.version for v in DynamoConsignments(table).versions("sea:TSTU:ONCE1")] == [1]


def test_a_poisoned_message_fails_alone_and_the_rest_of_the_batch_proceeds(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    sqs = boto3.client("sqs")
    score_url = resources.queue_urls["ScoreQueue"]
    upload(
        resources,
        "inbox/ACME/ok.json",
        json_manifest(consignment_data("OK1", eta=ETA.isoformat(), etd=ETD.isoformat())),
    )
    pollers["IngestFunction"].poll_once()
    sqs.send_message(QueueUrl=score_url, MessageBody=json.dumps({"key": "sea:NOPE:X", "version": 1}))
    handled = pollers["ScoreFunction"].poll_once()
    assert handled == 2
    assert pollers["ScoreFunction"].failures == 1
    table = bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")

    assert DynamoAssessments(table).latest("sea:TSTU:OK1") is not None


def test_a_message_that_keeps_failing_goes_to_the_dead_letter_queue(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    sqs = boto3.client("sqs")
    score_url, dlq_url = resources.queue_urls["ScoreQueue"], resources.queue_urls["ScoreQueueDlq"]
    sqs.set_queue_attributes(QueueUrl=score_url, Attributes={"VisibilityTimeout": "0"})  # retry at once
    sqs.send_message(QueueUrl=score_url, MessageBody=json.dumps({"key": "sea:NOPE:GONE", "version": 1}))
    spec = next(q for q in SYSTEM.queues if q.logical_id == "ScoreQueue")
    for _ in range(spec.max_receive_count + 1):
        pollers["ScoreFunction"].poll_once()
    assert pollers["ScoreFunction"].failures == spec.max_receive_count
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["key"] for m in dead] == ["sea:NOPE:GONE"]


def test_a_poisoned_consignment_in_a_batch_is_sent_again_alone_and_only_it_reaches_the_dead_letter_queue(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    sqs = boto3.client("sqs")
    score_url, dlq_url = resources.queue_urls["ScoreQueue"], resources.queue_urls["ScoreQueueDlq"]
    sqs.set_queue_attributes(QueueUrl=score_url, Attributes={"VisibilityTimeout": "0"})  # retry at once
    upload(
        resources,
        "inbox/ACME/batch.json",
        json_manifest(*(consignment_data(f"B{n}", eta=ETA.isoformat(), etd=ETD.isoformat()) for n in range(3))),
    )
    pollers["IngestFunction"].poll_once()
    (queued,) = sqs.receive_message(QueueUrl=score_url, MaxNumberOfMessages=10)["Messages"]
    refs = json.loads(queued["Body"])["refs"]
    assert [key for key, _ in refs] == ["sea:TSTU:B0", "sea:TSTU:B1", "sea:TSTU:B2"]  # one message for the file
    sqs.delete_message(QueueUrl=score_url, ReceiptHandle=queued["ReceiptHandle"])
    poisoned = [refs[0], ["sea:NOPE:GONE", 1], *refs[1:]]
    sqs.send_message(QueueUrl=score_url, MessageBody=json.dumps({"refs": poisoned}))

    assert pollers["ScoreFunction"].poll_once() == 1
    assert pollers["ScoreFunction"].failures == 0  # the batch is done; its bad consignment was sent again alone
    table = bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")
    assert all(DynamoAssessments(table).latest(key) is not None for key, _ in refs)
    spec = next(q for q in SYSTEM.queues if q.logical_id == "ScoreQueue")
    for _ in range(spec.max_receive_count + 1):
        pollers["ScoreFunction"].poll_once()
    assert pollers["ScoreFunction"].failures == spec.max_receive_count
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in dead] == [{"key": "sea:NOPE:GONE", "version": 1}]


def test_processing_never_modifies_or_deletes_the_raw_upload(
    resources: LocalResources, pollers: dict[str, QueuePoller]
) -> None:
    body = b"this is not a manifest at all"
    upload(resources, "inbox/ACME/garbage.bin", body)
    drain(pollers)
    s3 = boto3.client("s3")
    bucket = resources.env["CTS_INBOX_BUCKET"]
    assert s3.get_object(Bucket=bucket, Key="inbox/ACME/garbage.bin")["Body"].read() == body
    versions = s3.list_object_versions(Bucket=bucket, Prefix="inbox/ACME/garbage.bin")
    assert len(versions["Versions"]) == 1
    assert "DeleteMarkers" not in versions
    (receipt,) = DynamoReceipts(bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")).for_carrier("ACME")
    assert receipt.status.value == "rejected"
    assert receipt.issues[0].code == "UNKNOWN_FORMAT"
