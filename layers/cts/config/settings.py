"""Typed settings per function, read from the environment once at cold start.

Field aliases are the environment variable names the resource catalogue hands to each
function, so a function missing one of its resources fails at cold start with the list
of what is missing, not later on the first request that needs it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cts.domain.retention import RetentionPolicy
from cts.domain.risk.levels import Thresholds


class ConfigError(RuntimeError):
    """The function's configuration is incomplete or invalid."""


class _Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    country: str = Field(alias="CTS_COUNTRY", pattern=r"^[A-Z]{2}$")
    region: str = Field(alias="AWS_REGION")


class _RetentionSettings(_Settings):
    """``CTS_RECORDS_RETENTION_DAYS``: records expire this long after arrival (DynamoDB TTL); unset: never."""

    records_retention_days: int | None = Field(default=None, alias="CTS_RECORDS_RETENTION_DAYS", ge=1)

    @property
    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(records_days=self.records_retention_days)


class IngestSettings(_RetentionSettings):
    inbox_bucket: str = Field(alias="CTS_INBOX_BUCKET")
    receipts_bucket: str = Field(alias="CTS_RECEIPTS_BUCKET")
    records_table: str = Field(alias="CTS_RECORDS_TABLE")
    idempotency_table: str = Field(alias="CTS_IDEMPOTENCY_TABLE")
    score_queue_url: str = Field(alias="CTS_SCORE_QUEUE_URL")


class _SearchSettings(_RetentionSettings):
    """OpenSearch when ``CTS_SEARCH_URL`` is set (AWS), otherwise the embedded engine at ``CTS_SEARCH_PATH``."""

    search_url: str | None = Field(default=None, alias="CTS_SEARCH_URL")
    search_path: str | None = Field(default=None, alias="CTS_SEARCH_PATH")

    @model_validator(mode="after")
    def _one_engine(self) -> _SearchSettings:
        if not self.search_url and not self.search_path:
            raise ValueError("set CTS_SEARCH_URL (OpenSearch) or CTS_SEARCH_PATH (embedded engine)")
        return self


class ScoreSettings(_SearchSettings):
    records_table: str = Field(alias="CTS_RECORDS_TABLE")
    inbox_bucket: str = Field(alias="CTS_INBOX_BUCKET")  # legal holds tag the raw files
    receipts_bucket: str = Field(alias="CTS_RECEIPTS_BUCKET")  # and the receipts
    idempotency_table: str = Field(alias="CTS_IDEMPOTENCY_TABLE")
    notify_queue_url: str = Field(alias="CTS_NOTIFY_QUEUE_URL")
    score_queue_url: str = Field(alias="CTS_SCORE_QUEUE_URL")
    alert_threshold: int = Field(alias="CTS_ALERT_THRESHOLD", ge=1)
    red_threshold: int = Field(alias="CTS_RED_THRESHOLD", ge=1)
    rescore_window_hours: int = Field(default=0, alias="CTS_RESCORE_WINDOW_HOURS", ge=0)
    rescore_horizon_days: int = Field(default=30, alias="CTS_RESCORE_HORIZON_DAYS", ge=1)
    rescore_page_size: int = Field(default=500, alias="CTS_RESCORE_PAGE_SIZE", ge=1, le=1000)

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(alert=self.alert_threshold, red=self.red_threshold)


class NotifySettings(_Settings):
    records_table: str = Field(alias="CTS_RECORDS_TABLE")
    idempotency_table: str = Field(alias="CTS_IDEMPOTENCY_TABLE")
    case_state_machine_arn: str = Field(alias="CTS_CASE_STATE_MACHINE_ARN")
    alert_sender: str = Field(alias="CTS_ALERT_SENDER")
    # The duty mailbox: told when nobody subscribed to an alert, and escalations when no supervisor did.
    alert_recipients: tuple[str, ...] = Field(alias="CTS_ALERT_RECIPIENTS", min_length=1)
    web_url: str = Field(alias="CTS_WEB_URL")
    # An alert nobody acknowledged escalates this long before its arrival (docs/notifications.md).
    escalation_margin_hours: float = Field(default=6.0, alias="CTS_ESCALATION_MARGIN_HOURS", gt=0, le=72)
    # The duty mailbox gets amber alerts in the digest too, instead of each at once.
    duty_digest: bool = Field(default=False, alias="CTS_DUTY_DIGEST")
    # An SES configuration set whose event destination publishes bounces to SNS (optional).
    ses_configuration_set: str | None = Field(default=None, alias="CTS_SES_CONFIGURATION_SET")


class ApiSettings(_SearchSettings):
    inbox_bucket: str = Field(alias="CTS_INBOX_BUCKET")
    receipts_bucket: str = Field(alias="CTS_RECEIPTS_BUCKET")
    records_table: str = Field(alias="CTS_RECORDS_TABLE")
    user_pool_id: str = Field(alias="CTS_USER_POOL_ID")
    user_pool_client_id: str = Field(alias="CTS_USER_POOL_CLIENT_ID")
    # The case routes hand the workflow's waiting steps back to it; without it they answer 503.
    case_state_machine_arn: str | None = Field(default=None, alias="CTS_CASE_STATE_MACHINE_ARN")
    # Rules changed through the API start re-scoring on the score queue; without it the change answers that
    # re-scoring was not queued.
    score_queue_url: str | None = Field(default=None, alias="CTS_SCORE_QUEUE_URL")
    # Case attachments (presigned PUT/GET); without it the attachment routes answer 503.
    attachments_bucket: str | None = Field(default=None, alias="CTS_ATTACHMENTS_BUCKET")


S = TypeVar("S", bound=_Settings)


def load_settings(cls: type[S], environ: Mapping[str, str] | None = None) -> S:
    env = dict(os.environ if environ is None else environ)
    env.setdefault("AWS_REGION", env.get("AWS_DEFAULT_REGION", ""))
    if "CTS_ALERT_RECIPIENTS" in env:
        env["CTS_ALERT_RECIPIENTS"] = [r.strip() for r in env["CTS_ALERT_RECIPIENTS"].split(",") if r.strip()]  # type: ignore[assignment]
    try:
        return cls.model_validate({k: v for k, v in env.items() if v != ""})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or cls.__name__}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{cls.__name__} is not configured: {problems}") from exc
