"""Management reports (docs/reports.md): ``GET /reports/overview``, ``/reports/hit-rates``,
``/reports/profile-review``, ``/reports/workload``, ``/reports/carriers`` (JSON, or ``format=csv``) and
``/reports/monthly.pdf``, read from the pre-aggregated counters, never from a scan."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from chalicelib.http import Call, Routes
from cts.domain.errors import Unavailable
from cts.domain.permissions import Action
from cts.domain.reports import CARRIER_FIELDS, SERIES_FIELDS, Period, month_end, month_key, to_csv
from cts.domain.reports_pdf import monthly_pdf
from cts.services.reports import ReportsService, month_of, period_of

routes = Routes()

CSV = "text/csv"
PDF = "application/pdf"


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


_PERIOD: dict[str, Any] = {
    "from": (date | None, Field(default=None, description="first day, YYYY-MM-DD (default: 30 days before to)")),
    "to": (date | None, Field(default=None, description="last day, YYYY-MM-DD, inclusive (default: today, UTC)")),
    "port": (
        str | None,
        Field(
            default=None,
            pattern="^[A-Za-z]{2}[A-Za-z0-9]{3}$",
            description="UN/LOCODE: discharge for imports, loading for exports",
        ),
    ),
    "mode": (Literal["sea", "air", "road", "rail"] | None, None),
    "direction": (Literal["import", "export", "transit", "transshipment"] | None, None),
    "format": (Literal["json", "csv"], Field(default="json", description="csv: the report's main table")),
}

ReportQuery = create_model("ReportQuery", __base__=_Query, **_PERIOD)
_BY: dict[str, Any] = {"by": (Literal["profile", "indicator", "watchlist_entry"], "profile")}
HitRatesQuery = create_model("HitRatesQuery", __base__=_Query, **_PERIOD, **_BY)


class ReviewQuery(_Query):
    months: int = Field(default=6, ge=1, le=24, description="the review's window: this month and the N-1 before")
    format: Literal["json", "csv"] = "json"


class MonthQuery(_Query):
    month: str | None = Field(default=None, pattern="^[0-9]{4}-[0-9]{2}$", description="YYYY-MM (default: last month)")


# --- answers (the contract in docs/api.md) --------------------------------------------------------------


_FROM_TO: dict[str, Any] = {"from": (str, ...), "to": (str, ...)}
PeriodOut = create_model("PeriodOut", **_FROM_TO)


class Filters(BaseModel):
    port: str | None
    mode: str | None
    direction: str | None


class Totals(BaseModel):
    received: int
    new_consignments: int
    amendments: int
    assessed: int
    alerts: int
    random_selections: int
    referrals: int
    examinations: int
    findings: int
    seizures: int
    seizure_quantity: float
    seizure_value: float
    overdue_cases: int


class SeriesDay(BaseModel):
    day: str
    received: int
    assessed: int
    alerts: int
    examinations: int
    findings: int


class LeadTime(BaseModel):
    alerts: int
    median_hours: float | None
    p10_hours: float | None
    after_arrival: int


class DecisionTime(BaseModel):
    decided: int
    median_hours: float | None
    p90_hours: float | None


class Overview(BaseModel):
    period: PeriodOut
    filters: Filters
    totals: Totals
    alerts_by_level: dict[str, int]
    alerts_by_category: dict[str, int]
    series: list[SeriesDay]
    lead_time: LeadTime
    decision_time: DecisionTime


class Baseline(BaseModel):
    examinations: int
    findings: int
    hit_rate: float | None


class HitRow(BaseModel):
    id: str
    name: str
    hits: int
    examinations: int
    findings: int
    seizures: int
    hit_rate: float | None
    vs_baseline: float | None
    review: Literal["no_hits", "below_baseline"] | None
    valid_to: str | None


class HitRates(BaseModel):
    period: PeriodOut
    filters: Filters
    by: str
    baseline: Baseline
    rows: list[HitRow]


class EndingSoon(BaseModel):
    id: str
    name: str
    valid_to: str
    days_left: int


_REVIEW: dict[str, Any] = {
    "months": (int, ...),
    "from": (str, Field(description="the first day of the review's window")),
    "flagged": (list[HitRow], ...),
    "ending_soon": (list[EndingSoon], ...),
}
ProfileReview = create_model("ProfileReview", **_REVIEW)


class OfficerRow(BaseModel):
    officer: str
    open: int
    overdue: int
    closed: int
    decided: int
    median_decision_hours: float | None


class Workload(BaseModel):
    period: PeriodOut
    filters: Filters
    officers: list[OfficerRow]


class CarrierRow(BaseModel):
    carrier_id: str
    files: int
    rejected_files: int
    consignments: int
    late_filings: int
    vague_descriptions: int
    on_time_share: float | None


class Carriers(BaseModel):
    period: PeriodOut
    filters: Filters
    carriers: list[CarrierRow]


HIT_COLUMNS = (
    "id",
    "name",
    "hits",
    "examinations",
    "findings",
    "seizures",
    "hit_rate",
    "vs_baseline",
    "review",
    "valid_to",
)
OFFICER_COLUMNS = ("officer", "open", "overdue", "decided", "closed", "median_decision_hours")


def _service(call: Call) -> ReportsService:
    container = call.container
    if container.reports is None or container.case_board is None:
        raise Unavailable("reports are not configured")
    return ReportsService(container.reports, container.case_board, rules=container.rules)


def _period(call: Call, model: type[BaseModel], service: ReportsService) -> tuple[Period, Any]:
    asked = call.params(model)
    period = period_of(
        service.today(),
        getattr(asked, "from"),
        asked.to,  # type: ignore[attr-defined]
        asked.port,  # type: ignore[attr-defined]
        asked.mode,  # type: ignore[attr-defined]
        asked.direction,  # type: ignore[attr-defined]
    )
    return period, asked


def _csv(name: str, period: Period | None, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Response:
    suffix = f"-{period.first.isoformat()}-{period.last.isoformat()}" if period else ""
    return Response(
        body=to_csv(rows, columns),
        status_code=200,
        headers={
            "Content-Type": f"{CSV}; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}{suffix}.csv"',
            "Cache-Control": "no-store",
        },
    )


@routes.api("/reports/overview", action=Action.VIEW_REPORTS, query=ReportQuery, response=Overview, produces=(CSV,))
def report_overview(call: Call) -> Any:
    """Consignments received and assessed, alerts by level and category, referrals, examinations, findings and
    seizures, overdue cases, a daily series, lead time and decision time (csv: the daily series)."""
    service = _service(call)
    period, asked = _period(call, ReportQuery, service)
    report = service.overview(period)
    if asked.format == "csv":
        return _csv("overview", period, report["series"], ("day", *SERIES_FIELDS))  # type: ignore[arg-type]
    return report


@routes.api("/reports/hit-rates", action=Action.VIEW_REPORTS, query=HitRatesQuery, response=HitRates, produces=(CSV,))
def report_hit_rates(call: Call) -> Any:
    """Hit rate (findings / examinations) per profile, indicator or watch-list entry beside the random selection
    baseline, ranked by yield (csv: the rows)."""
    service = _service(call)
    period, asked = _period(call, HitRatesQuery, service)
    report = {**period.header(), **service.hit_rates(period, asked.by)}
    if asked.format == "csv":
        return _csv(f"hit-rates-{asked.by}", period, report["rows"], HIT_COLUMNS)  # type: ignore[arg-type]
    return report


@routes.api(
    "/reports/profile-review",
    action=Action.VIEW_REPORTS,
    query=ReviewQuery,
    response=ProfileReview,
    produces=(CSV,),
)
def report_profile_review(call: Call) -> Any:
    """Profiles in force with no finding or a hit rate below the random baseline over the last N months, and
    profiles whose validity ends within 30 days (csv: the flagged rows)."""
    asked = call.params(ReviewQuery)
    report = _service(call).profile_review(asked.months)
    if asked.format == "csv":
        return _csv(f"profile-review-{asked.months}-months", None, report["flagged"], HIT_COLUMNS)  # type: ignore[arg-type]
    return report


@routes.api("/reports/workload", action=Action.VIEW_REPORTS, query=ReportQuery, response=Workload, produces=(CSV,))
def report_workload(call: Call) -> Any:
    """Per officer: open and overdue cases now, and cases decided and closed and the median time from alert to
    decision over the period (csv: the officers)."""
    service = _service(call)
    period, asked = _period(call, ReportQuery, service)
    report = {**period.header(), **service.workload(period)}
    if asked.format == "csv":
        return _csv("workload", period, report["officers"], OFFICER_COLUMNS)  # type: ignore[arg-type]
    return report


@routes.api("/reports/carriers", action=Action.VIEW_REPORTS, query=ReportQuery, response=Carriers, produces=(CSV,))
def report_carriers(call: Call) -> Any:
    """Carriers' data quality and filing: files and rejected files, new consignments, late filings, vague
    descriptions, share filed on time (csv: the carriers)."""
    service = _service(call)
    period, asked = _period(call, ReportQuery, service)
    report = {**period.header(), **service.carriers(period)}
    if asked.format == "csv":
        columns = ("carrier_id", *CARRIER_FIELDS, "on_time_share")
        return _csv("carriers", period, report["carriers"], columns)  # type: ignore[arg-type]
    return report


@routes.api("/reports/monthly.pdf", action=Action.VIEW_REPORTS, query=MonthQuery, produces=(PDF,))
def report_monthly_pdf(call: Call) -> Response:
    """The monthly report as a PDF: the overview, the hit rates per profile and the workload of one month."""
    asked = call.params(MonthQuery)
    service = _service(call)
    if asked.month is None:
        this_month = service.today().replace(day=1)
        first = month_of(month_key(date.fromordinal(this_month.toordinal() - 1)))
    else:
        first = month_of(asked.month)
    period = Period(first, month_end(first))
    body = monthly_pdf(
        f"CTS monthly report {month_key(first)} ({call.container.country})",
        service.overview(period),
        service.hit_rates(period, "profile"),
        service.workload(period),
        generated=service.clock.now().strftime("%Y-%m-%d %H:%M UTC"),
    )
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": PDF,
            "Content-Disposition": f'attachment; filename="cts-report-{month_key(first)}.pdf"',
            "Cache-Control": "no-store",
        },
    )
