"""The notify function's schedules (EventBridge rules) and the SES bounce and complaint feedback (configuration set
-> SNS topic -> notify queue), synthesised from the catalogue for every country."""

from __future__ import annotations

import json
from typing import Any

from cts.config.resources import SYSTEM, Cadence
from infra.components.notifications import DIGEST_REFERENCE_DAY
from infra_testkit import Synthesised


def _rules(synth: Synthesised) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in synth.of_type("AWS::Events::Rule").items()}


def _notify(synth: Synthesised) -> str:
    return synth.logical_id(synth.stack.functions["NotifyFunction"])


def test_every_schedule_of_the_catalogue_is_a_rule_invoking_its_function_with_its_exact_event(
    synth: Synthesised,
) -> None:
    settings = synth.country.notifications
    by_input: dict[str, list[str]] = {}
    for props in _rules(synth).values():
        (target,) = props["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [_notify(synth), "Arn"]}
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
        assert props["State"] == "ENABLED"
        by_input.setdefault(target["Input"], []).append(props["ScheduleExpression"])
    escalate = next(s for s in SYSTEM.schedules if s.cadence is Cadence.EVERY)
    digest = next(s for s in SYSTEM.schedules if s.cadence is Cadence.DIGEST_TIMES)
    assert json.loads(next(iter(by_input))) in (escalate.event, digest.event)
    assert by_input[json.dumps(escalate.event, separators=(",", ":"))] == [
        f"rate({settings.escalation_every_minutes} minutes)"
    ]
    utc = settings.utc_times(synth.country.timezone, DIGEST_REFERENCE_DAY)
    assert sorted(by_input[json.dumps(digest.event, separators=(",", ":"))]) == sorted(
        f"cron({t.minute} {t.hour} * * ? *)" for t in utc
    )
    assert set(by_input) == {json.dumps(s.event, separators=(",", ":")) for s in SYSTEM.schedules}


def test_the_digest_rules_fire_at_the_countrys_local_times_in_utc(synth: Synthesised) -> None:
    expressions = sorted(
        p["ScheduleExpression"] for p in _rules(synth).values() if "digest" in p["Targets"][0]["Input"]
    )
    expected = {
        "JM": ["cron(0 12 * * ? *)", "cron(0 17 * * ? *)", "cron(0 21 * * ? *)"],  # 07:00, 12:00, 16:00 UTC-5
        "LK": ["cron(30 11 * * ? *)", "cron(30 2 * * ? *)", "cron(30 7 * * ? *)"],  # 08:00, 13:00, 17:00 UTC+5:30
    }
    assert expressions == expected[synth.country.code]


def test_each_rule_and_only_the_rules_may_invoke_the_notify_function(synth: Synthesised) -> None:
    rules = set(_rules(synth))
    permissions = [
        p["Properties"]
        for p in synth.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [_notify(synth), "Arn"]}
    ]
    assert {p["Principal"] for p in permissions} == {"events.amazonaws.com"}
    assert all(p["Action"] == "lambda:InvokeFunction" for p in permissions)
    assert sorted(p["SourceArn"]["Fn::GetAtt"][0] for p in permissions) == sorted(rules)


def test_ses_bounces_and_complaints_reach_the_notify_queue_as_the_sns_envelope_the_handler_reads(
    synth: Synthesised,
) -> None:
    feedback = synth.stack.email_feedback
    assert feedback is not None
    topic = synth.logical_id(feedback.topic)
    queue = synth.logical_id(synth.stack.messaging.queues["NotifyQueue"])
    config_set = synth.logical_id(feedback.configuration_set)

    (destination,) = synth.of_type("AWS::SES::ConfigurationSetEventDestination").values()
    props = destination["Properties"]
    assert props["ConfigurationSetName"] == {"Ref": config_set}
    assert sorted(props["EventDestination"]["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert props["EventDestination"]["SnsDestination"] == {"TopicARN": {"Ref": topic}}

    (subscription,) = [
        s for s in synth.of_type("AWS::SNS::Subscription").values() if s["Properties"]["TopicArn"] == {"Ref": topic}
    ]
    assert subscription["Properties"] == {
        "Endpoint": {"Fn::GetAtt": [queue, "Arn"]},
        "Protocol": "sqs",
        "RawMessageDelivery": False,  # the envelope: {"Type": "Notification", "Message": "<SES event>"}
        "TopicArn": {"Ref": topic},
    }

    # SES may publish only from this configuration set, SNS may send only from this topic, over TLS only.
    (topic_policy,) = [
        p for p in synth.of_type("AWS::SNS::TopicPolicy").values() if p["Properties"]["Topics"] == [{"Ref": topic}]
    ]
    statements = topic_policy["Properties"]["PolicyDocument"]["Statement"]
    (ses_publish,) = [s for s in statements if s["Effect"] == "Allow"]
    assert ses_publish["Principal"] == {"Service": "ses.amazonaws.com"}
    assert ses_publish["Action"] == "sns:Publish"
    assert config_set in json.dumps(ses_publish["Condition"])
    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s) for s in statements)
    queue_policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.of_type("AWS::SQS::QueuePolicy").values()
        if {"Ref": queue} in p["Properties"]["Queues"]
    ]
    (sns_send,) = [s for ss in queue_policies for s in ss if s.get("Principal") == {"Service": "sns.amazonaws.com"}]
    assert sns_send["Action"] == "sqs:SendMessage"
    assert sns_send["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": topic}}}

    # The topic is encrypted with a rotated key SES may use (the AWS managed SNS key would refuse it).
    key = synth.logical_id(feedback.key)
    assert synth.resources[topic]["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key, "Arn"]}
    assert synth.resources[key]["Properties"]["EnableKeyRotation"] is True
    key_statements = synth.resources[key]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s.get("Principal") == {"Service": "ses.amazonaws.com"} for s in key_statements)


def test_the_notify_function_sends_through_the_configuration_set_and_may_use_it(synth: Synthesised) -> None:
    feedback = synth.stack.email_feedback
    assert feedback is not None
    config_set = synth.logical_id(feedback.configuration_set)
    props = synth.resources[_notify(synth)]["Properties"]
    assert props["Environment"]["Variables"][SYSTEM.email_feedback.env_var] == {"Ref": config_set}  # type: ignore[union-attr]
    role = synth.stack.functions["NotifyFunction"].role
    assert role is not None
    role_id = synth.stack.get_logical_id(role.node.default_child)
    statements = [
        s
        for p in synth.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "ses:SendEmail" in s["Action"]
    ]
    (statement,) = statements
    assert config_set in json.dumps(statement["Resource"])
    for other in SYSTEM.functions:
        if other.logical_id != "NotifyFunction" and other.logical_id in synth.stack.functions:
            env = synth.resources[synth.logical_id(synth.stack.functions[other.logical_id])]["Properties"]
            assert SYSTEM.email_feedback.env_var not in env["Environment"]["Variables"]  # type: ignore[union-attr]
