"""Score levels: where an assessment becomes an alert, and where an alert is red."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

_Strict = ConfigDict(extra="forbid", frozen=True)


class Thresholds(BaseModel):
    """Score levels: at or above ``alert`` an alert is raised; at or above ``red`` it is e-mailed at once."""

    model_config = _Strict

    alert: int = Field(default=50, ge=1, le=1000)
    red: int = Field(default=80, ge=1, le=1000)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.red < self.alert:
            raise ValueError("thresholds.red must be at or above thresholds.alert")
        return self
