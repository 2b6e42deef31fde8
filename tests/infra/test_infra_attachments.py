"""Issue 7's infrastructure: the case attachments bucket, the API's least-privilege grants on it and on the user
pool (user management), and the case board's index."""

from __future__ import annotations

import json
from typing import Any

from test_infra_least_privilege import _actions_on, _statements

from cts.config.resources import SYSTEM, Access
from infra_testkit import Synthesised

ATTACHMENTS = "AttachmentsBucket"


def _bucket(synth: Synthesised) -> tuple[str, dict[str, Any]]:
    logical_id = synth.logical_id(synth.stack.storage.buckets[ATTACHMENTS])
    return logical_id, synth.resources[logical_id]["Properties"]


def test_the_attachments_bucket_is_versioned_encrypted_private_and_tls_only(jm: Synthesised) -> None:
    logical_id, props = _bucket(jm)
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert all(props["PublicAccessBlockConfiguration"][k] is True for k in ("BlockPublicAcls", "BlockPublicPolicy"))
    assert all(
        props["PublicAccessBlockConfiguration"][k] is True for k in ("IgnorePublicAcls", "RestrictPublicBuckets")
    )
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in jm.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy)


def test_only_the_web_app_origin_may_put_and_get_attachments_cross_origin(jm: Synthesised) -> None:
    _, props = _bucket(jm)
    (rule,) = props["CorsConfiguration"]["CorsRules"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "PUT"]
    assert rule["AllowedOrigins"] != ["*"]
    assert jm.logical_id(jm.stack.web.distribution) in json.dumps(rule["AllowedOrigins"])  # the web app's origin


def test_the_api_may_read_and_put_attachments_but_never_delete_them_and_nobody_else_reaches_them(
    jm: Synthesised,
) -> None:
    logical_id, _ = _bucket(jm)
    api = _actions_on(_statements(jm, SYSTEM.function("ApiFunction")), logical_id)
    assert {"s3:PutObject", "s3:GetObject*"} <= api or {"s3:PutObject", "s3:GetObject"} <= api, api
    assert not any(a.startswith("s3:DeleteObject") or a.startswith("s3:PutBucket") for a in api), api
    assert SYSTEM.function("ApiFunction").uses[ATTACHMENTS] is Access.READ_PUT
    for spec in SYSTEM.functions:
        if spec.logical_id != "ApiFunction":
            assert not _actions_on(_statements(jm, spec), logical_id), spec.logical_id


def test_the_api_gets_the_attachments_bucket_name(jm: Synthesised) -> None:
    functions = jm.of_type("AWS::Lambda::Function")
    env = functions[jm.logical_id(jm.stack.functions["ApiFunction"])]["Properties"]["Environment"]["Variables"]
    assert env["CTS_ATTACHMENTS_BUCKET"] == {"Ref": _bucket(jm)[0]}


def test_only_the_api_manages_users_with_the_admin_calls_it_needs(jm: Synthesised) -> None:
    pool = jm.logical_id(jm.stack.resources.user_pool)
    api = _actions_on(_statements(jm, SYSTEM.function("ApiFunction")), pool)
    needed = {
        "cognito-idp:AdminCreateUser",
        "cognito-idp:AdminAddUserToGroup",
        "cognito-idp:AdminRemoveUserFromGroup",
        "cognito-idp:AdminDisableUser",
        "cognito-idp:AdminUserGlobalSignOut",
        "cognito-idp:AdminGetUser",
        "cognito-idp:AdminListGroupsForUser",
        "cognito-idp:ListUsers",
    }
    assert needed <= api
    assert not any(
        a in api for a in ("cognito-idp:AdminDeleteUser", "cognito-idp:AdminSetUserPassword", "cognito-idp:*")
    )
    for spec in SYSTEM.functions:
        if spec.logical_id != "ApiFunction":
            assert not _actions_on(_statements(jm, spec), pool), spec.logical_id


def test_the_records_table_has_the_case_board_index_with_every_attribute(jm: Synthesised) -> None:
    table = jm.resources[jm.logical_id(jm.stack.storage.tables["RecordsTable"])]["Properties"]
    (board,) = [i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "gsi5"]
    assert [k["AttributeName"] for k in board["KeySchema"]] == ["gsi5pk", "gsi5sk"]
    assert board["Projection"] == {"ProjectionType": "ALL"}
