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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cts.adapters.aws import reset_clients
from cts.adapters.local.bootstrap import bootstrap
from cts.adapters.local.stack import LocalStack, free_port
from cts.config.country import CountryConfig

_LAYERS = str(Path(__file__).resolve().parents[3])  # the folder holding the cts package


@dataclass
class PipelineHarness:
    country: CountryConfig
    data_dir: Path
    workers: dict[str, int] = field(default_factory=dict)  # function logical id -> pollers (default 1)
    quiet: bool = True
    stack: LocalStack | None = None
    _process: subprocess.Popen[bytes] | None = None
    _clients: dict[str, Any] = field(default_factory=dict)

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
        stack.enable_step_functions(wait_s=30)
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
        self._stack().start_pollers(self.workers)

    def _stack(self) -> LocalStack:
        if self.stack is None:
            raise RuntimeError("start() first")
        return self.stack

    @property
    def env(self) -> dict[str, str]:
        return self._stack()._function_environment()

    def client(self, service: str) -> Any:
        # One per service: building a boto3 client costs ~50 ms of CPU, which the benchmark's polling of queue
        # depths would otherwise take from the handlers sharing this interpreter.
        if service not in self._clients:
            self._clients[service] = self._stack().client(service)
        return self._clients[service]

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
        return sum(p.invocations for p in self._stack().pollers if p.function.logical_id == function_logical_id)

    def stop(self) -> None:
        if self.stack is not None:
            self.stack._stop.set()
            for poller in self.stack.pollers:
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
