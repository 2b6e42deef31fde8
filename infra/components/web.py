"""The web app (``web/``): a private S3 bucket behind CloudFront, the API on the same origin.

* The files are copied by ``BucketDeployment`` into a bucket nobody reaches but CloudFront, through an origin
  access control (SigV4-signed origin requests, ``s3:GetObject`` granted to this distribution only).
* The app calls the API with relative paths (``/me``, ``/alerts/...``: docs/web.md), as it does on the local stack:
  CloudFront sends each top-level path of the API's routes to the API Gateway stage (no caching, every method,
  every viewer header but ``Host``), and everything else to the bucket. One origin for the app and its API: no CORS
  on the API, and the Content-Security-Policy can say ``connect-src 'self'`` plus S3 in the stack's region, where the
  browser uploads and downloads with presigned URLs. (S3 as a whole, not the two buckets by name: the buckets' CORS
  names the distribution, so the distribution's headers cannot name the buckets without a dependency cycle; and
  ``script-src 'self'`` leaves no injected script to send data elsewhere.)
* Every answer carries the security headers of one ``ResponseHeadersPolicy``: HSTS, CSP, ``X-Frame-Options: DENY``,
  ``nosniff``, a strict referrer policy.
* ``config.json`` beside ``index.html`` records what this deployment is wired to (country, region, API URL, user pool
  and client ids) for operators and for a web app hosted elsewhere; the app itself needs none of it.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from cts.config.country import CountryConfig
from infra.components.api import EDGE_HEADER, VIEWER_IP_HEADER, edge_token
from infra.components.nag import acknowledge

WEB_DIR = Path("web")
HSTS_MAX_AGE = cdk.Duration.days(365)
# The API's first path segments that must not be routed to the API: they are the web app's own files.
WEB_PATHS = frozenset({"", "static", "index.html", "config.json"})


def s3_origins(region: str) -> list[str]:
    """Where presigned URLs point: virtual-hosted buckets on the regional (and, in us-east-1, the global) endpoint."""
    return [f"https://*.s3.{region}.amazonaws.com", "https://*.s3.amazonaws.com"]


def content_security_policy(upload_origins: list[str]) -> str:
    """Only the app's own scripts, styles and images; calls to itself (the API is on the same origin) and presigned
    uploads and downloads to ``upload_origins``."""
    connect = " ".join(["'self'", *upload_origins])
    return (
        "default-src 'self'; "
        f"connect-src {connect}; "
        "img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


# Sets the viewer's address on every API request (a client-sent header of that name is overwritten).
VIEWER_IP_FUNCTION = f"""function handler(event) {{
  var request = event.request;
  request.headers['{VIEWER_IP_HEADER}'] = {{ value: event.viewer.ip }};
  return request;
}}
"""

# CloudFront's default quota is 25 cache behaviours per distribution: one per first path segment of the API.
MAX_BEHAVIOURS = 25


def api_path_patterns(paths: list[str]) -> list[str]:
    """CloudFront path patterns for the API routes' first segments: ``/alerts``, ``/alerts/{id}`` -> ``/alerts*``.

    (``/alerts*`` also sends ``/alertsx`` to the API, which answers 404 ``no_route``.)"""
    firsts = sorted({p.strip("/").split("/", 1)[0] for p in paths} - WEB_PATHS)
    if any(f.startswith("{") for f in firsts):
        raise ValueError("an API route starts with a path parameter: CloudFront cannot route it apart from the app")
    if len(firsts) > MAX_BEHAVIOURS:
        raise ValueError(f"{len(firsts)} API path prefixes exceed CloudFront's {MAX_BEHAVIOURS} cache behaviours")
    return [f"/{first}*" for first in firsts]


class WebHosting(Construct):
    """The bucket, the distribution and its default (web app) behaviour; the API paths come with :meth:`route_api`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        country: CountryConfig,
        access_logs: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "WebBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="WebBucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="old-versions",
                    noncurrent_version_expiration=cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # CloudFront standard logs are written with ACLs: a bucket of their own that allows them.
        self.log_bucket = s3.Bucket(
            self,
            "CdnLogsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            enforce_ssl=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="CdnLogsBucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-cdn-logs",
                    expiration=cdk.Duration.days(country.retention.logs_days),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.csp = content_security_policy(s3_origins(cdk.Stack.of(self).region))
        self.headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment=f"CTS {country.code}: security headers of the web app and its API",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, preload=False, override=True
                ),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=self.csp, override=True
                ),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True
                ),
            ),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"CTS web app ({country.name})",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
                compress=True,
            ),
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_ALL,  # edges near every country's users (LK: Asia)
            enable_logging=True,
            log_bucket=self.log_bucket,
            log_file_prefix="cdn/",
        )
        self.url = cdk.Fn.join("", ["https://", self.distribution.distribution_domain_name])
        acknowledge(
            self.distribution,
            "CFR1",
            "Carriers upload from many countries and staff travel: no geographic restriction; sign-in (Cognito, "
            "MFA) and the regional WAF on the API decide who gets in.",
        )
        acknowledge(
            self.distribution,
            "CFR2",
            "The distribution serves static files and forwards the API paths to API Gateway, whose stage has the "
            "country's regional WAF web ACL (a CloudFront web ACL must live in us-east-1, outside this stack).",
        )
        acknowledge(
            self.distribution,
            "CFR4",
            "The default *.cloudfront.net certificate is used until a country adds its own domain; viewers get "
            "TLS 1.2+ (minimum_protocol_version) once a custom certificate is attached (docs/deploy.md).",
        )

    def route_api(self, api_domain: str, stage: str, paths: list[str]) -> list[str]:
        """Send the API's paths (``paths``: route templates) to the API Gateway stage at ``api_domain``, with the
        headers the API's web ACL rate-limits by (infra/components/api.py: the edge token, the viewer's IP)."""
        origin = origins.HttpOrigin(
            api_domain,
            origin_path=f"/{stage}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
            custom_headers={EDGE_HEADER: edge_token(self)},  # overwrites a header of that name sent by a viewer
        )
        self.viewer_ip = cloudfront.Function(
            self,
            "ViewerIp",
            comment="CTS: the viewer's IP for the API's per-viewer WAF rate limit",
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            code=cloudfront.FunctionCode.from_inline(VIEWER_IP_FUNCTION),
        )
        patterns = api_path_patterns(paths)
        for pattern in patterns:
            self.distribution.add_behavior(
                pattern,
                origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=self.headers,
                compress=True,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=self.viewer_ip, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            )
        return patterns

    def deploy(self, root: Path, config: dict[str, str]) -> s3deploy.BucketDeployment:
        """Copy ``web/`` and the generated ``config.json`` into the bucket; invalidate the distribution's cache."""
        deployment = s3deploy.BucketDeployment(
            self,
            "Files",
            destination_bucket=self.bucket,
            sources=[
                s3deploy.Source.asset(str(root / WEB_DIR), exclude=["**/.*", "**/__pycache__"]),
                s3deploy.Source.json_data("config.json", config),
            ],
            distribution=self.distribution,
            distribution_paths=["/*"],
            prune=True,
            memory_limit=256,
        )
        _acknowledge_deployment_handler(cdk.Stack.of(self))
        return deployment


