"""Synthesise the CDK app once per session (it takes seconds) and share the templates."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # `infra` is a folder of the repository, not an installed package
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import pytest  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.app import build_app, countries  # noqa: E402
from infra_testkit import Built, Synthesised  # noqa: E402

COUNTRY_CODES = [c.code for c in countries()]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every country's stack in one app, synthesised once. cdk-nag runs in its own test."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stacks = build_app(countries(), outdir=str(outdir), nag=False)
    by_country = {}
    for code, stack in stacks.items():
        template = Template.from_stack(stack)
        body = template.to_json()
        by_country[code] = Synthesised(stack.country, stack, template, body["Resources"], body.get("Outputs", {}))
    return Built(app, outdir, by_country)


@pytest.fixture(params=COUNTRY_CODES)
def synth(request: pytest.FixtureRequest, built: Built) -> Synthesised:
    """One country's synthesised stack (tests using it run once per country file)."""
    return built.by_country[request.param]


@pytest.fixture
def jm(built: Built) -> Synthesised:
    return built.by_country["JM"]
