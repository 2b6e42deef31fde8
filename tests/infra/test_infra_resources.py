"""The synthesised stack holds exactly what the catalogue describes, configured safely."""

from __future__ import annotations

import json

from cts.config.resources import SYSTEM
from infra.components.compute import RUNTIME
from infra.stack import stack_name
from infra_testkit import Built, Synthesised

PHYSICAL_NAMES = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::OpenSearchService::Domain": "DomainName",
    "AWS::Cognito::UserPool": "UserPoolName",
}


def test_one_stack_per_country_file_in_the_countrys_account_and_region(built: Built) -> None:
    assert set(built.by_country) == {"JM", "LK"}
    for code, synth in built.by_country.items():
        assert synth.stack.stack_name == stack_name(synth.country) == f"Cts-{code}"
        assert synth.stack.region == synth.country.region
        assert synth.stack.account == synth.country.account
    assert built.by_country["LK"].stack.region == "ap-south-1"


def test_resources_are_tagged_with_project_and_country(synth: Synthesised) -> None:
    (table,) = [t for t in synth.of_type("AWS::DynamoDB::Table").values() if "StreamSpecification" in t["Properties"]]
    assert {"Key": "Project", "Value": "CTS"} in table["Properties"]["Tags"]
    assert {"Key": "Country", "Value": synth.country.code} in table["Properties"]["Tags"]


def test_no_physical_names_are_set(synth: Synthesised) -> None:
    for cfn_type, name_property in PHYSICAL_NAMES.items():
        for logical_id, resource in synth.of_type(cfn_type).items():
            assert name_property not in resource.get("Properties", {}), f"{logical_id} sets {name_property}"


def test_every_catalogue_bucket_exists_plus_the_archive_access_log_and_web_buckets(synth: Synthesised) -> None:
    buckets = synth.of_type("AWS::S3::Bucket")
    assert len(buckets) == len(SYSTEM.buckets) + 4  # raw archive, access logs, web app, CloudFront logs
    log_bucket = synth.logical_id(synth.stack.storage.access_logs)
    for spec in SYSTEM.buckets:
        props = buckets[synth.logical_id(synth.stack.storage.buckets[spec.logical_id])]["Properties"]
        assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": log_bucket}
        versioning = props.get("VersioningConfiguration", {}).get("Status")
        assert (versioning == "Enabled") is spec.versioned


def test_buckets_are_encrypted_private_ssl_only_and_retained(synth: Synthesised) -> None:
    buckets = synth.of_type("AWS::S3::Bucket")
    policies = {
        p["Properties"]["Bucket"]["Ref"]: p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.of_type("AWS::S3::BucketPolicy").values()
    }
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert bucket["DeletionPolicy"] == "Retain"
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in policies[logical_id]
        ), f"{logical_id} does not enforce SSL"


