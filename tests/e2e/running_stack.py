"""A handle on a running local stack, driven only from outside: HTTP, the local AWS endpoint, stack.json."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import requests

from cts.adapters.local.stack import free_port

QUEUE_VARS = ("CTS_INGEST_QUEUE_URL", "CTS_SCORE_QUEUE_URL", "CTS_NOTIFY_QUEUE_URL")


@dataclass
class RunningStack:
    facts: dict[str, Any]
    data_dir: Path

    @property
    def api_url(self) -> str:
        return str(self.facts["api_url"])

    @property
    def aws_endpoint(self) -> str:
        return str(self.facts["aws_endpoint"])

    @property
    def env(self) -> dict[str, str]:
        return dict(self.facts["environment"])

    def user(self, role: str) -> dict[str, str]:
        return next(u for u in self.facts["users"] if u["role"] == role)

    def client(self, service: str) -> Any:
        return boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=self.facts["region"]
        ).client(service, endpoint_url=self.aws_endpoint)

    def upload(self, key: str, body: bytes) -> None:
        self.client("s3").put_object(Bucket=self.facts["inbox_bucket"], Key=key, Body=body)

    def wait_until_idle(self, timeout_s: float = 60) -> None:
        """Until every function's queue is empty, in flight included, twice in a row (stages hand over)."""
        sqs = self.client("sqs")
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        deadline, quiet = time.monotonic() + timeout_s, 0
        while time.monotonic() < deadline:
            busy = sum(
                int(v)
                for var in QUEUE_VARS
                for v in sqs.get_queue_attributes(QueueUrl=self.env[var], AttributeNames=names)["Attributes"].values()
            )
            quiet = quiet + 1 if busy == 0 else 0
            if quiet >= 2:
                return
            time.sleep(0.3)
        raise TimeoutError("the local pipeline did not drain in time")


@contextmanager
def run_local_stack(data_dir: Path) -> Iterator[RunningStack]:
    """`cts local run` (what `make run` calls) as a real process on free ports; Ctrl-C on exit must end it cleanly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CTS_"))}
    ports = ["--port", str(free_port()), "--aws-port", str(free_port())]
    command = [sys.executable, "-m", "cts.cli.main", "local", "run", *ports, "--data-dir", str(data_dir)]
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
            yield RunningStack(json.loads(facts_file.read_text()), data_dir)
        finally:
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=30)
    if code != 0:
        raise RuntimeError(f"`cts local run` exited with {code} on Ctrl-C:\n{log_path.read_text()}")


def sign_in(stack: RunningStack, role: str) -> dict[str, str]:
    user = stack.user(role)
    response = requests.post(
        f"{stack.api_url}/auth/login", json={"username": user["username"], "password": user["password"]}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['id_token']}"}


def csv_manifest(number: str) -> bytes:
    eta = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    header = (
        "document_number,document_kind,mode,direction,carrier_code,vessel_name,place_of_loading,place_of_discharge,"
        "eta,consignor_name,consignor_country,consignee_name,consignee_country,description,hs_code,package_count,"
        "gross_weight_kg,container_number\n"
    )
    row = (
        f"{number},master_bill,sea,import,DMLU,DEMO STAR,COCTG,JMKIN,{eta},Caribe Frutas SAS,CO,"
        f"Island Fresh Imports Ltd,JM,Pineapples fresh,080430,800,16000,MSKU1234565\n"
    )
    return (header + row).encode()


def wait_for(predicate: Any, timeout_s: float = 30) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")
