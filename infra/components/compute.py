"""Lambda functions from the catalogue, the shared ``cts`` layer and the optional dependency layer."""

from __future__ import annotations

import shutil
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from constructs import Construct

from cts.config.country import CountryConfig, rescoring_environment, retention_environment
from cts.config.resources import SYSTEM, Function
from infra.components.bindings import Resources
from infra.components.logging import log_group
from infra.components.nag import acknowledge

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_LEVEL = "INFO"
METRICS_NAMESPACE = "CTS"

# Functions that e-mail alerts: they get the sender settings and ses:Send* on the sender's identity.
EMAIL_SENDERS = frozenset({"NotifyFunction"})
for _id in EMAIL_SENDERS:
    SYSTEM.function(_id)  # fail at import if the catalogue renames it

# Reserved concurrency where a function protects a downstream (cts.config.country.Operations):
# ScoreFunction: the OpenSearch domain (bulk indexing) and the records table when re-scoring fans out thousands of
#   pages at once; NotifyFunction: the SES sending rate (14 e-mails/s on a new production account).
# The SQS trigger's maximum concurrency stays within the reservation (trigger_concurrency), so the poller never
# invokes more than it (throttled receives would count towards the queue's max_receive_count and end in its DLQ).
RESERVED_CONCURRENCY = frozenset({"ScoreFunction", "NotifyFunction"})
for _id in RESERVED_CONCURRENCY:
    SYSTEM.function(_id)


def reserved_concurrency(function_id: str, country: CountryConfig) -> int | None:
    """The country's reservation for ``function_id`` (None: not reserved)."""
    reserved = {
        "ScoreFunction": country.operations.score_concurrency,
        "NotifyFunction": country.operations.notify_concurrency,
    }.get(function_id, 0)
    return reserved or None


# Never shipped: caches, tests, local tooling. Patterns follow .gitignore syntax (CDK asset excludes).
CODE_EXCLUDES = ["__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache", ".ruff_cache", "tests", ".chalice"]
LAYER_EXCLUDES = [*CODE_EXCLUDES, "*.egg-info", "cts/adapters/local", "cts/cli", "cts/bench"]
DEPENDENCY_LAYER_DIR = Path("build/layer-deps")  # built by `make layer` (see docs/deploy.md)


@jsii.implements(cdk.ILocalBundling)
class _CopyIntoPythonDir:
    """Lay ``layers/`` out as a Lambda layer (``python/cts/...``) with a plain copy: no Docker, offline."""

    def __init__(self, source: Path, excludes: list[str]) -> None:
        self._source = source
        self._excludes = excludes

    def _ignored(self, directory: str, names: list[str]) -> set[str]:
        relative = Path(directory).relative_to(self._source)
        return {
            name
            for name in names
            if any(fnmatch(name, p) or fnmatch((relative / name).as_posix(), p) for p in self._excludes)
        }

    def try_bundle(self, output_dir: str, options: Any) -> bool:
        shutil.copytree(self._source, Path(output_dir) / "python", ignore=self._ignored, dirs_exist_ok=True)
        return True


