"""Ingest Lambda: S3 ObjectCreated events for carrier uploads, delivered through SQS."""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cts.adapters.dynamodb import DynamoConsignments, DynamoReceipts, bind_table
from cts.adapters.dynamodb_reports import DynamoReportCounters
from cts.adapters.idempotency import Idempotent, make_idempotent
from cts.adapters.s3 import S3ObjectStore
from cts.adapters.sqs import SqsWorkQueue
from cts.config.settings import IngestSettings, load_settings
from cts.domain.reference import default_reference
from cts.ports.clock import SystemClock
from cts.services.ingest import IngestService, NotAnUpload
from cts.services.reports import ReportRecorder

logger = Logger(service="cts-ingest")
tracer = Tracer(service="cts-ingest")
metrics = Metrics(namespace="CTS", service="cts-ingest")
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def _ingest() -> Idempotent:
    """Composition root: built on the first event, once per container."""
    settings = load_settings(IngestSettings)
    table = bind_table(settings.records_table, settings.region)
    service = IngestService(
        inbox=S3ObjectStore(settings.inbox_bucket, settings.region),
        receipt_store=S3ObjectStore(settings.receipts_bucket, settings.region),
        receipts=DynamoReceipts(table),
        consignments=DynamoConsignments(table),
        score_queue=SqsWorkQueue(settings.score_queue_url, settings.region),
        reference=default_reference(),
        clock=SystemClock(),
        retention=settings.retention,
        reports=ReportRecorder(DynamoReportCounters(settings.records_table, settings.region)),
    )

    def ingest(request: dict[str, str]) -> dict[str, Any]:
        receipt = service.ingest(request["key"])
        return {"file_id": receipt.file_id, "status": receipt.status.value, "consignments": len(receipt.consignments)}

    return make_idempotent(
        ingest, table_name=settings.idempotency_table, key_path="[bucket, key, etag]", region=settings.region
    )


def _uploads(record: SQSRecord) -> list[dict[str, str]]:
    body = json.loads(record.body)
    uploads = []
    for s3_record in body.get("Records", []):  # S3 also sends an s3:TestEvent without Records
        s3 = s3_record["s3"]
        uploads.append(
            {
                "bucket": s3["bucket"]["name"],
                "key": unquote_plus(s3["object"]["key"]),
                "etag": s3["object"].get("eTag", ""),
            }
        )
    return uploads


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    ingest = _ingest()
    uploads = _uploads(record)
    if not uploads:  # S3 sends an s3:TestEvent when the notification is configured
        logger.info("event without uploads ignored", extra={"message_id": record.message_id})
        metrics.add_metric(name="EventsIgnored", unit=MetricUnit.Count, value=1)
    for upload in uploads:
        try:
            result = ingest(request=upload)
        except NotAnUpload:
            logger.warning("ignored object outside the inbox", extra=upload)
            metrics.add_metric(name="EventsIgnored", unit=MetricUnit.Count, value=1)
            continue
        logger.info("file ingested", extra={**upload, **result})
        metrics.add_metric(name="FilesIngested", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="ConsignmentsReceived", unit=MetricUnit.Count, value=result["consignments"])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    _ingest().register(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
