"""The CDK app: one ``Cts-<ISO2>`` stack per ``infra/countries/<ISO2>.yaml`` (or only ``$COUNTRY``).

    python infra/app.py                          # synthesise every country into ./cdk.out
    COUNTRY=JM python infra/app.py               # one country
    npx aws-cdk@2 deploy --app "python infra/app.py" Cts-JM

Synthesis is offline: no lookups, no Docker, no AWS credentials. cdk-nag's AwsSolutions pack
runs as a validation plugin; any unacknowledged finding fails the synthesis.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
# Node 20 works for jsii; its end-of-life banner would bury the real output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from cts.config.country import CountryConfig, load_all  # noqa: E402
from infra.stack import CargoTargetingStack, stack_name  # noqa: E402

COUNTRIES_DIR = REPO_ROOT / "infra" / "countries"

# Behaviour flags that `cdk init` would put in cdk.json; set here so the app needs no cdk.json.
FEATURE_FLAGS = {
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,  # log delivery via policy, not ACLs
    "@aws-cdk/aws-s3:createDefaultLoggingPolicy": True,
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/core:enablePartitionLiterals": True,
    "@aws-cdk/aws-apigateway:disableCloudWatchRole": False,
}


def countries(selected: str | None = None) -> list[CountryConfig]:
    if selected:
        return [CountryConfig.load(COUNTRIES_DIR / f"{selected.upper()}.yaml")]
    return load_all(COUNTRIES_DIR)


def build_app(
    configs: list[CountryConfig],
    *,
    outdir: str,
    root: Path = REPO_ROOT,
    nag: bool = True,
) -> tuple[cdk.App, dict[str, CargoTargetingStack]]:
    app = cdk.App(outdir=outdir, context=FEATURE_FLAGS)
    stacks = {c.code: CargoTargetingStack(app, stack_name(c), country=c, root=root) for c in configs}
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stacks


def main() -> None:
    app, _ = build_app(countries(os.environ.get("COUNTRY")), outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
    app.synth()


if __name__ == "__main__":
    main()