def test_bucket_lifecycles_follow_the_country_retention(synth: Synthesised) -> None:
    retention = synth.country.retention
    expected = {
        "InboxBucket": retention.raw_files_days,
        "ReceiptsBucket": retention.records_days,
        "AttachmentsBucket": retention.records_days,
    }
    for spec in SYSTEM.buckets:
        bucket = synth.resources[synth.logical_id(synth.stack.storage.buckets[spec.logical_id])]
        rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
        assert set(rules) == {"storage-class", "retention"}
        assert rules["storage-class"]["Transitions"], "objects should move to cheaper storage as they age"
        assert "ExpirationInDays" not in rules["storage-class"], "only objects tagged standard expire"
        # Only objects tagged retention=standard expire: legal holds tag them retention=hold.
        retention_rule = rules["retention"]
        assert retention_rule["ExpirationInDays"] == expected[spec.logical_id]
        assert retention_rule["TagFilters"] == [{"Key": "retention", "Value": "standard"}]
        if spec.versioned:
            assert retention_rule["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0
    log_bucket = synth.resources[synth.logical_id(synth.stack.storage.access_logs)]
    (rule,) = log_bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == retention.logs_days


def test_each_queue_has_an_encrypted_ssl_only_dead_letter_queue_and_an_alarm_on_it(synth: Synthesised) -> None:
    queues = synth.of_type("AWS::SQS::Queue")
    assert len(queues) == 2 * len(SYSTEM.queues)
    assert all(q["Properties"].get("SqsManagedSseEnabled") is True for q in queues.values())
    ssl_only = {
        ref["Ref"]
        for policy in synth.of_type("AWS::SQS::QueuePolicy").values()
        if any(
            s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
        )
        for ref in policy["Properties"]["Queues"]
    }
    assert ssl_only == set(queues)
    alarms = synth.of_type("AWS::CloudWatch::Alarm").values()
    alarmed = {
        d["Value"]["Fn::GetAtt"][0]
        for a in alarms
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and a["Properties"]["Threshold"] == 0
        and a["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"
        for d in a["Properties"]["Dimensions"]
    }
    for spec in SYSTEM.queues:
        queue = queues[synth.logical_id(synth.stack.messaging.queues[spec.logical_id])]["Properties"]
        dlq = synth.logical_id(synth.stack.messaging.dead_letter_queues[spec.logical_id])
        assert queue["VisibilityTimeout"] == spec.visibility_timeout_s
        assert queue["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]},
            "maxReceiveCount": spec.max_receive_count,
        }
        assert dlq in alarmed


def test_tables_have_the_catalogue_keys_indexes_ttl_and_recovery(synth: Synthesised) -> None:
    tables = synth.of_type("AWS::DynamoDB::Table")
    assert len(tables) == len(SYSTEM.tables)
    for spec in SYSTEM.tables:
        table = tables[synth.logical_id(synth.stack.storage.tables[spec.logical_id])]
        props = table["Properties"]
        assert table["DeletionPolicy"] == "Retain"
        keys = [{"AttributeName": spec.partition_key, "KeyType": "HASH"}]
        if spec.sort_key:
            keys.append({"AttributeName": spec.sort_key, "KeyType": "RANGE"})
        assert props["KeySchema"] == keys
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
        declared = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
        indexes = {name: i["KeySchema"] for name, i in declared.items()}
        assert set(indexes) == {i.name for i in spec.indexes}
        for index in spec.indexes:
            assert indexes[index.name][0] == {"AttributeName": index.partition_key, "KeyType": "HASH"}
            if index.sort_key:
                assert indexes[index.name][1] == {"AttributeName": index.sort_key, "KeyType": "RANGE"}
            projection = declared[index.name]["Projection"]
            if index.include is None:
                assert projection == {"ProjectionType": "ALL"}
            else:
                assert projection == {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.include)}
    records = tables[synth.logical_id(synth.stack.storage.tables["RecordsTable"])]["Properties"]
    assert records["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_uploads_under_the_prefix_notify_the_catalogue_queue(synth: Synthesised) -> None:
    (custom,) = synth.of_type("Custom::S3BucketNotifications").values()
    for note in SYSTEM.notifications:
        assert custom["Properties"]["BucketName"] == {"Ref": synth.logical_id(synth.stack.storage.buckets[note.bucket])}
        (config,) = custom["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
        assert config["Events"] == ["s3:ObjectCreated:*"]
        assert config["Filter"] == {"Key": {"FilterRules": [{"Name": "prefix", "Value": note.prefix}]}}
        assert config["QueueArn"] == {"Fn::GetAtt": [synth.logical_id(synth.stack.messaging.queues[note.queue]), "Arn"]}


def test_functions_follow_the_catalogue_and_get_the_promised_environment(synth: Synthesised) -> None:
    functions = synth.of_type("AWS::Lambda::Function")
    for spec in SYSTEM.functions:
        props = functions[synth.logical_id(synth.stack.functions[spec.logical_id])]["Properties"]
        env = props["Environment"]["Variables"]
        assert set(SYSTEM.env_vars_for(spec.logical_id)) <= set(env), spec.logical_id
        assert env["CTS_COUNTRY"] == synth.country.code
        assert env["CTS_ALERT_THRESHOLD"] == str(synth.country.thresholds.alert)
        assert env["CTS_RED_THRESHOLD"] == str(synth.country.thresholds.red)
        assert env["CTS_RECORDS_RETENTION_DAYS"] == str(synth.country.retention.records_days)
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "CTS"
        assert {"POWERTOOLS_SERVICE_NAME", "LOG_LEVEL"} <= set(env)
        assert props["Runtime"] == RUNTIME.name == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["Handler"] == spec.handler
        assert props["Timeout"] == spec.timeout_s
        assert props["MemorySize"] == spec.memory_mb
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert len(props["Layers"]) >= 1
    notify = functions[synth.logical_id(synth.stack.functions["NotifyFunction"])]["Properties"]
    notify_env = notify["Environment"]["Variables"]
    assert notify_env["CTS_ALERT_SENDER"] == synth.country.alert_sender
    assert notify_env["CTS_ALERT_RECIPIENTS"] == ",".join(synth.country.alert_recipients)
    assert "CTS_WEB_URL" in notify_env


def test_search_url_is_the_https_endpoint_of_the_domain(jm: Synthesised) -> None:
    score = jm.resources[jm.logical_id(jm.stack.functions["ScoreFunction"])]
    url = score["Properties"]["Environment"]["Variables"][SYSTEM.search.env_var]
    domain = jm.logical_id(jm.stack.search.domain)
    assert url == {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [domain, "DomainEndpoint"]}]]}


