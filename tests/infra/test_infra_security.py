"""Issue 9's security and operations properties, asserted on every country's synthesised stack."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cts.config.country import MfaMode, ObjectLockMode
from cts.config.resources import SYSTEM
from infra.components.api import EDGE_HEADER, MANAGED_RULE_GROUPS, STAGE, VIEWER_IP_HEADER
from infra_testkit import Synthesised


def _one(synth: Synthesised, cfn_type: str) -> dict[str, Any]:
    (resource,) = synth.of_type(cfn_type).values()
    return resource


def _props(synth: Synthesised, construct: Any) -> dict[str, Any]:
    return synth.resources[synth.logical_id(construct)]["Properties"]


def _ref(synth: Synthesised, construct: Any) -> dict[str, str]:
    return {"Ref": synth.logical_id(construct)}


# -- buckets ---------------------------------------------------------------------------------------


def test_every_bucket_is_encrypted_private_and_refuses_plain_http(synth: Synthesised) -> None:
    buckets = synth.of_type("AWS::S3::Bucket")
    assert len(buckets) == len(SYSTEM.buckets) + 4  # + raw archive, access logs, web app, CloudFront logs
    policies = {
        p["Properties"]["Bucket"]["Ref"]: p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.of_type("AWS::S3::BucketPolicy").values()
    }
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms"), logical_id
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, logical_id
        tls_only = [
            s
            for s in policies.get(logical_id, [])
            if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert tls_only, f"{logical_id} accepts plain HTTP"
        assert bucket["DeletionPolicy"] == "Retain", logical_id
        assert props["LifecycleConfiguration"]["Rules"], f"{logical_id} keeps everything forever in one class"


def test_the_raw_archive_receives_every_inbox_file_and_locks_it_as_the_country_says(synth: Synthesised) -> None:
    storage, lock = synth.stack.storage, synth.country.raw_archive
    archive = _props(synth, storage.raw_archive)
    inbox = _props(synth, storage.buckets["InboxBucket"])
    (rule,) = inbox["ReplicationConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["Destination"]["Bucket"] == {"Fn::GetAtt": [synth.logical_id(storage.raw_archive), "Arn"]}
    assert rule["DeleteMarkerReplication"] == {"Status": "Disabled"}  # expiring the inbox never empties the archive
    assert archive["VersioningConfiguration"] == {"Status": "Enabled"}
    if lock.object_lock is None:
        assert not archive.get("ObjectLockEnabled")
    else:
        assert archive["ObjectLockEnabled"] is True
        retention = archive["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
        assert retention == {"Mode": lock.object_lock.value.upper(), "Days": lock.object_lock_days}
    storage_class = next(r for r in archive["LifecycleConfiguration"]["Rules"] if r["Id"] == "storage-class")
    assert {t["StorageClass"] for t in storage_class["Transitions"]} == {"GLACIER_IR", "DEEP_ARCHIVE"}


def test_the_countries_show_both_object_lock_modes(built: Any) -> None:
    modes = {s.country.raw_archive.object_lock for s in built.by_country.values()}
    assert modes == {ObjectLockMode.GOVERNANCE, ObjectLockMode.COMPLIANCE}


# -- tables, functions -----------------------------------------------------------------------------


def test_every_table_has_point_in_time_recovery_deletion_protection_and_kms_encryption(synth: Synthesised) -> None:
    tables = synth.of_type("AWS::DynamoDB::Table")
    assert len(tables) == len(SYSTEM.tables)
    for logical_id, table in tables.items():
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, logical_id
        assert props["DeletionProtectionEnabled"] is True, logical_id
        assert props["SSESpecification"]["SSEEnabled"] is True, logical_id
        assert table["DeletionPolicy"] == "Retain", logical_id


def test_score_and_notify_reserve_the_countrys_concurrency_and_their_triggers_stay_within_it(
    synth: Synthesised,
) -> None:
    reserved = {
        "ScoreFunction": synth.country.operations.score_concurrency,
        "NotifyFunction": synth.country.operations.notify_concurrency,
    }
    mappings = synth.of_type("AWS::Lambda::EventSourceMapping").values()
    for logical_id, function in synth.stack.functions.items():
        props = _props(synth, function)
        want = reserved.get(logical_id)
        assert props.get("ReservedConcurrentExecutions") == want, logical_id
        if want and SYSTEM.function(logical_id).trigger_queue:
            (mapping,) = [m for m in mappings if m["Properties"]["FunctionName"] == _ref(synth, function)]
            cap = mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"]
            scheduled = any(s.function == logical_id for s in SYSTEM.schedules)
            assert cap == (want - 1 if scheduled else want), logical_id  # one left for the schedules' invocations
            assert 2 <= cap <= want


# -- search ----------------------------------------------------------------------------------------


def test_search_domain_is_encrypted_https_only_with_fine_grained_access_control(synth: Synthesised) -> None:
    settings, search = synth.country.search, synth.stack.search
    domain = _one(synth, "AWS::OpenSearchService::Domain")
    props = domain["Properties"]
    assert props["EncryptionAtRestOptions"] == {"Enabled": True}
    assert props["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert props["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert props["DomainEndpointOptions"]["TLSSecurityPolicy"] == "Policy-Min-TLS-1-2-2019-07"
    security = props["AdvancedSecurityOptions"]
    assert security["Enabled"] is True
    assert security["InternalUserDatabaseEnabled"] is False
    assert security["MasterUserOptions"]["MasterUserARN"] == {
        "Fn::GetAtt": [synth.logical_id(search.master_role), "Arn"]
    }
    cluster = props["ClusterConfig"]
    assert cluster["InstanceType"] == settings.instance_type
    assert cluster["InstanceCount"] == settings.data_nodes
    assert cluster.get("DedicatedMasterEnabled", False) is (settings.dedicated_master_nodes > 0)
    if settings.dedicated_master_nodes:
        assert cluster["DedicatedMasterCount"] == settings.dedicated_master_nodes
    assert cluster["ZoneAwarenessEnabled"] is settings.zone_aware
    assert props["LogPublishingOptions"]["AUDIT_LOGS"]["Enabled"] is True
    assert domain["DeletionPolicy"] == "Retain"


def test_the_api_reads_and_the_score_function_writes_through_their_own_opensearch_roles(synth: Synthesised) -> None:
    (access,) = synth.of_type("Custom::CtsSearchAccess").values()
    props = access["Properties"]
    roles = json.loads(props["Roles"])
    assert roles["cts_reader"]["index_permissions"][0]["allowed_actions"][0] == "read"
    assert "indices_all" not in json.dumps(roles["cts_reader"])
    mappings = "".join(p if isinstance(p, str) else p["Fn::GetAtt"][0] for p in props["Mappings"]["Fn::Join"][1])
    for logical_id, spec in ((f.logical_id, f) for f in SYSTEM.functions):
        access_kind = spec.uses.get(SYSTEM.search.logical_id)
        if access_kind is None:
            continue
        role_id = synth.logical_id(synth.stack.functions[logical_id].role)
        assert role_id in mappings, logical_id
    parsed = json.loads(mappings)  # role logical ids in place of their ARNs
    reader_part, writer_part = "".join(parsed["cts_reader"]), "".join(parsed["cts_writer"])
    api_role = synth.logical_id(synth.stack.functions["ApiFunction"].role)
    score_role = synth.logical_id(synth.stack.functions["ScoreFunction"].role)
    assert api_role in reader_part
    assert api_role not in writer_part
    assert score_role in writer_part
    assert score_role not in reader_part


def test_the_master_role_may_only_write_the_two_security_roles(synth: Synthesised) -> None:
    role_id = synth.logical_id(synth.stack.search.master_role)
    statements = [
        s
        for p in synth.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    es = [s for s in statements if "es:" in json.dumps(s["Action"])]
    assert [s["Action"] for s in es] == ["es:ESHttpPut"]
    resources = json.dumps(es[0]["Resource"])
    assert resources.count("/_plugins/_security/api/") == 4
    assert "*" not in resources


# -- workflows, identity ---------------------------------------------------------------------------


def test_every_state_machine_logs_everything_and_is_traced(synth: Synthesised) -> None:
    machines = synth.of_type("AWS::StepFunctions::StateMachine")
    assert len(machines) == len(SYSTEM.state_machines)
    for machine in machines.values():
        props = machine["Properties"]
        assert props["LoggingConfiguration"]["Level"] == "ALL"
        assert props["LoggingConfiguration"]["Destinations"]
        assert props["TracingConfiguration"] == {"Enabled": True}


def test_the_user_pool_has_the_countrys_mfa_a_strong_password_policy_and_threat_protection(
    synth: Synthesised,
) -> None:
    props = _one(synth, "AWS::Cognito::UserPool")["Properties"]
    expected = "ON" if synth.country.security.mfa is MfaMode.REQUIRED else "OPTIONAL"
    assert props["MfaConfiguration"] == expected
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
    assert props["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert props["UserPoolTier"] == "PLUS"
    (risk,) = synth.of_type("AWS::Cognito::UserPoolRiskConfigurationAttachment").values()
    risk_props = risk["Properties"]
    assert risk_props["ClientId"] == "ALL"
    assert risk_props["CompromisedCredentialsRiskConfiguration"]["Actions"] == {"EventAction": "BLOCK"}
    takeover = risk_props["AccountTakeoverRiskConfiguration"]["Actions"]
    assert takeover["HighAction"]["EventAction"] == "BLOCK"
    assert takeover["MediumAction"]["EventAction"] == "MFA_IF_CONFIGURED"
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


# -- edge: WAF, CloudFront -------------------------------------------------------------------------


def test_the_api_stage_is_behind_a_regional_web_acl_with_a_rate_limit_and_managed_rules(synth: Synthesised) -> None:
    acl_id = synth.stack.get_logical_id(synth.stack.api.web_acl)  # type: ignore[union-attr]
    acl = synth.resources[acl_id]["Properties"]
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in acl["Rules"]}
    # through CloudFront (the edge token present): per viewer IP, from the header CloudFront's function sets
    viewer = rules["RateLimitPerViewer"]["Statement"]["RateBasedStatement"]
    assert viewer["AggregateKeyType"] == "FORWARDED_IP"
    assert viewer["ForwardedIPConfig"]["HeaderName"] == VIEWER_IP_HEADER
    edge_match = viewer["ScopeDownStatement"]["ByteMatchStatement"]
    assert edge_match["FieldToMatch"] == {"SingleHeader": {"Name": EDGE_HEADER}}
    assert edge_match["PositionalConstraint"] == "EXACTLY"
    assert "AWS::StackId" in json.dumps(edge_match["SearchString"])
    # anything else (no token, or a guessed one): per source IP
    direct = rules["RateLimitPerIp"]["Statement"]["RateBasedStatement"]
    assert direct["AggregateKeyType"] == "IP"
    assert direct["ScopeDownStatement"] == {"NotStatement": {"Statement": {"ByteMatchStatement": edge_match}}}
    body = json.loads(acl["CustomResponseBodies"]["throttled"]["Content"])
    assert body["code"] == "throttled"
    assert body["message"]
    for name in ("RateLimitPerViewer", "RateLimitPerIp"):
        assert rules[name]["Action"] == {
            "Block": {"CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": "throttled"}}
        }
        assert rules[name]["Statement"]["RateBasedStatement"]["Limit"] == synth.country.security.waf_rate_limit
        assert rules[name]["Priority"] < min(rules[g]["Priority"] for g, _ in MANAGED_RULE_GROUPS)
    for name, _counted in MANAGED_RULE_GROUPS:
        assert rules[name]["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
        assert rules[name]["OverrideAction"] == {"None": {}}
    (association,) = synth.of_type("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    stage_id = synth.logical_id(synth.stack.api.rest_api.deployment_stage)  # type: ignore[union-attr]
    assert stage_id in json.dumps(association["Properties"]["ResourceArn"])


def _distribution(synth: Synthesised) -> dict[str, Any]:
    return _props(synth, synth.stack.web.distribution)["DistributionConfig"]


def test_the_web_app_is_served_from_a_private_bucket_through_origin_access_control(synth: Synthesised) -> None:
    config = _distribution(synth)
    web_bucket = synth.logical_id(synth.stack.web.bucket)
    s3_origin = next(o for o in config["Origins"] if "S3OriginConfig" in o)
    assert web_bucket in json.dumps(s3_origin["DomainName"])
    assert s3_origin["S3OriginConfig"]["OriginAccessIdentity"] == ""
    assert s3_origin["OriginAccessControlId"]
    (oac,) = synth.of_type("AWS::CloudFront::OriginAccessControl").values()
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    statements = next(
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": web_bucket}
    )
    reads = [s for s in statements if s["Effect"] == "Allow"]
    assert reads
    assert all(s["Principal"] == {"Service": "cloudfront.amazonaws.com"} for s in reads)
    assert all(synth.logical_id(synth.stack.web.distribution) in json.dumps(s["Condition"]) for s in reads)
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["DefaultRootObject"] == "index.html"
    assert config["Logging"]["Bucket"]


def test_every_answer_carries_the_security_headers(synth: Synthesised) -> None:
    policy_id = synth.logical_id(synth.stack.web.headers)
    headers = synth.resources[policy_id]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["StrictTransportSecurity"]["IncludeSubdomains"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    csp = json.dumps(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    config = _distribution(synth)
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert all(b["ResponseHeadersPolicyId"] == {"Ref": policy_id} for b in behaviours)


def test_the_api_paths_go_to_the_api_stage_uncached_and_the_rest_to_the_bucket(synth: Synthesised) -> None:
    config = _distribution(synth)
    api_origin = next(o for o in config["Origins"] if "CustomOriginConfig" in o)
    assert api_origin["OriginPath"] == f"/{STAGE}"
    assert api_origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    rest_api = synth.logical_id(synth.stack.api.rest_api)  # type: ignore[union-attr]
    assert rest_api in json.dumps(api_origin["DomainName"])
    patterns = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    routes = {m[1] for m in synth.stack.api.methods}  # type: ignore[union-attr]
    for route in routes:
        first = route.strip("/").split("/")[0]
        assert f"/{first}*" in patterns, route
    assert "/static*" not in patterns
    assert "/index.html*" not in patterns
    assert api_origin["OriginCustomHeaders"] == [
        {"HeaderName": EDGE_HEADER, "HeaderValue": {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}}
    ]
    viewer_ip = synth.logical_id(synth.stack.web.viewer_ip)
    code = synth.resources[viewer_ip]["Properties"]["FunctionCode"]
    assert f"request.headers['{VIEWER_IP_HEADER}'] = {{ value: event.viewer.ip }}" in code
    for behaviour in patterns.values():
        assert behaviour["FunctionAssociations"] == [
            {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [viewer_ip, "FunctionARN"]}}
        ]
        assert behaviour["TargetOriginId"] == api_origin["Id"]
        assert behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
        assert "POST" in behaviour["AllowedMethods"]
    assert len(patterns) <= 25


def test_the_web_app_files_and_a_generated_config_are_deployed_and_the_url_is_an_output(synth: Synthesised) -> None:
    (deployment,) = synth.of_type("Custom::CDKBucketDeployment").values()
    props = deployment["Properties"]
    assert props["DestinationBucketName"] == _ref(synth, synth.stack.web.bucket)
    assert props["Prune"] is True
    assert props["DistributionPaths"] == ["/*"]
    markers = json.dumps(props.get("SourceMarkers", []))
    assert synth.logical_id(synth.stack.identity.user_pool) in markers  # config.json carries the pool id
    assert "WebUrl" in synth.outputs
    assert synth.logical_id(synth.stack.web.distribution) in json.dumps(synth.outputs["WebUrl"]["Value"])


def test_browser_uploads_are_allowed_only_from_the_web_app_origin(synth: Synthesised) -> None:
    distribution = synth.logical_id(synth.stack.web.distribution)
    for logical_id in ("InboxBucket", "AttachmentsBucket"):
        (rule,) = _props(synth, synth.stack.storage.buckets[logical_id])["CorsConfiguration"]["CorsRules"]
        assert rule["AllowedOrigins"] != ["*"]
        assert distribution in json.dumps(rule["AllowedOrigins"]), logical_id


# -- operations ------------------------------------------------------------------------------------


def test_the_backup_plan_keeps_weekly_copies_of_every_table_for_the_countrys_retention(synth: Synthesised) -> None:
    plan = _one(synth, "AWS::Backup::BackupPlan")["Properties"]["BackupPlan"]
    (rule,) = plan["BackupPlanRule"]
    assert rule["Lifecycle"]["DeleteAfterDays"] == synth.country.operations.backup_retention_days
    assert rule["ScheduleExpression"] == "cron(0 3 ? * SUN *)"
    (selection,) = synth.of_type("AWS::Backup::BackupSelection").values()
    selected = json.dumps(selection["Properties"]["BackupSelection"]["Resources"])
    for table in synth.stack.storage.tables.values():
        assert synth.logical_id(table) in selected
    archive = synth.logical_id(synth.stack.storage.raw_archive)
    assert (archive in selected) is synth.country.operations.backup_raw_archive
    vault = _one(synth, "AWS::Backup::BackupVault")
    assert vault["Properties"]["EncryptionKeyArn"]
    assert vault["DeletionPolicy"] == "Retain"


def test_every_alarm_notifies_the_countrys_ops_mailbox_through_an_encrypted_topic(synth: Synthesised) -> None:
    topic_id = synth.logical_id(synth.stack.monitoring.topic)
    topic = synth.resources[topic_id]["Properties"]
    key_id = synth.logical_id(synth.stack.monitoring.key)
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    key_policy = synth.resources[key_id]["Properties"]["KeyPolicy"]["Statement"]
    assert any(
        s["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and "kms:GenerateDataKey*" in s["Action"]
        for s in key_policy
    ), "CloudWatch could not publish to the encrypted topic"
    (subscription,) = [
        s for s in synth.of_type("AWS::SNS::Subscription").values() if s["Properties"]["TopicArn"] == {"Ref": topic_id}
    ]
    assert subscription["Properties"] == {
        "Protocol": "email",
        "TopicArn": {"Ref": topic_id},
        "Endpoint": synth.country.operations.alarm_email,
    }
    alarms = synth.of_type("AWS::CloudWatch::Alarm")
    for logical_id, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}], logical_id
    metrics = {(a["Properties"].get("Namespace"), a["Properties"].get("MetricName")) for a in alarms.values()}
    assert {
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),  # dead letters
        ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/States", "ExecutionsFailed"),
        ("AWS/ES", "ClusterStatus.red"),
        ("AWS/ES", "FreeStorageSpace"),
    } <= metrics
    per_function = [a for a in alarms.values() if a["Properties"].get("MetricName") == "Errors"]
    assert len(per_function) == len(synth.stack.functions)


def test_the_dashboard_shows_queues_functions_api_workflows_and_search(synth: Synthesised) -> None:
    body = json.dumps(_one(synth, "AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"])
    for metric in (
        "ApproximateNumberOfMessagesVisible",
        "ApproximateAgeOfOldestMessage",
        "Errors",
        "Duration",
        "Throttles",
        "4XXError",
        "5XXError",
        "Latency",
        "ExecutionsFailed",
        "ClusterStatus.red",
        "FreeStorageSpace",
        "BlockedRequests",
    ):
        assert metric in body, metric


def test_every_country_names_an_ops_mailbox(synth: Synthesised) -> None:
    assert synth.country.operations.alarm_email


@pytest.mark.parametrize("output", ["WebUrl", "DistributionId", "AlarmTopicArn", "DashboardName", "ApiUrl"])
def test_outputs_name_what_an_operator_needs(synth: Synthesised, output: str) -> None:
    assert output in synth.outputs


def test_the_stack_creates_the_senders_ses_domain_identity_with_dkim_and_outputs_its_dns_records(
    synth: Synthesised,
) -> None:
    identity = _one(synth, "AWS::SES::EmailIdentity")["Properties"]
    assert identity["EmailIdentity"] == synth.country.alert_sender.rpartition("@")[2]
    assert identity["DkimAttributes"] == {"SigningEnabled": True}
    assert identity["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
    feedback = synth.stack.email_feedback
    assert feedback is not None
    assert identity["ConfigurationSetAttributes"] == {"ConfigurationSetName": _ref(synth, feedback.configuration_set)}
    assert {f"SesDkimRecord{n}" for n in (1, 2, 3)} <= set(synth.outputs)
