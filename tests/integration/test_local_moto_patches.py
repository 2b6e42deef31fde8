"""The local stack's moto patches answer DynamoDB and SQS exactly as moto does, without walking whole tables and queues.

Random writes (puts, updates that move an item between index partitions or drop it from the index, deletes,
transactions), then every partition of the base table and of each global index is queried and compared with a
scan filtered by hand (scans are not patched)."""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from cts.adapters.local.moto_dynamodb import patch_dynamodb
from cts.adapters.local.moto_server import patch_all

TABLE = "patched-queries"


@pytest.fixture
def ddb(aws_env: None) -> Any:
    patch_dynamodb()
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "g1pk", "g1sk", "g2pk")
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "g1pk", "KeyType": "HASH"},
                    {"AttributeName": "g1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "gsi2",
                "KeySchema": [{"AttributeName": "g2pk", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    )
    return client


def _item(rng: random.Random, pk: str, sk: str) -> dict[str, Any]:
    item: dict[str, Any] = {"pk": {"S": pk}, "sk": {"S": sk}, "n": {"N": str(rng.randrange(100))}}
    if rng.random() < 0.8:
        item["g1pk"] = {"S": f"G{rng.randrange(4)}"}
        item["g1sk"] = {"S": f"{rng.randrange(50):03d}"}
    if rng.random() < 0.5:
        item["g2pk"] = {"S": f"H{rng.randrange(3)}"}
    return item


def _random_writes(client: Any, rng: random.Random, rounds: int) -> None:
    keys = [(f"P{p}", f"S{s}") for p in range(6) for s in range(8)]
    for _ in range(rounds):
        pk, sk = rng.choice(keys)
        action = rng.random()
        if action < 0.45:
            client.put_item(TableName=TABLE, Item=_item(rng, pk, sk))
        elif action < 0.65:
            client.update_item(
                TableName=TABLE,
                Key={"pk": {"S": pk}, "sk": {"S": sk}},
                UpdateExpression="SET g1pk = :g, g1sk = :s",
                ExpressionAttributeValues={
                    ":g": {"S": f"G{rng.randrange(4)}"},
                    ":s": {"S": f"{rng.randrange(50):03d}"},
                },
            )
        elif action < 0.75:
            client.update_item(
                TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}}, UpdateExpression="REMOVE g1pk, g2pk"
            )
        elif action < 0.88:
            client.delete_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}})
        else:
            (pk2, sk2), (pk3, sk3) = rng.sample(keys, 2)
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": TABLE, "Item": _item(rng, pk2, sk2)}},
                    {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": pk3}, "sk": {"S": sk3}}}},
                ]
            )


