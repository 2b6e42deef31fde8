"""Run the whole system on one machine: ``cts local run`` (``make run``)."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import requests

from cts.adapters.aws import reset_clients
from cts.adapters.local.bootstrap import LocalResources, bootstrap
from cts.adapters.local.collector import pace_for_pollers
from cts.adapters.local.demo import DEMO_CARRIER, DemoUser, demo_manifest, demo_users, seed_rules
from cts.adapters.local.moto_server import MotoServer
from cts.adapters.local.paths import repo_root
from cts.adapters.local.runner import QueuePoller, ScheduleRunner, load_handler
from cts.adapters.local.snapshot import restore, save
from cts.config.country import CountryConfig, rescoring_environment, retention_environment
from cts.config.resources import SYSTEM

log = logging.getLogger("cts.adapters.local")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class LocalStack:
    country: CountryConfig
    port: int
    aws_port: int
    data_dir: Path
    demo: bool = True
    # Keep local AWS state across restarts (saved on stop, restored on start, under data_dir/aws-state).
    keep_state: bool = False
    restored: bool = False
    resources: LocalResources = field(default_factory=LocalResources)
    users: list[DemoUser] = field(default_factory=list)
    pollers: list[QueuePoller] = field(default_factory=list)
    schedules: ScheduleRunner | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _moto: Any = None
    _web: Any = None
    _saved_env: dict[str, str | None] = field(default_factory=dict)

    @property
    def aws_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalStack:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        reset_clients()
        self._set_environment(self._moto_environment())
        # moto (patched: it walks whole tables and queues per request) behind a server that keeps connections
        self._moto = MotoServer("127.0.0.1", self.aws_port).start()
        self.enable_step_functions()
        self.resources = bootstrap(self.country, self.aws_endpoint)
        if self.keep_state:
            summary = restore(self.resources, self.country.region, self.aws_endpoint, self.state_dir)
            self.restored = summary is not None
            if summary is not None:
                log.info("restored %d records and %d files from %s", summary.items, summary.objects, self.state_dir)
        self._set_environment(self._function_environment())
        if self.demo:
            self._seed_users_and_rules()
        self.start_pollers()
        self.start_schedules()
        self._start_web()
        if self.demo and not self.restored:  # a restored stack has the demo data already
            self.upload(f"inbox/{DEMO_CARRIER}/demo-manifest.json", demo_manifest())
        self.write_facts(self.data_dir / "stack.json")
        return self

    def enable_step_functions(self, wait_s: float = 10) -> None:
        """Ask moto to run state machine executions (it only records them by default), once it answers."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                requests.post(
                    f"{self.aws_endpoint}/moto-api/config",
                    json={"stepfunctions": {"execute_state_machine": True}},
                    timeout=5,
                )
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def start_pollers(self, workers: Mapping[str, int] | None = None) -> None:
        """Feed each queue-triggered function from its queue, as Lambda's event source mapping does; ``workers``
        runs several pollers for a function (Lambda runs several instances side by side)."""
        pace_for_pollers()
        for function in SYSTEM.functions:
            if not function.trigger_queue:
                continue
            for _ in range((workers or {}).get(function.logical_id, 1)):
                poller = QueuePoller(
                    function,
                    self.resources.queue_urls[function.trigger_queue],
                    self.resources.queue_arns[function.trigger_queue],
                    self.aws_endpoint,
                    self.country.region,
                    self._stop,
                )
                poller.start()
                self.pollers.append(poller)

    def start_schedules(self, every: timedelta | None = None) -> ScheduleRunner:
        """Run the catalogue's schedules (escalations every 15 minutes, digests at the country's times) against
        the pollers' handlers, with the events the EventBridge rules send; stopped with the stack."""
        handlers = {p.function.logical_id: p.handler for p in self.pollers}
        self.schedules = ScheduleRunner(self.country, self._stop, handlers, every=every, region=self.country.region)
        self.schedules.start()
        return self.schedules

    def _set_environment(self, values: dict[str, str]) -> None:
        """Handlers read their configuration from the process environment, as in Lambda; stop() restores it."""
        for name, value in values.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def _restore_environment(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    def _moto_environment(self) -> dict[str, str]:
        # Local AWS only: never let a handler reach a real account from this process.
        return dict(
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "AWS_DEFAULT_REGION": self.country.region,
                "AWS_REGION": self.country.region,
                "AWS_ENDPOINT_URL": self.aws_endpoint,
                "MOTO_PORT": str(self.aws_port),
                "MOTO_ALLOW_NONEXISTENT_REGION": "true",
            }
        )

    def _function_environment(self) -> dict[str, str]:
        return {
            **self.resources.env,
            "CTS_COUNTRY": self.country.code,
            "CTS_ALERT_THRESHOLD": str(self.country.thresholds.alert),
            "CTS_RED_THRESHOLD": str(self.country.thresholds.red),
            **rescoring_environment(self.country),
            **retention_environment(self.country),
            "CTS_ALERT_SENDER": self.country.alert_sender,
            "CTS_ALERT_RECIPIENTS": ",".join(self.country.alert_recipients),
            "CTS_WEB_URL": self.api_url,
            "CTS_SEARCH_PATH": str(self.data_dir / "search.sqlite3"),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "CTS",
            "POWERTOOLS_DEV": os.environ.get("POWERTOOLS_DEV", "false"),
        }

    def _seed_users_and_rules(self) -> None:
        from cts.adapters.dynamodb import DynamoRules, bind_table

        seed_rules(DynamoRules(bind_table(self.resources.env["CTS_RECORDS_TABLE"], self.country.region)))
        idp = self.client("cognito-idp")
        pool_id = self.resources.env[SYSTEM.user_pool.env_var]
        self.users = demo_users(SYSTEM.user_pool.groups)
        for user in self.users:
            attributes = [{"Name": "email", "Value": f"{user.username}@demo.cts.invalid"}]
            if user.carrier_id:
                attributes.append({"Name": "custom:carrier_id", "Value": user.carrier_id})
            idp.admin_create_user(
                UserPoolId=pool_id, Username=user.username, UserAttributes=attributes, MessageAction="SUPPRESS"
            )
            idp.admin_set_user_password(
                UserPoolId=pool_id, Username=user.username, Password=user.password, Permanent=True
            )
            idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user.username, GroupName=user.role)

    def _start_web(self) -> None:
        from cts.adapters.local.webserver import serve

        api = SYSTEM.function("ApiFunction")
        app: Any = load_handler(api)  # functions/api/app.py: ``app``, a Chalice application
        self._web = serve(app, host="127.0.0.1", port=self.port, static_dir=repo_root() / "web")

    def client(self, service: str) -> Any:
        return boto3.session.Session().client(  # type: ignore[call-overload]
            service, region_name=self.country.region, endpoint_url=self.aws_endpoint
        )

    def upload(self, key: str, body: bytes) -> None:
        self.client("s3").put_object(Bucket=self.resources.env["CTS_INBOX_BUCKET"], Key=key, Body=body)

    def facts(self) -> dict[str, Any]:
        env = self.resources.env
        return {
            "country": self.country.code,
            "api_url": self.api_url,
            "web_url": self.api_url + "/",
            "aws_endpoint": self.aws_endpoint,
            "region": self.country.region,
            "user_pool_id": env[SYSTEM.user_pool.env_var],
            "user_pool_client_id": env[SYSTEM.user_pool.client_env_var],
            "inbox_bucket": env["CTS_INBOX_BUCKET"],
            "receipts_bucket": env["CTS_RECEIPTS_BUCKET"],
            "records_table": env["CTS_RECORDS_TABLE"],
            "demo_carrier": DEMO_CARRIER,
            "users": [
                {"username": u.username, "password": u.password, "role": u.role, "carrier_id": u.carrier_id}
                for u in self.users
            ],
            "environment": {**self._function_environment()},
        }

    def write_facts(self, path: Path) -> None:
        path.write_text(json.dumps(self.facts(), indent=2), encoding="utf-8")
        path.chmod(0o600)

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "aws-state"

    def stop(self) -> None:
        self._stop.set()
        for poller in self.pollers:
            poller.join(timeout=5)
        if self.schedules is not None:
            self.schedules.join(timeout=5)
        if self._web is not None:
            self._web.shutdown()
        if self.keep_state and self._moto is not None:
            summary = save(self.resources, self.country.region, self.aws_endpoint, self.state_dir)
            log.info("saved %d records and %d files to %s", summary.items, summary.objects, self.state_dir)
        if self._moto is not None:
            self._moto.stop()
        self._restore_environment()
        reset_clients()
