"""Outcome feedback: which counters a closed case increments, and by how much."""

from __future__ import annotations

from decimal import Decimal

from cts.domain.case_feedback import CounterKey, CounterKind, Counts, counter_keys, feedback_increments
from cts.domain.cases import CaseRecord, Examination, ExaminationResult, Finding
from cts.domain.risk.assessment import Hit


def hit(source: str, ref: str) -> Hit:
    return Hit(source=source, ref=ref, points=10, reason="r", matched="m", category="c")


HITS = (
    hit("profile", "cocaine-route@3#origin"),
    hit("profile", "cocaine-route@3#new-consignee"),
    hit("profile", "undervalued@1#price"),
    hit("watchlist", "ofac-123"),
)


def closed(examination: Examination | None) -> CaseRecord:
    return CaseRecord(
        case_id="C1",
        alert_id="A1",
        consignment_key="K",
        level="red",
        status="closed",
        examination=examination,
    )


def test_every_profile_indicator_and_watch_list_entry_that_fired_is_counted_once() -> None:
    assert counter_keys(HITS, random_selection="rate-1") == [
        CounterKey(CounterKind.INDICATOR, "cocaine-route#new-consignee"),
        CounterKey(CounterKind.INDICATOR, "cocaine-route#origin"),
        CounterKey(CounterKind.INDICATOR, "undervalued#price"),
        CounterKey(CounterKind.PROFILE, "cocaine-route"),
        CounterKey(CounterKind.PROFILE, "undervalued"),
        CounterKey(CounterKind.RANDOM, "rate-1"),
        CounterKey(CounterKind.WATCHLIST, "ofac-123"),
    ]


def test_a_profile_counts_across_its_versions() -> None:
    keys = counter_keys([hit("profile", "p@1#i"), hit("profile", "p@2#i")])
    assert keys == [CounterKey(CounterKind.INDICATOR, "p#i"), CounterKey(CounterKind.PROFILE, "p")]


def test_a_released_case_counts_an_alert_only() -> None:
    increments = feedback_increments(closed(None), HITS)
    assert set(increments.values()) == {Counts(alerts=1)}
    assert len(increments) == 6


def test_an_examination_without_finding_counts_the_examination() -> None:
    increments = feedback_increments(closed(Examination(result=ExaminationResult.NO_FINDING)), HITS)
    assert set(increments.values()) == {Counts(alerts=1, examinations=1)}


def test_a_seizure_counts_an_examination_a_finding_and_a_seizure() -> None:
    finding = Finding(category="drugs", quantity=Decimal(3), unit="kg", value=Decimal(90000))
    seizure = Examination(result=ExaminationResult.SEIZURE, findings=(finding,))
    increments = feedback_increments(closed(seizure), HITS)
    assert increments[CounterKey(CounterKind.WATCHLIST, "ofac-123")] == Counts(1, 1, 1, 1)
    finding_only = Examination(result=ExaminationResult.FINDING, findings=(finding,))
    assert set(feedback_increments(closed(finding_only), HITS).values()) == {Counts(1, 1, 1, 0)}


def test_a_case_without_hits_counts_nothing() -> None:
    assert feedback_increments(closed(None), ()) == {}
