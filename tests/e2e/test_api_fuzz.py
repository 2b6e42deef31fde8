"""Schemathesis fuzzes the API through its own OpenAPI description, served by a local stack (`cts local run`).

The stack is this module's own (fuzzing writes profiles, watch-list entries, users, cases...: other e2e tests keep
their demo data). Runs as an administrator (every operation past the permission gate, every phase: examples,
coverage, fuzzing, stateful) and as a targeting analyst (coverage and fuzzing); then each operation neither may
call (by ``x-cts-action`` and the permission table) runs as a role that may, so every operation is fuzzed past
the permission gate. The checks:

- ``not_a_server_error``: no 5xx at all, whatever the input (503 included: every port is configured locally);
- ``error_body_is_code_and_message`` (tests/e2e/fuzz_checks.py): every 4xx is JSON ``{code, message}``;
- ``status_code_conformance``, ``content_type_conformance``, ``response_schema_conformance``: answers are
  among the documented ones and match the declared response schemas;
- ``unsupported_method`` (405 for an undeclared method) and ``ignored_auth`` (401 without a valid token).

Half the path parameters are ids the stack holds (its demo consignments, alerts, cases, receipts, profiles,
watch-list entries and users, read before fuzzing: :func:`known_ids`), so the fuzzer gets past "not found" into
the domain; the other half are generated. ``CTS_FUZZ_SEED`` picks another seed, ``CTS_FUZZ_EXAMPLES`` more
examples per operation (default 10).
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

from cts.adapters.local.demo import DEMO_CARRIER
from cts.domain.permissions import Action, allowed
from cts.domain.roles import Role
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


# path parameter -> (list route, the list in its answer, the id field of an item)
ID_SOURCES = {
    "case_id": ("/cases", "cases", "case_id"),
    "alert_id": ("/alerts", "alerts", "alert_id"),
    "key": ("/consignments", "hits", "key"),
    "file_id": (f"/receipts?carrier_id={DEMO_CARRIER}", "receipts", "file_id"),
    "profile_id": ("/profiles", "profiles", "id"),
    "entry_id": ("/watchlists", "entries", "id"),
    "username": ("/users", "users", "username"),
}


def known_ids(stack: RunningStack, headers: dict[str, str]) -> dict[str, list[str]]:
    """Ids the stack holds, per path parameter name, read through the API as an administrator."""
    found: dict[str, list[str]] = {}
    for param, (path, listed, field) in ID_SOURCES.items():
        response = requests.get(f"{stack.api_url}{path}", headers=headers, timeout=10)
        assert response.status_code == 200, (path, response.text)
        found[param] = sorted({str(item[field]) for item in response.json()[listed]})
    return found


def fuzz_config(ids: dict[str, list[str]], work: Path) -> Path:
    """A schemathesis.toml drawing each path parameter from the known ids half the time."""
    lines = []
    for param, values in ids.items():
        if values:
            lines += [f"[dictionaries.{param}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    lines += [f'"path.{param}" = {{ dictionary = "{param}", probability = 0.5 }}' for param in ids if ids[param]]
    path = work / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def config(
    fuzz_stack: RunningStack, tokens: dict[str, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    ids = known_ids(fuzz_stack, tokens[Role.ADMINISTRATOR.value])
    assert all(ids[name] for name in ("case_id", "key", "alert_id", "profile_id", "file_id")), ids  # demo data
    return fuzz_config(ids, tmp_path_factory.mktemp("fuzz-config"))


@pytest.fixture(scope="module")
def tokens(fuzz_stack: RunningStack) -> dict[str, dict[str, str]]:
    """Signed in before any fuzzing: a fuzzed call may change users' groups or passwords."""
    return {role.value: sign_in(fuzz_stack, role.value) for role in Role}