def _query_all(client: Any, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("query").paginate(TableName=TABLE, **kwargs):
        items.extend(page["Items"])
    return items


def _scan(client: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=TABLE):
        items.extend(page["Items"])
    return items


def _keys(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(i["pk"]["S"], i["sk"]["S"]) for i in items]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_patched_queries_return_what_a_scan_finds_after_random_writes(ddb: Any, seed: int) -> None:
    rng = random.Random(seed)
    _random_writes(ddb, rng, 60)
    # the first query builds the partition maps; the writes after it must keep them current
    _query_all(ddb, IndexName="gsi2", KeyConditionExpression="g2pk = :v", ExpressionAttributeValues={":v": {"S": "H0"}})
    _random_writes(ddb, rng, 240)
    everything = _scan(ddb)

    for p in range(6):
        expected = sorted(_keys([i for i in everything if i["pk"]["S"] == f"P{p}"]))
        found = _keys(
            _query_all(ddb, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": f"P{p}"}})
        )
        assert found == expected
        descending = _keys(
            _query_all(
                ddb,
                KeyConditionExpression="pk = :p AND sk > :s",
                ExpressionAttributeValues={":p": {"S": f"P{p}"}, ":s": {"S": "S3"}},
                ScanIndexForward=False,
                Limit=2,
            )
        )
        assert descending == sorted([k for k in expected if k[1] > "S3"], reverse=True)

    for g in range(4):
        members = [i for i in everything if i.get("g1pk", {}).get("S") == f"G{g}" and "g1sk" in i]
        found_items = _query_all(
            ddb, IndexName="gsi1", KeyConditionExpression="g1pk = :g", ExpressionAttributeValues={":g": {"S": f"G{g}"}}
        )
        assert sorted(_keys(found_items)) == sorted(_keys(members))
        sort_keys = [i["g1sk"]["S"] for i in found_items]
        assert sort_keys == sorted(sort_keys)
        window = _query_all(
            ddb,
            IndexName="gsi1",
            KeyConditionExpression="g1pk = :g AND g1sk BETWEEN :a AND :b",
            ExpressionAttributeValues={":g": {"S": f"G{g}"}, ":a": {"S": "010"}, ":b": {"S": "030"}},
            Limit=3,
        )
        assert sorted(_keys(window)) == sorted(
            (i["pk"]["S"], i["sk"]["S"]) for i in members if "010" <= i["g1sk"]["S"] <= "030"
        )
        assert [i["g1sk"]["S"] for i in window] == sorted(i["g1sk"]["S"] for i in window)

    for h in range(3):
        expected = sorted(_keys([i for i in everything if i.get("g2pk", {}).get("S") == f"H{h}"]))
        found = _query_all(
            ddb, IndexName="gsi2", KeyConditionExpression="g2pk = :h", ExpressionAttributeValues={":h": {"S": f"H{h}"}}
        )
        assert sorted(_keys(found)) == expected
        assert all(set(i) <= {"pk", "sk", "g2pk"} for i in found)  # the index's projection still applies


def test_an_unknown_partition_is_empty_and_a_missing_index_is_still_refused(ddb: Any) -> None:
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "P1"}, "sk": {"S": "S1"}, "g1pk": {"S": "G1"}, "g1sk": {"S": "1"}})
    assert _query_all(ddb, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "nope"}}) == []
    assert (
        _query_all(
            ddb, IndexName="gsi1", KeyConditionExpression="g1pk = :g", ExpressionAttributeValues={":g": {"S": "G9"}}
        )
        == []
    )
    with pytest.raises(ClientError):
        _query_all(
            ddb, IndexName="gsi9", KeyConditionExpression="g1pk = :g", ExpressionAttributeValues={":g": {"S": "G1"}}
        )


def test_patched_queues_deliver_delete_redrive_and_count_as_moto_does(aws_env: None) -> None:
    patch_all()
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = sqs.create_queue(QueueName="patched-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName="patched",
        Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}),
        },
    )["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": f"m{n}"} for n in range(5)])
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "5"

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in received) == [f"m{n}" for n in range(5)]
    keep = {"m0", "m1"}
    for m in received:
        if m["Body"] not in keep:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received[-1]["ReceiptHandle"])  # twice: not an error
    with pytest.raises(ClientError):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")

    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]  # second receive of m0, m1
    assert sorted(m["Body"] for m in again) == sorted(keep)
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []  # moved to the DLQ
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in dead) == sorted(keep)


