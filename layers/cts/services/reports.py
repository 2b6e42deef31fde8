"""Management reports (docs/reports.md): the counters' writers and the reports read from them.

:class:`ReportRecorder` is what ingest, scoring and the case work call after a write that happened for the first time;
it never fails their work (a counter that cannot be written is logged). :class:`ReportsService` answers the reports:
per scope, the month roll-ups of the whole months of the window that are over, and the day counters of the rest, one
query per family and run of days; a month that is over and has no roll-up yet is rolled up on the way (once). The
open cases now (overdue cases, workload) are a page of every open status of the case board (:class:`CaseBoard`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from cts.domain.alerts import Alert
from cts.domain.case_board import OPEN_STATUSES
from cts.domain.cases import CaseRecord
from cts.domain.errors import CtsError, ValidationFailed
from cts.domain.model import Consignment, Direction, TransportMode
from cts.domain.receipt import Receipt, ReceiptStatus
from cts.domain.reports import (
    ALL,
    KINDS,
    Dims,
    Family,
    OpenCase,
    Period,
    RuleInfo,
    Tally,
    Values,
    add_values,
    dims_of,
    month_end,
    month_key,
    months_between,
    roll_up,
    scope_dims,
    split_roll_up,
)
from cts.domain.reports import carriers as carriers_report
from cts.domain.reports import hit_rates as hit_rates_report
from cts.domain.reports import overview as overview_report
from cts.domain.reports import profile_review as profile_review_report
from cts.domain.reports import workload as workload_report
from cts.domain.reports_tally import alert_raised, assessed, case_changed, file_received, version_stored
from cts.domain.risk.assessment import Assessment
from cts.domain.risk.rules import ProfileStatus
from cts.ports.case_board import CaseBoard
from cts.ports.clock import Clock, SystemClock
from cts.ports.records import ConsignmentRepository
from cts.ports.reports import ReportCounters
from cts.ports.rules_admin import RulesStore

log = logging.getLogger(__name__)

MAX_SPAN_DAYS = 366
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
"""The days a report may name (anything else is a 400, not a date overflow)."""
DEFAULT_SPAN_DAYS = 30
ROLL_UP_GRACE = timedelta(days=1)
"""A month is rolled up, and a day's counters packed, once this long after its last day (a late writer's clock
cannot add to it any more)."""
MAX_OPEN_CASES = 20_000
"""The most open cases the overdue and workload figures read from the case board (the soonest arrivals first)."""


@dataclass
class ReportRecorder:
    """Adds what a first-time write means to the counters (cts.domain.reports_tally).

    ``buffered``: keep the increments until :meth:`flush` (the score function flushes once per invocation, so that
    its ten messages of 50 consignments update each counter once, not ten times)."""

    counters: ReportCounters
    consignments: ConsignmentRepository | None = None  # the loading port of an export's case events
    buffered: bool = False
    _pending: Tally = field(default_factory=Tally, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def save(self, tally: Tally) -> None:
        if not tally:
            return
        if self.buffered:
            with self._lock:
                self._pending.merge(tally)
            return
        self._write(tally)

    def flush(self) -> None:
        """Write what :meth:`save` kept (nothing when not buffered)."""
        with self._lock:
            pending, self._pending = self._pending, Tally()
        if pending:
            self._write(pending)

    def _write(self, tally: Tally) -> None:
        try:
            self.counters.add(tally.cells)
        except Exception:  # reports never hold back the pipeline or a case change (nor answer it with an error)
            log.exception("report counters not updated")

    def ingested(self, receipt: Receipt, stored: Sequence[tuple[Consignment, int]]) -> None:
        """The versions a file stored for the first time (consignment, version number), and the file itself the
        first time it is processed."""
        tally = Tally()
        day = receipt.received_at.date()
        issues = {(o.key, o.version): o.issues for o in receipt.consignments if o.key and not o.duplicate}
        for consignment, version in stored:
            found = issues.get((consignment.key, version), ())
            version_stored(tally, day, consignment, version, receipt.carrier_id, found)
        try:
            first = self.counters.first_time(f"FILE#{receipt.file_id}")
        except CtsError as exc:
            log.warning("report counters: could not claim file %s: %s", receipt.file_id, exc)
            first = False
        if first:
            rejected = receipt.status is ReceiptStatus.REJECTED
            file_received(tally, day, receipt.carrier_id, rejected, [dims_of(c) for c, _ in stored])
        self.save(tally)

    def scored(
        self, at: datetime, scored: Iterable[tuple[Consignment, Assessment | None]], first_time: bool = True
    ) -> None:
        """Versions scored, each with its assessment when it raised a new alert (else None); ``first_time`` false
        for a re-score, whose versions were counted as assessed already but whose new alerts count like any."""
        tally = Tally()
        for consignment, alerted in scored:
            if first_time:
                assessed(tally, at.date(), consignment)
            if alerted is not None:
                alert_raised(tally, at.date(), consignment, alerted.level, alerted.hits, at, alerted.random_selection)
        self.save(tally)

    def case_changed(
        self, before: CaseRecord, after: CaseRecord, alert: Alert | None, actor: str, at: datetime
    ) -> None:
        tally = Tally()
        try:
            dims = self._dims(alert)
        except CtsError as exc:
            log.warning("report counters: no port for case %s: %s", after.case_id, exc)
            dims = None
        case_changed(tally, at.date(), before, after, alert, dims, actor, at)
        self.save(tally)

    def _dims(self, alert: Alert | None) -> Dims | None:
        if alert is None:
            return None
        mode = alert.transport_mode
        direction = alert.direction.value if alert.direction else None
        if alert.direction is Direction.EXPORT and self.consignments is not None:
            stored = self.consignments.get(alert.key, alert.version)
            if stored is not None:
                return dims_of(stored.consignment)
        return Dims(alert.place_of_discharge, mode.value if mode else None, direction)


# --- reading -----------------------------------------------------------------------------------------


def period_of(
    today: date,
    first: date | None,
    last: date | None,
    port: str | None = None,
    mode: str | None = None,
    direction: str | None = None,
) -> Period:
    """The report period: ``to`` defaults to today, ``from`` to 30 days before ``to``; at most 366 days."""
    for day in (first, last):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationFailed(f"dates must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    last = last or today
    first = first or last - timedelta(days=DEFAULT_SPAN_DAYS - 1)
    if first > last:
        raise ValidationFailed("from must not be after to")
    if (last - first).days + 1 > MAX_SPAN_DAYS:
        raise ValidationFailed(f"a report covers at most {MAX_SPAN_DAYS} days")
    if mode is not None and mode not in {m.value for m in TransportMode}:
        raise ValidationFailed("mode must be one of " + ", ".join(m.value for m in TransportMode))
    if direction is not None and direction not in {d.value for d in Direction}:
        raise ValidationFailed("direction must be one of " + ", ".join(d.value for d in Direction))
    return Period(first, last, port.upper() if port else None, mode, direction)


@dataclass
class Sums:
    totals: Values = field(default_factory=dict)
    series: dict[date, Values] = field(default_factory=dict)


@dataclass
class ReportsService:
    counters: ReportCounters
    board: CaseBoard  # the open cases now (overdue cases, workload)
    rules: RulesStore | None = None
    clock: Clock = field(default_factory=SystemClock)

    def today(self) -> date:
        return self.clock.now().date()

    # -- the reports --

    def overview(self, period: Period) -> dict[str, object]:
        with ThreadPoolExecutor(max_workers=2) as pool:  # two independent reads, side by side
            open_cases = pool.submit(self.open_cases)
            sums = self.sums(Family.FLOW, period)
            overdue = sum(case.overdue for case in open_cases.result())
        return overview_report(period, sums.totals, sums.series, overdue)

    def hit_rates(self, period: Period, by: str = "profile") -> dict[str, object]:
        if by not in KINDS:
            raise ValidationFailed("by must be one of " + ", ".join(KINDS))
        rules, in_force = self.rule_infos(by)
        return hit_rates_report(by, self.sums(Family.HITS, period).totals, rules, in_force)

    def profile_review(self, months: int) -> dict[str, object]:
        if not 1 <= months <= 24:
            raise ValidationFailed("months must be between 1 and 24")
        today = self.today()
        first = months_between(today, today)[0]
        for _ in range(months - 1):
            first = (first - timedelta(days=1)).replace(day=1)
        rows: list[dict[str, object]] = []
        # Whole months back from this one, 13 at most per report: longer reviews add the earlier years' sums.
        start = first
        totals: Values = {}
        while start <= today:
            last = min(today, start + timedelta(days=MAX_SPAN_DAYS - 1))
            add_values(totals, self.sums(Family.HITS, Period(start, last)).totals)
            start = last + timedelta(days=1)
        profiles, in_force = self.rule_infos("profile")
        rows = list(hit_rates_report("profile", totals, profiles, in_force)["rows"])  # type: ignore[call-overload]
        live = {pid: profiles[pid] for pid in in_force}
        return {
            "months": months,
            "from": first.isoformat(),
            **profile_review_report(rows, live, today),
        }

    def workload(self, period: Period) -> dict[str, object]:
        with ThreadPoolExecutor(max_workers=2) as pool:
            open_cases = pool.submit(self.open_cases)
            totals = self.sums(Family.OFFICERS, period).totals
            return workload_report(totals, open_cases.result())

    def carriers(self, period: Period) -> dict[str, object]:
        return carriers_report(self.sums(Family.CARRIERS, period).totals)

    # -- the parts --

    def open_cases(self) -> list[OpenCase]:
        """Every open case now, as owner and overdue."""
        now = self.clock.now()
        page = self.board.board(OPEN_STATUSES, limit=MAX_OPEN_CASES)
        return [OpenCase(row.owner, row.at(now).overdue) for row in page.cases]

    def rule_infos(self, by: str) -> tuple[dict[str, RuleInfo], list[str]]:
        """Names and end dates of the rules of kind ``by``, and the ids of those in force (profiles: active)."""
        if self.rules is None:
            return {}, []
        infos: dict[str, RuleInfo] = {}
        in_force: list[str] = []
        if by in ("profile", "indicator"):
            for record in self.rules.latest_profiles():
                profile = record.profile
                if by == "profile":
                    infos[profile.id] = RuleInfo(profile.name, profile.valid_to)
                    if profile.status is ProfileStatus.ACTIVE:
                        in_force.append(profile.id)
                else:
                    for indicator in profile.indicators:
                        name = f"{profile.name}: {indicator.description}"
                        infos[f"{profile.id}#{indicator.id}"] = RuleInfo(name, profile.valid_to)
        else:
            for entry, _version in self.rules.watchlist_current():
                infos[entry.id] = RuleInfo(f"{entry.kind.value}: {entry.value}", entry.valid_to)
        return infos, in_force

    def scopes_for(self, period: Period) -> list[str]:
        if period.port is None and period.mode is None and period.direction is None:
            return [ALL]
        matching = []
        for scope in sorted(self.counters.scopes()):
            dims = scope_dims(scope)
            if dims is not None and dims.matches(period.port, period.mode, period.direction):
                matching.append(scope)
        return matching

    def sums(self, family: Family, period: Period) -> Sums:
        """The family's counters summed over the period (and the flow's daily series), over the matching scopes."""
        sums = Sums()
        for scope in self.scopes_for(period):
            self._add_scope(sums, family, scope, period.first, period.last)
        return sums

    def _add_scope(self, sums: Sums, family: Family, scope: str, first: date, last: date) -> None:
        today = self.today()
        whole: list[date] = []
        runs: list[tuple[date, date]] = []
        for month in months_between(first, last):
            end = month_end(month)
            if first <= month and end <= last and end + ROLL_UP_GRACE < today:
                whole.append(month)
            else:
                start, stop = max(first, month), min(last, end)
                if runs and runs[-1][1] + timedelta(days=1) == start:
                    runs[-1] = (runs[-1][0], stop)
                else:
                    runs.append((start, stop))
        sealed = today - ROLL_UP_GRACE
        # The roll-ups and the runs of days are independent queries: asked side by side.
        with ThreadPoolExecutor(max_workers=1 + len(runs)) as pool:
            asked_months = pool.submit(self.counters.months, family, scope, whole[0], whole[-1]) if whole else None
            asked_days = [
                pool.submit(self.counters.days, family, scope, start, stop, seal_before=sealed) for start, stop in runs
            ]
            stored = asked_months.result() if asked_months is not None else {}
            day_runs = [asked.result() for asked in asked_days]
        for month in whole:
            key = month_key(month)
            values = stored.get(key)
            if values is None:
                days = self.counters.days(family, scope, month, month_end(month))  # read once, then the roll-up
                values = roll_up(family, days)
                self.counters.put_month(family, scope, key, values)
            totals, series = split_roll_up(key, values)
            add_values(sums.totals, totals)
            for day, day_values in series.items():
                add_values(sums.series.setdefault(day, {}), day_values)
        for found in day_runs:
            for day, values in found.items():
                add_values(sums.totals, values)
                if family is Family.FLOW:
                    add_values(sums.series.setdefault(day, {}), values)


def month_of(text: str) -> date:
    """A ``YYYY-MM`` month's first day (400 otherwise)."""
    try:
        year, month = (int(part) for part in text.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise ValidationFailed("month must be YYYY-MM") from None
    if not EARLIEST <= first <= LATEST:
        raise ValidationFailed(f"month must be between {EARLIEST.isoformat()[:7]} and {LATEST.isoformat()[:7]}")
    return first
