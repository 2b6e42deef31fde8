"""Notify Lambda: new alerts, delivered through SQS; opens the case and e-mails the duty mailbox."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Json

from cts.adapters.dynamodb import DynamoAlerts, bind_table
from cts.adapters.idempotency import Idempotent, make_idempotent
from cts.adapters.ses import SesEmailSender
from cts.adapters.stepfunctions import StepFunctionsCaseWorkflow
from cts.config.settings import NotifySettings, load_settings
from cts.services.notify import NotificationService

logger = Logger(service="cts-notify")
tracer = Tracer(service="cts-notify")
metrics = Metrics(namespace="CTS", service="cts-notify")


class NotifyRequest(BaseModel):
    alert_id: str


class NotifyRequestRecord(SqsRecordModel):
    body: Json[NotifyRequest]


processor = BatchProcessor(event_type=EventType.SQS, model=NotifyRequestRecord)


@cache
def _deliver() -> Idempotent:
    """Composition root: built on the first event, once per container."""
    settings = load_settings(NotifySettings)
    service = NotificationService(
        alerts=DynamoAlerts(bind_table(settings.records_table, settings.region)),
        email=SesEmailSender(settings.alert_sender, settings.region),
        workflow=StepFunctionsCaseWorkflow(settings.case_state_machine_arn, settings.region),
        recipients=settings.alert_recipients,
        web_url=settings.web_url,
    )

    def deliver(request: dict[str, Any]) -> dict[str, Any]:
        delivery = service.deliver(request["alert_id"])
        return {"execution": delivery.execution, "message_id": delivery.message_id}

    return make_idempotent(deliver, table_name=settings.idempotency_table, key_path="alert_id", region=settings.region)


@tracer.capture_method
def record_handler(record: NotifyRequestRecord) -> None:
    request = record.body
    result = _deliver()(request=request.model_dump())
    logger.info("alert delivered", extra={"alert_id": request.alert_id, **result})
    metrics.add_metric(name="AlertsDelivered", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    _deliver().register(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
