"""Ingest one uploaded file: parse, check, store new consignment versions, queue them for scoring, write a receipt.

The raw object is only ever read. Re-delivery of the same S3 event, or a carrier re-sending
the same message, stores nothing twice: an unchanged consignment is recognised by the hash
of its content and reported as a duplicate on the receipt.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cts.domain.errors import Conflict
from cts.domain.model import Consignment, DataQualityIssue, MessageFunction, Severity
from cts.domain.parsers import ParseContext, ParsedConsignment, UnknownFormat, parse
from cts.domain.quality import with_quality
from cts.domain.receipt import (
    ConsignmentOutcome,
    Receipt,
    ReceiptStatus,
    file_id_for,
    file_status,
    outcome_status,
)
from cts.domain.records import ConsignmentVersion, content_hash, version_status
from cts.domain.reference import ReferenceData
from cts.domain.retention import HOLD, STANDARD, RetentionPolicy
from cts.domain.versions import next_content
from cts.ports.clock import Clock
from cts.ports.messaging import WorkQueue
from cts.ports.records import ConsignmentRepository, ReceiptRepository
from cts.ports.storage import ObjectStore
from cts.services.reports import ReportRecorder
from cts.services.score_requests import score_messages

INBOX = "inbox/"
RECEIPTS = "receipts/"


class NotAnUpload(ValueError):
    """The object is not under ``inbox/<carrier-id>/`` and is left alone."""


def carrier_of(object_key: str) -> str:
    parts = object_key.split("/")
    if len(parts) < 3 or parts[0] + "/" != INBOX or not parts[1] or not parts[-1]:
        raise NotAnUpload(f"{object_key} is not under {INBOX}<carrier-id>/")
    return parts[1]


def receipt_key(carrier_id: str, file_id: str) -> str:
    return f"{RECEIPTS}{carrier_id}/{file_id}.json"


@dataclass
class IngestService:
    inbox: ObjectStore
    receipt_store: ObjectStore
    receipts: ReceiptRepository
    consignments: ConsignmentRepository
    score_queue: WorkQueue
    reference: ReferenceData
    clock: Clock
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    slice_size: int = 500  # consignments stored before their score messages are sent
    reports: ReportRecorder | None = None  # the report counters (docs/reports.md); None: not counted

    def ingest(self, object_key: str) -> Receipt:
        carrier_id = carrier_of(object_key)
        received_at = self.clock.now()
        raw = self.inbox.get(object_key)
        # Archived as read: the inbox's lifecycle rule expires only objects tagged standard. Tagged before any
        # version is stored, so a hold (raised by scoring, later) is never overwritten by this first delivery.
        if self.inbox.retention(object_key) != HOLD:
            self.inbox.set_retention(object_key, STANDARD)
        file_id = file_id_for(object_key, raw)
        ctx = ParseContext(object_key=object_key, carrier_id=carrier_id, received_at=received_at)
        try:
            result = parse(raw, ctx)
            source_format, parsed, file_issues = result.source_format, result.consignments, result.issues
        except UnknownFormat as exc:
            source_format, parsed = None, []
            file_issues = [DataQualityIssue(code="UNKNOWN_FORMAT", message=str(exc), severity=Severity.ERROR)]
        outcomes = self._store_all(parsed, file_id, carrier_id)
        receipt = Receipt(
            file_id=file_id,
            object_key=object_key,
            carrier_id=carrier_id,
            source_format=source_format,
            status=file_status(file_issues, outcomes),
            received_at=received_at,
            processed_at=self.clock.now(),
            consignments=outcomes,
            issues=file_issues,
        )
        held = self.receipts.put(receipt, expires=self.retention.receipt_expiry(receipt))
        self.receipt_store.put(
            receipt_key(carrier_id, file_id),
            receipt.model_dump_json(indent=2).encode(),
            "application/json",
            retention=HOLD if held else STANDARD,
        )
        if self.reports is not None:
            # Only what this delivery stored (a re-delivered file's versions are duplicates: counted once).
            parsed_by_key = {item.consignment.key: item.consignment for item in parsed if item.consignment}
            stored = [
                (parsed_by_key[o.key], o.version)
                for o in outcomes
                if o.key in parsed_by_key and o.version and not o.duplicate
            ]
            self.reports.ingested(receipt, stored)
        return receipt

    def _store_all(self, parsed: list[ParsedConsignment], file_id: str, carrier_id: str) -> list[ConsignmentOutcome]:
        """Store the file's consignments and queue the new versions for scoring, a slice at a time so that scoring
        starts while a large manifest is still being stored. Those the file names once are read and written
        together (one batch read of their latest versions, grouped writes); then, in file order, those it names
        more than once (each sees the version before it) and those whose grouped write met a concurrent one."""
        keys = Counter(item.consignment.key for item in parsed if item.consignment is not None)
        outcomes: list[ConsignmentOutcome | None] = [None] * len(parsed)
        for start in range(0, len(parsed), self.slice_size):
            positions = range(start, min(start + self.slice_size, len(parsed)))
            once = [p for p in positions if (c := parsed[p].consignment) is not None and keys[c.key] == 1]
            for position, outcome in self._store_together([(p, parsed[p]) for p in once], file_id, carrier_id):
                outcomes[position] = outcome
            self._queue([outcomes[p] for p in once])
        rest = [p for p, outcome in enumerate(outcomes) if outcome is None]
        for position in rest:
            outcomes[position] = self._store(parsed[position], file_id, carrier_id)
        self._queue([outcomes[p] for p in rest])
        return [o for o in outcomes if o is not None]

    def _store_together(
        self, items: list[tuple[int, ParsedConsignment]], file_id: str, carrier_id: str
    ) -> list[tuple[int, ConsignmentOutcome]]:
        """Outcomes of the items stored (or found unchanged); an item a concurrent writer got to is left out."""
        latest = self.consignments.latest_many([item.consignment.key for _, item in items if item.consignment])
        done: list[tuple[int, ConsignmentOutcome]] = []
        pending: list[tuple[int, ConsignmentVersion, list[DataQualityIssue], str | None]] = []
        for position, item in items:
            assert item.consignment is not None
            prepared = self._prepare(item, latest.get(item.consignment.key), file_id, carrier_id)
            if isinstance(prepared, ConsignmentOutcome):
                done.append((position, prepared))
            else:
                pending.append((position, *prepared, item.document_number))
        expiring = [(version, self.retention.consignment_expiry(version)) for _, version, _, _ in pending]
        not_stored = self.consignments.add_versions(expiring) if expiring else set()
        done += [(p, _stored(number, v, issues)) for p, v, issues, number in pending if v.key not in not_stored]
        return done

    def _queue(self, outcomes: list[ConsignmentOutcome | None]) -> None:
        refs = [(o.key, o.version) for o in outcomes if o is not None and o.key and o.version and not o.duplicate]
        if refs:
            self.score_queue.send_many(score_messages(refs))

    def _store(self, item: ParsedConsignment, file_id: str, carrier_id: str) -> ConsignmentOutcome:
        if item.consignment is None:
            return ConsignmentOutcome(
                document_number=item.document_number, status=ReceiptStatus.REJECTED, issues=item.issues
            )
        for _attempt in range(3):  # another worker may store a version of the same consignment meanwhile
            latest = self.consignments.latest(item.consignment.key)
            prepared = self._prepare(item, latest, file_id, carrier_id)
            if isinstance(prepared, ConsignmentOutcome):
                return prepared
            version, issues = prepared
            try:
                self.consignments.add_version(version, expires=self.retention.consignment_expiry(version))
            except Conflict:
                continue
            return _stored(item.document_number, version, issues)
        raise Conflict(f"could not store {item.consignment.key}: too many concurrent versions")

    def _prepare(
        self, item: ParsedConsignment, latest: ConsignmentVersion | None, file_id: str, carrier_id: str
    ) -> ConsignmentOutcome | tuple[ConsignmentVersion, list[DataQualityIssue]]:
        """The next version of ``item`` after ``latest`` with its issues, or the outcome of a duplicate."""
        assert item.consignment is not None
        merged = next_content(latest.consignment if latest else None, item.consignment)
        consignment = with_quality(merged, self.reference)
        issues = [*item.issues, *consignment.quality]
        fingerprint = content_hash(consignment)
        if latest is not None and latest.content_hash == fingerprint:
            return ConsignmentOutcome(
                document_number=item.document_number,
                key=consignment.key,
                status=outcome_status(issues),
                version=latest.version,
                duplicate=True,
                issues=issues,
            )
        issues += _lifecycle_issues(consignment, latest)
        version = ConsignmentVersion(
            key=consignment.key,
            version=(latest.version + 1) if latest else 1,
            content_hash=fingerprint,
            status=version_status(consignment),
            file_id=file_id,
            carrier_id=carrier_id,
            stored_at=self.clock.now(),
            consignment=consignment,
        )
        return version, issues


def _stored(
    document_number: str | None, version: ConsignmentVersion, issues: list[DataQualityIssue]
) -> ConsignmentOutcome:
    return ConsignmentOutcome(
        document_number=document_number,
        key=version.key,
        status=outcome_status(issues),
        version=version.version,
        issues=issues,
    )


def _lifecycle_issues(consignment: Consignment, latest: ConsignmentVersion | None) -> list[DataQualityIssue]:
    function = consignment.message_function
    if latest is None and function is not MessageFunction.ORIGINAL:
        return [
            DataQualityIssue(
                code="AMENDMENT_WITHOUT_ORIGINAL",
                message=f"{function.value} received for a consignment never reported; kept as first version",
                field="message_function",
                value=function.value,
            )
        ]
    if latest is not None and function is MessageFunction.ORIGINAL:
        return [
            DataQualityIssue(
                code="ORIGINAL_RESENT_WITH_CHANGES",
                message="an original for a consignment already reported differs from it; stored as a new version",
                field="message_function",
                value=function.value,
            )
        ]
    return []