def _logical_id_of_web_bucket(stack: cdk.Stack) -> str:
    bucket = stack.node.find_child("Web").node.find_child("WebBucket")
    return stack.get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]


def _acknowledge_deployment_handler(stack: cdk.Stack) -> None:
    """CDK's singleton custom resource (a Lambda with the AWS CLI) that copies the files at deploy time."""
    for child in stack.node.children:
        if not child.node.id.startswith("Custom::CDKBucketDeployment"):
            continue
        acknowledge(
            child,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "CDK's BucketDeployment handler (runs only during deployments, not reachable by users); its role's "
            "logging policy is fixed by CDK.",
        )
        assets = f"arn:aws:s3:::cdk-hnb659fds-assets-{stack.account}-{stack.region}/*"
        for finding, reason in {
            "IAM5[Action::s3:GetObject*]": "reads the web app's zipped files from the CDK asset bucket",
            "IAM5[Action::s3:GetBucket*]": "reads bucket metadata of the asset and web buckets while syncing",
            "IAM5[Action::s3:List*]": "lists the web bucket to sync it (prune removes files no longer in web/)",
            "IAM5[Action::s3:DeleteObject*]": "prunes files of the web bucket that are no longer in web/",
            "IAM5[Action::s3:Abort*]": "aborts its own multipart uploads into the web bucket",
            f"IAM5[Resource::<{_logical_id_of_web_bucket(stack)}.Arn>/*]": "writes the files of the web app: "
            "object keys are the app's file names, limited to the web bucket",
            f"IAM5[Resource::{assets}]": "reads the asset zip CDK uploaded: limited to the bootstrap asset bucket",
            "IAM5[Resource::*]": "invalidates the distribution's cache after a deployment (CDK's generated policy "
            "for cloudfront:CreateInvalidation names no distribution)",
        }.items():
            acknowledge(child, finding, f"CDK's BucketDeployment handler (deploy time only) {reason}.")
        acknowledge(
            child,
            "L1",
            "CDK's BucketDeployment handler runtime is chosen by CDK (upgraded with aws-cdk-lib), not by this app.",
        )
