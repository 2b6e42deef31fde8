from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters.aws import client, translate
from cts.domain.errors import Conflict


def execution_name(name: str) -> str:
    """Step Functions names allow 80 characters of a restricted set."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)[:80]


class StepFunctionsCaseWorkflow:
    """The case state machine as a :class:`cts.ports.workflow.CaseWorkflow`."""

    def __init__(self, state_machine_arn: str, region: str | None = None) -> None:
        self.state_machine_arn = state_machine_arn
        self._region = region

    def start(self, name: str, payload: Mapping[str, Any]) -> str:
        safe = execution_name(name)
        arn = self.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{safe}"
        try:
            client("stepfunctions", self._region).start_execution(
                stateMachineArn=self.state_machine_arn, name=safe, input=json.dumps(payload, default=str)
            )
        except (ClientError, BotoCoreError) as exc:
            error = translate(exc, f"start case {safe}")
            if isinstance(error, Conflict):  # already started by an earlier delivery of the same alert
                return arn
            raise error from exc
        return arn
