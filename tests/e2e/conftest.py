"""The local stack, started exactly as `make run` starts it (`cts local run`), in its own process.

Its own process keeps its moto state apart from the in-process moto that integration tests use, and
tests drive it only from the outside: HTTP, the local AWS endpoint, and `.local/stack.json`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from cts.adapters.local.stack import free_port
from running_stack import RunningStack


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    data_dir = tmp_path_factory.mktemp("local-stack")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CTS_"))}
    command = [
        sys.executable,
        "-m",
        "cts.cli.main",
        "local",
        "run",
        "--port",
        str(free_port()),
        "--aws-port",
        str(free_port()),
        "--data-dir",
        str(data_dir),
    ]
    log_path = data_dir / "run.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            facts_file = data_dir / "stack.json"
            deadline = time.monotonic() + 120
            while not facts_file.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the local stack did not start:\n{log_path.read_text()}")
                time.sleep(0.3)
            time.sleep(0.2)  # the file is written in one call; let it land before reading
            stack = RunningStack(json.loads(facts_file.read_text()), data_dir)
            stack.wait_until_idle()
            yield stack
        finally:
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=30)
    assert code == 0, log_path.read_text()
