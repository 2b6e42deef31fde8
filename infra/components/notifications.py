"""The notify function's schedules and the SES bounce and complaint feedback, from the catalogue.

* ``SYSTEM.schedules``: one EventBridge rule per cadence (``rate(<n> minutes)``) or per digest time (a UTC cron
  from the country's local time), each targeting its function with the catalogue's exact event; the function's
  resource policy admits ``events.amazonaws.com`` for that rule's ARN only.
* ``SYSTEM.email_feedback``: an SES configuration set (its name handed to the e-mail senders) whose event
  destination publishes bounces and complaints to an SNS topic (KMS-encrypted, TLS only), which delivers the SNS
  envelope to the notify queue (the shape ``functions/notify/handler.py`` reads: ``{"Type": "Notification",
  "Message": "<SES event JSON>"}``).
"""

from __future__ import annotations

from datetime import date

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cts.config.country import CountryConfig
from cts.config.resources import SYSTEM, Cadence, EmailFeedback, Schedule

# EventBridge cron expressions are UTC: local digest times are converted for this day (see docs/notifications.md).
DIGEST_REFERENCE_DAY = date(2026, 1, 1)
_SES_EVENTS = {e.value.lower(): e for e in ses.EmailSendingEvent}


class EmailFeedbackTopic(Construct):
    """SES configuration set -> SNS topic -> notify queue (bounces and complaints)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, spec: EmailFeedback, queues: dict[str, sqs.Queue]
    ) -> None:
        super().__init__(scope, construct_id)
        self.spec = spec
        self.key = kms.Key(
            self,
            f"{spec.logical_id}Key",
            description="CTS: encrypts the SES bounce and complaint notifications topic",
            enable_key_rotation=True,
        )
        # SES publishes to an encrypted topic only if the key lets it (the AWS managed SNS key does not).
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(self).account}},
            )
        )
        self.topic = sns.Topic(
            self,
            spec.logical_id,
            display_name="CTS e-mail bounces and complaints",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.configuration_set = ses.ConfigurationSet(self, "EmailConfigurationSet")
        self.configuration_set.add_event_destination(
            "BouncesAndComplaints",
            destination=ses.EventDestination.sns_topic(self.topic),
            events=[_SES_EVENTS[e] for e in spec.events],
        )
        # Not raw: the queue receives the SNS envelope, whose Message is the SES event (what the handler reads).
        self.topic.add_subscription(subscriptions.SqsSubscription(queues[spec.queue], raw_message_delivery=False))

    @property
    def configuration_set_name(self) -> str:
        return self.configuration_set.configuration_set_name

    def configuration_set_arn(self) -> str:
        return cdk.Stack.of(self).format_arn(
            service="ses",
            resource="configuration-set",
            resource_name=self.configuration_set_name,
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )


class Schedules(Construct):
    """One EventBridge rule per catalogue schedule (per digest time for the digest cadence)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        country: CountryConfig,
        functions: dict[str, lambda_.Function],
    ) -> None:
        super().__init__(scope, construct_id)
        self.rules: dict[str, events.Rule] = {}
        for spec in SYSTEM.schedules:
            function = functions.get(spec.function)
            if function is None:
                raise LookupError(f"{spec.logical_id} targets {spec.function}, which this stack does not have")
            for suffix, expression in rule_expressions(spec, country):
                self._rule(spec, f"{spec.logical_id}{suffix}", expression, function)

    def _rule(self, spec: Schedule, rule_id: str, expression: events.Schedule, function: lambda_.Function) -> None:
        rule = events.Rule(
            self,
            rule_id,
            description=f"CTS {spec.function} {dict(spec.event)}: {spec.purpose}"[:512],
            schedule=expression,
        )
        rule.add_target(
            targets.LambdaFunction(
                function,
                event=events.RuleTargetInput.from_object(dict(spec.event)),
                retry_attempts=2,
                max_event_age=cdk.Duration.hours(1),
            )
        )
        self.rules[rule_id] = rule


def rule_expressions(spec: Schedule, country: CountryConfig) -> list[tuple[str, events.Schedule]]:
    """``(logical id suffix, schedule)`` of the rules ``spec`` needs in ``country``."""
    settings = country.notifications
    if spec.cadence is Cadence.EVERY:
        return [("", events.Schedule.rate(cdk.Duration.minutes(settings.escalation_every_minutes)))]
    return [
        (f"{t.hour:02d}{t.minute:02d}Utc", events.Schedule.cron(minute=str(t.minute), hour=str(t.hour)))
        for t in settings.utc_times(country.timezone, DIGEST_REFERENCE_DAY)
    ]