def test_patched_queues_hold_back_delayed_and_in_flight_messages(aws_env: None) -> None:
    patch_all()
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="patched-visibility", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    sqs.send_message(QueueUrl=url, MessageBody="now")
    (first,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert first["Body"] == "now"
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []  # in flight, delayed
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (
        counts["ApproximateNumberOfMessages"],
        counts["ApproximateNumberOfMessagesNotVisible"],
        counts["ApproximateNumberOfMessagesDelayed"],
    ) == ("0", "1", "1")
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["now"]


def test_conditions_parsed_once_still_judge_each_write_by_its_own_values(ddb: Any) -> None:
    def put(version: int, newer_than: int, name: str = "n") -> bool:
        try:
            ddb.put_item(
                TableName=TABLE,
                Item={"pk": {"S": "C1"}, "sk": {"S": "LATEST"}, name: {"N": str(version)}},
                ConditionExpression="attribute_not_exists(#v) OR #v < :v",
                ExpressionAttributeNames={"#v": name},
                ExpressionAttributeValues={":v": {"N": str(newer_than)}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    assert put(1, 1)  # nothing stored yet
    assert not put(1, 1)  # the same text and values again: still judged against the item now stored
    assert put(2, 2)
    assert not put(2, 1)  # same text, other values
    assert put(3, 1, name="other")  # same text, other names: "other" does not exist on the item
    for _ in range(2):  # a transaction validates and evaluates each condition (both through the cache)
        with pytest.raises(ClientError, match="TransactionCanceled"):
            ddb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": TABLE,
                            "Item": {"pk": {"S": "C1"}, "sk": {"S": "LATEST"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                ]
            )


def _random_value(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    kind = rng.choice(["S", "N", "B", "SS", "NS", "BS", "BOOL", "NULL"] + (["M", "L"] if depth < 3 else []))
    if kind == "S":
        return {"S": rng.choice(["", "plain", "ünïcödé ✓", '"quoted" \\ back', "x" * rng.randrange(1, 500)])}
    if kind == "N":
        return {"N": rng.choice(["0", "-12", "3.25", "1E+5", str(rng.randrange(10**12))])}
    if kind == "B":
        return {"B": bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))}
    if kind == "SS":
        return {"SS": sorted({f"s{rng.randrange(20)}" for _ in range(rng.randrange(1, 5))})}
    if kind == "NS":
        return {"NS": sorted({str(rng.randrange(100)) for _ in range(rng.randrange(1, 5))})}
    if kind == "BS":
        return {"BS": sorted({bytes([rng.randrange(256), 1]) for _ in range(rng.randrange(1, 4))})}
    if kind == "BOOL":
        return {"BOOL": rng.random() < 0.5}
    if kind == "NULL":
        return {"NULL": True}
    if kind == "M":
        return {"M": {f"k{n}": _random_value(rng, depth + 1) for n in range(rng.randrange(0, 4))}}
    return {"L": [_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]}


@contextlib.contextmanager
def _moto_own(originals: tuple[tuple[Any, str, Any], ...]) -> Iterator[None]:
    """moto's own code (the oracle) for the duration: ``originals`` is what a patch kept of what it replaced,
    ``(owner, attribute, moto's version)`` each."""
    with contextlib.ExitStack() as stack:
        for owner, name, original in originals:
            stack.enter_context(mock.patch.object(owner, name, original))
        yield


def _moto_own_item_costs() -> contextlib.AbstractContextManager[None]:
    """moto's own serialisation, response enrichment and item construction."""
    from moto.core.serialize import BaseJSONSerializer

    return _moto_own(BaseJSONSerializer._cts_fast_items)


def _moto_own_queries() -> contextlib.AbstractContextManager[None]:
    """moto's own query code: it walks and sorts the whole table for every page."""
    from moto.dynamodb.models.table import Table

    return _moto_own(Table._cts_fast_queries)


@pytest.mark.parametrize("seed", [4, 5])
def test_items_read_back_exactly_as_moto_itself_writes_them(ddb: Any, seed: int) -> None:
    patch_all()
    rng = random.Random(seed)
    written = []
    for n in range(40):
        item = {"pk": {"S": f"P{n % 4}"}, "sk": {"S": f"S{n:02d}"}, "g1pk": {"S": "G"}, "g1sk": {"S": f"{n:03d}"}}
        item.update({f"a{m}": _random_value(rng) for m in range(rng.randrange(1, 6))})
        ddb.put_item(TableName=TABLE, Item=item)
        written.append(item)
    keys = [{"pk": i["pk"], "sk": i["sk"]} for i in written]

    def reads() -> list[Any]:
        return [
            [ddb.get_item(TableName=TABLE, Key=k)["Item"] for k in keys],
            sorted(
                ddb.batch_get_item(RequestItems={TABLE: {"Keys": keys[:30]}})["Responses"][TABLE],
                key=lambda i: i["sk"]["S"],
            ),
            _query_all(ddb, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "P1"}}),
            _query_all(
                ddb, IndexName="gsi1", KeyConditionExpression="g1pk = :g", ExpressionAttributeValues={":g": {"S": "G"}}
            ),
            ddb.delete_item(TableName=TABLE, Key=keys[0], ReturnValues="ALL_OLD")["Attributes"],
        ]

    patched = reads()
    ddb.put_item(TableName=TABLE, Item=written[0])
    with _moto_own_item_costs():
        assert patched == reads()
    assert patched[0] == written  # and they are what was written


