from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from chalice.test import Client

from chalicelib.container import Container, build_container, set_container
from cts.adapters.cognito import CognitoAuthenticator, CognitoTokenVerifier
from cts.config.settings import ConfigError
from fakes_api import API_DIR, ROOT

ENV = {
    "CTS_COUNTRY": "JM",
    "AWS_REGION": "us-east-1",
    "CTS_INBOX_BUCKET": "inbox",
    "CTS_RECEIPTS_BUCKET": "receipts",
    "CTS_RECORDS_TABLE": "records",
    "CTS_SEARCH_PATH": ":memory:",
    "CTS_USER_POOL_ID": "us-east-1_abc",
    "CTS_USER_POOL_CLIENT_ID": "client123",
}


def test_building_the_container_validates_settings_but_opens_no_client(monkeypatch: pytest.MonkeyPatch) -> None:
    import cts.adapters.aws as aws

    def no_client(*args: object, **kwargs: object) -> None:
        raise AssertionError("an AWS client was created")

    monkeypatch.setattr(aws, "client", no_client)
    container = build_container(ENV)
    assert isinstance(container, Container)
    assert container.country == "JM"
    assert isinstance(container.authenticator, CognitoAuthenticator)
    assert isinstance(container.verifier, CognitoTokenVerifier)
    assert container.verifier is container.verifier  # built once


def test_the_case_ports_are_built_lazily_and_the_workflow_only_with_its_arn(monkeypatch: pytest.MonkeyPatch) -> None:
    import cts.adapters.aws as aws
    from cts.adapters.dynamodb_cases import DynamoCaseStore
    from cts.adapters.stepfunctions import StepFunctionsCaseWorkflow

    def no_client(*args: object, **kwargs: object) -> None:
        raise AssertionError("an AWS client was created")

    monkeypatch.setattr(aws, "client", no_client)
    without = build_container(ENV)
    assert isinstance(without.cases, DynamoCaseStore)
    assert without.cases.table_name == "records"
    assert without.case_tasks is None  # the case routes answer 503
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:cts-case"
    tasks = build_container({**ENV, "CTS_CASE_STATE_MACHINE_ARN": arn}).case_tasks
    assert isinstance(tasks, StepFunctionsCaseWorkflow)
    assert tasks.state_machine_arn == arn


def test_a_missing_setting_fails_at_cold_start_naming_it() -> None:
    env = {k: v for k, v in ENV.items() if k != "CTS_USER_POOL_ID"}
    with pytest.raises(ConfigError, match="CTS_USER_POOL_ID"):
        build_container(env)


def test_health_reports_a_misconfigured_function_as_503(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    set_container(None)
    from app import app

    response = Client(app, project_dir=str(API_DIR)).http.get("/health")
    assert response.status_code == 503
    assert json.loads(response.body)["code"] == "misconfigured"
    set_container(None)


def test_importing_the_app_opens_no_aws_client_and_reads_no_settings() -> None:
    probe = (
        "import boto3, boto3.session\n"
        "def boom(*a, **k): raise SystemExit('AWS client created at import')\n"
        "boto3.client = boto3.session.Session.client = boom\n"
        "import app\n"
        "from chalicelib import container\n"
        "assert container._container is None\n"
        "assert len(app.app.routes) >= 8\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT / "layers")}
    done = subprocess.run([sys.executable, "-c", probe], cwd=API_DIR, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_app_loaded_twice_in_one_process_keeps_every_routes_methods() -> None:
    """The local stack loads functions/api/app.py under its own module name beside tests' ``import app``."""
    import importlib.util

    from app import app as first

    spec = importlib.util.spec_from_file_location("cts_fn_api_again", API_DIR / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    second = module.app
    expected = {"/auth/login": ["POST"], "/alerts/{alert_id}/ack": ["POST"], "/uploads": ["POST"], "/me": ["GET"]}
    for app in (first, second):
        routes = {path: sorted(methods) for path, methods in app.routes.items()}
        for path, methods in expected.items():
            assert routes[path] == methods
