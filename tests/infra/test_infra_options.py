"""Country deployment options (validated in the country file) and the ones no country file uses yet, built in a
bare stack of their own (one component each: fast), and the search access custom resource's handler."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from pydantic import ValidationError

from cts.config.country import CountryConfig
from cts.config.resources import Access
from infra.app import COUNTRIES_DIR
from infra.components.identity import Identity
from infra.components.search import READER, WRITER, Search
from infra.custom_resources.search_access import handler

JM = CountryConfig.load(COUNTRIES_DIR / "JM.yaml")


def _with(**changes: Any) -> CountryConfig:
    data = JM.model_dump(mode="json")
    for dotted, value in changes.items():
        section, _, key = dotted.partition("__")
        data[section] = {**data[section], key: value} if key else value
    return CountryConfig.model_validate(data)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"search__dedicated_master_nodes": 2}, "0, 3 or 5"),
        ({"search__engine": "serverless", "search__dedicated_master_nodes": 3}, "not to serverless"),
        ({"search__instance_type": "t3.small"}, "pattern"),
        ({"raw_archive__object_lock_days": 9999}, "exceeds retention.raw_files_days"),
        ({"operations__score_concurrency": 1}, "at least 2"),
        ({"operations__alarm_email": "not-an-address"}, "pattern"),
        ({"security__mfa": "sometimes"}, "optional"),
        ({"security__waf_rate_limit": 10}, "greater than or equal"),
    ],
)
def test_country_files_with_impossible_options_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _with(**changes)


def _bare_stack(country: CountryConfig) -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Bare", env=cdk.Environment(account=country.account, region=country.region))


def test_required_mfa_turns_mfa_on_and_needs_no_acknowledgement() -> None:
    country = _with(security__mfa="required")
    stack = _bare_stack(country)
    identity = Identity(stack, "Identity", country=country)
    pool = Template.from_stack(stack).find_resources("AWS::Cognito::UserPool")
    (props,) = [r["Properties"] for r in pool.values()]
    assert props["MfaConfiguration"] == "ON"
    acknowledged = [e for e in identity.user_pool.node.metadata if "Acknowledg" in e.type]
    assert not acknowledged


def test_serverless_search_is_an_encrypted_collection_whose_data_policy_splits_readers_and_writers() -> None:
    country = _with(search__engine="serverless")
    stack = _bare_stack(country)
    search = Search(stack, "Search", country=country)
    reader = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    writer = iam.Role(stack, "Writer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    search.grant(reader, Access.READ)
    search.grant(writer, Access.READ_WRITE)
    search.finish()
    template = Template.from_stack(stack).to_json()
    resources = template["Resources"]
    assert search.domain is None
    assert not [r for r in resources.values() if r["Type"] == "AWS::OpenSearchService::Domain"]
    (collection,) = [r for r in resources.values() if r["Type"] == "AWS::OpenSearchServerless::Collection"]
    assert collection["Properties"]["Type"] == "SEARCH"
    policies = {r["Properties"]["Type"]: r["Properties"] for r in resources.values() if "SecurityPolicy" in r["Type"]}
    assert json.loads(policies["encryption"]["Policy"])["AWSOwnedKey"] is True
    (data,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::OpenSearchServerless::AccessPolicy"]
    rules = json.dumps(data["Policy"])
    reader_id, writer_id = (
        stack.get_logical_id(reader.node.default_child),
        stack.get_logical_id(writer.node.default_child),
    )  # type: ignore[arg-type]
    assert reader_id in rules
    assert writer_id in rules
    assert "APIAccessAll" in json.dumps(template)
    assert READER != WRITER


# -- the custom resource handler ------------------------------------------------------------------


class _Recorder:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[urllib.request.Request] = []

    def __call__(self, request: urllib.request.Request) -> tuple[int, str]:
        self.requests.append(request)
        if "amazonaws.com" in request.full_url and "_plugins" in request.full_url:
            return self.status, "{}" if self.status == 200 else '{"error":"no permissions"}'
        return 200, ""


def _event(kind: str) -> dict[str, Any]:
    return {
        "RequestType": kind,
        "ResponseURL": "https://cloudformation-custom-resource-response.example/abc",
        "StackId": "stack",
        "RequestId": "req",
        "LogicalResourceId": "SearchAccessRoles",
        "ResourceProperties": {
            "Endpoint": "https://search-cts.us-east-1.es.amazonaws.com",
            "Roles": json.dumps({"cts_reader": {"cluster_permissions": []}, "cts_writer": {"cluster_permissions": []}}),
            "Mappings": json.dumps(
                {"cts_reader": ["arn:aws:iam::1:role/api"], "cts_writer": ["arn:aws:iam::1:role/s"]}
            ),
        },
    }


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


def _answer(recorder: _Recorder) -> dict[str, Any]:
    last = recorder.requests[-1]
    assert last.full_url.startswith("https://cloudformation-custom-resource-response")
    assert isinstance(last.data, bytes)
    return dict(json.loads(last.data))


def test_create_writes_each_role_and_its_mapping_signed_then_reports_success(credentials: None) -> None:
    recorder = _Recorder()
    handler.handler(_event("Create"), None, send=recorder)
    calls = recorder.requests[:-1]
    assert [c.full_url.split("/api/")[1] for c in calls] == [
        "roles/cts_reader",
        "rolesmapping/cts_reader",
        "roles/cts_writer",
        "rolesmapping/cts_writer",
    ]
    assert all(c.get_method() == "PUT" and "AWS4-HMAC-SHA256" in c.headers["Authorization"] for c in calls)
    assert json.loads(calls[1].data) == {"backend_roles": ["arn:aws:iam::1:role/api"]}  # type: ignore[arg-type]
    assert _answer(recorder)["Status"] == "SUCCESS"


def test_a_refusal_fails_the_deployment_with_the_reason_instead_of_hanging(credentials: None) -> None:
    recorder = _Recorder(status=403)
    handler.handler(_event("Update"), None, send=recorder)
    answer = _answer(recorder)
    assert answer["Status"] == "FAILED"
    assert "403" in answer["Reason"]
    assert "roles/cts_reader" in answer["Reason"]


def test_delete_leaves_the_retained_domain_alone() -> None:
    recorder = _Recorder()
    handler.handler(_event("Delete"), None, send=recorder)
    assert len(recorder.requests) == 1
    assert _answer(recorder)["Status"] == "SUCCESS"


def test_the_other_branches_of_the_options_synthesise_with_nothing_for_cdk_nag_to_report(tmp_path: Any) -> None:
    """Serverless search, MFA required, no Object Lock, no alarm mailbox, the sender's domain verified outside the
    stack: one whole stack, checked by cdk-nag."""
    from cdk_nag import AwsSolutionsChecks

    from infra.app import build_app

    variant = _with(
        search__engine="serverless",
        security__mfa="required",
        raw_archive__object_lock=None,
        operations__alarm_email=None,
        operations__manage_email_identity=False,
    )
    app, stacks = build_app([variant], outdir=str(tmp_path), nag=False)
    report = AwsSolutionsChecks().validate_scope(app)
    findings = [(v.rule_name, r.construct_path) for v in report.violations for r in v.violating_resources]
    assert not findings, findings
    resources = Template.from_stack(stacks["JM"]).to_json()["Resources"]
    types = {r["Type"] for r in resources.values()}
    assert "AWS::OpenSearchServerless::Collection" in types
    assert "AWS::OpenSearchService::Domain" not in types
    assert "Custom::CtsSearchAccess" not in types
    assert "AWS::SES::EmailIdentity" not in types
    assert not [r for r in resources.values() if r.get("Properties", {}).get("Protocol") == "email"]
    archive = resources[stacks["JM"].get_logical_id(stacks["JM"].storage.raw_archive.node.default_child)]
    assert archive["Properties"].get("ObjectLockEnabled") is False
    assert "ObjectLockConfiguration" not in archive["Properties"]
