from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class CaseWorkflow(Protocol):
    """The case state machine (Step Functions)."""

    def start(self, name: str, payload: Mapping[str, Any]) -> str:
        """Start one execution per case; starting the same name twice is not an error. Returns its id."""
        ...