def schemathesis_run(
    stack: RunningStack, config: Path, headers: dict[str, str], work: Path, *options: str
) -> dict[str, Any]:
    """``schemathesis run`` against the stack's /openapi.json; the JSON report, with the output as ``output``."""
    work.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
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
        "--suppress-health-check",
        "all",  # Hypothesis' speed checks would fail a slow CI machine, not the API
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


def _assert_clean(role: str, report: dict[str, Any], expected_operations: int | None = None) -> None:
    print(_figures(role, report))
    failures = f"{_figures(role, report)}\n{report['output'][:30_000]}"  # each failure with its curl, then a summary
    assert not report["failures"], failures
    assert not report["errors"], failures
    assert report["exit_code"] == 0, failures
    if expected_operations is None:
        assert report["operations"]["tested"] == report["operations"]["total"] >= 20
    else:
        assert report["operations"]["tested"] == report["operations"]["selected"] == expected_operations


def test_fuzzing_every_operation_as_an_administrator_finds_no_server_error(
    fuzz_stack: RunningStack, tokens: dict[str, dict[str, str]], config: Path, tmp_path: Path
) -> None:
    report = schemathesis_run(
        fuzz_stack, config, tokens["administrator"], tmp_path / "administrator", "-n", str(EXAMPLES)
    )
    _assert_clean("administrator", report)
    assert {name for name, phase in report["phases"].items() if phase["status"] != "skip"} >= {
        "coverage",
        "fuzzing",
        "stateful",
    }


def test_fuzzing_as_an_analyst_finds_no_server_error(
    fuzz_stack: RunningStack, tokens: dict[str, dict[str, str]], config: Path, tmp_path: Path
) -> None:
    options = ("-n", str(max(EXAMPLES // 2, 1)), "--phases", "coverage,fuzzing")
    report = schemathesis_run(fuzz_stack, config, tokens["targeting_analyst"], tmp_path / "analyst", *options)
    _assert_clean("targeting_analyst", report)


FIRST_RUNS = (Role.ADMINISTRATOR.value, Role.TARGETING_ANALYST.value)


def _gate_passers(operation: dict[str, Any]) -> set[str]:
    """The roles the permission table lets past this operation's gate (every role on public and /me)."""
    if "x-cts-action" not in operation:
        return {role.value for role in Role}
    names = operation["x-cts-action"]
    actions = [Action(name) for name in (names if isinstance(names, list) else [names])]
    return {role.value for role in Role if any(allowed({role.value}, action) for action in actions)}


def test_every_operation_is_fuzzed_past_the_gate_by_some_role(
    fuzz_stack: RunningStack, tokens: dict[str, dict[str, str]], config: Path, tmp_path: Path
) -> None:
    spec = requests.get(f"{fuzz_stack.api_url}/openapi.json", timeout=10).json()
    operations = {op["operationId"]: _gate_passers(op) for item in spec["paths"].values() for op in item.values()}
    left = {op_id for op_id, roles in operations.items() if not roles & set(FIRST_RUNS)}
    runs: dict[str, list[str]] = {}
    for op_id in sorted(left):
        role = next(r.value for r in Role if r.value in operations[op_id])  # every action has a role (unit-tested)
        runs.setdefault(role, []).append(op_id)
    assert sorted(op for ops in runs.values() for op in ops) == sorted(left)
    for role, op_ids in runs.items():
        only = [arg for op_id in op_ids for arg in ("--include-operation-id", op_id)]
        options = ("-n", str(EXAMPLES), "--phases", "coverage,fuzzing", *only)
        report = schemathesis_run(fuzz_stack, config, tokens[role], tmp_path / role, *options)
        _assert_clean(role, report, expected_operations=len(op_ids))


def test_the_stack_still_answers_after_fuzzing(fuzz_stack: RunningStack, tokens: dict[str, dict[str, str]]) -> None:
    response = requests.get(f"{fuzz_stack.api_url}/me", headers=tokens["targeting_analyst"], timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["targeting_analyst"]
