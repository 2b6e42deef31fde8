"""AWS Backup: weekly backups of the DynamoDB tables (and, as a country option, of the raw archive bucket).

Point-in-time recovery already restores each table to any second of the last 35 days; the backup plan adds weekly
copies kept for the country's ``operations.backup_retention_days`` in a vault of their own (KMS-encrypted, retained
with the stack), which survive a deleted table or account-level mistakes and reach further back than PITR. Weekly,
not daily: a DynamoDB backup is a full copy billed per GB-month, so every retained copy costs the table's size
again (docs/cost.md).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cts.config.country import CountryConfig
from infra.components.nag import acknowledge

WEEKLY_AT_UTC = {"week_day": "SUN", "hour": "3", "minute": "0"}
S3_BACKUP_POLICIES = ("AWSBackupServiceRolePolicyForS3Backup", "AWSBackupServiceRolePolicyForS3Restore")


class Backups(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        country: CountryConfig,
        tables: dict[str, dynamodb.Table],
        raw_archive: s3.Bucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(self, "VaultKey", description="CTS: encrypts the backup vault", enable_key_rotation=True)
        self.vault = backup.BackupVault(self, "Vault", encryption_key=self.key, removal_policy=cdk.RemovalPolicy.RETAIN)
        self.plan = backup.BackupPlan(self, "Plan", backup_vault=self.vault)
        self.plan.add_rule(
            backup.BackupPlanRule(
                rule_name="Weekly",
                schedule_expression=events.Schedule.cron(**WEEKLY_AT_UTC),
                delete_after=cdk.Duration.days(country.operations.backup_retention_days),
                start_window=cdk.Duration.hours(1),
                completion_window=cdk.Duration.hours(8),
            )
        )
        resources = [backup.BackupResource.from_dynamo_db_table(t) for t in tables.values()]
        if country.operations.backup_raw_archive:
            resources.append(backup.BackupResource.from_arn(raw_archive.bucket_arn))
        self.selection = self.plan.add_selection("Tables", resources=resources, allow_restores=True)
        role = self.selection.grant_principal
        managed = [
            "service-role/AWSBackupServiceRolePolicyForBackup",
            "service-role/AWSBackupServiceRolePolicyForRestores",
        ]
        if country.operations.backup_raw_archive:
            for name in S3_BACKUP_POLICIES:
                role.add_managed_policy(  # type: ignore[attr-defined]
                    cdk.aws_iam.ManagedPolicy.from_aws_managed_policy_name(name)
                )
            managed += list(S3_BACKUP_POLICIES)
        for name in managed:
            acknowledge(
                role,  # type: ignore[arg-type]
                f"IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{name}]",
                "AWS Backup's documented service role policy for backing up and restoring the selected tables "
                "(and bucket); AWS maintains it as the services' backup APIs change.",
            )
