"""Every report figure on a seeded data set whose answers were worked out by hand (the comments show the sums).

The data set goes in through the writers the pipeline and the case work call (ReportRecorder from ingest and
scoring, the real CaseService for the case changes), into in-memory counters; the reports come out of
ReportsService. Nothing below re-derives an expectation with the code under test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fakes_reports import MemoryReportCounters
from fakes_rules import MemoryRulesStore

from builders import make_consignment
from cts.domain.alerts import Alert
from cts.domain.case_board import OPEN_STATUSES
from cts.domain.case_workflow import Actor
from cts.domain.cases import CaseRecord, Decision, Examination, ExaminationResult, Finding
from cts.domain.errors import ValidationFailed
from cts.domain.model import Consignment, DataQualityIssue
from cts.domain.receipt import ConsignmentOutcome, Receipt, ReceiptStatus
from cts.domain.reports import HOUR_EDGES, Family, bucket, quantile, to_csv
from cts.domain.risk.assessment import Assessment, Hit, Level
from cts.domain.risk.rules import Profile, ProfileStatus
from cts.domain.roles import Role
from cts.services.cases import CaseService
from cts.services.reports import MAX_OPEN_CASES, ReportRecorder, ReportsService, period_of
from fakes import FakeAlerts, FakeClock
from fakes_api import FakeCaseBoard
from fakes_cases import MemoryCaseStore, RecordingTasks

TODAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RAISED = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
OLIVE = Actor("olive", frozenset({Role.EXAMINATION_OFFICER.value}))
SAM = Actor("sam", frozenset({Role.SUPERVISOR.value}))


class NullSearch:
    def set_statuses(self, key: str, *, alert_status: Any = None, case_status: Any = None) -> bool:
        return True


def _consignment(number: str, eta: datetime, mode: str = "sea", discharge: str = "JMKIN") -> Consignment:
    return make_consignment(
        number,
        mode=mode,
        eta=eta.isoformat(),
        etd=(eta - timedelta(days=3)).isoformat(),
        itinerary={"place_of_loading": {"locode": "NLRTM"}, "place_of_discharge": {"locode": discharge}},
        conveyance={"journey_id": "001E"},
    )


C1 = _consignment("C1", datetime(2026, 11, 24, 12, tzinfo=UTC))  # alert raised 60 h before arrival
C2 = _consignment("C2", datetime(2026, 11, 22, 6, tzinfo=UTC))  # 6 h before
C3 = _consignment("C3", datetime(2026, 11, 26, tzinfo=UTC))  # no alert
C4 = _consignment("C4", datetime(2026, 11, 21, tzinfo=UTC), mode="air", discharge="JMMBJ")  # 24 h after arrival
C0 = _consignment("C0", datetime(2026, 10, 12, tzinfo=UTC))


def _issue(code: str) -> DataQualityIssue:
    return DataQualityIssue(code=code, message=code)


def _receipt(
    file_id: str, carrier: str, at: datetime, outcomes: list[tuple[Consignment, int, list[str]]], rejected: bool = False
) -> Receipt:
    return Receipt(
        file_id=file_id,
        object_key=f"inbox/{carrier}/{file_id}.json",
        carrier_id=carrier,
        source_format=None,
        status=ReceiptStatus.REJECTED if rejected else ReceiptStatus.ACCEPTED,
        received_at=at,
        processed_at=at,
        consignments=[
            ConsignmentOutcome(
                document_number=c.transport_document.number,
                key=c.key,
                status=ReceiptStatus.ACCEPTED,
                version=v,
                issues=[_issue(code) for code in codes],
            )
            for c, v, codes in outcomes
        ],
    )


def _assessment(c: Consignment, level: Level, hits: tuple[Hit, ...] = (), random: str | None = None) -> Assessment:
    return Assessment(
        key=c.key,
        version=1,
        ruleset_version="rs",
        score=80,
        level=level,
        hits=hits,
        profiles_matched=(),
        random=random is not None,
        random_selection=random,
    )


def _hit(ref: str, category: str, source: str = "profile") -> Hit:
    return Hit(source=source, ref=ref, points=50, reason="r", matched="m", category=category)


ALERT_HITS: dict[str, tuple[tuple[Hit, ...], str | None, str, str]] = {
    # alert -> hits, random selection rate, port, mode
    "A1": ((_hit("route@2#origin", "drugs"), _hit("entry-9", "sanctions", "watchlist")), None, "JMKIN", "sea"),
    "A2": ((), "rs1", "JMKIN", "sea"),
    "A3": ((_hit("route@2#value", "drugs"),), None, "JMKIN", "sea"),
    "A4": ((), "rs1", "JMMBJ", "air"),
    "A5": ((_hit("weak@1#x", "ipr"),), None, "JMKIN", "sea"),
    "A6": ((_hit("weak@1#x", "ipr"),), None, "JMKIN", "sea"),
    "A7": ((_hit("weak@1#x", "ipr"),), None, "JMKIN", "sea"),
}

# case, alert, officer, decision, hours from alert to decision, examination result (None: released, no examination)
CASES = [
    ("K1", "A1", OLIVE, Decision.PHYSICAL_EXAMINATION, 10.0, ExaminationResult.SEIZURE),  # bucket [8, 12)
    ("K2", "A2", OLIVE, Decision.DOCUMENT_CHECK, 1.5, ExaminationResult.NO_FINDING),  # [1, 2)
    ("K3", "A3", SAM, Decision.RELEASE, 3.0, None),  # [2, 4)
    ("K4", "A4", SAM, Decision.PHYSICAL_EXAMINATION, 30.0, ExaminationResult.FINDING),  # [24, 48)
    ("K5", "A5", OLIVE, Decision.PHYSICAL_EXAMINATION, 50.0, ExaminationResult.NO_FINDING),  # [48, 72)
    ("K6", "A6", OLIVE, Decision.NON_INTRUSIVE_SCAN, 0.5, ExaminationResult.NO_FINDING),  # [0, 1)
    ("K7", "A7", OLIVE, Decision.PHYSICAL_EXAMINATION, 5.0, ExaminationResult.FINDING),  # [4, 8)
]


def _findings(result: ExaminationResult) -> tuple[Finding, ...]:
    if result is ExaminationResult.SEIZURE:
        return (
            Finding(category="drugs", quantity=Decimal(4), unit="kg", value=Decimal(120000)),
            Finding(category="drugs", quantity=Decimal(1), unit="kg", value=Decimal(5000)),
        )
    if result is ExaminationResult.FINDING:
        return (Finding(category="undeclared", quantity=Decimal(2), unit="pcs", value=Decimal(300)),)
    return ()


def _profile(pid: str, name: str, valid_to: date | None, indicator: str = "x") -> Profile:
    return Profile.model_validate(
        {
            "id": pid,
            "version": 1,
            "name": name,
            "category": "drugs",
            "status": ProfileStatus.ACTIVE.value,
            "author": "rita",
            "valid_to": valid_to.isoformat() if valid_to else None,
            "threshold": 50,
            "indicators": [
                {
                    "id": indicator,
                    "description": f"{name} indicator",
                    "fact": "consignee_name",
                    "op": "keyword",
                    "values": ["x"],
                    "weight": 50,
                }
            ],
        }
    )


def _rules() -> MemoryRulesStore:
    from cts.domain.rule_lifecycle import ProfileVersion

    store = MemoryRulesStore()
    for profile in (
        _profile("route", "Route via transit hubs", date(2027, 6, 30), "origin"),
        _profile("weak", "Weak profile", date(2026, 12, 10)),  # ends in 15 days
        _profile("quiet", "Quiet profile", None),  # in force, never fired
    ):
        store.profiles[profile.id] = {1: ProfileVersion(profile=profile)}
    return store


@pytest.fixture
def seeded() -> tuple[ReportsService, MemoryReportCounters]:
    counters = MemoryReportCounters()
    recorder = ReportRecorder(counters)
    # --- ingest: files F0 (October), F1 (its re-delivery stores nothing new), F2 (rejected), F3
    recorder.ingested(_receipt("F0", "ACME", datetime(2026, 10, 10, 9, tzinfo=UTC), [(C0, 1, [])]), [(C0, 1)])
    f1_outcomes = [(C1, 1, ["LATE_FILING"]), (C2, 1, ["VAGUE_GOODS_DESCRIPTION"]), (C3, 1, []), (C1, 2, [])]
    f1 = _receipt("F1", "ACME", datetime(2026, 11, 20, 10, tzinfo=UTC), f1_outcomes)
    recorder.ingested(f1, [(C1, 1), (C2, 1), (C3, 1), (C1, 2)])
    recorder.ingested(f1, [])  # the same file again: every version a duplicate, the file already counted
    recorder.ingested(_receipt("F2", "BETA", datetime(2026, 11, 21, 8, tzinfo=UTC), [], rejected=True), [])
    recorder.ingested(_receipt("F3", "BETA", datetime(2026, 11, 21, 9, tzinfo=UTC), [(C4, 1, [])]), [(C4, 1)])
    # --- scoring, on 22 November: C1 red, C2 random selection, C3 no alert, C4 amber after its arrival
    recorder.scored(
        RAISED,
        [
            (C1, _assessment(C1, Level.RED, ALERT_HITS["A1"][0])),
            (C2, _assessment(C2, Level.AMBER, random="rs1")),
            (C3, None),
            (C4, _assessment(C4, Level.AMBER, (_hit("route@2#origin", "drugs"),))),
        ],
    )
    # --- the case work, through the real case service
    store, alerts, clock = MemoryCaseStore(), FakeAlerts(), FakeClock(RAISED)
    service = CaseService(
        store,  # type: ignore[arg-type]
        RecordingTasks(),  # type: ignore[arg-type]
        alerts,
        NullSearch(),  # type: ignore[arg-type]
        clock=clock,
        reports=ReportRecorder(counters),
    )
    for case_id, alert_id, officer, decision, hours, result in CASES:
        hits, random, port, mode = ALERT_HITS[alert_id]
        alerts.add(
            Alert(
                alert_id=alert_id,
                key=f"{mode}:X:{alert_id}",
                version=1,
                document_number=alert_id,
                score=80,
                level=Level.AMBER,
                hits=hits,
                eta=None,
                place_of_discharge=port,
                raised_at=RAISED,
                random_selection=random,
                mode=mode,  # type: ignore[arg-type]
                direction="import",  # type: ignore[arg-type]
            )
        )
        store.cases[case_id] = CaseRecord(
            case_id=case_id, alert_id=alert_id, consignment_key=f"{mode}:X:{alert_id}", level="amber", status="new"
        )
        clock.current = RAISED
        service.claim(case_id, officer)
        clock.current = RAISED + timedelta(hours=hours)
        service.decide(case_id, officer, decision)
        if result is not None:
            clock.current = RAISED + timedelta(hours=hours + 1)
            service.record_examination(case_id, officer, Examination(result=result, findings=_findings(result)))
        clock.current = RAISED + timedelta(hours=hours + 2)
        service.close(case_id, officer)
    # --- open cases on the board now: olive has two (one overdue), one is unassigned and overdue
    board = FakeCaseBoard()
    board.add("O1", status="triaged", owner="olive", due_at=TODAY - timedelta(hours=1))
    board.add("O2", status="decided", owner="olive", due_at=TODAY + timedelta(hours=5))
    board.add("O3", status="new", due_at=TODAY - timedelta(days=2))
    board.add("O4", status="closed", owner="sam", due_at=TODAY - timedelta(days=2))  # closed: not open
    reports = ReportsService(counters, board, rules=_rules(), clock=FakeClock(TODAY))  # type: ignore[arg-type]
    return reports, counters


def _default(service: ReportsService, **filters: str) -> Any:
    return period_of(service.today(), None, None, **filters)


def test_the_overview_counts_what_was_received_assessed_alerted_referred_examined_and_found(
    seeded: tuple[ReportsService, MemoryReportCounters],
) -> None:
    service, _ = seeded
    report = service.overview(_default(service))
    assert report["period"] == {"from": "2026-10-27", "to": "2026-11-25"}
    assert report["filters"] == {"port": None, "mode": None, "direction": None}
    assert report["totals"] == {
        "received": 5,  # F1: C1 v1, C2, C3, C1 v2; F3: C4 (F0 is before the period)
        "new_consignments": 4,
        "amendments": 1,
        "assessed": 4,
        "alerts": 3,
        "random_selections": 1,
        "referrals": 6,  # every decision but K3's release
        "examinations": 6,  # K1, K2, K4, K5, K6, K7
        "findings": 3,  # K1 (seizure), K4, K7
        "seizures": 1,
        "seizure_quantity": 5.0,  # 4 kg + 1 kg
        "seizure_value": 125000.0,
        "overdue_cases": 2,  # O1 and O3
    }
    assert report["alerts_by_level"] == {"amber": 2, "red": 1}
    assert report["alerts_by_category"] == {"drugs": 2, "random_selection": 1, "sanctions": 1}
    # lead times 60 h ([48, 72)), 6 h ([4, 8)), -24 h (after arrival: [0, 1)); rank 1.5 of 3 in [4, 8): 4 + 0.5 * 4
    assert report["lead_time"] == {"alerts": 3, "median_hours": 6.0, "p10_hours": 0.3, "after_arrival": 1}
    # decision times 0.5, 1.5, 3, 5, 10, 30, 50 h: median rank 3.5 in [4, 8): 4 + 0.5 * 4 = 6;
    # p90 rank 6.3 in [48, 72): 48 + 0.3 * 24 = 55.2
    assert report["decision_time"] == {"decided": 7, "median_hours": 6.0, "p90_hours": 55.2}
    series = {row["day"]: row for row in report["series"]}
    assert len(report["series"]) == 30
    assert report["series"][0]["day"] == "2026-10-27"
    assert series["2026-11-20"] == {
        "day": "2026-11-20",
        "received": 4,
        "assessed": 0,
        "alerts": 0,
        "examinations": 0,
        "findings": 0,
    }
    assert series["2026-11-21"]["received"] == 1
    # examinations an hour after the decision: K1 11 h, K2 2.5 h, K6 1.5 h, K7 6 h on the 22nd; K4 31 h; K5 51 h
    assert series["2026-11-22"] == {
        "day": "2026-11-22",
        "received": 0,
        "assessed": 4,
        "alerts": 3,
        "examinations": 4,
        "findings": 2,
    }
    assert (series["2026-11-23"]["examinations"], series["2026-11-23"]["findings"]) == (1, 1)
    assert (series["2026-11-24"]["examinations"], series["2026-11-24"]["findings"]) == (1, 0)
    assert sum(row["received"] for row in report["series"]) == 5


def test_a_filter_counts_only_the_matching_port_mode_and_direction(
    seeded: tuple[ReportsService, MemoryReportCounters],
) -> None:
    service, _ = seeded
    air = service.overview(_default(service, port="jmmbj"))
    assert air["filters"] == {"port": "JMMBJ", "mode": None, "direction": None}
    totals = air["totals"]
    # C4 (air, JMMBJ): received, assessed, alerted; case K4: decided, examined with a finding
    assert (totals["received"], totals["assessed"], totals["alerts"]) == (1, 1, 1)
    assert (totals["referrals"], totals["examinations"], totals["findings"]) == (1, 1, 1)
    sea = service.overview(_default(service, mode="sea", direction="import"))["totals"]
    assert (sea["received"], sea["alerts"], sea["examinations"], sea["findings"]) == (4, 2, 5, 2)
    nothing = service.overview(_default(service, direction="export"))["totals"]
    assert (nothing["received"], nothing["alerts"]) == (0, 0)


def test_hit_rates_per_profile_rank_by_yield_beside_the_random_baseline(
    seeded: tuple[ReportsService, MemoryReportCounters],
) -> None:
    service, _ = seeded
    report = service.hit_rates(_default(service), "profile")
    # random selection rs1: K2 examined without finding, K4 examined with one: 1 / 2
    assert report["baseline"] == {"examinations": 2, "findings": 1, "hit_rate": 0.5}
    assert report["rows"] == [
        {  # K1 (seizure) and K3 (released, never examined)
            "id": "route",
            "name": "Route via transit hubs",
            "hits": 2,
            "examinations": 1,
            "findings": 1,
            "seizures": 1,
            "hit_rate": 1.0,
            "vs_baseline": 2.0,
            "review": None,
            "valid_to": "2027-06-30",
        },
        {  # K5, K6 nothing, K7 a finding: 1 / 3 = 0.3333, 0.3333 / 0.5 = 0.6666
            "id": "weak",
            "name": "Weak profile",
            "hits": 3,
            "examinations": 3,
            "findings": 1,
            "seizures": 0,
            "hit_rate": 0.3333,
            "vs_baseline": 0.6666,
            "review": "below_baseline",
            "valid_to": "2026-12-10",
        },
        {  # in force, never fired
            "id": "quiet",
            "name": "Quiet profile",
            "hits": 0,
            "examinations": 0,
            "findings": 0,
            "seizures": 0,
            "hit_rate": None,
            "vs_baseline": None,
            "review": "no_hits",
            "valid_to": None,
        },
    ]


def test_hit_rates_per_indicator_and_watch_list_entry(seeded: tuple[ReportsService, MemoryReportCounters]) -> None:
    service, _ = seeded
    rows = {r["id"]: r for r in service.hit_rates(_default(service), "indicator")["rows"]}
    assert {k: (r["hits"], r["examinations"], r["findings"], r["review"]) for k, r in rows.items()} == {
        "route#origin": (1, 1, 1, None),
        "route#value": (1, 0, 0, "no_hits"),
        "weak#x": (3, 3, 1, "below_baseline"),
    }
    assert rows["route#origin"]["name"] == "Route via transit hubs: Route via transit hubs indicator"
    entries = service.hit_rates(_default(service), "watchlist_entry")["rows"]
    assert [(r["id"], r["hits"], r["examinations"], r["findings"], r["hit_rate"]) for r in entries] == [
        ("entry-9", 1, 1, 1, 1.0)
    ]
    with pytest.raises(ValidationFailed):
        service.hit_rates(_default(service), "country")


def test_profile_review_flags_no_hits_and_below_baseline_and_lists_profiles_ending_soon(
    seeded: tuple[ReportsService, MemoryReportCounters],
) -> None:
    service, _ = seeded
    review = service.profile_review(6)
    assert review["from"] == "2026-06-01"
    assert [(r["id"], r["review"]) for r in review["flagged"]] == [("weak", "below_baseline"), ("quiet", "no_hits")]
    assert review["ending_soon"] == [{"id": "weak", "name": "Weak profile", "valid_to": "2026-12-10", "days_left": 15}]
    with pytest.raises(ValidationFailed):
        service.profile_review(0)


def test_workload_per_officer_open_overdue_decided_closed_and_median_decision_time(
    seeded: tuple[ReportsService, MemoryReportCounters],
) -> None:
    service, _ = seeded
    officers = {row["officer"]: row for row in service.workload(_default(service))["officers"]}
    # olive decided K1 10 h, K2 1.5 h, K5 50 h, K6 0.5 h, K7 5 h: rank 2.5 of 5 in [4, 8): 4 + 0.5 * 4 = 6
    assert officers["olive"] == {
        "officer": "olive",
        "open": 2,
        "overdue": 1,
        "closed": 5,
        "decided": 5,
        "median_decision_hours": 6.0,
    }
    # sam decided K3 3 h and K4 30 h: rank 1 of 2 in [2, 4): 2 + 1 * 2 = 4
    assert officers["sam"] == {
        "officer": "sam",
        "open": 0,
        "overdue": 0,
        "closed": 2,
        "decided": 2,
        "median_decision_hours": 4.0,
    }
    assert officers["(unassigned)"]["open"] == 1
    assert officers["(unassigned)"]["overdue"] == 1


def test_the_open_cases_are_one_page_of_every_open_status_on_the_case_board(
    seeded: tuple[ReportsService, MemoryReportCounters],
) -> None:
    service, _ = seeded
    service.workload(_default(service))
    service.overview(_default(service))
    asked = {"statuses": OPEN_STATUSES, "owner": None, "limit": MAX_OPEN_CASES, "after": None}
    assert service.board.asked == [asked, asked]  # type: ignore[attr-defined]


def test_carriers_files_rejections_late_filings_vague_descriptions_and_on_time_share(
    seeded: tuple[ReportsService, MemoryReportCounters],
) -> None:
    service, _ = seeded
    assert service.carriers(_default(service))["carriers"] == [
        {  # F1 once (its re-delivery is not a new file); C1 late, C2 vague; (3 - 1) / 3 on time
            "carrier_id": "ACME",
            "files": 1,
            "rejected_files": 0,
            "consignments": 3,
            "late_filings": 1,
            "vague_descriptions": 1,
            "on_time_share": 0.6667,
        },
        {  # F2 rejected, F3 with C4
            "carrier_id": "BETA",
            "files": 2,
            "rejected_files": 1,
            "consignments": 1,
            "late_filings": 0,
            "vague_descriptions": 0,
            "on_time_share": 1.0,
        },
    ]


def test_a_month_that_is_over_is_rolled_up_once_and_then_read_from_its_roll_up(
    seeded: tuple[ReportsService, MemoryReportCounters],
) -> None:
    service, counters = seeded
    period = period_of(service.today(), date(2026, 9, 15), date(2026, 11, 25))
    first = service.overview(period)
    assert first["totals"]["received"] == 6  # C0 on 10 October too
    assert counters.month_cells[(Family.FLOW, "all", "2026-10")]["received"] == 1
    assert "all" in {s for f, s, _ in counters.month_cells}
    assert (
        Family.FLOW,
        "all",
        "2026-11",
    ) not in counters.month_cells
    counters.reads.clear()
    again = service.overview(period)
    assert again == first
    assert sorted(counters.reads) == [
        ("days", Family.FLOW, "all"),
        ("days", Family.FLOW, "all"),
        ("months", Family.FLOW, "all"),
    ]
    series = {row["day"]: row["received"] for row in again["series"]}
    assert series["2026-10-10"] == 1
    assert len(again["series"]) == 72


def test_periods_are_checked(seeded: tuple[ReportsService, MemoryReportCounters]) -> None:
    today = date(2026, 11, 25)
    assert period_of(today, None, None).first == date(2026, 10, 27)
    assert period_of(today, None, date(2026, 1, 31)).first == date(2026, 1, 2)
    assert len(period_of(today, date(2025, 11, 25), today).days) == 366
    for first, last in ((date(2025, 11, 24), today), (date(2026, 11, 26), today)):
        with pytest.raises(ValidationFailed):
            period_of(today, first, last)
    with pytest.raises(ValidationFailed):
        period_of(today, None, None, mode="boat")


def test_histogram_buckets_and_quantiles() -> None:
    assert HOUR_EDGES[:4] == (0, 1, 2, 4)
    assert [bucket(h) for h in (-5, 0, 0.99, 1, 23.9, 24, 719, 720, 10_000)] == [0, 0, 0, 1, 5, 6, 11, 12, 12]
    assert quantile([0] * len(HOUR_EDGES), 0.5) is None
    two_in_first = [2.0, 2.0] + [0.0] * (len(HOUR_EDGES) - 2)  # 0..1 h twice, 1..2 h twice
    assert quantile(two_in_first, 0.5) == 1.0
    assert quantile(two_in_first, 0.75) == 1.5
    assert quantile([0.0] * (len(HOUR_EDGES) - 1) + [3.0], 0.5) == 720.0  # the open last bucket: its lower edge


def test_csv_has_the_header_then_the_rows_with_nulls_empty() -> None:
    text = to_csv([{"a": 1, "b": None}, {"a": "x,y", "b": 0.5}], ("a", "b"))
    assert text == 'a,b\r\n1,\r\n"x,y",0.5\r\n'
