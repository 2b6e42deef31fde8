"""Types shared by the infra tests (importable: pytest puts this folder on sys.path)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from cts.config.country import CountryConfig
from infra.stack import CargoTargetingStack


@dataclass(frozen=True)
class Synthesised:
    country: CountryConfig
    stack: CargoTargetingStack
    template: Template
    resources: dict[str, dict[str, Any]]  # the template's Resources section
    outputs: dict[str, Any]

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == cfn_type}

    def logical_id(self, construct: Any) -> str:
        return self.stack.get_logical_id(construct.node.default_child)


@dataclass(frozen=True)
class Built:
    app: cdk.App
    outdir: Path
    by_country: dict[str, Synthesised]
