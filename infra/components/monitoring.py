"""Operations: one CloudWatch dashboard and the alarms, which notify the country's ops mailbox through SNS.

Alarms (each on an SNS topic, KMS-encrypted, TLS only; the country's ``operations.alarm_email`` subscribed):

* every dead-letter queue has a message (Messaging made those alarms; the topic is added here);
* a queue's oldest message waits longer than :data:`QUEUE_AGE_S` (the pipeline is stuck or too slow);
* a function fails whole invocations (``Errors``) or is throttled (its reservation is too small);
* the API answers 5xx, or its p99 latency is high;
* a state machine execution fails or times out;
* the OpenSearch domain is red, blocks writes, runs out of disk or of JVM heap.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_opensearchservice as opensearch
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from cts.config.country import CountryConfig

FIVE_MINUTES = cdk.Duration.minutes(5)
QUEUE_AGE_S = 900  # a message older than 15 minutes: alerts risk arriving after the vessel
FUNCTION_ERRORS = 5  # whole-invocation failures per 5 minutes (batch item failures are retried, not errors)
API_5XX = 5  # per 5 minutes
API_P99_MS = 5000
SEARCH_FREE_SPACE_SHARE = 0.25  # alarm when less than a quarter of a data node's volume is free
SEARCH_JVM_PRESSURE = 85


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        country: CountryConfig,
        queues: dict[str, sqs.Queue],
        dead_letter_queues: dict[str, sqs.Queue],
        dead_letter_alarms: dict[str, cloudwatch.Alarm],
        functions: dict[str, lambda_.Function],
        state_machines: dict[str, sfn.StateMachine],
        api: apigw.RestApi | None,
        web_acl: wafv2.CfnWebACL | None,
        domain: opensearch.Domain | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.country = country
        self.key = kms.Key(
            self, "AlarmTopicKey", description="CTS: encrypts the alarm notifications topic", enable_key_rotation=True
        )
        # CloudWatch publishes to an encrypted topic only if the key lets it (the statement AWS documents for alarm
        # actions on encrypted topics; only this stack's topic uses the key, and only SNS decrypts its messages).
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )
        self.topic = sns.Topic(
            self, "AlarmTopic", display_name=f"CTS {country.code} alarms", master_key=self.key, enforce_ssl=True
        )
        if country.operations.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(country.operations.alarm_email))
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for name, alarm in dead_letter_alarms.items():
            self._notify(f"{name}DeadLetters", alarm)

        queue_widgets = self._queues(queues, dead_letter_queues)
        function_widgets = self._functions(functions)
        workflow_widgets = self._state_machines(state_machines)
        api_widgets = self._api(api, web_acl) if api is not None else []
        search_widgets = self._search(domain) if domain is not None else []

        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            default_interval=cdk.Duration.hours(6),
            widgets=[
                [cloudwatch.TextWidget(markdown=f"# CTS {country.name} ({country.code})", width=24, height=1)],
                queue_widgets,
                function_widgets,
                api_widgets + workflow_widgets,
                search_widgets,
                [cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms.values()), width=24, height=6)],
            ],
        )

    # -- helpers ------------------------------------------------------------------------------------

    def _notify(self, name: str, alarm: cloudwatch.Alarm) -> cloudwatch.Alarm:
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
        self.alarms[name] = alarm
        return alarm

    def _alarm(
        self,
        name: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        *,
        periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            f"{name}Alarm",
            alarm_description=f"CTS {self.country.code}: {description}",
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        return self._notify(name, alarm)

    # -- sections -----------------------------------------------------------------------------------

    def _queues(self, queues: dict[str, sqs.Queue], dlqs: dict[str, sqs.Queue]) -> list[cloudwatch.IWidget]:
        for name, queue in queues.items():
            self._alarm(
                f"{name}Age",
                queue.metric_approximate_age_of_oldest_message(period=FIVE_MINUTES, statistic="Maximum"),
                QUEUE_AGE_S,
                f"the oldest message of {name} waits longer than {QUEUE_AGE_S // 60} minutes",
                periods=2,
            )
        return [
            cloudwatch.GraphWidget(
                title="Queue depth (visible messages)",
                left=[
                    q.metric_approximate_number_of_messages_visible(label=n, period=FIVE_MINUTES)
                    for n, q in queues.items()
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Oldest message (s)",
                left=[
                    q.metric_approximate_age_of_oldest_message(label=n, period=FIVE_MINUTES) for n, q in queues.items()
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Dead-letter queues (visible messages)",
                left=[
                    q.metric_approximate_number_of_messages_visible(label=n, period=FIVE_MINUTES)
                    for n, q in dlqs.items()
                ],
                width=8,
            ),
        ]

    def _functions(self, functions: dict[str, lambda_.Function]) -> list[cloudwatch.IWidget]:
        for name, function in functions.items():
            self._alarm(
                f"{name}Errors",
                function.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
                FUNCTION_ERRORS,
                f"{name} failed {FUNCTION_ERRORS}+ whole invocations in 5 minutes",
            )
            self._alarm(
                f"{name}Throttles",
                function.metric_throttles(period=FIVE_MINUTES, statistic="Sum"),
                1,
                f"{name} was throttled (reserved concurrency or the account's limit)",
                periods=2,
            )
        return [
            cloudwatch.GraphWidget(
                title="Lambda errors",
                left=[f.metric_errors(label=n, period=FIVE_MINUTES, statistic="Sum") for n, f in functions.items()],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Lambda duration p95 (ms)",
                left=[f.metric_duration(label=n, period=FIVE_MINUTES, statistic="p95") for n, f in functions.items()],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Lambda throttles",
                left=[f.metric_throttles(label=n, period=FIVE_MINUTES, statistic="Sum") for n, f in functions.items()],
                width=8,
            ),
        ]

    def _api(self, api: apigw.RestApi, web_acl: wafv2.CfnWebACL | None) -> list[cloudwatch.IWidget]:
        self._alarm(
            "Api5xx", api.metric_server_error(period=FIVE_MINUTES, statistic="Sum"), API_5XX, "the API answers 5xx"
        )
        self._alarm(
            "ApiLatency",
            api.metric_latency(period=FIVE_MINUTES, statistic="p99"),
            API_P99_MS,
            f"the API's p99 latency is above {API_P99_MS} ms",
            periods=3,
        )
        widgets: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title="API requests and errors",
                left=[
                    api.metric_count(label="requests", period=FIVE_MINUTES),
                    api.metric_client_error(label="4xx", period=FIVE_MINUTES),
                    api.metric_server_error(label="5xx", period=FIVE_MINUTES),
                ],
                width=6,
            ),
            cloudwatch.GraphWidget(
                title="API latency (ms)",
                left=[api.metric_latency(label=s, statistic=s, period=FIVE_MINUTES) for s in ("p50", "p99")],
                width=6,
            ),
        ]
        if web_acl is not None:
            widgets.append(
                cloudwatch.GraphWidget(
                    title="WAF blocked requests",
                    left=[
                        cloudwatch.Metric(
                            namespace="AWS/WAFV2",
                            metric_name="BlockedRequests",
                            dimensions_map={
                                # the Ref of a web ACL is name|id|scope; the metric names the ACL by name
                                "WebACL": cdk.Fn.select(0, cdk.Fn.split("|", web_acl.ref)),
                                "Region": cdk.Stack.of(self).region,
                                "Rule": "ALL",
                            },
                            statistic="Sum",
                            period=FIVE_MINUTES,
                        )
                    ],
                    width=6,
                )
            )
        return widgets

    def _state_machines(self, machines: dict[str, sfn.StateMachine]) -> list[cloudwatch.IWidget]:
        for name, machine in machines.items():
            self._alarm(
                f"{name}Failed",
                machine.metric_failed(period=FIVE_MINUTES, statistic="Sum"),
                1,
                f"a {name} execution failed",
            )
            self._alarm(
                f"{name}TimedOut",
                machine.metric_timed_out(period=FIVE_MINUTES, statistic="Sum"),
                1,
                f"a {name} execution timed out",
            )
        return [
            cloudwatch.GraphWidget(
                title="State machine executions",
                left=[
                    metric
                    for n, m in machines.items()
                    for metric in (
                        m.metric_started(label=f"{n} started", period=FIVE_MINUTES),
                        m.metric_failed(label=f"{n} failed", period=FIVE_MINUTES),
                        m.metric_timed_out(label=f"{n} timed out", period=FIVE_MINUTES),
                    )
                ],
                width=6,
            )
        ]

    def _search(self, domain: opensearch.Domain) -> list[cloudwatch.IWidget]:
        one_minute = cdk.Duration.minutes(1)
        volume_mb = self.country.search.volume_gb * 1024
        self._alarm(
            "SearchRed",
            domain.metric_cluster_status_red(period=one_minute, statistic="Maximum"),
            1,
            "the search domain is red (a primary shard is unassigned): search and indexing fail",
        )
        self._alarm(
            "SearchWritesBlocked",
            domain.metric_cluster_index_writes_blocked(period=FIVE_MINUTES, statistic="Maximum"),
            1,
            "the search domain blocks writes: new assessments are not searchable",
        )
        self._alarm(
            "SearchFreeSpace",
            domain.metric_free_storage_space(period=FIVE_MINUTES, statistic="Minimum"),
            volume_mb * SEARCH_FREE_SPACE_SHARE,
            f"a search node has less than {int(SEARCH_FREE_SPACE_SHARE * 100)}% of its disk free",
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        )
        self._alarm(
            "SearchJvmPressure",
            domain.metric_jvm_memory_pressure(period=FIVE_MINUTES, statistic="Maximum"),
            SEARCH_JVM_PRESSURE,
            f"the search domain's JVM memory pressure is above {SEARCH_JVM_PRESSURE}%",
            periods=3,
        )
        return [
            cloudwatch.GraphWidget(
                title="Search cluster health",
                left=[
                    domain.metric_cluster_status_red(label="red", period=one_minute),
                    domain.metric_cluster_status_yellow(label="yellow", period=one_minute),
                    domain.metric_cluster_index_writes_blocked(label="writes blocked", period=one_minute),
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Search CPU and JVM (%)",
                left=[
                    domain.metric_cpu_utilization(label="CPU", period=FIVE_MINUTES),
                    domain.metric_jvm_memory_pressure(label="JVM", period=FIVE_MINUTES),
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Search free storage (MB)",
                left=[domain.metric_free_storage_space(label="free", period=FIVE_MINUTES)],
                width=8,
            ),
        ]
