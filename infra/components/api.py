"""The HTTP API: API Gateway REST API in front of the Chalice app, one method per Chalice route.

Why not ``chalice.cdk.Chalice``: it packages the app into a SAM template (``AWS::Serverless``
transform) with its own role and function settings, so the catalogue's least-privilege grants,
layers, tracing and log retention could not be applied the same way as for the other functions,
and cdk-nag cannot inspect SAM resources. Why not a ``{proxy+}`` catch-all: Chalice dispatches on
``requestContext.resourcePath``, which must be the route template (``/consignments/{key}``).
So the routes are read from the app itself (the same import ``chalice package`` does) and each
becomes an API Gateway resource + method with a Lambda proxy integration to the ApiFunction.

Every route is behind a Cognito user pool authorizer (API Gateway checks the *ID token*; the app
checks it again and applies the permission table) except the routes the app declares public
(``public=True`` in ``chalicelib.http``: sign-in and health).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from cts.config.country import CountryConfig
from cts.config.resources import Function
from infra.components.logging import log_group
from infra.components.nag import acknowledge

STAGE = "api"  # the same stage name as functions/api/.chalice/config.json
THROTTLE_RATE = 50  # requests per second, per stage
THROTTLE_BURST = 100
# API Gateway's own answers (no or bad token at the authorizer, no such route, throttled, too large, ...) in the
# app's error shape {code, message} (chalicelib.http); None keeps the status API Gateway chose.
GATEWAY_ERRORS: tuple[tuple[apigw.ResponseType, str | None, str], ...] = (
    (apigw.ResponseType.UNAUTHORIZED, "401", "unauthorized"),
    (apigw.ResponseType.ACCESS_DENIED, "403", "forbidden"),
    (apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, "404", "no_route"),  # no such route or method
    (apigw.ResponseType.REQUEST_TOO_LARGE, "413", "payload_too_large"),
    (apigw.ResponseType.THROTTLED, "429", "throttled"),
    (apigw.ResponseType.DEFAULT_4_XX, None, "bad_request"),
    (apigw.ResponseType.DEFAULT_5_XX, None, "unavailable"),
)


# AWS managed rule groups on the API (no subscription fee). The common rule set's 8 KB body limit is counted, not
# enforced: watch-list imports are larger, and the app enforces its own size limits (docs/api.md).
MANAGED_RULE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("AWSManagedRulesAmazonIpReputationList", ()),
    ("AWSManagedRulesCommonRuleSet", ("SizeRestrictions_BODY",)),
    ("AWSManagedRulesKnownBadInputsRuleSet", ()),
)


# Requests that come through the stack's CloudFront distribution carry EDGE_HEADER (an origin custom header whose
# value is the stack's own id, known to CloudFront and WAF only) and VIEWER_IP_HEADER (set by a CloudFront function
# to the viewer's address, overwriting whatever the client sent): their source IP is a CloudFront edge shared by
# many people, so they are rate-limited per viewer; every other request per source IP.
EDGE_HEADER = "x-cts-edge"
VIEWER_IP_HEADER = "x-cts-viewer-ip"
THROTTLED_BODY = "throttled"


def edge_token(scope: Construct) -> str:
    """The stack id's UUID: unguessable from outside the account, stable across deployments, never in the repo."""
    return cdk.Fn.select(2, cdk.Fn.split("/", cdk.Stack.of(scope).stack_id))


def web_acl(scope: Construct, construct_id: str, *, country: CountryConfig, token: str) -> wafv2.CfnWebACL:
    """A regional web ACL: per-viewer and per-IP rate limits first, then the managed rule groups; else allowed."""

    def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
        )

    from_edge = wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(single_header={"Name": EDGE_HEADER}),
            positional_constraint="EXACTLY",
            search_string=token,
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
        )
    )
    limit = country.security.waf_rate_limit
    # Blocked by a rate rule: 429 in the app's error shape (chalicelib.http), like API Gateway's own throttling.
    throttled = wafv2.CfnWebACL.RuleActionProperty(
        block=wafv2.CfnWebACL.BlockActionProperty(
            custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                response_code=429, custom_response_body_key=THROTTLED_BODY
            )
        )
    )
    rules = [
        wafv2.CfnWebACL.RuleProperty(
            name="RateLimitPerViewer",
            priority=0,
            action=throttled,
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=limit,
                    aggregate_key_type="FORWARDED_IP",
                    forwarded_ip_config=wafv2.CfnWebACL.ForwardedIPConfigurationProperty(
                        header_name=VIEWER_IP_HEADER, fallback_behavior="MATCH"
                    ),
                    evaluation_window_sec=300,
                    scope_down_statement=from_edge,
                )
            ),
            visibility_config=visibility("RateLimitPerViewer"),
        ),
        wafv2.CfnWebACL.RuleProperty(
            name="RateLimitPerIp",
            priority=1,
            action=throttled,
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=limit,
                    aggregate_key_type="IP",
                    evaluation_window_sec=300,
                    scope_down_statement=wafv2.CfnWebACL.StatementProperty(
                        not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=from_edge)
                    ),
                )
            ),
            visibility_config=visibility("RateLimitPerIp"),
        ),
    ]
    for priority, (name, counted) in enumerate(MANAGED_RULE_GROUPS, start=len(rules)):
        rules.append(
            wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS",
                        name=name,
                        rule_action_overrides=[
                            wafv2.CfnWebACL.RuleActionOverrideProperty(
                                name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                            )
                            for rule in counted
                        ]
                        or None,
                    )
                ),
                visibility_config=visibility(name),
            )
        )
    return wafv2.CfnWebACL(
        scope,
        construct_id,
        scope="REGIONAL",
        custom_response_bodies={
            THROTTLED_BODY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                content_type="APPLICATION_JSON",
                content=json.dumps(
                    {"code": "throttled", "message": "too many requests from this address; try again in 5 minutes"}
                ),
            )
        },
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        description=f"CTS API {country.code} - rate limit per IP and AWS managed rules",
        visibility_config=visibility(f"Cts{country.code}Api"),
        rules=rules,
    )


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    public: bool


