"""The app entry point, the shared layer's content, and synthesis without the API code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cts.config.resources import SYSTEM
from infra.app import build_app, countries
from infra.components.logging import retention
from infra.stack import REPO_ROOT, CargoTargetingStack
from infra_testkit import Built, Synthesised


def test_app_synthesises_the_selected_country_with_cdk_nag_enforced(tmp_path: Path) -> None:
    env = {**os.environ, "COUNTRY": "LK", "CDK_OUTDIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "infra" / "app.py")],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "Cts-LK.template.json").is_file()
    assert not (tmp_path / "Cts-JM.template.json").exists()
    report = tmp_path / "validation-report.json"
    if report.exists():  # written only when some plugin reported something
        assert not json.loads(report.read_text())["pluginReports"]


def test_cts_layer_ships_the_package_under_python_without_local_tooling(jm: Synthesised, built: Built) -> None:
    layer = jm.resources[jm.logical_id(jm.stack.layers.cts)]
    key = layer["Properties"]["Content"]["S3Key"]
    asset = built.outdir / f"asset.{key.removesuffix('.zip')}"
    package = asset / "python" / "cts"
    assert (package / "config" / "resources.py").is_file()
    assert (package / "reference" / "data").is_dir()
    assert not (package / "local").exists()
    assert not (package / "cli").exists()
    assert not list(asset.rglob("__pycache__"))


@pytest.mark.parametrize(("days", "kept"), [(1, 1), (365, 365), (366, 400), (1825, 1827), (4000, 0)])
def test_log_retention_never_keeps_less_than_asked(days: int, kept: int) -> None:
    names = {1: "ONE_DAY", 365: "ONE_YEAR", 400: "THIRTEEN_MONTHS", 1827: "FIVE_YEARS", 0: "INFINITE"}
    assert retention(days).name == names[kept]


def test_without_the_api_code_the_stack_has_no_api_but_everything_else(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    for folder in ("layers", "statemachines", "web"):
        (root / folder).symlink_to(REPO_ROOT / folder)
    for spec in SYSTEM.functions:
        if spec.trigger_queue is not None:
            shutil.copytree(REPO_ROOT / spec.code_dir, root / spec.code_dir)
    _, stacks = build_app(countries("JM"), outdir=str(tmp_path / "out"), nag=False, root=root)
    stack: CargoTargetingStack = stacks["JM"]
    assert stack.api is None
    assert set(stack.functions) == {f.logical_id for f in SYSTEM.functions if f.trigger_queue}


def test_a_missing_pipeline_function_fails_synthesis_loudly(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    for folder in ("layers", "statemachines", "web"):
        (root / folder).symlink_to(REPO_ROOT / folder)
    with pytest.raises(Exception, match="IngestFunction: code directory"):
        build_app(countries("JM"), outdir=str(tmp_path / "out"), nag=False, root=root)
