"""Queues (each with its dead-letter queue and an alarm on it) and the S3 -> SQS notifications."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cts.config.resources import SYSTEM, Queue
from infra.components.nag import acknowledge

# Messages that failed max_receive_count times are kept for inspection and redrive.
DLQ_RETENTION = cdk.Duration.days(14)


class Messaging(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, buckets: dict[str, s3.Bucket]) -> None:
        super().__init__(scope, construct_id)
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for spec in SYSTEM.queues:
            self._queue(spec)
        for note in SYSTEM.notifications:
            buckets[note.bucket].add_event_notification(
                s3.EventType.OBJECT_CREATED,
                s3n.SqsDestination(self.queues[note.queue]),
                s3.NotificationKeyFilter(prefix=note.prefix),
            )
        if SYSTEM.notifications:
            _acknowledge_notifications_handler(cdk.Stack.of(self))

    def _queue(self, spec: Queue) -> None:
        dlq = sqs.Queue(
            self,
            f"{spec.logical_id}DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        queue = sqs.Queue(
            self,
            spec.logical_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=cdk.Duration.seconds(spec.visibility_timeout_s),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=spec.max_receive_count),
        )
        alarm = cloudwatch.Alarm(
            self,
            f"{spec.logical_id}DeadLettersAlarm",
            alarm_description=f"Messages of {spec.logical_id} ({spec.purpose}) failed "
            f"{spec.max_receive_count} times and wait in its dead-letter queue.",
            metric=dlq.metric_approximate_number_of_messages_visible(
                period=cdk.Duration.minutes(5), statistic=cloudwatch.Stats.MAXIMUM
            ),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.queues[spec.logical_id] = queue
        self.dead_letter_queues[spec.logical_id] = dlq
        self.alarms[spec.logical_id] = alarm


def _acknowledge_notifications_handler(stack: cdk.Stack) -> None:
    """CDK's singleton custom resource that writes the bucket notification configuration."""
    handler = next((c for c in stack.node.children if c.node.id.startswith("BucketNotificationsHandler")), None)
    if handler is None:  # pragma: no cover - depends on the CDK version
        return
    role = handler.node.find_child("Role")
    acknowledge(
        role,
        "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        "CDK's own BucketNotificationsHandler (deploy-time custom resource, not reachable by users) "
        "uses the basic execution role for its logs; its role is not configurable.",
    )
