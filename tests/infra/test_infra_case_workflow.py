"""The case workflow definitions: validated offline, strict substitutions, least privileges, and the first states
run on moto's interpreter (every path of a case: tests/integration/test_case_workflow.py)."""

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
from cts.config.statemachines import DefinitionError, definition_problems, render_definition, task_privileges
from infra.stack import REPO_ROOT
from infra_testkit import Synthesised

CASE = SYSTEM.state_machines[0]
DEFINITION = (REPO_ROOT / "statemachines" / CASE.definition).read_text(encoding="utf-8")
ASL_FILES = sorted((REPO_ROOT / "statemachines").glob("*.asl.json"))


def test_every_placeholder_in_the_definition_has_a_catalogue_substitution() -> None:
    rendered = render_definition(DEFINITION, {name: "x" for name in CASE.substitutions})
    assert "${" not in rendered
    json.loads(rendered)


def test_unknown_or_unused_placeholders_are_refused() -> None:
    with pytest.raises(DefinitionError, match="no substitution"):
        render_definition('{"T": "${Nope}"}', {})
    with pytest.raises(DefinitionError, match="not used"):
        render_definition('{"T": "x"}', {"RecordsTableName": "t"})


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_every_definition_is_sound_offline(path: Path) -> None:
    """Every Next, Default and Catch names a state of its scope, every state is reachable, every scope ends."""
    (spec,) = [s for s in SYSTEM.state_machines if s.definition == path.name]
    rendered = render_definition(path.read_text(encoding="utf-8"), {name: "x" for name in spec.substitutions})
    assert "${" not in rendered
    assert definition_problems(json.loads(rendered)) == []


def test_the_offline_check_finds_dangling_and_unreachable_states() -> None:
    broken = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Next": "Nowhere", "Catch": [{"ErrorEquals": ["X"], "Next": "Gone"}]},
            "B": {"Type": "Pass"},
            "P": {"Type": "Parallel", "End": True, "Branches": [{"StartAt": "Q", "States": {"Q": {"Type": "Pass"}}}]},
        },
    }
    problems = definition_problems(broken)
    assert "A: goes to 'Nowhere', which is not a state of its scope" in problems
    assert "A: goes to 'Gone', which is not a state of its scope" in problems
    assert "B: a Pass state needs Next or End" in problems
    assert "B: no state leads here" in problems
    assert "P[0].Q: a Pass state needs Next or End" in problems
    assert "P[0]: no state ends the workflow" in problems
    assert "top: no state ends the workflow" not in problems


def test_the_case_workflow_needs_only_item_reads_and_writes_on_the_records_table() -> None:
    assert task_privileges(DEFINITION) == {
        "RecordsTableName": frozenset({"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"})
    }
    lambda_task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    with pytest.raises(DefinitionError, match="cannot derive"):
        task_privileges(json.dumps({"StartAt": "L", "States": {"L": lambda_task}}))


def _role_statements(synth: Synthesised, role: object) -> list[dict[str, object]]:
    role_id = synth.stack.get_logical_id(role.node.default_child)  # type: ignore[attr-defined]
    statements: list[dict[str, object]] = []
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def _actions(statement: dict[str, object]) -> set[str]:
    action = statement["Action"]
    return set(action) if isinstance(action, list) else {str(action)}


def test_the_synthesised_state_machine_logs_and_holds_only_the_privileges_its_tasks_need(synth: Synthesised) -> None:
    machine = synth.stack.resources.state_machines[CASE.logical_id]
    props = synth.resources[synth.logical_id(machine)]["Properties"]
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert props["LoggingConfiguration"]["IncludeExecutionData"] is True
    records = synth.logical_id(synth.stack.storage.tables["RecordsTable"])
    statements = _role_statements(synth, machine.role)
    dynamodb = [s for s in statements if any(a.startswith("dynamodb:") for a in _actions(s))]
    assert len(dynamodb) == 1
    assert _actions(dynamodb[0]) == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
    assert dynamodb[0]["Resource"] == {"Fn::GetAtt": [records, "Arn"]}  # the table only: no index, no wildcard
    other = set().union(*(_actions(s) for s in statements if s not in dynamodb))
    assert all(a.startswith(("logs:", "xray:")) for a in other), other


