"""A case as the records keep it: opened by the case workflow, then edited by people with optimistic versions."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CaseRecord(BaseModel):
    """The stored state of one case (item ``CASE#<case_id>``).

    The case workflow's first state writes it (``revision`` 0); every later change is a write that names the
    revision it was based on, so that of two people editing the same case, the second is told (``Conflict``)
    instead of silently overwriting the first."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    alert_id: str
    consignment_key: str
    level: str
    status: str
    revision: int = Field(default=0, ge=0)
