"""Score Lambda: consignment versions to assess, and the re-scoring fan-out, delivered through SQS.

A record is a batch of score requests (``{refs: [[key, version], ...][, ruleset]}``), one score request
(``{key, version[, ruleset]}``: a consignment of a batch that failed, sent again on its own), or a re-scoring start
or page (``{rescore: "start" | "page", ...}``, see :mod:`cts.services.rescoring`)."""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json

from cts.adapters.dynamodb import (
    DynamoAlerts,
    DynamoAssessments,
    DynamoConsignments,
    DynamoPartyHistory,
    DynamoRules,
    bind_table,
)
from cts.adapters.dynamodb_holds import DynamoRecordsHold
from cts.adapters.dynamodb_reports import DynamoReportCounters
from cts.adapters.idempotency import Idempotent, make_idempotent
from cts.adapters.s3 import S3ObjectStore
from cts.adapters.search import make_search_index
from cts.adapters.sqs import SqsWorkQueue
from cts.config.settings import ScoreSettings, load_settings
from cts.ports.clock import SystemClock
from cts.services.reports import ReportRecorder
from cts.services.rescoring import RescorePage, RescoreStart, RescoringPolicy, RescoringService
from cts.services.retention import LegalHoldService
from cts.services.score_requests import ScoreBatch, ScoreRequest, retry_alone
from cts.services.scoring import ScoreOutcome, ScoringService

logger = Logger(service="cts-score")
tracer = Tracer(service="cts-score")
metrics = Metrics(namespace="CTS", service="cts-score")


class ScoreRecord(SqsRecordModel):
    body: Json[RescoreStart | RescorePage | ScoreBatch | ScoreRequest]


processor = BatchProcessor(event_type=EventType.SQS, model=ScoreRecord)


class Services(NamedTuple):
    score: Idempotent
    score_batch: Idempotent
    rescoring: RescoringService
    score_queue: SqsWorkQueue
    reports: ReportRecorder


@cache
def _services() -> Services:
    """Composition root: built on the first event, once per container."""
    settings = load_settings(ScoreSettings)
    table = bind_table(settings.records_table, settings.region)
    consignments = DynamoConsignments(table)
    legal_hold = LegalHoldService(
        records=DynamoRecordsHold(table),
        consignments=consignments,
        inbox=S3ObjectStore(settings.inbox_bucket, settings.region),
        receipt_store=S3ObjectStore(settings.receipts_bucket, settings.region),
        clock=SystemClock(),
    )
    search = make_search_index(url=settings.search_url, path=settings.search_path, region=settings.region)
    search.ensure_ready()
    # buffered: an invocation's messages update each report counter once (flushed by lambda_handler)
    reports = ReportRecorder(DynamoReportCounters(settings.records_table, settings.region), buffered=True)
    service = ScoringService(
        consignments=consignments,
        assessments=DynamoAssessments(table),
        alerts=DynamoAlerts(table),
        rules=DynamoRules(table),
        search=search,
        notify_queue=SqsWorkQueue(settings.notify_queue_url, settings.region),
        thresholds=settings.thresholds,
        clock=SystemClock(),
        parties=DynamoPartyHistory(table),
        retention=settings.retention,
        legal_hold=legal_hold,
        reports=reports,
    )

    def score(request: dict[str, Any]) -> dict[str, Any]:
        return _summary(service.score(request["key"], int(request["version"]), request.get("ruleset")))

    def score_batch(request: dict[str, Any]) -> dict[str, Any]:
        refs = [(str(key), int(version)) for key, version in request["refs"]]
        outcome = service.score_many(refs, request.get("ruleset"))
        # The failed ones go back on the queue on their own before this batch counts as done (idempotency record).
        retry_alone(score_queue, [ref for ref, _ in outcome.failed], request.get("ruleset"))
        return {
            "scored": [{"key": o.key, "version": o.version, **_summary(o)} for o in outcome.scored],
            "failed": [
                {"key": key, "version": version, "error": repr(error)} for (key, version), error in outcome.failed
            ],
        }

    score_queue = SqsWorkQueue(settings.score_queue_url, settings.region)
    rescoring = RescoringService(
        consignments=service.consignments,
        rules=service.rules,
        score_queue=score_queue,
        policy=RescoringPolicy(
            window_hours=settings.rescore_window_hours,
            horizon_days=settings.rescore_horizon_days,
            page_size=settings.rescore_page_size,
        ),
    )
    # The ruleset that asked for a re-score is part of the key: a re-score is not the retry of the first scoring.
    idempotent = make_idempotent(
        score, table_name=settings.idempotency_table, key_path="[key, version, ruleset]", region=settings.region
    )
    idempotent_batch = make_idempotent(
        score_batch, table_name=settings.idempotency_table, key_path="[refs, ruleset]", region=settings.region
    )
    return Services(
        score=idempotent,
        score_batch=idempotent_batch,
        rescoring=rescoring,
        score_queue=score_queue,
        reports=reports,
    )


def _summary(outcome: ScoreOutcome) -> dict[str, Any]:
    assessment = outcome.assessment
    return {
        "score": assessment.score if assessment else None,
        "level": assessment.level.value if assessment else None,
        "alert_id": outcome.alert_id,
        "new_alert": outcome.new_alert,
        "random_selection": assessment.random_selection if assessment else None,
        "superseded": outcome.superseded,
        "unchanged": outcome.unchanged,
    }


@tracer.capture_method
def record_handler(record: ScoreRecord) -> None:
    request = record.body
    if isinstance(request, ScoreBatch):
        _score_batch(request)
        return
    if not isinstance(request, ScoreRequest):
        progress = _services().rescoring.handle(request)
        logger.info(
            "re-scoring fanned out",
            extra={"rescore": request.rescore, "ruleset": request.ruleset, **asdict(progress)},
        )
        metrics.add_metric(name="RescoreRequested", unit=MetricUnit.Count, value=progress.consignments)
        return
    result = _services().score(request=request.model_dump())
    logger.info(
        "consignment scored",
        extra={"key": request.key, "version": request.version, "rescore_of": request.ruleset, **result},
    )
    metrics.add_metric(name="ConsignmentsScored", unit=MetricUnit.Count, value=1)
    if result.get("new_alert"):
        metrics.add_metric(name="AlertsRaised", unit=MetricUnit.Count, value=1)


def _score_batch(request: ScoreBatch) -> None:
    result = _services().score_batch(request=request.model_dump(mode="json"))
    unchanged = 0
    for scored in result["scored"]:
        if scored.get("unchanged"):
            unchanged += 1  # counted, not logged one by one: most of a re-score
            continue
        logger.info("consignment scored", extra={"rescore_of": request.ruleset, **scored})
        if scored.get("new_alert"):
            metrics.add_metric(name="AlertsRaised", unit=MetricUnit.Count, value=1)
    if unchanged:
        logger.info("re-scored, judged as before", extra={"rescore_of": request.ruleset, "unchanged": unchanged})
        metrics.add_metric(name="RescoredUnchanged", unit=MetricUnit.Count, value=unchanged)
    for failed in result["failed"]:
        logger.error("consignment failed in a batch; sent again on its own", extra=failed)
    metrics.add_metric(name="ConsignmentsScored", unit=MetricUnit.Count, value=len(result["scored"]))
    if result["failed"]:
        metrics.add_metric(name="ConsignmentsRetriedAlone", unit=MetricUnit.Count, value=len(result["failed"]))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    services = _services()
    services.score.register(context)
    services.score_batch.register(context)
    try:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    finally:
        services.reports.flush()  # the report counters of every message scored, in one update per counter
