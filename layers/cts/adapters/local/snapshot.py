"""Local AWS state kept across restarts of ``make run``.

Moto keeps everything in memory. When the local stack stops (its pollers stopped, nothing in flight), the items of
every table and the objects of every bucket, with their tags, are written under the data directory; when it starts
again they are loaded into the fresh moto server before any function runs, and the embedded search index (a file in
the same directory) is kept. Not kept: messages still queued, Step Functions histories, Cognito users (the demo users
are made again, with new passwords). The records those led to are kept.

Layout: ``<dir>/tables/<logical id>.jsonl`` (one item per line, DynamoDB JSON, binary values in base64),
``<dir>/buckets/<logical id>.jsonl`` (one object per line: key, content type, tags, and the name of its body under
``<dir>/buckets/<logical id>/``).
A snapshot is written to a temporary directory and renamed, so a crash while saving leaves the previous one whole.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from cts.adapters.local.bootstrap import LocalResources
from cts.config.resources import SYSTEM, SystemSpec


@dataclass(frozen=True)
class SnapshotSummary:
    items: int
    objects: int


def _clients(region: str, endpoint_url: str | None) -> tuple[Any, Any]:
    session = boto3.session.Session(region_name=region)
    return (
        session.client("dynamodb", endpoint_url=endpoint_url),
        session.client("s3", endpoint_url=endpoint_url),
    )


def _wire(item: dict[str, Any]) -> dict[str, Any]:
    """An item as DynamoDB's JSON wire form writes it: binary values (``B``, ``BS``) base64, as boto3 reads them
    into bytes."""
    return {name: _wire_value(value) for name, value in item.items()}


def _wire_value(value: dict[str, Any]) -> dict[str, Any]:
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(v).decode("ascii") for v in inner]}
    if kind == "M":
        return {"M": _wire(inner)}
    if kind == "L":
        return {"L": [_wire_value(v) for v in inner]}
    return value


def _unwire(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _unwire_value(value) for name, value in item.items()}


def _unwire_value(value: dict[str, Any]) -> dict[str, Any]:
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(v) for v in inner]}
    if kind == "M":
        return {"M": _unwire(inner)}
    if kind == "L":
        return {"L": [_unwire_value(v) for v in inner]}
    return value


def save(
    resources: LocalResources, region: str, endpoint_url: str | None, directory: Path, spec: SystemSpec = SYSTEM
) -> SnapshotSummary:
    """Write every table's items and every bucket's objects under ``directory`` (replacing what was there)."""
    ddb, s3 = _clients(region, endpoint_url)
    staging = directory.with_name(directory.name + ".saving")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "tables").mkdir(parents=True)
    (staging / "buckets").mkdir(parents=True)
    items = objects = 0
    for table in spec.tables:
        with (staging / "tables" / f"{table.logical_id}.jsonl").open("w", encoding="utf-8") as out:
            for page in ddb.get_paginator("scan").paginate(TableName=resources.env[table.env_var]):
                for item in page["Items"]:
                    out.write(json.dumps(_wire(item)) + "\n")
                    items += 1
    for bucket in spec.buckets:
        name = resources.env[bucket.env_var]
        bodies = staging / "buckets" / bucket.logical_id
        bodies.mkdir()
        with (staging / "buckets" / f"{bucket.logical_id}.jsonl").open("w", encoding="utf-8") as out:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
                for listed in page.get("Contents", []):
                    key = listed["Key"]
                    got = s3.get_object(Bucket=name, Key=key)
                    body_name = hashlib.sha256(key.encode()).hexdigest()
                    (bodies / body_name).write_bytes(got["Body"].read())
                    tags = s3.get_object_tagging(Bucket=name, Key=key)["TagSet"]
                    record = {"key": key, "content_type": got.get("ContentType"), "tags": tags, "body": body_name}
                    out.write(json.dumps(record) + "\n")
                    objects += 1
    shutil.rmtree(directory, ignore_errors=True)
    staging.rename(directory)
    return SnapshotSummary(items, objects)


def restore(
    resources: LocalResources, region: str, endpoint_url: str | None, directory: Path, spec: SystemSpec = SYSTEM
) -> SnapshotSummary | None:
    """Load a snapshot written by :func:`save` into freshly created resources; ``None`` when there is none.

    Run it before the queue pollers start: putting the raw files back raises inbox notifications for files that
    were ingested before the stop (their receipts come back with them), and the queues are purged at the end."""
    if not (directory / "tables").is_dir():
        return None
    ddb, s3 = _clients(region, endpoint_url)
    items = objects = 0
    for table in spec.tables:
        path = directory / "tables" / f"{table.logical_id}.jsonl"
        if not path.exists():
            continue
        name = resources.env[table.env_var]
        batch: list[dict[str, Any]] = []
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                batch.append({"PutRequest": {"Item": _unwire(json.loads(line))}})
                items += 1
                if len(batch) == 25:
                    _write(ddb, name, batch)
                    batch = []
        if batch:
            _write(ddb, name, batch)
    for bucket in spec.buckets:
        listing = directory / "buckets" / f"{bucket.logical_id}.jsonl"
        if not listing.exists():
            continue
        name = resources.env[bucket.env_var]
        with listing.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                body = (directory / "buckets" / bucket.logical_id / record["body"]).read_bytes()
                extra = {"ContentType": record["content_type"]} if record.get("content_type") else {}
                s3.put_object(Bucket=name, Key=record["key"], Body=body, **extra)
                if record["tags"]:
                    s3.put_object_tagging(Bucket=name, Key=record["key"], Tagging={"TagSet": record["tags"]})
                objects += 1
    # Restored raw files raised inbox notifications; they were ingested before the stop (receipts restored).
    sqs = boto3.session.Session(region_name=region).client("sqs", endpoint_url=endpoint_url)
    for url in resources.queue_urls.values():
        sqs.purge_queue(QueueUrl=url)
    return SnapshotSummary(items, objects)


def _write(ddb: Any, table: str, batch: list[dict[str, Any]]) -> None:
    pending: dict[str, list[dict[str, Any]]] = {table: batch}
    while pending:
        pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
