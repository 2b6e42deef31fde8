"""Buckets (plus the raw archive and the access-log bucket) and DynamoDB tables from the catalogue.

The raw archive is an immutable copy of every carrier file as received: S3 replication copies each new object of
the inbox into it (same region), where an optional S3 Object Lock default retention (the country's
``raw_archive``) keeps it from being deleted or overwritten, and a lifecycle moves it to archive storage classes.
Object Lock lives on the archive, not on the inbox, because S3 refuses an upload into a bucket with a default
retention unless it carries a Content-MD5 or checksum header, which browsers' presigned PUTs do not send.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cts.config.country import CountryConfig, ObjectLockMode
from cts.config.resources import SYSTEM, Bucket, Table
from cts.domain.retention import RETENTION_TAG, STANDARD
from infra.components.nag import acknowledge

# What each bucket holds decides which retention applies: raw carrier files or records.
RAW_FILE_BUCKETS = frozenset({"InboxBucket"})
# Buckets the web app uploads into (and downloads from) directly with presigned URLs (cross-origin: needs CORS).
BROWSER_METHODS: dict[str, tuple[s3.HttpMethods, ...]] = {
    "InboxBucket": (s3.HttpMethods.PUT,),
    "AttachmentsBucket": (s3.HttpMethods.PUT, s3.HttpMethods.GET),
}
BROWSER_UPLOAD_BUCKETS = frozenset(BROWSER_METHODS)
# Tables whose changes feed other consumers (e.g. a future search re-indexer, audit export).
STREAMED_TABLES = frozenset({"RecordsTable"})

for _id in RAW_FILE_BUCKETS | BROWSER_UPLOAD_BUCKETS:
    SYSTEM.resource(_id)  # fail at import if the catalogue renames it
for _id in STREAMED_TABLES:
    SYSTEM.resource(_id)

# The raw archive is read only for audits and disputes: archive storage classes early.
_ARCHIVE_TRANSITIONS = ((0, s3.StorageClass.GLACIER_INSTANT_RETRIEVAL), (180, s3.StorageClass.DEEP_ARCHIVE))
# Cheaper storage classes as objects age; only transitions shorter than the retention are kept.
_TRANSITIONS = ((30, s3.StorageClass.INFREQUENT_ACCESS), (180, s3.StorageClass.GLACIER_INSTANT_RETRIEVAL))
NONCURRENT_VERSION_DAYS = 30
INCOMPLETE_UPLOAD_DAYS = 7


class Storage(Construct):
    """Every catalogue bucket and table, plus a dedicated server-access-log bucket."""

    def __init__(self, scope: Construct, construct_id: str, *, country: CountryConfig) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = self._log_bucket(country)
        self.raw_archive = self._raw_archive(country)
        self.buckets: dict[str, s3.Bucket] = {spec.logical_id: self._bucket(spec, country) for spec in SYSTEM.buckets}
        self.tables: dict[str, dynamodb.Table] = {spec.logical_id: self._table(spec) for spec in SYSTEM.tables}

    def allow_browser(self, web_origin: str) -> None:
        """Let the web app (only its origin) upload into and download from the buckets it reaches directly."""
        for logical_id, methods in BROWSER_METHODS.items():
            self.buckets[logical_id].add_cors_rule(
                allowed_methods=list(methods), allowed_origins=[web_origin], allowed_headers=["*"], max_age=3000
            )

    def _raw_archive(self, country: CountryConfig) -> s3.Bucket:
        lock = country.raw_archive
        retention = None
        if lock.object_lock is ObjectLockMode.GOVERNANCE:
            retention = s3.ObjectLockRetention.governance(cdk.Duration.days(lock.object_lock_days))
        elif lock.object_lock is ObjectLockMode.COMPLIANCE:
            retention = s3.ObjectLockRetention.compliance(cdk.Duration.days(lock.object_lock_days))
        days = country.retention.raw_files_days
        return s3.Bucket(
            self,
            "RawArchiveBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            object_lock_enabled=lock.object_lock is not None,
            object_lock_default_retention=retention,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="RawArchiveBucket/",
            lifecycle_rules=lifecycle_rules(days, versioned=True, transitions=_ARCHIVE_TRANSITIONS),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def _log_bucket(self, country: CountryConfig) -> s3.Bucket:
        # Not logged itself (that would loop); cdk-nag recognises it as the other buckets' log target.
        return s3.Bucket(
            self,
            "AccessLogsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,  # the only encryption S3 log delivery supports
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=False,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=cdk.Duration.days(country.retention.logs_days),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(INCOMPLETE_UPLOAD_DAYS),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def _bucket(self, spec: Bucket, country: CountryConfig) -> s3.Bucket:
        raw = spec.logical_id in RAW_FILE_BUCKETS
        days = country.retention.raw_files_days if raw else country.retention.records_days
        bucket = s3.Bucket(
            self,
            spec.logical_id,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=spec.versioned,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=f"{spec.logical_id}/",
            lifecycle_rules=lifecycle_rules(days, versioned=spec.versioned),
            replication_rules=[
                s3.ReplicationRule(
                    destination=self.raw_archive,
                    priority=0,
                    filter=s3.Filter(prefix=""),
                    delete_marker_replication=False,  # what the inbox expires stays in the archive
                )
            ]
            if raw
            else None,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        if raw:
            role = bucket.node.find_child("ReplicationRole")
            acknowledge(
                role,
                f"IAM5[Resource::<{_logical(bucket)}.Arn>/*]",
                "S3 replication copies every object of the inbox: the grant is limited to the inbox's objects.",
            )
            acknowledge(
                role,
                f"IAM5[Resource::<{_logical(self.raw_archive)}.Arn>/*]",
                "S3 replication writes the copies into the raw archive: limited to the archive's objects.",
            )
        return bucket

    def _table(self, spec: Table) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            spec.logical_id,
            partition_key=_key(spec.partition_key),
            sort_key=_key(spec.sort_key) if spec.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,  # the aws/dynamodb KMS key: its use is in CloudTrail
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=spec.ttl_attribute,
            stream=(dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if spec.logical_id in STREAMED_TABLES else None),
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_key(index.partition_key),
                sort_key=_key(index.sort_key) if index.sort_key else None,
                projection_type=(
                    dynamodb.ProjectionType.ALL if index.include is None else dynamodb.ProjectionType.INCLUDE
                ),
                non_key_attributes=list(index.include) if index.include is not None else None,
            )
        return table


def lifecycle_rules(
    retention_days: int,
    *,
    versioned: bool,
    transitions: tuple[tuple[int, s3.StorageClass], ...] = _TRANSITIONS,
) -> list[s3.LifecycleRule]:
    """Age every object into cheaper storage; expire only objects tagged ``retention=standard`` after the retention
    (and their old versions soon after they were replaced). Objects under legal hold (``retention=hold``) and
    objects never tagged are never expired (docs/data-model.md#retention-and-legal-holds)."""
    return [
        s3.LifecycleRule(
            id="storage-class",
            transitions=[
                s3.Transition(storage_class=storage_class, transition_after=cdk.Duration.days(after))
                for after, storage_class in transitions
                if after < retention_days
            ],
            abort_incomplete_multipart_upload_after=cdk.Duration.days(INCOMPLETE_UPLOAD_DAYS),
            expired_object_delete_marker=True if versioned else None,
        ),
        s3.LifecycleRule(
            id="retention",
            tag_filters={RETENTION_TAG: STANDARD},
            expiration=cdk.Duration.days(retention_days),
            noncurrent_version_expiration=cdk.Duration.days(NONCURRENT_VERSION_DAYS) if versioned else None,
        ),
    ]


def _logical(bucket: s3.Bucket) -> str:
    return cdk.Stack.of(bucket).get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]


def _key(name: str) -> dynamodb.Attribute:
    # The catalogue's keys are all strings (pk/sk composites, idempotency hashes).
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)