def test_function_logs_are_kept_for_the_country_log_retention(synth: Synthesised) -> None:
    groups = synth.of_type("AWS::Logs::LogGroup")
    functions = synth.of_type("AWS::Lambda::Function")
    for spec in SYSTEM.functions:
        props = functions[synth.logical_id(synth.stack.functions[spec.logical_id])]["Properties"]
        group = groups[props["LoggingConfig"]["LogGroup"]["Ref"]]
        assert group["Properties"]["RetentionInDays"] >= synth.country.retention.logs_days


def test_queue_triggers_use_catalogue_batch_sizes_and_report_item_failures(synth: Synthesised) -> None:
    mappings = synth.of_type("AWS::Lambda::EventSourceMapping").values()
    by_function = {m["Properties"]["FunctionName"]["Ref"]: m["Properties"] for m in mappings}
    triggered = [f for f in SYSTEM.functions if f.trigger_queue]
    assert len(by_function) == len(triggered)
    for spec in triggered:
        mapping = by_function[synth.logical_id(synth.stack.functions[spec.logical_id])]
        assert mapping["BatchSize"] == spec.batch_size
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["EventSourceArn"] == {
            "Fn::GetAtt": [synth.logical_id(synth.stack.messaging.queues[spec.trigger_queue]), "Arn"]
        }


def test_case_workflow_definition_references_the_records_table_with_no_placeholder_left(
    synth: Synthesised,
) -> None:
    (machine,) = synth.of_type("AWS::StepFunctions::StateMachine").values()
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    records = synth.logical_id(synth.stack.storage.tables["RecordsTable"])
    assert {"Ref": records} in parts
    text = "".join(p if isinstance(p, str) else "RECORDS" for p in parts)
    assert "${" not in text
    definition = json.loads(text)
    assert definition["States"]["RecordCaseOpened"]["Parameters"]["TableName"] == "RECORDS"
    assert machine["Properties"]["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}


def test_user_pool_groups_are_the_roles_and_sign_up_is_admin_only(synth: Synthesised) -> None:
    groups = {g["Properties"]["GroupName"] for g in synth.of_type("AWS::Cognito::UserPoolGroup").values()}
    assert groups == set(SYSTEM.user_pool.groups)
    (pool,) = synth.of_type("AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
    assert props["MfaConfiguration"] == "OPTIONAL"
    assert {"AttributeDataType": "String", "Mutable": True, "Name": "carrier_id"}.items() <= next(
        a for a in props["Schema"] if a["Name"] == "carrier_id"
    ).items()
    (client,) = synth.of_type("AWS::Cognito::UserPoolClient").values()
    assert client["Properties"].get("GenerateSecret", False) is False
    assert "custom:carrier_id" in client["Properties"]["ReadAttributes"]
    assert "custom:carrier_id" not in client["Properties"]["WriteAttributes"], "carriers must not pick their id"
    assert set(client["Properties"]["ExplicitAuthFlows"]) >= {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"}


def test_search_domain_is_encrypted_https_only_and_sized_by_the_country(synth: Synthesised) -> None:
    (domain,) = synth.of_type("AWS::OpenSearchService::Domain").values()
    props = domain["Properties"]
    assert props["EncryptionAtRestOptions"] == {"Enabled": True}
    assert props["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert props["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert props["ClusterConfig"]["InstanceType"] == synth.country.search.instance_type
    assert props["ClusterConfig"]["InstanceCount"] == synth.country.search.data_nodes
    assert props["AdvancedSecurityOptions"]["Enabled"] is True  # fine-grained access control on top of IAM
    assert domain["DeletionPolicy"] == "Retain"


def test_outputs_name_the_entry_points(synth: Synthesised) -> None:
    expected = {"InboxBucketName", "ReceiptsBucketName", "UserPoolId", "UserPoolClientId", "ApiUrl", "SearchEndpoint"}
    assert expected <= set(synth.outputs)


def test_only_the_web_app_origin_may_put_presigned_uploads_into_the_inbox(jm: Synthesised) -> None:
    inbox = jm.resources[jm.logical_id(jm.stack.storage.buckets["InboxBucket"])]["Properties"]
    (rule,) = inbox["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["PUT"]
    assert rule["AllowedOrigins"] != ["*"]
    distribution = jm.logical_id(jm.stack.web.distribution)
    assert distribution in json.dumps(rule["AllowedOrigins"])  # the origin of the web app (CloudFront) URL
    receipts = jm.resources[jm.logical_id(jm.stack.storage.buckets["ReceiptsBucket"])]["Properties"]
    assert "CorsConfiguration" not in receipts
