"""Each function's role can reach exactly the resources its catalogue entry uses, nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from cts.config.resources import SYSTEM, Function
from infra_testkit import Synthesised


def _statements(synth: Synthesised, spec: Function) -> list[dict[str, Any]]:
    role = synth.stack.functions[spec.logical_id].role
    assert role is not None
    role_id = synth.stack.get_logical_id(role.node.default_child)
    statements = []
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    assert synth.resources[role_id]["Properties"].get("ManagedPolicyArns") is None
    return statements


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _referenced(value: Any) -> set[str]:
    if isinstance(value, dict):
        if "Ref" in value:
            return {value["Ref"]}
        if "Fn::GetAtt" in value:
            return {value["Fn::GetAtt"][0]}
        return set().union(set(), *(_referenced(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(_referenced(v) for v in value))
    return set()


def _catalogue_ids(synth: Synthesised) -> dict[str, str]:
    """CloudFormation logical id -> catalogue logical id, for every catalogue resource."""
    stack, resources = synth.stack, synth.stack.resources
    constructs: dict[str, Any] = {
        **resources.buckets,
        **resources.queues,
        **resources.tables,
        **resources.state_machines,
        SYSTEM.search.logical_id: resources.search,
        SYSTEM.user_pool.logical_id: resources.user_pool,
    }
    return {stack.get_logical_id(c.node.default_child): lid for lid, c in constructs.items()}


def _actions_on(statements: list[dict[str, Any]], cfn_id: str) -> set[str]:
    return {
        action
        for s in statements
        if s["Effect"] == "Allow" and cfn_id in _referenced(s["Resource"])
        for action in _as_list(s["Action"])
    }


@pytest.mark.parametrize("spec", SYSTEM.functions, ids=lambda f: f.logical_id)
def test_every_grant_is_explained_by_the_catalogue_and_every_use_is_granted(jm: Synthesised, spec: Function) -> None:
    statements = _statements(jm, spec)
    catalogue = _catalogue_ids(jm)
    reached = {
        catalogue[ref]
        for s in statements
        if s["Effect"] == "Allow"
        for ref in _referenced(s["Resource"])
        if ref in catalogue
    }
    allowed = set(spec.uses) | ({spec.trigger_queue} if spec.trigger_queue else set())
    assert reached == allowed


def test_ingest_reads_but_never_writes_the_inbox_and_only_puts_receipts(jm: Synthesised) -> None:
    statements = _statements(jm, SYSTEM.function("IngestFunction"))
    inbox = jm.logical_id(jm.stack.storage.buckets["InboxBucket"])
    receipts = jm.logical_id(jm.stack.storage.buckets["ReceiptsBucket"])
    inbox_actions = _actions_on(statements, inbox)
    assert "s3:GetObject*" in inbox_actions
    # The content is never rewritten: only the retention tag is set (docs/data-model.md#retention-and-legal-holds).
    assert not any(a.startswith(("s3:Put", "s3:Delete")) for a in inbox_actions - {"s3:PutObjectTagging"})
    assert "s3:PutObjectTagging" in inbox_actions
    receipt_actions = _actions_on(statements, receipts)
    assert "s3:PutObject" in receipt_actions
    assert not any(a.startswith(("s3:Get", "s3:Delete")) for a in receipt_actions)


def test_functions_have_no_dynamodb_access_to_tables_they_do_not_use(jm: Synthesised) -> None:
    tables = {jm.logical_id(t): lid for lid, t in jm.stack.storage.tables.items()}
    for spec in SYSTEM.functions:
        statements = _statements(jm, spec)
        for cfn_id, lid in tables.items():
            if lid not in spec.uses:
                assert not _actions_on(statements, cfn_id), f"{spec.logical_id} reaches {lid}"
        dynamo = [s for s in statements if any(str(a).startswith("dynamodb:") for a in _as_list(s["Action"]))]
        assert all(s["Resource"] != "*" for s in dynamo)


def test_the_api_can_put_uploads_but_not_read_the_inbox(jm: Synthesised) -> None:
    statements = _statements(jm, SYSTEM.function("ApiFunction"))
    inbox_actions = _actions_on(statements, jm.logical_id(jm.stack.storage.buckets["InboxBucket"]))
    assert "s3:PutObject" in inbox_actions
    assert not any(a.startswith("s3:Get") or a.startswith("s3:List") for a in inbox_actions)
    domain_actions = _actions_on(statements, jm.logical_id(jm.stack.search.domain))
    assert domain_actions == {"es:ESHttpGet", "es:ESHttpHead"}


def test_only_the_notify_function_may_send_email_and_only_as_the_country_sender(jm: Synthesised) -> None:
    domain = jm.country.alert_sender.rpartition("@")[2]
    for spec in SYSTEM.functions:
        ses = [s for s in _statements(jm, spec) if any(str(a).startswith("ses:") for a in _as_list(s["Action"]))]
        if spec.logical_id == "NotifyFunction":
            (statement,) = ses
            identity, configuration_set = statement["Resource"]  # the sender, and the set reporting bounces
            assert identity == f"arn:aws:ses:{jm.country.region}:{jm.country.account}:identity/{domain}"
            assert ":configuration-set/" in str(configuration_set)
        else:
            assert not ses, spec.logical_id


def test_wildcard_resources_are_limited_to_xray(jm: Synthesised) -> None:
    for spec in SYSTEM.functions:
        for statement in _statements(jm, spec):
            if statement["Resource"] == "*":
                assert all(str(a).startswith("xray:") for a in _as_list(statement["Action"])), statement


def test_the_score_function_may_only_tag_the_files_it_holds(jm: Synthesised) -> None:
    statements = _statements(jm, SYSTEM.function("ScoreFunction"))
    for bucket in ("InboxBucket", "ReceiptsBucket"):
        actions = _actions_on(statements, jm.logical_id(jm.stack.storage.buckets[bucket]))
        assert actions == {"s3:GetObjectTagging", "s3:PutObjectTagging"}, bucket


def test_the_api_may_send_rescoring_starts_to_the_score_queue_but_not_consume_it(jm: Synthesised) -> None:
    statements = _statements(jm, SYSTEM.function("ApiFunction"))
    actions = _actions_on(statements, jm.logical_id(jm.stack.messaging.queues["ScoreQueue"]))
    assert "sqs:SendMessage" in actions
    assert not any(a in actions for a in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:PurgeQueue"))
    assert "CTS_SCORE_QUEUE_URL" in SYSTEM.env_vars_for("ApiFunction")
