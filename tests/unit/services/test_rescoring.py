"""Re-scoring when the rules change: the window, the fan-out by arrival day, paging, and alerts once per version."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter

from builders import make_consignment
from cts.domain.records import ConsignmentVersion, VersionStatus
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import WatchlistEntry
from cts.services.rescoring import (
    RescorePage,
    RescoreStart,
    RescoringPolicy,
    RescoringService,
    window,
)
from cts.services.score_requests import ScoreBatch, ScoreRequest
from cts.services.scoring import ScoringService
from fakes import (
    FakeAlerts,
    FakeAssessments,
    FakeClock,
    FakeConsignments,
    FakePartyHistory,
    FakeQueue,
    FakeRules,
    FakeSearch,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MESSAGE: TypeAdapter[RescoreStart | RescorePage | ScoreBatch | ScoreRequest] = TypeAdapter(
    RescoreStart | RescorePage | ScoreBatch | ScoreRequest
)


def stored(
    number: str, eta: datetime | None, version: int = 1, status: VersionStatus = VersionStatus.ACTIVE, **changes: Any
) -> ConsignmentVersion:
    c = make_consignment(number, eta=eta.isoformat() if eta else None, **changes)
    return ConsignmentVersion(
        key=c.key,
        version=version,
        content_hash=f"{number}-{version}",
        status=status,
        file_id="f",
        carrier_id="ACME",
        stored_at=NOW - timedelta(days=3),
        consignment=c,
    )


def key(number: str) -> str:
    return f"sea:TSTU:{number}"


def test_the_window_runs_from_now_to_the_horizon_by_utc_day() -> None:
    earliest, days = window(NOW, RescoringPolicy())
    assert earliest == NOW
    assert days[0] == date(2026, 11, 25)
    assert days[-1] == date(2026, 12, 25)
    assert len(days) == 31


def test_a_window_reaches_back_to_what_arrived_recently() -> None:
    earliest, days = window(NOW, RescoringPolicy(window_hours=36, horizon_days=1))
    assert earliest == NOW - timedelta(hours=36)
    assert days == [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)]


def test_an_eta_with_an_offset_falls_on_its_utc_day() -> None:
    later = datetime(2026, 11, 25, 22, 0, tzinfo=UTC).astimezone(ZoneInfo("America/Jamaica"))
    _, days = window(later, RescoringPolicy(horizon_days=1))
    assert days == [date(2026, 11, 25), date(2026, 11, 26)]


def test_rules_changed_queues_one_start_naming_the_ruleset_in_force() -> None:
    queue, rules = FakeQueue(), FakeRules()
    service = RescoringService(FakeConsignments(), rules, queue)
    start = service.rules_changed(NOW)
    assert start.ruleset == rules.ruleset(NOW.date()).version
    assert queue.messages == [{"rescore": "start", "ruleset": start.ruleset, "requested_at": "2026-11-25T12:00:00Z"}]
    assert MESSAGE.validate_python(queue.messages[0]) == start


def test_start_queues_one_page_per_arrival_day_the_first_from_the_earliest_eta() -> None:
    queue = FakeQueue()
    service = RescoringService(FakeConsignments(), FakeRules(), queue, RescoringPolicy(window_hours=2, horizon_days=2))
    progress = service.start(NOW, "r1")
    assert progress.pages == 3
    pages = [MESSAGE.validate_python(m) for m in queue.messages]
    assert pages == [
        RescorePage(rescore="page", ruleset="r1", day=date(2026, 11, 25), after=NOW - timedelta(hours=2)),
        RescorePage(rescore="page", ruleset="r1", day=date(2026, 11, 26)),
        RescorePage(rescore="page", ruleset="r1", day=date(2026, 11, 27)),
    ]


def drain(queue: FakeQueue, rescoring: RescoringService, scoring: ScoringService | None = None) -> list[ScoreRequest]:
    """Handle the queue like the score function does, until it is empty; returns the score requests seen."""
    scored: list[ScoreRequest] = []
    while queue.messages:
        message = MESSAGE.validate_python(queue.messages.pop(0))
        if isinstance(message, ScoreBatch):
            scored += [ScoreRequest(key=key, version=version, ruleset=message.ruleset) for key, version in message.refs]
            if scoring is not None:
                assert not scoring.score_many(message.refs, message.ruleset).failed
        elif isinstance(message, ScoreRequest):
            scored.append(message)
            if scoring is not None:
                scoring.score(message.key, message.version, message.ruleset)
        else:
            rescoring.handle(message)
    return scored


def test_only_consignments_not_yet_arrived_are_rescored_each_once_in_pages() -> None:
    consignments = FakeConsignments()
    for n in range(7):  # seven arriving on the same day: three pages of three
        consignments.add_version(stored(f"SAME{n}", NOW + timedelta(days=2, minutes=n)))
    consignments.add_version(stored("ARRIVED", NOW - timedelta(hours=1)))
    consignments.add_version(stored("LATERTODAY", NOW + timedelta(hours=1)))
    consignments.add_version(stored("FAR", NOW + timedelta(days=45)))
    consignments.add_version(stored("NOETA", None))
    consignments.add_version(stored("CANCELLED", NOW + timedelta(days=1), status=VersionStatus.CANCELLED))
    consignments.add_version(stored("AMENDED", NOW + timedelta(days=3)))
    consignments.add_version(stored("AMENDED", NOW + timedelta(days=4), version=2))
    queue = FakeQueue()
    service = RescoringService(consignments, FakeRules(), queue, RescoringPolicy(page_size=3))
    service.rules_changed(NOW)
    scored = drain(queue, service)
    expected = {key(f"SAME{n}") for n in range(7)} | {key("LATERTODAY"), key("AMENDED")}
    assert sorted(r.key for r in scored) == sorted(expected)  # each exactly once
    assert next(r.version for r in scored if r.key == key("AMENDED")) == 2
    assert {r.ruleset for r in scored} == {FakeRules().ruleset(NOW.date()).version}


def test_a_page_queues_its_consignments_then_the_next_page_with_the_cursor() -> None:
    consignments = FakeConsignments()
    for n in range(4):
        consignments.add_version(stored(f"P{n}", NOW + timedelta(days=1, minutes=n)))
    queue = FakeQueue()
    service = RescoringService(consignments, FakeRules(), queue, RescoringPolicy(page_size=3))
    page = RescorePage(rescore="page", ruleset="r1", day=(NOW + timedelta(days=1)).date())
    progress = service.page(page)
    assert progress.consignments == 3
    assert queue.messages[0] == {"refs": [[key(f"P{n}"), 1] for n in range(3)], "ruleset": "r1"}
    following = MESSAGE.validate_python(queue.messages[1])
    assert isinstance(following, RescorePage)
    assert following.cursor is not None
    assert following.day == page.day
    queue.messages.clear()
    assert service.page(following).consignments == 1
    assert queue.messages == [{"refs": [[key("P3"), 1]], "ruleset": "r1"}]


def test_a_new_watch_list_match_alerts_once_like_a_fresh_one() -> None:
    consignments, alerts, notify, rules = FakeConsignments(), FakeAlerts(), FakeQueue(), FakeRules()
    box = {"number": "MSKU1234565"}
    watched = [{"sequence": 1, "description": "Tiles", "container_numbers": [box["number"]]}]
    consignments.add_version(stored("SOON", NOW + timedelta(days=1), equipment=[box], goods=watched))
    consignments.add_version(stored("GONE", NOW - timedelta(days=1), equipment=[box], goods=watched))
    scoring = ScoringService(
        consignments,
        FakeAssessments(),
        alerts,
        rules,
        FakeSearch(),
        notify,
        Thresholds(alert=50, red=80),
        FakeClock(NOW),
        FakePartyHistory(),
    )
    for version in consignments.items.values():  # scored on arrival in CTS: nothing matched then
        assert scoring.score(version.key, version.version).alert_id is None
    rules.put_watchlist_entry(
        WatchlistEntry(id="w1", kind="container", value=box["number"], reason="intel", category="drugs", weight=90)
    )
    queue = FakeQueue()
    rescoring = RescoringService(consignments, rules, queue)
    rescoring.rules_changed(NOW)
    drain(queue, rescoring, scoring)
    assert list(alerts.items) == [f"{key('SOON')}#v1"]
    assert notify.messages == [{"alert_id": f"{key('SOON')}#v1"}]

    rescoring.rules_changed(NOW + timedelta(minutes=5))  # the trigger again: a re-score, no second alert
    assert drain(queue, rescoring, scoring)
    assert list(alerts.items) == [f"{key('SOON')}#v1"]
    assert len(notify.messages) == 1


def test_a_rescore_rewrites_only_changed_assessments_and_always_makes_sure_of_an_alert() -> None:
    consignments, assessments, alerts, search, rules = (
        FakeConsignments(),
        FakeAssessments(),
        FakeAlerts(),
        FakeSearch(),
        FakeRules(),
    )
    box = {"number": "MSKU1234565"}
    watched = [{"sequence": 1, "description": "Tiles", "container_numbers": [box["number"]]}]
    rules.put_watchlist_entry(
        WatchlistEntry(id="w1", kind="container", value=box["number"], reason="intel", category="drugs", weight=90)
    )
    consignments.add_version(stored("PLAIN", NOW + timedelta(days=1)))
    consignments.add_version(stored("HOT", NOW + timedelta(days=1), equipment=[box], goods=watched))
    scoring = ScoringService(
        consignments,
        assessments,
        alerts,
        rules,
        search,
        FakeQueue(),
        Thresholds(alert=50, red=80),
        FakeClock(NOW),
        FakePartyHistory(),
    )
    refs = [(key("PLAIN"), 1), (key("HOT"), 1)]
    assert not scoring.score_many(refs).failed
    first = dict(assessments.items)
    alerts.items.clear()  # as if the first scoring's alert write had been lost
    search.docs.clear()

    rules.put_watchlist_entry(  # a new ruleset that judges both exactly as before
        WatchlistEntry(id="w2", kind="hs_code", value="9306", reason="intel", category="weapons", weight=10)
    )
    ruleset = rules.ruleset(NOW.date()).version
    outcome = scoring.score_many(refs, ruleset)

    by_key = {o.key: o for o in outcome.scored}
    assert by_key[key("PLAIN")].unchanged
    assert assessments.items[(key("PLAIN"), 1)] is first[(key("PLAIN"), 1)]  # not written again
    assert key("PLAIN") not in search.docs
    # The one that calls for an alert is written again under the new ruleset and its alert made sure of.
    assert not by_key[key("HOT")].unchanged
    assert assessments.items[(key("HOT"), 1)].ruleset_version == ruleset
    assert list(alerts.items) == [f"{key('HOT')}#v1"]
    assert key("HOT") in search.docs


def test_an_alert_raised_by_a_rescore_counts_in_the_reports_but_the_consignment_is_assessed_once() -> None:
    from fakes_reports import MemoryReportCounters

    from cts.domain.reports import Family
    from cts.services.reports import ReportRecorder, ReportsService, period_of
    from fakes_api import FakeCaseBoard

    consignments, rules, counters = FakeConsignments(), FakeRules(), MemoryReportCounters()
    box = {"number": "MSKU1234565"}
    watched = [{"sequence": 1, "description": "Tiles", "container_numbers": [box["number"]]}]
    consignments.add_version(stored("SOON", NOW + timedelta(days=1), equipment=[box], goods=watched))
    scoring = ScoringService(
        consignments,
        FakeAssessments(),
        FakeAlerts(),
        rules,
        FakeSearch(),
        FakeQueue(),
        Thresholds(alert=50, red=80),
        FakeClock(NOW),
        FakePartyHistory(),
        reports=ReportRecorder(counters),
    )
    refs = [(key("SOON"), 1)]
    scoring.score_many(refs)  # on arrival: nothing matched
    rules.put_watchlist_entry(
        WatchlistEntry(id="w1", kind="container", value=box["number"], reason="intel", category="drugs", weight=90)
    )
    ruleset = rules.ruleset(NOW.date()).version
    assert scoring.score_many(refs, ruleset).scored[0].new_alert
    scoring.score_many(refs, ruleset)  # the same re-score again: no new alert, nothing counted

    reports = ReportsService(counters, FakeCaseBoard(), clock=FakeClock(NOW))
    totals = reports.sums(Family.FLOW, period_of(NOW.date(), None, None)).totals
    assert (totals["assessed"], totals["alerts"]) == (1, 1)