class Layers(Construct):
    """The ``cts`` package from ``layers/`` and, when built, the third-party dependencies."""

    def __init__(self, scope: Construct, construct_id: str, *, root: Path) -> None:
        super().__init__(scope, construct_id)
        source = root / "layers"
        self.cts = lambda_.LayerVersion(
            self,
            "CtsLayer",
            description="The cts package (domain, services, ports, adapters, config)",
            code=lambda_.Code.from_asset(
                str(source),
                exclude=LAYER_EXCLUDES,
                bundling=cdk.BundlingOptions(
                    image=RUNTIME.bundling_image,  # never pulled: local bundling always succeeds
                    # jsii calls try_bundle(output_dir, options) positionally, unlike the typed Protocol
                    local=_CopyIntoPythonDir(source, LAYER_EXCLUDES),  # type: ignore[arg-type]
                ),
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.all: list[lambda_.ILayerVersion] = [self.cts]
        dependencies = root / DEPENDENCY_LAYER_DIR
        self.dependencies: lambda_.LayerVersion | None = None
        if (dependencies / "python").is_dir():
            self.dependencies = lambda_.LayerVersion(
                self,
                "DependenciesLayer",
                description="Third-party packages of the cts package (pip, manylinux2014_aarch64)",
                code=lambda_.Code.from_asset(str(dependencies)),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            self.all.append(self.dependencies)
        # else: synth-only checkout; `make deploy` runs `make layer` first (docs/deploy.md).


class Functions(Construct):
    """One function per catalogue entry: least-privilege role, own log group, X-Ray, SQS trigger."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        country: CountryConfig,
        resources: Resources,
        layers: Layers,
        root: Path,
        email_settings: dict[str, str],
        email_resources: tuple[str, ...] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self._country = country
        self._email_resources = email_resources
        self._resources = resources
        self._layers = layers
        self._email_settings = email_settings
        self.functions: dict[str, lambda_.Function] = {}
        for spec in SYSTEM.functions:
            code_dir = root / spec.code_dir
            if not code_dir.is_dir():
                if spec.trigger_queue is None:
                    # The HTTP API (functions/api) is written separately; without it the stack simply
                    # has no API yet. Queue-triggered functions are the pipeline and must exist.
                    continue
                raise FileNotFoundError(f"{spec.logical_id}: code directory {code_dir} does not exist")
            self.functions[spec.logical_id] = self._function(spec, code_dir)

    def _function(self, spec: Function, code_dir: Path) -> lambda_.Function:
        role = iam.Role(
            self,
            f"{spec.logical_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"CTS {spec.logical_id}: exactly the catalogue's uses",
        )
        logs = log_group(self, f"{spec.logical_id}Logs", days=self._country.retention.logs_days)
        reserved = reserved_concurrency(spec.logical_id, self._country)
        logs.grant_write(role)  # instead of the managed AWSLambdaBasicExecutionRole (any log group)

        function = lambda_.Function(
            self,
            spec.logical_id,
            description=f"CTS {spec.logical_id} ({spec.code_dir})",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=lambda_.Code.from_asset(str(code_dir), exclude=CODE_EXCLUDES),
            handler=spec.handler,
            timeout=cdk.Duration.seconds(spec.timeout_s),
            memory_size=spec.memory_mb,
            environment=self._environment(spec),
            tracing=lambda_.Tracing.ACTIVE,
            layers=self._layers.all,
            role=role,
            log_group=logs,
            reserved_concurrent_executions=reserved,
        )
        for logical_id, access in spec.uses.items():
            self._resources.grant(logical_id, access, role)
        if spec.logical_id in EMAIL_SENDERS:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["ses:SendEmail", "ses:SendRawEmail"],
                    # the sender's identity, and the configuration set that reports bounces (when there is one)
                    resources=[
                        ses_identity_arn(cdk.Stack.of(self), self._country.alert_sender),
                        *self._email_resources,
                    ],
                )
            )
        if spec.trigger_queue is not None:
            queue_spec = SYSTEM.resource(spec.trigger_queue)
            visibility = getattr(queue_spec, "visibility_timeout_s", 0)
            if visibility < spec.timeout_s:
                raise ValueError(
                    f"{spec.trigger_queue} visibility timeout ({visibility}s) is shorter than "
                    f"{spec.logical_id}'s timeout ({spec.timeout_s}s)"
                )
            function.add_event_source(
                sources.SqsEventSource(
                    self._resources.queues[spec.trigger_queue],
                    batch_size=spec.batch_size,
                    report_batch_item_failures=True,
                    max_concurrency=trigger_concurrency(spec, reserved) if reserved else None,
                )
            )
        acknowledge(
            role,
            "IAM5[Resource::*]",
            "X-Ray active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) does not support "
            "resource-level permissions.",
        )
        acknowledge(
            function,
            "L1",
            f"Pinned to {RUNTIME.name}: the dependency layer's wheels are built for this version "
            "(docs/deploy.md); upgrade RUNTIME and the layer build together.",
        )
        return function

    def _environment(self, spec: Function) -> dict[str, str]:
        env: dict[str, str] = {}
        for logical_id in spec.uses:
            env.update(self._resources.environment(logical_id))
        env.update(
            {
                "CTS_COUNTRY": self._country.code,
                "CTS_ALERT_THRESHOLD": str(self._country.thresholds.alert),
                "CTS_RED_THRESHOLD": str(self._country.thresholds.red),
                **rescoring_environment(self._country),
                **retention_environment(self._country),
                "POWERTOOLS_SERVICE_NAME": service_name(spec),
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "LOG_LEVEL": LOG_LEVEL,
            }
        )
        if spec.logical_id in EMAIL_SENDERS:
            env["CTS_ALERT_SENDER"] = self._country.alert_sender
            env.update(self._email_settings)
        return env


def trigger_concurrency(spec: Function, reserved: int) -> int:
    """The SQS trigger's maximum concurrency under a reservation: all of it, less one instance kept for the
    function's schedules (EventBridge invokes it too), never below SQS's minimum of 2."""
    scheduled = any(s.function == spec.logical_id for s in SYSTEM.schedules)
    return max(2, reserved - 1 if scheduled else reserved)


def service_name(spec: Function) -> str:
    """``IngestFunction`` -> ``cts-ingest`` (the name the handlers give Powertools)."""
    return "cts-" + spec.logical_id.removesuffix("Function").lower()


def ses_identity_arn(stack: cdk.Stack, sender: str) -> str:
    """The SES domain identity of ``sender`` (the identity to verify before alerts can be sent)."""
    domain = sender.rpartition("@")[2]
    return stack.format_arn(
        service="ses",
        resource="identity",
        resource_name=domain,
        arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
    )