@pytest.mark.parametrize(
    ("letter", "sizes"),
    [
        ("x", [300_000, 404_984, 404_985, 420_000]),
        ("é", [150_000, 202_492, 202_493, 210_000]),  # two bytes in UTF-8: an item is sized in bytes
    ],
)
def test_an_item_over_the_size_limit_is_refused_as_moto_refuses_it(ddb: Any, letter: str, sizes: list[int]) -> None:
    patch_all()

    def refusal(size: int) -> str | None:
        item = {"pk": {"S": "BIG"}, "sk": {"S": str(size)}, "a": {"S": letter * size}, "b": {"N": "1"}}
        try:
            ddb.put_item(TableName=TABLE, Item=item)
        except ClientError as error:
            return f"{error.response['Error']['Code']}: {error.response['Error']['Message']}"
        return None

    # 16 bytes besides "a": names, keys and "b"; moto refuses over 405,000 in all
    patched = [refusal(size) for size in sizes]
    with _moto_own_item_costs():
        assert patched == [refusal(size) for size in sizes]
    assert patched[:2] == [None, None]
    assert None not in patched[2:]


def _comparable(value: Any) -> Any:
    """An answer with each set's members sorted (moto's own projection hands sets back in Python's set order)."""
    if isinstance(value, dict):
        return {k: sorted(v) if k in ("SS", "NS", "BS") else _comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def _without_nulls(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{name: value for name, value in item.items() if "NULL" not in value} for item in items]


@pytest.mark.parametrize("seed", [6, 7])
def test_projected_reads_answer_what_moto_itself_projects(ddb: Any, seed: int) -> None:
    """Top-level projections (GetItem, BatchGetItem, Query, and a keys-only index) are the same attributes with the
    same values as moto's own projection, which turns the whole item into Python once per projected name."""
    patch_all()
    rng = random.Random(seed)
    keys = []
    for n in range(30):
        item = {"pk": {"S": f"P{n % 3}"}, "sk": {"S": f"S{n:02d}"}, "g2pk": {"S": f"H{n % 2}"}}
        item.update({f"a{m}": _random_value(rng) for m in range(rng.randrange(1, 6))})
        ddb.put_item(TableName=TABLE, Item=item)
        keys.append({"pk": item["pk"], "sk": item["sk"]})
    projections = [
        ("a0, a2, nothere, pk", None),
        ("#n, sk, a1", {"#n": "a3"}),  # a name through ExpressionAttributeNames
        ("a4", None),
    ]

    def reads() -> list[Any]:
        answers: list[Any] = []
        for expression, names in projections:
            named = {"ExpressionAttributeNames": names} if names else {}
            answers.append(
                [ddb.get_item(TableName=TABLE, Key=k, ProjectionExpression=expression, **named)["Item"] for k in keys]
            )
            batch = {"Keys": keys[:25], "ProjectionExpression": expression, **named}
            answers.append(
                sorted(
                    ddb.batch_get_item(RequestItems={TABLE: batch})["Responses"][TABLE],
                    key=lambda i: i.get("sk", {}).get("S", ""),
                )
            )
            answers.append(
                _query_all(
                    ddb,
                    KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": {"S": "P1"}},
                    ProjectionExpression=expression,
                    **named,
                )
            )
        answers.append(
            _query_all(
                ddb, IndexName="gsi2", KeyConditionExpression="g2pk = :g", ExpressionAttributeValues={":g": {"S": "H0"}}
            )
        )
        return [_without_nulls(answer) for answer in answers]

    patched = reads()
    with _moto_own_item_costs():
        assert _comparable(patched) == _comparable(reads())
    assert sum(len(item) for answer in patched for item in answer) > 200  # attributes were projected, not none


def test_a_projection_keeps_an_attribute_of_type_null_next_to_a_map(ddb: Any) -> None:
    """DynamoDB projects every named attribute; moto's own projection drops NULL ones once a map joins them."""
    patch_all()
    key = {"pk": {"S": "N"}, "sk": {"S": "1"}}
    ddb.put_item(TableName=TABLE, Item={**key, "empty": {"NULL": True}, "map": {"M": {"k": {"S": "v"}}}})
    projected = ddb.get_item(
        TableName=TABLE, Key=key, ProjectionExpression="#e, #m", ExpressionAttributeNames={"#e": "empty", "#m": "map"}
    )
    assert projected["Item"] == {"empty": {"NULL": True}, "map": {"M": {"k": {"S": "v"}}}}


PAGES = "patched-pages"


def _pages_table(client: Any) -> None:
    client.create_table(
        TableName=PAGES,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "day", "AttributeType": "S"},
            {"AttributeName": "at", "AttributeType": "N"},
            {"AttributeName": "kind", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {  # numbers as the range key, with ties broken by the table's keys
                "IndexName": "by-day",
                "KeySchema": [{"AttributeName": "day", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["version"]},
            },
            {
                "IndexName": "by-kind",
                "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    )


def _page_item(rng: random.Random, n: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": {"S": f"C{rng.randrange(40):02d}"},
        "sk": {"S": f"V{n % 7}"},
        "version": {"N": str(rng.randrange(1, 9))},
        "body": {"S": "x" * rng.randrange(0, 300)},
    }
    if rng.random() < 0.9:
        item["day"] = {"S": f"D{rng.randrange(3)}"}
        if rng.random() < 0.95:  # an item without the range key is not in the index
            item["at"] = {"N": rng.choice([str(rng.randrange(-50, 50)), f"{rng.randrange(20)}.5", "1E+2"])}
    if rng.random() < 0.7:
        item["kind"] = {"S": rng.choice(["K1", "K2"])}
    return item


_CONDITIONS = [
    ("", {}),
    (" AND #at = :a", {":a": {"N": "3"}}),
    (" AND #at < :a", {":a": {"N": "0"}}),
    (" AND #at <= :a", {":a": {"N": "10"}}),
    (" AND #at > :a", {":a": {"N": "-7"}}),
    (" AND #at >= :a", {":a": {"N": "12.5"}}),
    (" AND #at BETWEEN :a AND :b", {":a": {"N": "-20"}, ":b": {"N": "20"}}),
]


def _random_query(rng: random.Random) -> dict[str, Any]:
    limit = rng.choice([1, 2, 3, 7, 25, None])
    query: dict[str, Any] = {"TableName": PAGES, "ScanIndexForward": rng.random() < 0.5}
    if limit is not None:
        query["Limit"] = limit
    if rng.random() < 0.6:
        condition, values = rng.choice(_CONDITIONS)
        query |= {
            "IndexName": "by-day",
            "KeyConditionExpression": "#day = :d" + condition,
            "ExpressionAttributeNames": {"#day": "day"} | ({"#at": "at"} if condition else {}),
            "ExpressionAttributeValues": {":d": {"S": f"D{rng.randrange(4)}"}} | values,
        }
        if rng.random() < 0.3:
            query["FilterExpression"] = "version > :v"
            query["ExpressionAttributeValues"] = query["ExpressionAttributeValues"] | {":v": {"N": "4"}}
    else:
        query |= {
            "IndexName": "by-kind",
            "KeyConditionExpression": "kind = :k",
            "ExpressionAttributeValues": {":k": {"S": rng.choice(["K1", "K2", "K3"])}},
        }
    if rng.random() < 0.3:
        query["ProjectionExpression"] = "pk, sk"
    return query


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_index_pages_are_moto_own_pages_while_writes_move_items_between_them(aws_env: None, seed: int) -> None:
    """Page by page (items, counts, the key to go on from) the patched queries answer as moto's own walk of the
    whole table does, in both directions, with range conditions, filters and projections, and as writes put,
    move and delete items between pages."""
    patch_dynamodb()
    client = boto3.client("dynamodb", region_name="us-east-1")
    _pages_table(client)
    rng = random.Random(seed)
    for n in range(300):
        client.put_item(TableName=PAGES, Item=_page_item(rng, n))
    compared = 0
    for round_ in range(40):
        query = _random_query(rng)
        start: dict[str, Any] | None = None
        for _ in range(400):
            asked = query | ({"ExclusiveStartKey": start} if start else {})
            patched = client.query(**asked)
            with _moto_own_queries():
                own = client.query(**asked)
            for answer in (patched, own):
                answer.pop("ResponseMetadata")
            assert patched == own, (round_, asked)
            compared += 1
            start = patched.get("LastEvaluatedKey")
            if start is None:
                break
            if rng.random() < 0.3:  # a write between two pages: the kept order must follow it
                _write_between_pages(client, rng)
    assert compared > 200


def _write_between_pages(client: Any, rng: random.Random) -> None:
    """A delete, a put, or an update that moves an item within or between partitions, or leaves it where it sorts
    (a non-key attribute, or an index key set to the value it has)."""
    victim = rng.randrange(300)
    key = {"pk": {"S": f"C{victim % 40:02d}"}, "sk": {"S": f"V{victim % 7}"}}
    action = rng.random()
    if action < 0.2:
        client.delete_item(TableName=PAGES, Key=key)
    elif action < 0.5:
        client.put_item(TableName=PAGES, Item=_page_item(rng, victim))
    elif action < 0.7:  # the index keys stay: only what the index projects, or nothing it holds, changes
        client.update_item(
            TableName=PAGES,
            Key=key,
            UpdateExpression="SET version = :v, body = :b",
            ExpressionAttributeValues={":v": {"N": str(rng.randrange(1, 9))}, ":b": {"S": "y" * rng.randrange(9)}},
        )
    elif action < 0.8:  # rewritten whole with the same index keys
        current = client.get_item(TableName=PAGES, Key=key).get("Item")
        if current is not None:
            rewritten = {**current, "version": {"N": str(rng.randrange(10, 20))}, "body": {"S": "z" * rng.randrange(9)}}
            client.put_item(TableName=PAGES, Item=rewritten)
    elif action < 0.9:  # moved within its day, or to another
        client.update_item(
            TableName=PAGES,
            Key=key,
            UpdateExpression="SET #at = :at, #day = :d",
            ExpressionAttributeNames={"#at": "at", "#day": "day"},
            ExpressionAttributeValues={":at": {"N": str(rng.randrange(-50, 50))}, ":d": {"S": f"D{rng.randrange(3)}"}},
        )
    else:  # out of the index's order (no range key), still in its partition map
        client.update_item(
            TableName=PAGES, Key=key, UpdateExpression="REMOVE #at", ExpressionAttributeNames={"#at": "at"}
        )


def test_an_index_page_is_sized_by_what_the_index_holds(aws_env: None) -> None:
    """DynamoDB's 1 MB page limit counts an index's items as the index holds them (keys and projected attributes);
    moto counts whole table items, so a page of 30 keys of 50 KB items stops near 20 there. The patched query sizes
    the index's items, as DynamoDB does."""
    patch_dynamodb()
    client = boto3.client("dynamodb", region_name="us-east-1")
    _pages_table(client)
    for n in range(30):
        item = {"pk": {"S": f"C{n:02d}"}, "sk": {"S": "V"}, "kind": {"S": "K1"}, "body": {"S": "x" * 50_000}}
        client.put_item(TableName=PAGES, Item=item)
    query = {
        "TableName": PAGES,
        "IndexName": "by-kind",
        "KeyConditionExpression": "kind = :k",
        "ExpressionAttributeValues": {":k": {"S": "K1"}},
        "Limit": 30,
    }
    patched = client.query(**query)
    assert patched["Count"] == 30
    assert "LastEvaluatedKey" not in patched
    with _moto_own_queries():
        assert client.query(**query)["Count"] < 30


_CHOICE = json.dumps(
    {
        "StartAt": "Which",
        "States": {
            "Which": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.size", "End": True},
            "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.size", "End": True},
        },
    }
)


_RETRYING = json.dumps(
    {
        "StartAt": "Read",
        "States": {
            "Read": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "no-such-table", "Key": {"pk": {"S.$": "$.key"}}},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "Result": "caught", "ResultPath": "$.outcome", "End": True},
        },
    }
)


def _finished(sfn: Any, arn: str) -> dict[str, Any]:
    for _ in range(400):
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.05)
    raise AssertionError(f"{arn} still running")


