"""Score Lambda: consignment versions to assess, delivered through SQS."""

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

from cts.adapters.dynamodb import (
    DynamoAlerts,
    DynamoAssessments,
    DynamoConsignments,
    DynamoPartyHistory,
    DynamoRules,
    bind_table,
)
from cts.adapters.idempotency import Idempotent, make_idempotent
from cts.adapters.search import make_search_index
from cts.adapters.sqs import SqsWorkQueue
from cts.config.settings import ScoreSettings, load_settings
from cts.ports.clock import SystemClock
from cts.services.scoring import ScoringService

logger = Logger(service="cts-score")
tracer = Tracer(service="cts-score")
metrics = Metrics(namespace="CTS", service="cts-score")


class ScoreRequest(BaseModel):
    key: str
    version: int


class ScoreRequestRecord(SqsRecordModel):
    body: Json[ScoreRequest]


processor = BatchProcessor(event_type=EventType.SQS, model=ScoreRequestRecord)


@cache
def _score() -> Idempotent:
    """Composition root: built on the first event, once per container."""
    settings = load_settings(ScoreSettings)
    table = bind_table(settings.records_table, settings.region)
    search = make_search_index(url=settings.search_url, path=settings.search_path, region=settings.region)
    search.ensure_ready()
    service = ScoringService(
        consignments=DynamoConsignments(table),
        assessments=DynamoAssessments(table),
        alerts=DynamoAlerts(table),
        rules=DynamoRules(table),
        search=search,
        notify_queue=SqsWorkQueue(settings.notify_queue_url, settings.region),
        thresholds=settings.thresholds,
        clock=SystemClock(),
        parties=DynamoPartyHistory(table),
    )

    def score(request: dict[str, Any]) -> dict[str, Any]:
        outcome = service.score(request["key"], int(request["version"]))
        assessment = outcome.assessment
        return {
            "score": assessment.score if assessment else None,
            "level": assessment.level.value if assessment else None,
            "alert_id": outcome.alert_id,
            "random_selection": assessment.random_selection if assessment else None,
            "superseded": outcome.superseded,
        }

    return make_idempotent(
        score, table_name=settings.idempotency_table, key_path="[key, version]", region=settings.region
    )


@tracer.capture_method
def record_handler(record: ScoreRequestRecord) -> None:
    request = record.body
    result = _score()(request=request.model_dump())
    logger.info("consignment scored", extra={"key": request.key, "version": request.version, **result})
    metrics.add_metric(name="ConsignmentsScored", unit=MetricUnit.Count, value=1)
    if result["alert_id"]:
        metrics.add_metric(name="AlertsRaised", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    _score().register(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
