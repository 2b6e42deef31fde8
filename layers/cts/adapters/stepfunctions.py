from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters.aws import client, translate
from cts.domain.errors import Conflict, CtsError, NotFound


def execution_name(name: str) -> str:
    """Step Functions names allow 80 characters of a restricted set."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)[:80]


# The step a token belonged to is over (completed, timed out) or never existed: not worth retrying as is.
_STEP_OVER = {"TaskTimedOut"}
_UNKNOWN_TOKEN = {"InvalidToken", "TaskDoesNotExist"}


def _task_error(exc: ClientError | BotoCoreError, what: str) -> CtsError:
    code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
    if code in _STEP_OVER:
        return Conflict(f"{what}: the step is no longer waiting ({code})")
    if code in _UNKNOWN_TOKEN:
        return NotFound(f"{what}: Step Functions does not know this task token ({code})")
    return translate(exc, what)


class StepFunctionsCaseWorkflow:
    """The case state machine as a :class:`cts.ports.workflow.CaseWorkflow` and
    :class:`cts.ports.workflow.CaseTasks`."""

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

    def complete(self, token: str, output: Mapping[str, Any]) -> None:
        try:
            client("stepfunctions", self._region).send_task_success(
                taskToken=token, output=json.dumps(output, default=str)
            )
        except (ClientError, BotoCoreError) as exc:
            raise _task_error(exc, "complete the case step") from exc

    def fail(self, token: str, error: str, cause: str) -> None:
        try:
            # Step Functions caps error names at 256 and causes at 32768 characters.
            client("stepfunctions", self._region).send_task_failure(
                taskToken=token, error=error[:256], cause=cause[:32768]
            )
        except (ClientError, BotoCoreError) as exc:
            raise _task_error(exc, "fail the case step") from exc
