"""The search engine behind consignment search (locally the embedded engine plays its part).

The country's ``search.engine`` picks one of two:

* ``domain`` (default): an OpenSearch Service domain sized by the country file (instance type, data nodes, volume,
  0/3/5 dedicated masters), encrypted at rest and node to node, HTTPS only (TLS 1.2), with **fine-grained access
  control**: the IAM role of a small custom resource function is the master user, and that function writes two
  OpenSearch roles and maps the functions' IAM roles to them (``cts_writer``: everything on ``consignments*``;
  ``cts_reader``: read and search only). A request therefore needs both an IAM grant (es:ESHttp* on this domain)
  and an OpenSearch role: the API's role cannot write even if an IAM policy were widened by mistake.
* ``serverless``: an OpenSearch Serverless search collection (AWS-owned encryption key, HTTPS endpoint) whose data
  access policy names the same roles with the same split (write: documents and indexes; read: documents).
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchserverless as aoss
from aws_cdk import aws_opensearchservice as opensearch
from constructs import Construct

from cts.config.country import CountryConfig, SearchEngine
from cts.config.resources import SYSTEM, Access
from infra.components.logging import log_group
from infra.components.nag import acknowledge, arn_wildcard

ENGINE = opensearch.EngineVersion.OPENSEARCH_2_19
INDEX_PATTERN = "consignments*"  # the alias and its versioned indexes (cts.adapters.opensearch_search)
HANDLER_DIR = Path(__file__).resolve().parent.parent / "custom_resources" / "search_access"
WRITER, READER = "cts_writer", "cts_reader"
FGAC_ROLES = {
    WRITER: {
        "cluster_permissions": ["cluster_composite_ops", "cluster_monitor", "indices:data/write/reindex"],
        "index_permissions": [{"index_patterns": [INDEX_PATTERN], "allowed_actions": ["indices_all"]}],
    },
    READER: {
        "cluster_permissions": ["cluster_composite_ops_ro"],
        "index_permissions": [
            {
                "index_patterns": [INDEX_PATTERN],
                "allowed_actions": ["read", "indices_monitor", "indices:admin/get", "indices:admin/aliases/get"],
            }
        ],
    },
}
SERVERLESS_PERMISSIONS = {
    WRITER: [
        "aoss:CreateIndex",
        "aoss:UpdateIndex",
        "aoss:DescribeIndex",
        "aoss:ReadDocument",
        "aoss:WriteDocument",
    ],
    READER: ["aoss:DescribeIndex", "aoss:ReadDocument"],
}


def fgac_role(access: Access) -> str:
    return READER if access is Access.READ else WRITER


class Search(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, country: CountryConfig) -> None:
        super().__init__(scope, construct_id)
        self.country = country
        self.settings = country.search
        self.domain: opensearch.Domain | None = None
        self.collection: aoss.CfnCollection | None = None
        self.master_role: iam.Role | None = None
        self.mappings: dict[str, list[iam.IRole]] = {WRITER: [], READER: []}
        if self.settings.engine is SearchEngine.SERVERLESS:
            self.url = self._collection()
        else:
            self.url = self._domain()

    # -- an OpenSearch Service domain ---------------------------------------------------------------

    def _domain(self) -> str:
        spec, settings = SYSTEM.search, self.settings
        days = self.country.retention.logs_days
        slow_search = log_group(self, "SlowSearchLogs", days=days)
        slow_index = log_group(self, "SlowIndexLogs", days=days)
        app_logs = log_group(self, "ApplicationLogs", days=days)
        audit_logs = log_group(self, "AuditLogs", days=days)
        # Written here instead of by CDK's custom resource (a Lambda with a managed policy).
        log_policy = logs.ResourcePolicy(
            self,
            "LogsResourcePolicy",
            policy_statements=[
                iam.PolicyStatement(
                    principals=[iam.ServicePrincipal("es.amazonaws.com")],
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[g.log_group_arn for g in (slow_search, slow_index, app_logs, audit_logs)],
                    conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(self).account}},
                )
            ],
        )
        self.master_role = iam.Role(
            self,
            "AccessAdminRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="CTS search: the domain's fine-grained access control master user (writes the roles)",
        )
        masters = settings.dedicated_master_nodes
        self.domain = opensearch.Domain(
            self,
            spec.logical_id,
            version=ENGINE,
            capacity=opensearch.CapacityConfig(
                data_node_instance_type=settings.instance_type,
                data_nodes=settings.data_nodes,
                master_nodes=masters or None,
                master_node_instance_type=settings.master_instance_type if masters else None,
                multi_az_with_standby_enabled=False,
            ),
            zone_awareness=opensearch.ZoneAwarenessConfig(enabled=True, availability_zone_count=2)
            if settings.zone_aware
            else opensearch.ZoneAwarenessConfig(enabled=False),
            ebs=opensearch.EbsOptions(volume_size=settings.volume_gb, volume_type=ec2.EbsDeviceVolumeType.GP3),
            encryption_at_rest=opensearch.EncryptionAtRestOptions(enabled=True),
            node_to_node_encryption=True,
            enforce_https=True,
            tls_security_policy=opensearch.TLSSecurityPolicy.TLS_1_2,
            fine_grained_access_control=opensearch.AdvancedSecurityOptions(master_user_arn=self.master_role.role_arn),
            logging=opensearch.LoggingOptions(
                slow_search_log_enabled=True,
                slow_search_log_group=slow_search,
                slow_index_log_enabled=True,
                slow_index_log_group=slow_index,
                app_log_enabled=True,
                app_log_group=app_logs,
                audit_log_enabled=True,
                audit_log_group=audit_logs,
            ),
            suppress_logs_resource_policy=True,
            enable_auto_software_update=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.domain.node.add_dependency(log_policy)

        acknowledge(
            self.domain,
            "OS1",
            "The functions run outside a VPC (no NAT or endpoints to pay for), so the domain has a public endpoint; "
            "fine-grained access control plus IAM: every request is SigV4-signed by a role that holds es:ESHttp* "
            "on this domain and is mapped to an OpenSearch role; HTTPS only.",
        )
        acknowledge(
            self.domain,
            "OS3",
            "Callers are Lambda functions without fixed IP addresses; access is restricted by IAM (signed "
            "requests) and fine-grained access control roles instead of an IP allow list.",
        )
        acknowledge(
            self.domain,
            "OS5",
            "No domain access policy is set, so nothing is open to anonymous or unsigned requests: only IAM "
            "identities granted es:ESHttp* on this domain, mapped to a fine-grained access control role, get in.",
        )
        if not masters:
            acknowledge(
                self.domain,
                "OS4",
                f"{self.country.code} runs a small index (search.dedicated_master_nodes: 0); the records table, not "
                "the index, is the system of record. Set 3 dedicated masters in the country file for large ones.",
            )
        if not settings.zone_aware:
            acknowledge(
                self.domain,
                "OS7",
                f"{self.country.code} runs {settings.data_nodes} data node(s) (cost of a small administration); the "
                "records table is the system of record and a lost index is rebuilt. Set an even data_nodes for two "
                "zones.",
            )
        return cdk.Fn.join("", ["https://", self.domain.domain_endpoint])

    def map_roles(self) -> cdk.CustomResource | None:
        """Write the fine-grained access control roles and their mappings (after every grant was made)."""
        if self.domain is None or self.master_role is None:
            return None
        function_logs = log_group(self, "AccessFunctionLogs", days=self.country.retention.logs_days)
        function_logs.grant_write(self.master_role)
        security_api = f"{self.domain.domain_arn}/_plugins/_security/api"
        self.master_role.add_to_policy(
            iam.PolicyStatement(
                actions=["es:ESHttpPut"],
                resources=[
                    f"{security_api}/{kind}/{name}" for kind in ("roles", "rolesmapping") for name in FGAC_ROLES
                ],
            )
        )
        function = lambda_.Function(
            self,
            "AccessFunction",
            description="CTS search: writes the OpenSearch roles of the functions (CloudFormation custom resource)",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            code=lambda_.Code.from_asset(str(HANDLER_DIR), exclude=["__pycache__", "*.pyc"]),
            handler="handler.handler",
            timeout=cdk.Duration.minutes(2),
            memory_size=256,
            role=self.master_role,
            log_group=function_logs,
        )
        acknowledge(
            function,
            "L1",
            "Pinned to Python 3.12 like the other functions (infra/components/compute.py RUNTIME); upgraded together.",
        )
        resource = cdk.CustomResource(
            self,
            "AccessRoles",
            service_token=function.function_arn,
            resource_type="Custom::CtsSearchAccess",
            properties={
                "Endpoint": self.url,
                "Roles": json.dumps(FGAC_ROLES, sort_keys=True),
                "Mappings": cdk.Fn.to_json_string(
                    {name: [r.role_arn for r in roles] for name, roles in self.mappings.items()}
                ),
            },
        )
        resource.node.add_dependency(self.domain)
        return resource

    # -- an OpenSearch Serverless collection --------------------------------------------------------

    def _collection(self) -> str:
        # OpenSearch Serverless requires names for collections and policies (no generated names): derived from the
        # country, unique in the account and region as long as one stack per country is deployed there.
        name = f"cts-{self.country.code.lower()}-search"
        encryption = aoss.CfnSecurityPolicy(
            self,
            "EncryptionPolicy",
            name=f"{name}-enc",
            type="encryption",
            policy=json.dumps(
                {"Rules": [{"ResourceType": "collection", "Resource": [f"collection/{name}"]}], "AWSOwnedKey": True}
            ),
        )
        network = aoss.CfnSecurityPolicy(
            self,
            "NetworkPolicy",
            name=f"{name}-net",
            type="network",
            policy=json.dumps(
                [
                    {
                        "Rules": [{"ResourceType": "collection", "Resource": [f"collection/{name}"]}],
                        "AllowFromPublic": True,
                    }
                ]
            ),
        )
        self.collection = aoss.CfnCollection(
            self, SYSTEM.search.logical_id, name=name, type="SEARCH", standby_replicas="ENABLED"
        )
        self.collection.add_dependency(encryption)
        self.collection.add_dependency(network)
        self.collection.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        self._collection_name = name
        return self.collection.attr_collection_endpoint

    def _data_access_policy(self) -> aoss.CfnAccessPolicy | None:
        if self.collection is None:
            return None
        name = self._collection_name
        rules = [
            {
                "Description": f"{role}: the CTS functions that {'read' if role == READER else 'write'} the index",
                "Rules": [
                    {
                        "ResourceType": "index",
                        "Resource": [f"index/{name}/{INDEX_PATTERN}"],
                        "Permission": SERVERLESS_PERMISSIONS[role],
                    }
                ],
                "Principal": [r.role_arn for r in roles],
            }
            for role, roles in sorted(self.mappings.items())
            if roles
        ]
        return aoss.CfnAccessPolicy(
            self, "DataAccessPolicy", name=f"{name}-data", type="data", policy=cdk.Fn.to_json_string(rules)
        )

    # -- grants -------------------------------------------------------------------------------------

    def grant(self, role: iam.IRole, access: Access) -> None:
        """IAM access to the engine for ``role``, and its place in the engine's own access control."""
        self.mappings[fgac_role(access)].append(role)
        if self.domain is not None:
            grant = {Access.READ: "grant_read", Access.WRITE: "grant_write", Access.READ_WRITE: "grant_read_write"}
            getattr(self.domain, grant[access])(role)
            acknowledge(
                role,
                arn_wildcard(self.domain, "/*"),
                "OpenSearch HTTP actions apply to the domain's sub-resources (indexes, _search, _bulk); the grant is "
                "limited to this one domain, and fine-grained access control limits it to the consignments index.",
            )
        elif self.collection is not None:
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=["aoss:APIAccessAll"], resources=[self.collection.attr_arn])
            )

    def finish(self) -> None:
        """After every grant: the role mappings (domain) or the data access policy (serverless)."""
        self.map_roles()
        self._data_access_policy()
