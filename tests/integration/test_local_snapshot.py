"""The local stack's state survives a restart: tables and buckets are saved on stop and restored on start."""

from __future__ import annotations

from pathlib import Path

import boto3
from moto.moto_api._internal.models import moto_api_backend

from cts.adapters.local.bootstrap import LocalResources, bootstrap
from cts.adapters.local.snapshot import restore, save
from cts.config.country import CountryConfig


def test_items_objects_and_tags_come_back_after_a_restart(
    resources: LocalResources, country: CountryConfig, tmp_path: Path
) -> None:
    ddb, s3, sqs = boto3.client("dynamodb"), boto3.client("s3"), boto3.client("sqs")
    table, inbox = resources.env["CTS_RECORDS_TABLE"], resources.env["CTS_INBOX_BUCKET"]
    for n in range(60):  # more than one batch of 25
        ddb.put_item(TableName=table, Item={"pk": {"S": f"CONS#{n}"}, "sk": {"S": "LATEST"}, "data": {"S": str(n)}})
    s3.put_object(Bucket=inbox, Key="inbox/ACME/manifest.json", Body=b'{"a": 1}', ContentType="application/json")
    s3.put_object_tagging(
        Bucket=inbox, Key="inbox/ACME/manifest.json", Tagging={"TagSet": [{"Key": "retention", "Value": "hold"}]}
    )
    summary = save(resources, country.region, None, tmp_path / "state")
    assert (summary.items, summary.objects) == (60, 1)

    # A restart: moto forgets everything, the bootstrap creates every resource again, empty.
    moto_api_backend.reset()
    fresh = bootstrap(country, endpoint_url=None)
    assert ddb.scan(TableName=table)["Count"] == 0

    restored = restore(fresh, country.region, None, tmp_path / "state")
    assert restored == summary
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "CONS#59"}, "sk": {"S": "LATEST"}})["Item"]["data"] == {
        "S": "59"
    }
    got = s3.get_object(Bucket=inbox, Key="inbox/ACME/manifest.json")
    assert got["Body"].read() == b'{"a": 1}'
    assert got["ContentType"] == "application/json"
    tags = s3.get_object_tagging(Bucket=inbox, Key="inbox/ACME/manifest.json")["TagSet"]
    assert tags == [{"Key": "retention", "Value": "hold"}]
    # The restored raw file was ingested before the stop: its notification must not ingest it again.
    for url in fresh.queue_urls.values():
        assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)


def test_binary_values_at_any_depth_come_back_as_the_same_bytes(
    resources: LocalResources, country: CountryConfig, tmp_path: Path
) -> None:
    ddb = boto3.client("dynamodb")
    table = resources.env["CTS_RECORDS_TABLE"]
    packed = bytes(range(256))  # e.g. the report counters' packed days
    item = {
        "pk": {"S": "STATS#FLOW#all"},
        "sk": {"S": "D#2026-11"},
        "packed": {"B": packed},
        "set": {"BS": [b"\x00", b"\xff"]},
        "nested": {"M": {"list": {"L": [{"B": b"\x01\x02"}, {"N": "7"}]}}},
    }
    ddb.put_item(TableName=table, Item=item)
    save(resources, country.region, None, tmp_path / "state")
    moto_api_backend.reset()
    fresh = bootstrap(country, endpoint_url=None)
    restore(fresh, country.region, None, tmp_path / "state")
    got = ddb.get_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})["Item"]
    assert got["packed"] == {"B": packed}
    assert sorted(got["set"]["BS"]) == [b"\x00", b"\xff"]
    assert got["nested"] == {"M": {"list": {"L": [{"B": b"\x01\x02"}, {"N": "7"}]}}}


def test_there_is_nothing_to_restore_on_a_first_start(
    resources: LocalResources, country: CountryConfig, tmp_path: Path
) -> None:
    assert restore(resources, country.region, None, tmp_path / "state") is None
