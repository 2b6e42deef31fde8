from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class WorkQueue(Protocol):
    """A queue of work items for the next function (SQS)."""

    def send(self, body: Mapping[str, Any]) -> None: ...

    def send_many(self, bodies: Sequence[Mapping[str, Any]]) -> None: ...
