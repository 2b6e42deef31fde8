"""How a catalogue resource is handed to code: environment values, ASL substitutions and grants.

:class:`Resources` maps each catalogue logical id to the construct built for it. Grants follow
the catalogue's :class:`~cts.config.resources.Access` exactly; every wildcard a grant
necessarily creates (object keys, index ARNs, S3 action families) is acknowledged for cdk-nag
right here, on the grantee's role, with the reason, so an unexpected wildcard still fails synth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_opensearchservice as opensearch
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn

from cts.config.resources import SYSTEM, Access, Bucket, Queue, SearchDomain, StateMachine, Table, UserPool
from infra.components.nag import acknowledge, arn_wildcard

# Cognito has no L2 grant helpers; these are the admin reads an API needs to show users and roles.
USER_POOL_READ = (
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:DescribeUserPool",
    "cognito-idp:GetGroup",
    "cognito-idp:ListGroups",
    "cognito-idp:ListUsers",
    "cognito-idp:ListUsersInGroup",
)
USER_POOL_WRITE = (
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:AdminResetUserPassword",
    "cognito-idp:AdminUserGlobalSignOut",
)


OBJECT_TAG_ACTIONS = ("s3:GetObjectTagging", "s3:PutObjectTagging")
_USER_POOL_ACTIONS = {Access.READ: USER_POOL_READ, Access.READ_WRITE: USER_POOL_READ + USER_POOL_WRITE}
_TABLE_GRANTS = {
    Access.READ: "grant_read_data",
    Access.WRITE: "grant_write_data",
    Access.READ_WRITE: "grant_read_write_data",
}
_SEARCH_ACCESS = frozenset({Access.READ, Access.WRITE, Access.READ_WRITE})


class SearchEngine(Protocol):
    def grant(self, role: iam.IRole, access: Access) -> None: ...


T = TypeVar("T")


class UnsupportedAccess(ValueError):
    """The catalogue asks for an access this resource kind cannot give (e.g. SEND on a table)."""


@dataclass
class Resources:
    """The constructs built for the catalogue, by logical id."""

    buckets: dict[str, s3.Bucket] = field(default_factory=dict)
    queues: dict[str, sqs.Queue] = field(default_factory=dict)
    tables: dict[str, dynamodb.Table] = field(default_factory=dict)
    state_machines: dict[str, sfn.StateMachine] = field(default_factory=dict)
    search: opensearch.Domain | None = None  # None with an OpenSearch Serverless collection
    search_engine: SearchEngine | None = None
    search_url: str | None = None
    user_pool: cognito.UserPool | None = None
    user_pool_client: cognito.UserPoolClient | None = None

    # -- environment -----------------------------------------------------------------------------

    def environment(self, logical_id: str) -> dict[str, str]:
        """The environment variables (catalogue names) that hand ``logical_id`` to a function."""
        spec = SYSTEM.resource(logical_id)
        if isinstance(spec, Bucket):
            return {spec.env_var: self.buckets[logical_id].bucket_name}
        if isinstance(spec, Queue):
            return {spec.env_var: self.queues[logical_id].queue_url}
        if isinstance(spec, Table):
            return {spec.env_var: self.tables[logical_id].table_name}
        if isinstance(spec, StateMachine):
            return {spec.env_var: self.state_machines[logical_id].state_machine_arn}
        if isinstance(spec, SearchDomain):
            return {spec.env_var: _required(self.search_url, logical_id)}
        if isinstance(spec, UserPool):
            return {
                spec.env_var: _required(self.user_pool, logical_id).user_pool_id,
                spec.client_env_var: _required(self.user_pool_client, logical_id).user_pool_client_id,
            }
        raise TypeError(f"no environment for {logical_id}")  # pragma: no cover

    def substitution(self, logical_id: str) -> str:
        """The value a state machine definition's ``${Placeholder}`` referring to ``logical_id`` takes."""
        return next(iter(self.environment(logical_id).values()))

    # -- grants ----------------------------------------------------------------------------------

    def grant(self, logical_id: str, access: Access, role: iam.IRole) -> None:
        """Grant ``role`` exactly ``access`` to ``logical_id``; acknowledge the wildcards it implies."""
        spec = SYSTEM.resource(logical_id)
        if isinstance(spec, Bucket) and access is Access.READ:
            self._bucket_read(logical_id, role)
        elif isinstance(spec, Bucket) and access is Access.WRITE:
            self._bucket_put(logical_id, role)
        elif isinstance(spec, Bucket) and access is Access.READ_WRITE:
            self._bucket_read_write(logical_id, role)
        elif isinstance(spec, Bucket) and access is Access.TAG:
            self._bucket_tag(logical_id, role)
        elif isinstance(spec, Bucket) and access is Access.READ_PUT:
            self._bucket_read(logical_id, role)
            self._bucket_put(logical_id, role)
        elif isinstance(spec, Bucket) and access is Access.READ_TAG:
            self._bucket_read(logical_id, role)
            self._bucket_tag(logical_id, role)
        elif isinstance(spec, Queue) and access is Access.SEND:
            self.queues[logical_id].grant_send_messages(role)
        elif isinstance(spec, Queue) and access is Access.READ:
            self.queues[logical_id].grant_consume_messages(role)
        elif isinstance(spec, Table) and access in _TABLE_GRANTS:
            table = self.tables[logical_id]
            getattr(table, _TABLE_GRANTS[access])(role)
            self._table_indexes(table, spec, role)
        elif isinstance(spec, StateMachine) and access is Access.START:
            self.state_machines[logical_id].grant_start_execution(role)
        elif isinstance(spec, StateMachine) and access is Access.READ:
            self.state_machines[logical_id].grant_read(role)
        elif isinstance(spec, StateMachine) and access is Access.TASKS:
            self.state_machines[logical_id].grant_task_response(role)
        elif isinstance(spec, SearchDomain) and access in _SEARCH_ACCESS:
            # the engine grants (IAM) and records the role for its own access control (infra/components/search.py)
            _required(self.search_engine, logical_id).grant(role, access)
        elif isinstance(spec, UserPool) and access in _USER_POOL_ACTIONS:
            _required(self.user_pool, logical_id).grant(role, *_USER_POOL_ACTIONS[access])
        else:
            raise UnsupportedAccess(f"{access.value} is not a valid access to {logical_id}")

    def _bucket_read(self, logical_id: str, role: iam.IRole) -> None:
        bucket = self.buckets[logical_id]
        bucket.grant_read(role)
        _ack_role(
            role,
            {
                "IAM5[Action::s3:GetObject*]": "CDK grantRead: reading objects and their versions/tags/ACLs "
                f"in {logical_id} only.",
                "IAM5[Action::s3:GetBucket*]": f"CDK grantRead: bucket metadata reads on {logical_id} only.",
                "IAM5[Action::s3:List*]": f"CDK grantRead: listing {logical_id} only (uploads are listed).",
                arn_wildcard(bucket, "/*"): f"Object keys are data (one per upload); the grant is limited "
                f"to the objects of {logical_id}.",
            },
        )

    def _bucket_tag(self, logical_id: str, role: iam.IRole) -> None:
        """Object tags only (the retention tag of legal holds): the objects themselves stay untouched."""
        bucket = self.buckets[logical_id]
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(OBJECT_TAG_ACTIONS), resources=[bucket.arn_for_objects("*")])
        )
        _ack_role(
            role,
            {
                arn_wildcard(bucket, "/*"): f"Object keys are data; retention tags are set on the objects of "
                f"{logical_id} only (legal holds).",
            },
        )

    def _bucket_put(self, logical_id: str, role: iam.IRole) -> None:
        bucket = self.buckets[logical_id]
        bucket.grant_put(role)
        _ack_role(
            role,
            {
                "IAM5[Action::s3:Abort*]": f"CDK grantPut: aborting its own multipart uploads into {logical_id}.",
                arn_wildcard(bucket, "/*"): f"Object keys are data (one per file); the grant is limited to "
                f"putting objects into {logical_id}.",
            },
        )

    def _bucket_read_write(self, logical_id: str, role: iam.IRole) -> None:
        bucket = self.buckets[logical_id]
        bucket.grant_read_write(role)
        _ack_role(
            role,
            {
                "IAM5[Action::s3:GetObject*]": f"CDK grantReadWrite: object reads in {logical_id} only.",
                "IAM5[Action::s3:GetBucket*]": f"CDK grantReadWrite: bucket metadata reads on {logical_id}.",
                "IAM5[Action::s3:List*]": f"CDK grantReadWrite: listing {logical_id} only.",
                "IAM5[Action::s3:DeleteObject*]": f"CDK grantReadWrite: deleting objects of {logical_id} only.",
                "IAM5[Action::s3:Abort*]": f"CDK grantReadWrite: aborting uploads into {logical_id} only.",
                arn_wildcard(bucket, "/*"): f"Object keys are data; the grant is limited to {logical_id}.",
            },
        )

    @staticmethod
    def _table_indexes(table: dynamodb.Table, spec: Table, role: iam.IRole) -> None:
        if spec.indexes:
            names = ", ".join(i.name for i in spec.indexes)
            _ack_role(
                role,
                {
                    arn_wildcard(table, "/index/*"): f"Queries on the global secondary indexes of "
                    f"{spec.logical_id} ({names}) need the index ARNs; limited to this table's indexes."
                },
            )


def _ack_role(role: iam.IRole, findings: dict[str, str]) -> None:
    for finding, reason in findings.items():
        acknowledge(role, finding, reason)


def _required(value: T | None, logical_id: str) -> T:
    if value is None:
        raise LookupError(f"{logical_id} is used before it was built")
    return value
