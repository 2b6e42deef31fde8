"""What each write of the pipeline and of the case work adds to the report counters (docs/reports.md).

Each function adds one kind of event to a :class:`cts.domain.reports.Tally`. The callers call them only for what
they really wrote the first time (a new consignment version, a first assessment, a new alert, a case change stored at
its revision), so a retry that writes nothing new counts nothing. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from cts.domain.alerts import Alert
from cts.domain.case_feedback import feedback_increments
from cts.domain.cases import CaseRecord, CaseStatus, Decision, ExaminationResult
from cts.domain.model import Consignment, DataQualityIssue
from cts.domain.reports import LATE_FILING, VAGUE_DESCRIPTION, Dims, Family, Tally, bucket, dims_of, hours_between
from cts.domain.risk.assessment import Hit, Level

RANDOM_CATEGORY = "random_selection"


def version_stored(
    tally: Tally,
    day: date,
    consignment: Consignment,
    version: int,
    carrier_id: str,
    issues: Iterable[DataQualityIssue] = (),
) -> None:
    """A consignment version stored (``version`` 1: a new consignment; later: an amendment). A new consignment also
    counts for its carrier, with its late filing and vague description issues (cts.domain.quality)."""
    dims = dims_of(consignment)
    new = version == 1
    tally.add(Family.FLOW, dims, day, {"received": 1, "new_consignments": int(new), "amendments": int(not new)})
    if new:
        codes = {issue.code for issue in issues} | {issue.code for issue in consignment.quality}
        tally.add(
            Family.CARRIERS,
            dims,
            day,
            {
                f"{carrier_id}|consignments": 1,
                f"{carrier_id}|late_filings": int(LATE_FILING in codes),
                f"{carrier_id}|vague_descriptions": int(VAGUE_DESCRIPTION in codes),
            },
        )


def file_received(tally: Tally, day: date, carrier_id: str, rejected: bool, dims: Iterable[Dims]) -> None:
    """A carrier file processed for the first time: in ``all`` and in each scope its consignments count in."""
    values = {f"{carrier_id}|files": 1, f"{carrier_id}|rejected_files": int(rejected)}
    tally.add(Family.CARRIERS, None, day, values)
    for scope_dims in set(dims):
        cell = tally.cells.setdefault((Family.CARRIERS, scope_dims.scope, day), {})
        for name, value in values.items():
            if value:
                cell[name] = cell.get(name, 0) + value


def assessed(tally: Tally, day: date, consignment: Consignment) -> None:
    tally.add(Family.FLOW, dims_of(consignment), day, {"assessed": 1})


def alert_raised(
    tally: Tally,
    day: date,
    consignment: Consignment,
    level: Level,
    hits: Iterable[Hit],
    raised_at: datetime,
    random_selection: str | None = None,
) -> None:
    """A new alert: its level, each risk category of its hits once (``random_selection`` for a random draw without
    hits), and the lead time from the alert to the ETA (after arrival: 0 h and counted as such)."""
    values: dict[str, float] = {"alerts": 1, f"level|{level.value}": 1, "random_selected": int(bool(random_selection))}
    categories = {hit.category for hit in hits if hit.category}
    if not categories and random_selection:
        categories = {RANDOM_CATEGORY}
    for category in categories:
        values[f"cat|{category}"] = 1
    if consignment.eta is not None:
        lead = hours_between(raised_at, consignment.eta)
        values[f"lead|{bucket(lead)}"] = 1
        values["after_arrival"] = int(lead < 0)
    tally.add(Family.FLOW, dims_of(consignment), day, values)


def case_changed(
    tally: Tally,
    day: date,
    before: CaseRecord,
    after: CaseRecord,
    alert: Alert | None,
    dims: Dims | None,
    actor: str,
    at: datetime,
) -> None:
    """What a stored case change adds: the first decision (decision time from the alert, a referral unless it
    released the goods), the examination result (findings, seizures with their quantities and values), and the close
    (the outcomes per rule that fired, as the case feedback counts them, and the officer's closed case)."""
    flow: dict[str, float] = {}
    officers: dict[str, float] = {}
    if before.decision is None and after.decision is not None:
        flow["decided"] = 1
        flow["referrals"] = int(after.decision is not Decision.RELEASE)
        officers[f"{actor}|decided"] = 1
        if alert is not None:
            index = bucket(hours_between(alert.raised_at, at))
            flow[f"dec|{index}"] = 1
            officers[f"{actor}|dec|{index}"] = 1
    if before.examination is None and after.examination is not None:
        result = after.examination.result
        flow["examinations"] = 1
        flow["findings"] = int(result is not ExaminationResult.NO_FINDING)
        if result is ExaminationResult.SEIZURE:
            flow["seizures"] = 1
            flow["seizure_quantity"] = float(sum((f.quantity for f in after.examination.findings), Decimal(0)))
            flow["seizure_value"] = float(sum((f.value for f in after.examination.findings), Decimal(0)))
    closed_now = CaseStatus(after.status) is CaseStatus.CLOSED and before.status != CaseStatus.CLOSED.value
    if closed_now:
        officers[f"{after.assignee or actor}|closed"] = 1
        if alert is not None:
            hits: dict[str, float] = {}
            for key, counts in feedback_increments(after, alert.hits, alert.random_selection).items():
                prefix = f"{key.kind.value}|{key.id}"
                hits[f"{prefix}|hits"] = counts.alerts
                hits[f"{prefix}|examinations"] = counts.examinations
                hits[f"{prefix}|findings"] = counts.findings
                hits[f"{prefix}|seizures"] = counts.seizures
            tally.add(Family.HITS, dims, day, hits)
    if flow:
        tally.add(Family.FLOW, dims, day, flow)
    if officers:
        tally.add(Family.OFFICERS, dims, day, officers)
