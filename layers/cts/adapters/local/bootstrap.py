"""Create the catalogue's resources in local AWS (moto), exactly as the CDK stack declares them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import boto3

from cts.adapters.local.paths import repo_root
from cts.config.country import CountryConfig
from cts.config.resources import SYSTEM, SystemSpec
from cts.config.statemachines import render_definition

ACCOUNT = "123456789012"  # moto's default account


@dataclass
class LocalResources:
    """What was created, as the environment variables the functions read."""

    env: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)  # logical id -> URL
    queue_arns: dict[str, str] = field(default_factory=dict)
    topic_arns: dict[str, str] = field(default_factory=dict)  # logical id -> ARN


def physical_name(prefix: str, logical_id: str) -> str:
    """A readable local name: ``cts-jm-inbox-bucket`` from ``InboxBucket``."""
    words = re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()
    return f"{prefix}-{words}"


def bootstrap(country: CountryConfig, endpoint_url: str | None, spec: SystemSpec = SYSTEM) -> LocalResources:
    session = boto3.session.Session(region_name=country.region)

    def aws(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url)  # type: ignore[call-overload]

    prefix = f"cts-{country.code.lower()}"
    out = LocalResources()
    names: dict[str, str] = {}
    s3, sqs, ddb = aws("s3"), aws("sqs"), aws("dynamodb")
    for bucket in spec.buckets:
        name = physical_name(prefix, bucket.logical_id)
        kwargs = (
            {}
            if country.region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": country.region}}
        )
        s3.create_bucket(Bucket=name, **kwargs)
        if bucket.versioned:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        names[bucket.logical_id] = out.env[bucket.env_var] = name
    for queue in spec.queues:
        name = physical_name(prefix, queue.logical_id)
        dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count})
        attributes = {"VisibilityTimeout": str(queue.visibility_timeout_s), "RedrivePolicy": redrive}
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        out.queue_urls[queue.logical_id], out.queue_arns[queue.logical_id] = url, arn
        out.queue_urls[f"{queue.logical_id}Dlq"] = dlq_url
        names[queue.logical_id] = out.env[queue.env_var] = url
    for table in spec.tables:
        name = physical_name(prefix, table.logical_id)
        _create_table(ddb, name, table)
        names[table.logical_id] = out.env[table.env_var] = name
    for note in spec.notifications:
        s3.put_bucket_notification_configuration(
            Bucket=names[note.bucket],
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": out.queue_arns[note.queue],
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": note.prefix}]}},
                    }
                ]
            },
        )
    sfn = aws("stepfunctions")
    for machine in spec.state_machines:
        text = (repo_root() / "statemachines" / machine.definition).read_text(encoding="utf-8")
        definition = render_definition(text, {k: names[v] for k, v in machine.substitutions.items()})
        arn = sfn.create_state_machine(
            name=physical_name(prefix, machine.logical_id),
            definition=definition,
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{prefix}-case-workflow",
        )["stateMachineArn"]
        names[machine.logical_id] = out.env[machine.env_var] = arn
    _user_pool(aws("cognito-idp"), prefix, spec, out)
    aws("ses").verify_email_identity(EmailAddress=country.alert_sender)
    if spec.email_feedback is not None:
        _email_feedback(aws("ses"), aws("sns"), prefix, spec, out)
    return out


def _email_feedback(ses: Any, sns: Any, prefix: str, spec: SystemSpec, out: LocalResources) -> None:
    """As the CDK stack: a configuration set whose event destination publishes bounces and complaints to a topic
    that delivers the SNS envelope (not raw) to the notify queue."""
    feedback = spec.email_feedback
    assert feedback is not None
    topic_arn = sns.create_topic(Name=physical_name(prefix, feedback.logical_id))["TopicArn"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=out.queue_arns[feedback.queue],
        Attributes={"RawMessageDelivery": "false"},
    )
    name = f"{prefix}-email"
    ses.create_configuration_set(ConfigurationSet={"Name": name})
    ses.create_configuration_set_event_destination(
        ConfigurationSetName=name,
        EventDestination={
            "Name": "bounces-and-complaints",
            "Enabled": True,
            "MatchingEventTypes": list(feedback.events),
            "SNSDestination": {"TopicARN": topic_arn},
        },
    )
    out.topic_arns[feedback.logical_id] = topic_arn
    out.env[feedback.env_var] = name


def _create_table(ddb: Any, name: str, table: Any) -> None:
    attrs = {table.partition_key}
    schema = [{"AttributeName": table.partition_key, "KeyType": "HASH"}]
    if table.sort_key:
        attrs.add(table.sort_key)
        schema.append({"AttributeName": table.sort_key, "KeyType": "RANGE"})
    gsis = []
    for index in table.indexes:
        key = [{"AttributeName": index.partition_key, "KeyType": "HASH"}]
        attrs.add(index.partition_key)
        if index.sort_key:
            attrs.add(index.sort_key)
            key.append({"AttributeName": index.sort_key, "KeyType": "RANGE"})
        projection: dict[str, Any] = {"ProjectionType": "ALL"}
        if index.include is not None:
            projection = {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.include)}
        gsis.append({"IndexName": index.name, "KeySchema": key, "Projection": projection})
    kwargs: dict[str, Any] = {"GlobalSecondaryIndexes": gsis} if gsis else {}
    ddb.create_table(
        TableName=name,
        KeySchema=schema,
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in sorted(attrs)],
        BillingMode="PAY_PER_REQUEST",
        **kwargs,
    )
    if table.ttl_attribute:
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute}
        )


def _user_pool(idp: Any, prefix: str, spec: SystemSpec, out: LocalResources) -> None:
    pool = spec.user_pool
    pool_id = idp.create_user_pool(
        PoolName=physical_name(prefix, pool.logical_id),
        Schema=[{"Name": "carrier_id", "AttributeDataType": "String", "Mutable": True}],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{prefix}-web",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    for group in pool.groups:
        idp.create_group(GroupName=group, UserPoolId=pool_id)
    out.env[pool.env_var] = pool_id
    out.env[pool.client_env_var] = client_id
