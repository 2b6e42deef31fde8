"""Schemathesis fuzzes the API through its own OpenAPI description, served by a local stack (`cts local run`).

The stack is this module's own (fuzzing writes profiles, watch-list entries, users, cases...: other e2e tests keep
their demo data). Runs as an administrator (every operation past the permission gate, every phase: examples,
coverage, fuzzing, stateful) and as a targeting analyst (coverage and fuzzing), with these checks:

- ``not_a_server_error``: no 5xx at all, whatever the input (503 included: every port is configured locally);
- ``error_body_is_code_and_message`` (tests/e2e/fuzz_checks.py): every 4xx is JSON ``{code, message}``;
- ``status_code_conformance``, ``content_type_conformance``, ``response_schema_conformance``: answers are
  among the documented ones and match the declared response schemas;
- ``unsupported_method`` (405 for an undeclared method) and ``ignored_auth`` (401 without a valid token).

``CTS_FUZZ_SEED`` picks another seed, ``CTS_FUZZ_EXAMPLES`` more examples per operation (default 10).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from running_stack import RunningStack, run_local_stack, sign_in

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
CHECKS = ",".join(
    [
        "not_a_server_error",
        "error_body_is_code_and_message",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "unsupported_method",
        "ignored_auth",
    ]
)
SEED = os.environ.get("CTS_FUZZ_SEED", "20261125")
EXAMPLES = int(os.environ.get("CTS_FUZZ_EXAMPLES", "10"))


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with run_local_stack(tmp_path_factory.mktemp("fuzz-stack")) as stack:
        stack.wait_until_idle()
        yield stack


@pytest.fixture(scope="module")
def tokens(fuzz_stack: RunningStack) -> dict[str, dict[str, str]]:
    """Signed in before any fuzzing: a fuzzed call may change users' groups or passwords."""
    return {role: sign_in(fuzz_stack, role) for role in ("administrator", "targeting_analyst")}


def schemathesis_run(stack: RunningStack, headers: dict[str, str], work: Path, *options: str) -> dict[str, Any]:
    """``schemathesis run`` against the stack's /openapi.json; the JSON report, with the output as ``output``."""
    work.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{stack.api_url}/openapi.json",
        *[arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")],
        "--checks",
        CHECKS,
        "--seed",
        SEED,
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--output-truncate",
        "false",
        "--report",
        "json",
        "--report-json-path",
        str(work / "report.json"),
        *options,
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_checks", "PYTHONPATH": str(HERE)}
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=600, check=False)
    report: dict[str, Any] = json.loads((work / "report.json").read_text())
    report["output"] = done.stdout + done.stderr
    return report


def _figures(role: str, report: dict[str, Any]) -> str:
    ops, cases = report["operations"], report["test_cases"]
    return (
        f"{role}: {ops['tested']}/{ops['total']} operations, {cases['generated']} test cases, "
        f"{cases['with_failures']} failing, {report['running_time']:.0f} s (seed {report['seed']})"
    )


def _assert_clean(role: str, report: dict[str, Any]) -> None:
    print(_figures(role, report))
    failures = f"{_figures(role, report)}\n{report['output'][:30_000]}"  # each failure with its curl, then a summary
    assert not report["failures"], failures
    assert not report["errors"], failures
    assert report["exit_code"] == 0, failures
    assert report["operations"]["tested"] == report["operations"]["total"] >= 20


def test_fuzzing_every_operation_as_an_administrator_finds_no_server_error(
    fuzz_stack: RunningStack, tokens: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    report = schemathesis_run(fuzz_stack, tokens["administrator"], tmp_path / "administrator", "-n", str(EXAMPLES))
    _assert_clean("administrator", report)
    assert {name for name, phase in report["phases"].items() if phase["status"] != "skip"} >= {
        "coverage",
        "fuzzing",
        "stateful",
    }


def test_fuzzing_as_an_analyst_finds_no_server_error(
    fuzz_stack: RunningStack, tokens: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    options = ("-n", str(max(EXAMPLES // 2, 1)), "--phases", "coverage,fuzzing")
    report = schemathesis_run(fuzz_stack, tokens["targeting_analyst"], tmp_path / "analyst", *options)
    _assert_clean("targeting_analyst", report)


def test_the_stack_still_answers_after_fuzzing(fuzz_stack: RunningStack, tokens: dict[str, dict[str, str]]) -> None:
    response = requests.get(f"{fuzz_stack.api_url}/me", headers=tokens["targeting_analyst"], timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["targeting_analyst"]