def test_the_api_may_complete_and_fail_the_case_workflow_steps_and_nothing_more(synth: Synthesised) -> None:
    machine = synth.stack.resources.state_machines[CASE.logical_id]
    api_role = synth.stack.functions["ApiFunction"].role
    statements = _role_statements(synth, api_role)
    on_machine = [s for s in statements if s["Resource"] == {"Ref": synth.logical_id(machine)}]
    assert set().union(*(_actions(s) for s in on_machine)) == {
        "states:SendTaskSuccess",
        "states:SendTaskFailure",
        "states:SendTaskHeartbeat",
    }


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


def _table(dynamodb: object) -> None:
    dynamodb.create_table(  # type: ignore[attr-defined]
        TableName="records",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def _machine(sfn: object) -> str:
    definition = render_definition(DEFINITION, {"RecordsTableName": "records"})
    return str(
        sfn.create_state_machine(  # type: ignore[attr-defined]
            name="case", definition=definition, roleArn="arn:aws:iam::123456789012:role/case"
        )["stateMachineArn"]
    )


def _waiting(dynamodb: object, case_id: str) -> dict[str, dict[str, str]]:
    key = {"pk": {"S": f"CASE#{case_id}"}, "sk": {"S": "CASE"}}
    for _ in range(200):
        item = dynamodb.get_item(TableName="records", Key=key).get("Item", {})  # type: ignore[attr-defined]
        if "task_token" in item:
            return dict(item)
        time.sleep(0.05)
    raise AssertionError("the workflow does not wait for a step")


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(("level", "queue"), [("red", "priority"), ("amber", "standard")])
def test_opening_a_case_records_it_new_and_waits_for_triage_red_first(level: str, queue: str) -> None:
    dynamodb, sfn = boto3.client("dynamodb"), boto3.client("stepfunctions")
    _table(dynamodb)
    arn = _machine(sfn)
    payload = {"case_id": "C1", "alert_id": "A1", "consignment_key": "K1", "level": level}
    execution = sfn.start_execution(stateMachineArn=arn, name=f"case-{level}", input=json.dumps(payload))

    item = _waiting(dynamodb, "C1")
    assert (item["status"], item["revision"], item["queue"]) == ({"S": "new"}, {"N": "0"}, {"S": queue})
    assert (item["alert_id"], item["level"]) == ({"S": "A1"}, {"S": level})
    assert sfn.describe_execution(executionArn=execution["executionArn"])["status"] == "RUNNING"
    sfn.stop_execution(executionArn=execution["executionArn"])


@pytest.mark.usefixtures("aws")
def test_a_second_execution_for_the_same_case_does_not_overwrite_it() -> None:
    dynamodb, sfn = boto3.client("dynamodb"), boto3.client("stepfunctions")
    _table(dynamodb)
    arn = _machine(sfn)
    payload = {"case_id": "C1", "alert_id": "A1", "consignment_key": "K1", "level": "amber"}
    first = sfn.start_execution(stateMachineArn=arn, name="first", input=json.dumps(payload))
    _waiting(dynamodb, "C1")
    sfn.stop_execution(executionArn=first["executionArn"])
    key = {"pk": {"S": "CASE#C1"}, "sk": {"S": "CASE"}}
    # an analyst moves the case on (revision 1), then a retried execution records the case opened again
    dynamodb.update_item(
        TableName="records",
        Key=key,
        UpdateExpression="SET #s = :s, revision = :r REMOVE task_token",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "triaged"}, ":r": {"N": "1"}},
    )
    retried = sfn.start_execution(stateMachineArn=arn, name="retried", input=json.dumps(payload))
    item = _waiting(dynamodb, "C1")  # it re-read the case and waits for its next step
    assert (item["status"], item["revision"]) == ({"S": "triaged"}, {"N": "1"})
    sfn.stop_execution(executionArn=retried["executionArn"])


def test_definition_file_lives_where_the_catalogue_says() -> None:
    for spec in SYSTEM.state_machines:
        assert Path(REPO_ROOT / "statemachines" / spec.definition).is_file()
