"""`cts local run` (what `make run` calls) as a real process: it serves /health, writes its facts, stops on Ctrl-C."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from running_stack import run_local_stack

pytestmark = pytest.mark.e2e


def test_cts_local_run_serves_demo_data_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    with run_local_stack(tmp_path) as stack:
        assert stack.api_url.startswith("http://127.0.0.1:")
        assert requests.get(f"{stack.api_url}/health", timeout=5).json()["status"] == "ok"
        assert "demo users" in (tmp_path / "run.log").read_text()
    with pytest.raises(requests.ConnectionError):  # exited 0 on Ctrl-C (checked by run_local_stack), port closed
        requests.get(f"{stack.api_url}/health", timeout=2)


def test_cts_help_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cts.cli.main", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("local", "parse", "reference", "bench"):
        assert command in result.stdout
