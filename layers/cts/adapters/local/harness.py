"""The local pipeline without the web app, for benchmarks: moto in its own process, the real handlers on pollers.

:class:`PipelineHarness` starts moto's server as a child process (so that the emulator and the handlers do not
share one interpreter lock; with the transaction fix of :mod:`cts.adapters.local.moto_server`), creates the
catalogue's resources with :func:`cts.adapters.local.bootstrap.bootstrap`, sets the functions' environment as
``cts local run`` does, and runs ``workers`` pollers per queue-triggered function (Lambda runs several instances
of a function side by side; here they are threads). Everything listens on 127.0.0.1 and uses dummy credentials."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from cts.adapters.aws import reset_clients
from cts.adapters.local.bootstrap import bootstrap
from cts.adapters.local.runner import QueuePoller
from cts.adapters.local.stack import LocalStack, free_port
from cts.config.country import CountryConfig
from cts.config.resources import SYSTEM

_LAYERS = str(Path(__file__).resolve().parents[3])  # the folder holding the cts package


@dataclass
class PipelineHarness:
    country: CountryConfig
    data_dir: Path
    workers: dict[str, int] = field(default_factory=dict)  # function logical id -> pollers (default 1)
    quiet: bool = True
    stack: LocalStack | None = None
    pollers: dict[str, list[QueuePoller]] = field(default_factory=dict)
    _process: subprocess.Popen[bytes] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _patches: list[Callable[[], None]] = field(default_factory=list)

    def start(self, run_pollers: bool = True) -> PipelineHarness:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        aws_port = free_port()
        stack = self.stack = LocalStack(self.country, port=free_port(), aws_port=aws_port, data_dir=self.data_dir)
        stack.demo = False
        reset_clients()
        stack._set_environment(stack._moto_environment())
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter running moto on 127.0.0.1
            [sys.executable, "-m", "cts.adapters.local.moto_server", "-H", "127.0.0.1", "-p", str(aws_port)],
            env={**os.environ, "PYTHONPATH": os.pathsep.join([_LAYERS, os.environ.get("PYTHONPATH", "")])},
            stdout=subprocess.DEVNULL,
            stderr=open(os.environ.get("CTS_HARNESS_MOTO_LOG", os.devnull), "ab"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.post(
                    f"{stack.aws_endpoint}/moto-api/config",
                    json={"stepfunctions": {"execute_state_machine": True}},
                    timeout=5,
                )
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        stack.resources = bootstrap(self.country, stack.aws_endpoint)
        stack._set_environment(stack._function_environment())
        if self.quiet:  # one log line and one metrics line per consignment would cost more than the work
            stack._set_environment(
                {"POWERTOOLS_LOG_LEVEL": "WARNING", "LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"}
            )
        if run_pollers:
            self.start_pollers()
        return self

    def start_pollers(self) -> None:
        stack = self._stack()
        for function in SYSTEM.functions:
            if not function.trigger_queue:
                continue
            for _ in range(self.workers.get(function.logical_id, 1)):
                poller = QueuePoller(
                    function,
                    stack.resources.queue_urls[function.trigger_queue],
                    stack.resources.queue_arns[function.trigger_queue],
                    stack.aws_endpoint,
                    self.country.region,
                    self._stop,
                )
                poller.start()
                self.pollers.setdefault(function.logical_id, []).append(poller)

    def _stack(self) -> LocalStack:
        if self.stack is None:
            raise RuntimeError("start() first")
        return self.stack

    @property
    def env(self) -> dict[str, str]:
        return self._stack()._function_environment()

    def client(self, service: str) -> Any:
        return self._stack().client(service)

    def upload(self, key: str, body: bytes) -> None:
        self._stack().upload(key, body)

    def queue_depth(self, queue_logical_id: str) -> int:
        """Messages visible plus in flight (approximate, as SQS reports them)."""
        url = self._stack().resources.queue_urls[queue_logical_id]
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = self.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return sum(int(attributes.get(n, 0)) for n in names)

    def dead_letters(self) -> int:
        sqs = self.client("sqs")
        total = 0
        for logical_id, url in self._stack().resources.queue_urls.items():
            if logical_id.endswith("Dlq"):
                attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                total += int(attributes["Attributes"].get("ApproximateNumberOfMessages", 0))
        return total

    def invocations(self, function_logical_id: str) -> int:
        return sum(p.invocations for p in self.pollers.get(function_logical_id, []))

    def stop(self) -> None:
        for patch in reversed(self._patches):
            patch()
        self._patches.clear()
        self._stop.set()
        for pollers in self.pollers.values():
            for poller in pollers:
                poller.join(timeout=10)
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        if self.stack is not None:
            self.stack._restore_environment()
        reset_clients()