def test_a_state_machine_parsed_once_still_runs_each_execution_on_its_own(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The program is kept per definition and shared by executions: each still takes its own branch, and counts
    its own retries (three executions retrying at once each fail their task 1 + 2 times, then catch)."""
    from moto.core.config import default_user_config
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser, ASLParserException

    patch_all()
    assert AmazonStateLanguageParser.parse(_CHOICE) is AmazonStateLanguageParser.parse(_CHOICE)
    for _ in range(2):  # a definition that does not parse is refused every time, not remembered
        with pytest.raises(ASLParserException):
            AmazonStateLanguageParser.parse('{"StartAt": "A", "States": {"A": {"Type": "Nope"}}')

    monkeypatch.setitem(default_user_config, "stepfunctions", {"execute_state_machine": True})
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    role = "arn:aws:iam::123456789012:role/sfn"
    choice = sfn.create_state_machine(name="choice", definition=_CHOICE, roleArn=role)["stateMachineArn"]
    retrying = sfn.create_state_machine(name="retrying", definition=_RETRYING, roleArn=role)["stateMachineArn"]
    runs = {
        n: sfn.start_execution(stateMachineArn=choice, name=f"n{n}", input=json.dumps({"n": n}))["executionArn"]
        for n in (3, 30, 7)
    }
    retries = [
        sfn.start_execution(stateMachineArn=retrying, name=f"r{n}", input=json.dumps({"key": f"k{n}"}))["executionArn"]
        for n in range(3)
    ]
    outputs = {}
    for n, arn in runs.items():
        described = _finished(sfn, arn)
        assert described["status"] == "SUCCEEDED"
        outputs[n] = json.loads(described["output"])
    assert outputs == {3: {"n": 3, "size": "small"}, 30: {"n": 30, "size": "big"}, 7: {"n": 7, "size": "small"}}
    for n, arn in enumerate(retries):
        described = _finished(sfn, arn)
        assert described["status"] == "SUCCEEDED"
        assert json.loads(described["output"])["outcome"] == "caught"
        assert json.loads(described["output"])["key"] == f"k{n}"
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        assert sum(e["type"] == "TaskFailed" for e in events) == 3


def test_each_answer_still_carries_its_own_request_id(ddb: Any) -> None:
    patch_all()
    ids = [ddb.list_tables()["ResponseMetadata"]["RequestId"] for _ in range(20)]
    assert len(set(ids)) == 20
    assert all(len(i) == 52 and i.isalnum() and i.isascii() for i in ids)


def test_the_local_server_keeps_s3_keys_as_sent_and_answers_over_one_connection() -> None:
    """waitress in place of werkzeug: moto still sees each request's undecoded path (an S3 key with ``:``, ``+``, a
    space or an encoded slash is stored under that very key, also through a presigned URL)."""
    from cts.adapters.local.moto_server import MotoServer
    from cts.adapters.local.stack import free_port

    port = free_port()
    server = MotoServer("127.0.0.1", port, threads=4).start()
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        s3.create_bucket(Bucket="keys")
        names = ["sea:TSTU:B1/attachments/report 1.txt", "a+b%2Fc.txt", "plain.txt"]
        for name in names:
            s3.put_object(Bucket="keys", Key=name, Body=name.encode())
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket="keys")["Contents"]]
        assert sorted(listed) == sorted(names)
        assert [s3.get_object(Bucket="keys", Key=n)["Body"].read().decode() for n in names] == names
        url = s3.generate_presigned_url("put_object", Params={"Bucket": "keys", "Key": "sea:X:1/up.txt"})
        assert requests.put(url, data=b"up", timeout=10).status_code == 200
        assert s3.get_object(Bucket="keys", Key="sea:X:1/up.txt")["Body"].read() == b"up"
    finally:
        server.stop()
