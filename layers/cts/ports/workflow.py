from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class CaseWorkflow(Protocol):
    """The case state machine (Step Functions)."""

    def start(self, name: str, payload: Mapping[str, Any]) -> str:
        """Start one execution per case; starting the same name twice is not an error. Returns its id."""
        ...


class CaseTasks(Protocol):
    """The human steps the case state machine waits on (task tokens): the service completes or fails them."""

    def complete(self, token: str, output: Mapping[str, Any]) -> None:
        """The step is done; the state machine goes on with ``output``. Raises Conflict when the step is no longer
        waiting (timed out, or completed already) and NotFound for a token Step Functions does not know."""
        ...

    def fail(self, token: str, error: str, cause: str) -> None:
        """The step cannot be done (the state machine records it and escalates); errors as for :meth:`complete`."""
        ...
