"""Notify Lambda.

* SQS batch from the notify queue: ``{"alert_id"}`` opens the case and tells the subscribers (red at once, the
  rest queued for their digest) or the duty mailbox; an SES bounce notification delivered through an SNS
  subscription of the queue is recorded against the recipient and the alerts it carried.
* SNS event (SES bounce topic subscribed to the function directly): the same bounce recording.
* Scheduled event (EventBridge, ``{"action": "digest"}`` / ``{"action": "escalate"}``, or a plain scheduled event
  that does both): sends the pending digests; escalates alerts about to miss their arrival and e-mails the
  supervisors the case escalations the case workflow recorded (each once).

Transient SES failures fail the record (the queue retries it with backoff, then the dead-letter queue keeps it);
permanent ones are recorded on the alert and do not block the batch.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Json

from cts.adapters.dynamodb import DynamoAlerts, DynamoConsignments, bind_table
from cts.adapters.dynamodb_cases import DynamoCaseStore
from cts.adapters.dynamodb_inbox import DynamoAlertSchedule
from cts.adapters.dynamodb_subscriptions import (
    DynamoCaseEscalationNotices,
    DynamoDeliveryLog,
    DynamoDigestQueue,
    DynamoEscalations,
    DynamoSubscriptions,
)
from cts.adapters.idempotency import Idempotent, make_idempotent
from cts.adapters.ses import SesEmailSender
from cts.adapters.stepfunctions import StepFunctionsCaseWorkflow
from cts.config.settings import NotifySettings, load_settings
from cts.domain.errors import Unavailable, ValidationFailed
from cts.services.case_escalations import CaseEscalationNotifier
from cts.services.digest import DigestService
from cts.services.notifications_escalation import EscalationService
from cts.services.notify import NotificationService

logger = Logger(service="cts-notify")
tracer = Tracer(service="cts-notify")
metrics = Metrics(namespace="CTS", service="cts-notify")


class NotifyBody(BaseModel):
    """An alert to deliver (``alert_id``) or an SNS envelope of an SES notification (``Type``, ``Message``)."""

    model_config = ConfigDict(extra="allow")

    alert_id: str | None = None
    Type: str | None = None
    Message: Any = None


class NotifyRecord(SqsRecordModel):
    body: Json[NotifyBody]


processor = BatchProcessor(event_type=EventType.SQS, model=NotifyRecord)


class Services(NamedTuple):
    deliver: Idempotent
    notifications: NotificationService
    digest: DigestService
    escalation: EscalationService
    case_escalations: CaseEscalationNotifier


@cache
def _services() -> Services:
    """Composition root: built on the first event, once per container."""
    settings = load_settings(NotifySettings)
    records = bind_table(settings.records_table, settings.region)
    email = SesEmailSender(settings.alert_sender, settings.region, settings.ses_configuration_set)
    subscriptions = DynamoSubscriptions(records)
    deliveries = DynamoDeliveryLog(records)
    service = NotificationService(
        alerts=DynamoAlerts(records),
        email=email,
        workflow=StepFunctionsCaseWorkflow(settings.case_state_machine_arn, settings.region),
        recipients=settings.alert_recipients,
        web_url=settings.web_url,
        subscriptions=subscriptions,
        deliveries=deliveries,
        digests=DynamoDigestQueue(records),
        consignments=DynamoConsignments(records),
        duty_digest=settings.duty_digest,
    )

    def deliver(request: dict[str, Any]) -> dict[str, Any]:
        delivery = service.deliver(request["alert_id"])
        return {
            "execution": delivery.execution,
            "message_id": delivery.message_id,
            "sent": list(delivery.sent),
            "queued": list(delivery.queued),
            "failed": list(delivery.failed),
        }

    return Services(
        deliver=make_idempotent(
            deliver, table_name=settings.idempotency_table, key_path="alert_id", region=settings.region
        ),
        notifications=service,
        digest=DigestService(DynamoDigestQueue(records), email, deliveries, settings.web_url),
        escalation=EscalationService(
            schedule=DynamoAlertSchedule(records),
            escalations=DynamoEscalations(records),
            subscriptions=subscriptions,
            email=email,
            deliveries=deliveries,
            recipients=settings.alert_recipients,
            web_url=settings.web_url,
            margin=timedelta(hours=settings.escalation_margin_hours),
        ),
        case_escalations=CaseEscalationNotifier(
            cases=DynamoCaseStore(settings.records_table, settings.region),
            alerts=DynamoAlerts(records),
            notices=DynamoCaseEscalationNotices(records),
            subscriptions=subscriptions,
            email=email,
            deliveries=deliveries,
            recipients=settings.alert_recipients,
            web_url=settings.web_url,
        ),
    )


def _bounce(notification: dict[str, Any]) -> None:
    """An SES notification (Bounce or Complaint); deliveries are not recorded (they are the normal case)."""
    kind = notification.get("notificationType") or notification.get("eventType")
    mail = notification.get("mail") or {}
    message_id = str(mail.get("messageId", ""))
    if kind == "Bounce":
        bounce = notification.get("bounce") or {}
        recipients = bounce.get("bouncedRecipients") or []
        addresses = [str(r.get("emailAddress", "")) for r in recipients if r.get("emailAddress")]
        diagnostic = "; ".join(str(r.get("diagnosticCode", "")) for r in recipients if r.get("diagnosticCode"))
        permanent = bounce.get("bounceType") == "Permanent"
        reason = f"bounce {bounce.get('bounceType', '?')}/{bounce.get('bounceSubType', '?')}"
        reason = f"{reason}: {diagnostic}" if diagnostic else reason
    elif kind == "Complaint":
        complaint = notification.get("complaint") or {}
        addresses = [str(r.get("emailAddress", "")) for r in complaint.get("complainedRecipients") or []]
        permanent, reason = False, f"complaint {complaint.get('complaintFeedbackType', '')}".strip()
    else:
        logger.info("SES notification ignored", extra={"type": kind, "message_id": message_id})
        return
    alert_ids = _services().notifications.bounced(message_id, addresses, reason, permanent)
    logger.warning("e-mail bounced", extra={"message_id": message_id, "alerts": alert_ids, "reason": reason})
    metrics.add_metric(name="AlertEmailsBounced", unit=MetricUnit.Count, value=len(addresses) or 1)


def _sns_message(envelope: dict[str, Any]) -> dict[str, Any]:
    message = envelope.get("Message")
    parsed = json.loads(message) if isinstance(message, str) else message
    if not isinstance(parsed, dict):
        raise ValidationFailed("SNS message is not a JSON object")
    return parsed


@tracer.capture_method
def record_handler(record: NotifyRecord) -> None:
    body = record.body
    if body.alert_id:
        result = _services().deliver(request={"alert_id": body.alert_id})
        logger.info("alert delivered", extra={"alert_id": body.alert_id, **result})
        metrics.add_metric(name="AlertsDelivered", unit=MetricUnit.Count, value=1)
    elif body.Type == "Notification":  # SES -> SNS -> this queue
        _bounce(_sns_message({"Message": body.Message}))
    else:
        raise ValidationFailed("not a notify message: neither an alert_id nor an SNS notification")


def scheduled(action: str | None) -> dict[str, Any]:
    """The digest and escalation run (EventBridge schedule, or ``cts``/tests calling it directly)."""
    services = _services()
    result: dict[str, Any] = {}
    failed: list[Unavailable] = []
    if action in (None, "escalate"):
        try:
            escalated = services.escalation.escalate_due()
        except Unavailable as exc:  # the case escalations still run; the invocation fails afterwards (retried)
            failed.append(exc)
            escalated = []
        result["escalated"] = escalated
        metrics.add_metric(name="AlertsEscalated", unit=MetricUnit.Count, value=len(escalated))
        try:
            cases = services.case_escalations.notify_new()
        except Unavailable as exc:
            failed.append(exc)
            cases = []
        result["case_escalations"] = cases
        metrics.add_metric(name="CaseEscalationsEmailed", unit=MetricUnit.Count, value=len(cases))
    if action in (None, "digest"):
        run = services.digest.send_pending()
        result["digests"] = run.sent
        result["digests_failed"] = run.failed
        metrics.add_metric(name="DigestsSent", unit=MetricUnit.Count, value=len(run.sent))
    logger.info("scheduled notifications", extra=result)
    if failed:
        raise failed[0]
    return result


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse | dict[str, Any]:
    records = event.get("Records") or []
    if records and records[0].get("EventSource") == "aws:sns":
        for record in records:
            _bounce(_sns_message(record.get("Sns") or {}))
        return {"bounces": len(records)}
    if not records and (event.get("source") == "aws.events" or "action" in event):
        action = event.get("action") or (event.get("detail") or {}).get("action")
        if action not in (None, "digest", "escalate"):
            raise ValidationFailed(f"unknown action {action!r}: digest or escalate")
        return scheduled(action)
    _services().deliver.register(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
