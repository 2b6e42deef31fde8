"""The OpenSearch domain behind consignment search (locally the embedded engine plays its part)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchservice as opensearch
from constructs import Construct

from cts.config.country import CountryConfig
from cts.config.resources import SYSTEM
from infra.components.logging import log_group
from infra.components.nag import acknowledge

ENGINE = opensearch.EngineVersion.OPENSEARCH_2_19
# Small by default; a country with more traffic overrides with `-c cts:searchInstanceType=...`.
DEFAULT_INSTANCE_TYPE = "t3.small.search"
DEFAULT_NODES = 1
DEFAULT_VOLUME_GB = 10


class Search(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, country: CountryConfig) -> None:
        super().__init__(scope, construct_id)
        spec = SYSTEM.search
        instance_type = str(self.node.try_get_context("cts:searchInstanceType") or DEFAULT_INSTANCE_TYPE)
        nodes = int(self.node.try_get_context("cts:searchNodes") or DEFAULT_NODES)
        volume_gb = int(self.node.try_get_context("cts:searchVolumeGb") or DEFAULT_VOLUME_GB)
        zone_aware = nodes >= 2 and nodes % 2 == 0

        days = country.retention.logs_days
        slow_search = log_group(self, "SlowSearchLogs", days=days)
        slow_index = log_group(self, "SlowIndexLogs", days=days)
        app_logs = log_group(self, "ApplicationLogs", days=days)
        # Written here instead of by CDK's custom resource (a Lambda with a managed policy).
        log_policy = logs.ResourcePolicy(
            self,
            "LogsResourcePolicy",
            policy_statements=[
                iam.PolicyStatement(
                    principals=[iam.ServicePrincipal("es.amazonaws.com")],
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[slow_search.log_group_arn, slow_index.log_group_arn, app_logs.log_group_arn],
                    conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(self).account}},
                )
            ],
        )

        self.domain = opensearch.Domain(
            self,
            spec.logical_id,
            version=ENGINE,
            capacity=opensearch.CapacityConfig(
                data_node_instance_type=instance_type,
                data_nodes=nodes,
                multi_az_with_standby_enabled=False,
            ),
            zone_awareness=opensearch.ZoneAwarenessConfig(enabled=zone_aware, availability_zone_count=2)
            if zone_aware
            else opensearch.ZoneAwarenessConfig(enabled=False),
            ebs=opensearch.EbsOptions(volume_size=volume_gb, volume_type=ec2.EbsDeviceVolumeType.GP3),
            encryption_at_rest=opensearch.EncryptionAtRestOptions(enabled=True),
            node_to_node_encryption=True,
            enforce_https=True,
            tls_security_policy=opensearch.TLSSecurityPolicy.TLS_1_2,
            logging=opensearch.LoggingOptions(
                slow_search_log_enabled=True,
                slow_search_log_group=slow_search,
                slow_index_log_enabled=True,
                slow_index_log_group=slow_index,
                app_log_enabled=True,
                app_log_group=app_logs,
            ),
            suppress_logs_resource_policy=True,
            enable_auto_software_update=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.domain.node.add_dependency(log_policy)
        self.url = cdk.Fn.join("", ["https://", self.domain.domain_endpoint])

        acknowledge(
            self.domain,
            "OS1",
            "The functions run outside a VPC, so the domain has a public endpoint; every request must be "
            "SigV4-signed by a role that was granted es:ESHttp* (see the functions' grants), HTTPS only.",
        )
        acknowledge(
            self.domain,
            "OS3",
            "Callers are Lambda functions without fixed IP addresses; access is restricted by IAM "
            "(signed requests from the granted roles) instead of an IP allow list.",
        )
        acknowledge(
            self.domain,
            "OS5",
            "No domain access policy is set, so nothing is open to anonymous or unsigned requests: only "
            "IAM identities whose policies grant es:ESHttp* on this domain (the catalogue's users) get in.",
        )
        acknowledge(
            self.domain,
            "OS4",
            "A small search index whose documents are projections of the records table (the system of "
            "record) does not justify three dedicated master nodes; add them for large countries.",
        )
        if not zone_aware:
            acknowledge(
                self.domain,
                "OS7",
                "One data node by default (cost of a small customs administration); the records table, "
                "not the index, is the system of record. Set -c cts:searchNodes=2 for two zones.",
            )
