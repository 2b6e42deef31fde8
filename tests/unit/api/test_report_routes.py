"""The report routes answer the contract (docs/api.md#reports): JSON shapes, CSV tables, the monthly PDF, 400s."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client
from fakes_reports import MemoryReportCounters

from chalicelib.container import set_container
from cts.domain.reports import ALL, Family
from fakes_api import FakeCaseBoard, World

TODAY = datetime.now(UTC).date()


@pytest.fixture
def counters(world: World) -> MemoryReportCounters:
    counters = MemoryReportCounters()
    yesterday = TODAY - timedelta(days=1)
    scope = "JMKIN|sea|import"
    for where in (ALL, scope):
        counters.add(
            {
                (Family.FLOW, where, yesterday): {
                    "received": 10,
                    "assessed": 9,
                    "alerts": 2,
                    "level|red": 1,
                    "level|amber": 1,
                    "cat|drugs": 2,
                    "lead|6": 2,
                    "examinations": 1,
                    "findings": 1,
                },
                (Family.HITS, where, yesterday): {
                    "profile|route|hits": 2,
                    "profile|route|examinations": 1,
                    "profile|route|findings": 1,
                    "random|rs1|examinations": 4,
                    "random|rs1|findings": 1,
                },
                (Family.OFFICERS, where, yesterday): {"olive|closed": 1, "olive|decided": 1, "olive|dec|3": 1},
                (Family.CARRIERS, where, yesterday): {"ACME|files": 2, "ACME|consignments": 10, "ACME|late_filings": 1},
            }
        )
    board = FakeCaseBoard()
    board.add("K9", status="triaged", owner="olive", due_at=datetime.now(UTC) - timedelta(hours=1))
    set_container(dataclasses.replace(world.container, reports=counters, case_board=board))
    return counters


def _get(client: Client, world: World, path: str, who: str = "supervisor") -> Any:
    return client.http.get(path, headers=world.auth(who))


def test_the_overview_answers_the_contract(client: Client, world: World, counters: MemoryReportCounters) -> None:
    response = _get(client, world, "/reports/overview")
    assert response.status_code == 200
    report = json.loads(response.body)
    first = (TODAY - timedelta(days=29)).isoformat()
    assert report["period"] == {"from": first, "to": TODAY.isoformat()}
    assert report["totals"]["received"] == 10
    assert report["totals"]["overdue_cases"] == 1
    assert report["alerts_by_level"] == {"amber": 1, "red": 1}
    assert report["alerts_by_category"] == {"drugs": 2}
    assert len(report["series"]) == 30
    assert report["lead_time"] == {"alerts": 2, "median_hours": 36.0, "p10_hours": 26.4, "after_arrival": 0}
    assert report["decision_time"] == {"decided": 0, "median_hours": None, "p90_hours": None}
    filtered = json.loads(_get(client, world, "/reports/overview?port=JMKIN&mode=sea").body)
    assert filtered["totals"]["received"] == 10
    assert filtered["filters"]["port"] == "JMKIN"
    assert json.loads(_get(client, world, "/reports/overview?mode=air").body)["totals"]["received"] == 0


def test_every_table_downloads_as_csv(client: Client, world: World, counters: MemoryReportCounters) -> None:
    response = _get(client, world, "/reports/overview?format=csv")
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert headers["content-type"].startswith("text/csv")
    assert "attachment" in headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.body.decode())))
    assert rows[0] == ["day", "received", "assessed", "alerts", "examinations", "findings"]
    assert rows[-2] == [(TODAY - timedelta(days=1)).isoformat(), "10", "9", "2", "1", "1"]
    hits = list(csv.reader(io.StringIO(_get(client, world, "/reports/hit-rates?format=csv").body.decode())))
    assert hits[0][:5] == ["id", "name", "hits", "examinations", "findings"]
    assert hits[1][:5] == ["route", "route", "2", "1", "1"]
    officers = list(csv.reader(io.StringIO(_get(client, world, "/reports/workload?format=csv").body.decode())))
    assert officers[1] == ["olive", "1", "1", "1", "1", "6.0"]
    carriers = list(csv.reader(io.StringIO(_get(client, world, "/reports/carriers?format=csv").body.decode())))
    assert carriers[1] == ["ACME", "2", "0", "10", "1", "0", "0.9"]
    review = _get(client, world, "/reports/profile-review?format=csv")
    assert review.status_code == 200
    assert review.body.decode().startswith("id,name,hits")


def test_hit_rates_workload_and_carriers_answer_json(
    client: Client, world: World, counters: MemoryReportCounters
) -> None:
    rates = json.loads(_get(client, world, "/reports/hit-rates?by=profile").body)
    assert rates["baseline"] == {"examinations": 4, "findings": 1, "hit_rate": 0.25}
    assert rates["rows"][0]["vs_baseline"] == 4.0
    workload = json.loads(_get(client, world, "/reports/workload", who="risk_manager").body)
    assert workload["officers"] == [
        {"officer": "olive", "open": 1, "overdue": 1, "closed": 1, "decided": 1, "median_decision_hours": 6.0}
    ]
    carriers = json.loads(_get(client, world, "/reports/carriers", who="auditor").body)
    assert carriers["carriers"][0]["on_time_share"] == 0.9


def test_the_monthly_report_is_a_pdf(client: Client, world: World, counters: MemoryReportCounters) -> None:
    month = TODAY.replace(day=1)
    response = client.http.get(
        f"/reports/monthly.pdf?month={month.year:04d}-{month.month:02d}",
        headers={**world.auth("administrator"), "Accept": "application/pdf"},
    )
    assert response.status_code == 200
    assert {k.lower(): v for k, v in response.headers.items()}["content-type"] == "application/pdf"
    body = response.body
    assert body.startswith(b"%PDF-1.4")
    assert body.rstrip().endswith(b"%%EOF")
    # the cross-reference table points at each object
    start = int(re.findall(rb"startxref\n(\d+)", body)[-1])
    entries = re.findall(rb"(\d{10}) 00000 n ", body[start:])
    assert entries
    for number, offset in enumerate(entries, start=1):
        assert body[int(offset) :].startswith(b"%d 0 obj" % number)
    assert b"Workload per officer" in body
    assert b"olive" in body


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-02-30",
        "from=2026-11-20&to=2026-11-01",
        "from=2024-01-01&to=2026-01-01",
        "mode=boat",
        "direction=inbound",
        "port=KINGSTON",
        "format=xml",
        "to=0001-01-01",
        "to=9999-12-31",
        "from=9999-12-31",
    ],
)
def test_bad_dates_and_filters_are_400(
    client: Client, world: World, counters: MemoryReportCounters, query: str
) -> None:
    response = _get(client, world, f"/reports/overview?{query}")
    assert response.status_code == 400
    assert json.loads(response.body)["code"] == "validation_failed"


def test_bad_hit_rate_kinds_months_and_pdf_months_are_400(
    client: Client, world: World, counters: MemoryReportCounters
) -> None:
    for path in (
        "/reports/hit-rates?by=country",
        "/reports/profile-review?months=0",
        "/reports/monthly.pdf?month=2026-13",
        "/reports/monthly.pdf?month=9999-12",
        "/reports/monthly.pdf?month=0000-01",
    ):
        response = _get(client, world, path)
        assert response.status_code == 400, path


def test_analysts_officers_and_carriers_may_not_read_reports(client: Client, world: World, counters: Any) -> None:
    for who in ("targeting_analyst", "examination_officer", "carrier"):
        assert _get(client, world, "/reports/overview", who=who).status_code == 403


def test_without_counters_the_reports_answer_503(client: Client, world: World) -> None:
    response = _get(client, world, "/reports/overview")
    assert response.status_code == 503
