"""`cts local run` (what `make run` calls) as a real process: it serves /health, writes its facts, stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from cts.adapters.local.stack import free_port

pytestmark = pytest.mark.e2e


def test_cts_local_run_serves_demo_data_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port, aws_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CTS_"))}
    command = [
        sys.executable,
        "-m",
        "cts.cli.main",
        "local",
        "run",
        "--port",
        str(port),
        "--aws-port",
        str(aws_port),
        "--data-dir",
        str(tmp_path),
    ]
    log = (tmp_path / "run.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        facts_file = tmp_path / "stack.json"
        deadline = time.monotonic() + 90
        while not facts_file.exists() and time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "run.log").read_text()
            time.sleep(0.5)
        facts = json.loads(facts_file.read_text())
        assert facts["api_url"] == f"http://127.0.0.1:{port}"
        assert requests.get(f"{facts['api_url']}/health", timeout=5).json()["status"] == "ok"
        assert "demo users" in (tmp_path / "run.log").read_text()
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        log.close()
    assert code == 0, (tmp_path / "run.log").read_text()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/health", timeout=2)


def test_cts_help_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cts.cli.main", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("local", "parse", "reference", "bench"):
        assert command in result.stdout
