"""The layering rules, checked: a pure domain, SDKs only in adapters, no AWS client at import time."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CTS = ROOT / "layers" / "cts"
SDKS = ("boto3", "botocore", "pynamodb", "opensearchpy", "aws_lambda_powertools", "moto")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offenders(folder: Path, banned: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        for name in imported_modules(path):
            if name.split(".")[0] in banned:
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_the_domain_imports_no_sdk_and_no_outer_layer() -> None:
    assert offenders(CTS / "domain", SDKS) == []
    outer = [
        f"{p.relative_to(ROOT)} imports {n}"
        for p in (CTS / "domain").rglob("*.py")
        for n in imported_modules(p)
        if n.startswith(("cts.adapters", "cts.services", "cts.ports", "cts.cli", "cts.config"))
    ]
    assert outer == []


@pytest.mark.parametrize("layer", ["ports", "services", "config"])
def test_ports_services_and_config_import_no_aws_sdk(layer: str) -> None:
    assert offenders(CTS / layer, SDKS) == []


def test_boto3_is_used_only_by_adapters_and_the_local_stack() -> None:
    allowed = {CTS / "adapters", CTS / "local"}
    stray = [
        o for o in offenders(CTS, ("boto3",)) if not any(str(ROOT / o.split()[0]).startswith(str(a)) for a in allowed)
    ]
    assert stray == []


def load(path: Path, name: str) -> None:
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    finally:
        sys.path.remove(str(path.parent))


def test_no_aws_client_is_created_when_functions_are_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.session

    original = botocore.session.Session.create_client

    def refuse(self: botocore.session.Session, service: str, *args: object, **kwargs: object) -> object:
        # Powertools' Tracer imports the X-Ray SDK, whose sampler talks to the local X-Ray daemon (loopback),
        # not to an AWS endpoint; every client of our own must wait for the first event.
        if service == "xray" and str(kwargs.get("endpoint_url", "")).startswith("http://127.0.0.1:"):
            return original(self, service, *args, **kwargs)
        raise AssertionError(f"AWS client created at import time: {service}")

    monkeypatch.setattr(botocore.session.Session, "create_client", refuse)
    for env in ("CTS_RECORDS_TABLE", "CTS_INBOX_BUCKET"):  # and without configuration: it is read lazily too
        monkeypatch.delenv(env, raising=False)
    for name in ("ingest", "score", "notify"):
        load(ROOT / "functions" / name / "handler.py", f"import_check_{name}")
    load(ROOT / "functions" / "api" / "app.py", "import_check_api")
