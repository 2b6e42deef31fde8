"""A country's deployment configuration (``infra/countries/<ISO2>.yaml``), validated."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cts.domain.risk.levels import Thresholds

_Strict = ConfigDict(extra="forbid", frozen=True)


class Retention(BaseModel):
    """How long records and raw files of cleared consignments are kept (legal holds excepted)."""

    model_config = _Strict

    records_days: int = Field(default=1825, ge=30)
    raw_files_days: int = Field(default=2555, ge=30)
    logs_days: int = Field(default=365, ge=1)


class CountryConfig(BaseModel):
    model_config = _Strict

    code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    name: str
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    account: str = Field(pattern=r"^\d{12}$")
    timezone: str = "UTC"
    ports_of_interest: tuple[str, ...] = Field(min_length=1)
    alert_sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    alert_recipients: tuple[str, ...] = Field(min_length=1, description="duty mailboxes until subscriptions land")
    web_url: str | None = Field(
        default=None, pattern=r"^https://", description="where analysts open the web app (links in e-mails)"
    )
    retention: Retention = Retention()
    thresholds: Thresholds = Thresholds()

    @model_validator(mode="after")
    def _ports_are_locodes(self) -> CountryConfig:
        bad = [p for p in self.ports_of_interest if len(p) != 5 or not p.isalnum() or not p.isupper()]
        if bad:
            raise ValueError(f"ports_of_interest must be UN/LOCODEs: {bad}")
        return self

    @classmethod
    def load(cls, path: Path) -> CountryConfig:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        config = cls.model_validate(data)
        if path.stem != config.code:
            raise ValueError(f"{path.name} must be named after its country code {config.code}")
        return config


def load_all(directory: Path) -> list[CountryConfig]:
    return [CountryConfig.load(p) for p in sorted(directory.glob("*.yaml"))]