def load_routes(root: Path, spec: Function) -> list[Route]:
    """The routes of the Chalice app named by ``spec.handler`` (``module.attribute``) in ``spec.code_dir``."""
    module_name, _, attribute = spec.handler.rpartition(".")
    code_dir = root / spec.code_dir
    app_file = code_dir / (module_name.replace(".", "/") + ".py")
    with _importable(code_dir):
        module_spec = importlib.util.spec_from_file_location(f"_cts_api_{module_name}", app_file)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load {app_file}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    app = getattr(module, attribute)
    return [
        Route(path, method, public=_declared_public(entry))
        for path, methods in sorted(app.routes.items())
        for method, entry in sorted(methods.items())
    ]


def _declared_public(entry: Any) -> bool:
    """Whether the app declares the route public (``public=True`` in ``chalicelib.http`` sets ``cts_public``).

    Anything not marked is private: the gateway then demands a token, which fails closed.
    """
    if entry.authorizer is not None:
        return False
    return getattr(entry.view_function, "cts_public", False) is True


@contextmanager
def _importable(directory: Path) -> Iterator[None]:
    """The app imports its siblings (``chalicelib``) as top-level modules, as in Lambda's /var/task."""
    entry = str(directory)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        sys.path.remove(entry)


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        country: CountryConfig,
        function: lambda_.IFunction,
        routes: list[Route],
        user_pool: cognito.IUserPool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.routes = routes
        access_logs = log_group(self, "AccessLogs", days=country.retention.logs_days)
        self.rest_api = apigw.LambdaRestApi(
            self,
            "RestApi",
            description=f"CTS API ({country.name})",
            handler=function,
            proxy=False,
            integration_options=apigw.LambdaIntegrationOptions(
                allow_test_invoke=False, scope_permission_to_method=False
            ),
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # The monthly report (GET /reports/monthly.pdf) leaves as bytes: the function answers it base64-encoded
            # and API Gateway decodes it for a request that accepts application/pdf (docs/api.md#reports).
            binary_media_types=["application/pdf"],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=cdk.RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.INFO,
                data_trace_enabled=False,  # bodies carry personal data and tokens
                throttling_rate_limit=THROTTLE_RATE,
                throttling_burst_limit=THROTTLE_BURST,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
            ),
        )
        # The stack exports the URL as ApiUrl; drop the duplicate output RestApi adds on its own.
        self.rest_api.node.try_remove_child("Endpoint")
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(self, "Authorizer", cognito_user_pools=[user_pool])
        self.validator = self.rest_api.add_request_validator(
            "RequestValidator", validate_request_parameters=True, validate_request_body=True
        )
        for kind, status, code in GATEWAY_ERRORS:
            headers = {"Cache-Control": "'no-store'"}
            if status == "401":
                headers["WWW-Authenticate"] = "'Bearer'"
            self.rest_api.add_gateway_response(
                f"Gateway{''.join(part.title() for part in code.split('_'))}",
                type=kind,
                status_code=status,
                response_headers=headers,
                # messageString is $context.error.message already quoted as a JSON string.
                templates={"application/json": '{"code":"' + code + '","message":$context.error.messageString}'},
            )
        self.methods: dict[tuple[str, str], apigw.Method] = {}
        for route in routes:
            resource = self.rest_api.root if route.path == "/" else self.rest_api.root.resource_for_path(route.path)
            if route.public:
                method = resource.add_method(
                    route.method,
                    authorization_type=apigw.AuthorizationType.NONE,
                    request_validator=self.validator,
                )
                for rule in ("APIG4", "COG4"):
                    acknowledge(
                        method,
                        rule,
                        f"{route.method} {route.path} is declared public by the app (sign-in or health "
                        "check): the caller has no token yet. Throttled at the stage.",
                    )
            else:
                method = resource.add_method(
                    route.method,
                    authorizer=self.authorizer,
                    authorization_type=apigw.AuthorizationType.COGNITO,
                    request_validator=self.validator,
                )
            self.methods[(route.method, route.path)] = method

        self.web_acl = web_acl(self, "WebAcl", country=country, token=edge_token(self))
        self.web_acl_association = wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.rest_api.deployment_stage.stage_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
        cloud_watch_role = self.rest_api.node.try_find_child("CloudWatchRole")
        if cloud_watch_role is not None:
            acknowledge(
                cloud_watch_role,
                "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
                "API Gateway's account-level logging role: the AWS managed policy is the documented, "
                "service-maintained permission set for execution and access logs.",
            )
