"""The case workflow definition: substitutions are strict, and the skeleton runs on moto's interpreter."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from moto.core.config import default_user_config

from cts.config.resources import SYSTEM
from cts.config.statemachines import DefinitionError, render_definition
from infra.stack import REPO_ROOT

CASE = SYSTEM.state_machines[0]
DEFINITION = (REPO_ROOT / "statemachines" / CASE.definition).read_text(encoding="utf-8")


def test_every_placeholder_in_the_definition_has_a_catalogue_substitution() -> None:
    rendered = render_definition(DEFINITION, {name: "x" for name in CASE.substitutions})
    assert "${" not in rendered
    json.loads(rendered)


def test_unknown_or_unused_placeholders_are_refused() -> None:
    with pytest.raises(DefinitionError, match="no substitution"):
        render_definition('{"T": "${Nope}"}', {})
    with pytest.raises(DefinitionError, match="not used"):
        render_definition('{"T": "x"}', {"RecordsTableName": "t"})


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setitem(default_user_config, "stepfunctions", {"execute_state_machine": True})
    with mock_aws():
        yield


def _run(sfn: object, arn: str, name: str, payload: dict[str, str]) -> dict[str, object]:
    execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))  # type: ignore[attr-defined]
    for _ in range(100):
        described = sfn.describe_execution(executionArn=execution["executionArn"])  # type: ignore[attr-defined]
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError("the execution did not finish")


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(("level", "queue"), [("red", "priority"), ("amber", "standard")])
def test_opening_a_case_records_it_for_triage_and_routes_red_first(level: str, queue: str) -> None:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName="records",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    sfn = boto3.client("stepfunctions")
    definition = render_definition(DEFINITION, {"RecordsTableName": "records"})
    arn = sfn.create_state_machine(name="case", definition=definition, roleArn="arn:aws:iam::123456789012:role/case")[
        "stateMachineArn"
    ]

    payload = {"case_id": "C1", "alert_id": "A1", "consignment_key": "K1", "level": level}
    result = _run(sfn, arn, f"case-{level}", payload)

    assert result["status"] == "SUCCEEDED"
    assert json.loads(str(result["output"]))["queue"] == queue
    item = dynamodb.get_item(TableName="records", Key={"pk": {"S": "CASE#C1"}, "sk": {"S": "CASE"}})["Item"]
    assert item["status"] == {"S": "triage"}
    assert item["alert_id"] == {"S": "A1"}
    assert item["level"] == {"S": level}


@pytest.mark.usefixtures("aws")
def test_a_second_execution_for_the_same_case_does_not_overwrite_it() -> None:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName="records",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    sfn = boto3.client("stepfunctions")
    definition = render_definition(DEFINITION, {"RecordsTableName": "records"})
    arn = sfn.create_state_machine(name="case", definition=definition, roleArn="arn:aws:iam::123456789012:role/case")[
        "stateMachineArn"
    ]
    payload = {"case_id": "C1", "alert_id": "A1", "consignment_key": "K1", "level": "amber"}
    assert _run(sfn, arn, "first", payload)["status"] == "SUCCEEDED"
    key = {"pk": {"S": "CASE#C1"}, "sk": {"S": "CASE"}}
    assert dynamodb.get_item(TableName="records", Key=key)["Item"]["revision"] == {"N": "0"}
    # an analyst moves the case on (revision 1), then a retried execution records the case opened again
    dynamodb.update_item(
        TableName="records",
        Key=key,
        UpdateExpression="SET #s = :s, revision = :r",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "referred"}, ":r": {"N": "1"}},
    )
    assert _run(sfn, arn, "retried", payload)["status"] == "SUCCEEDED"
    item = dynamodb.get_item(TableName="records", Key=key)["Item"]
    assert item["status"] == {"S": "referred"}
    assert item["revision"] == {"N": "1"}


def test_definition_file_lives_where_the_catalogue_says() -> None:
    for spec in SYSTEM.state_machines:
        assert Path(REPO_ROOT / "statemachines" / spec.definition).is_file()
