"""cdk-nag (AwsSolutions) finds nothing unacknowledged, and every acknowledgement is still needed."""

from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from cdk_nag import AwsSolutionsChecks

from infra.app import build_app, countries
from infra_testkit import Built

_PREFIX = "Annotation::"


def _findings(scope: cdk.App) -> list[tuple[str, str, str]]:
    """(severity, rule, construct path) for every finding the AwsSolutions pack reports."""
    report = AwsSolutionsChecks().validate_scope(scope)
    return [
        (violation.severity or "error", violation.rule_name, resource.construct_path or "?")
        for violation in report.violations
        for resource in violation.violating_resources
    ]


def _acknowledgements(scope: cdk.App) -> list[tuple[str, str]]:
    """(construct path, rule id) of every AwsSolutions acknowledgement in the tree."""
    found = []
    for construct in scope.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for key in entry.data:
                    rule = key.removeprefix(_PREFIX)
                    if rule.startswith("AwsSolutions-"):
                        found.append((construct.node.path, rule))
    return found


def test_aws_solutions_checks_report_nothing_unacknowledged(built: Built) -> None:
    findings = _findings(built.app)
    assert not findings, "\n".join(f"{sev.upper()} {rule} at {path}" for sev, rule, path in findings)


def test_every_acknowledgement_has_a_reason(built: Built) -> None:
    for construct in built.app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for rule, reason in entry.data.items():
                    assert len(reason) >= 40, f"{construct.node.path}: {rule} needs a real reason"


def test_every_acknowledgement_matches_a_finding_it_silences(
    built: Built, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Stale acknowledgements hide future findings: build again without them and compare."""
    for name, module in list(sys.modules.items()):
        if name.startswith("infra.components.") and hasattr(module, "acknowledge"):
            monkeypatch.setattr(module, "acknowledge", lambda *_args, **_kwargs: None)
    bare, _ = build_app(countries("JM"), outdir=str(tmp_path), nag=False)
    findings = _findings(bare)
    acknowledged = [(path, rule) for path, rule in _acknowledgements(built.app) if path.startswith("Cts-JM/")]
    assert acknowledged
    stale = [
        (path, rule)
        for path, rule in acknowledged
        if not any(r == rule and (p == path or p.startswith(path + "/")) for _, r, p in findings)
    ]
    assert not stale, stale
