from __future__ import annotations

from datetime import UTC, datetime, timedelta

from builders import make_consignment
from cts.domain.records import ConsignmentVersion, VersionStatus
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import WatchlistEntry
from cts.services.notify import NotificationService
from cts.services.scoring import ScoringService
from fakes import (
    FakeAlerts,
    FakeAssessments,
    FakeClock,
    FakeConsignments,
    FakeEmail,
    FakePartyHistory,
    FakeQueue,
    FakeRules,
    FakeSearch,
    FakeWorkflow,
)

WATCHED_BOX = WatchlistEntry(
    id="c1", kind="container", value="CSQU3054383", reason="altered floor", category="drugs", source="intel", weight=90
)


def stored(version: int = 1, status: VersionStatus = VersionStatus.ACTIVE) -> ConsignmentVersion:
    c = make_consignment()
    return ConsignmentVersion(
        key=c.key,
        version=version,
        content_hash=f"h{version}",
        status=status,
        file_id="f",
        carrier_id="ACME",
        stored_at=datetime(2026, 11, 25, tzinfo=UTC),
        consignment=c,
    )


def scoring(*versions: ConsignmentVersion) -> tuple[ScoringService, FakeAlerts, FakeQueue, FakeSearch]:
    consignments, alerts, queue, search = FakeConsignments(), FakeAlerts(), FakeQueue(), FakeSearch()
    for v in versions:
        consignments.add_version(v)
    svc = ScoringService(
        consignments,
        FakeAssessments(),
        alerts,
        FakeRules(watchlist=[WATCHED_BOX]),
        search,
        queue,
        Thresholds(alert=50, red=80),
        FakeClock(),
        FakePartyHistory(),
    )
    return svc, alerts, queue, search


def test_a_watch_list_match_raises_one_alert_even_when_scored_twice():
    v1 = stored()
    svc, alerts, queue, search = scoring(v1)
    first = svc.score(v1.key, 1)
    svc.score(v1.key, 1)
    assert first.alert_id == f"{v1.key}#v1"
    assert len(alerts.items) == 1
    assert queue.messages == [{"alert_id": first.alert_id}]
    doc = search.get(v1.key)
    assert doc is not None
    assert doc.score == 90
    assert doc.level == "red"


def test_a_superseded_version_is_not_scored():
    svc, alerts, _, _ = scoring(stored(1), stored(2))
    outcome = svc.score(stored().key, 1)
    assert outcome.superseded
    assert outcome.assessment is None
    assert not alerts.items


def test_a_cancelled_consignment_is_indexed_but_not_alerted():
    svc, alerts, _, search = scoring(stored(1, VersionStatus.CANCELLED))
    svc.score(stored().key, 1)
    assert not alerts.items
    assert search.get(stored().key) is not None


def test_the_search_document_carries_the_version_status():
    svc, _, _, search = scoring(stored(1), stored(2, VersionStatus.CANCELLED))
    svc.score(stored().key, 2)
    cancelled = search.get(stored().key)
    assert cancelled is not None
    assert (cancelled.version, cancelled.status, cancelled.alert_status) == (2, "cancelled", None)
    svc, _, _, search = scoring(stored(1))
    svc.score(stored().key, 1)
    active = search.get(stored().key)
    assert active is not None
    assert active.status == "active"


def test_notification_opens_the_case_and_emails_a_link_without_party_details():
    v1 = stored()
    svc, alerts, _, _ = scoring(v1)
    alert_id = svc.score(v1.key, 1).alert_id
    assert alert_id
    email, workflow = FakeEmail(), FakeWorkflow()
    notifier = NotificationService(alerts, email, workflow, ("duty@customs.example",), "http://127.0.0.1:8000")
    delivery = notifier.deliver(alert_id)
    assert delivery.message_id == "msg-1"
    started = workflow.started[f"case-{alert_id}"]
    assert started["consignment_key"] == v1.key
    eta = v1.consignment.eta
    assert eta is not None
    assert started["escalate_at"] == (eta - timedelta(hours=6)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    (message,) = email.sent
    assert "RED" in message.subject
    assert "TSTU0000001" in message.subject
    assert f"http://127.0.0.1:8000/#/alerts/{alert_id}" in message.text
    assert "Blue Mountain" not in message.text + message.html


def test_the_ruleset_is_compiled_once_per_version() -> None:
    v1 = stored()
    svc, _, _, _ = scoring(v1)
    svc.score(v1.key, 1)
    first = svc._compiled
    svc.score(v1.key, 1)
    assert svc._compiled is first
    assert first is not None
    svc.rules.put_watchlist_entry(WATCHED_BOX.model_copy(update={"id": "c2"}))
    svc.rules_max_age_s = 0  # the rules are read again: a new version, compiled again
    outcome = svc.score(v1.key, 1)
    assert svc._compiled is not first
    assert outcome.assessment is not None
    assert outcome.assessment.score == 180


def test_a_worker_reads_the_rules_again_when_they_age_or_a_message_names_a_version_it_has_not_seen() -> None:
    v1 = stored()
    svc, _, _, _ = scoring(v1)
    reads = []
    read = svc.rules.ruleset
    svc.rules.ruleset = lambda on: reads.append(on) or read(on)  # type: ignore[method-assign]
    before = svc.score(v1.key, 1).assessment
    svc.rules.put_watchlist_entry(WATCHED_BOX.model_copy(update={"id": "c2"}))
    assert svc.score(v1.key, 1).assessment == before  # within rules_max_age_s: the rules read a moment ago
    assert len(reads) == 1
    new_version = read(svc.clock.now().date()).version
    rescored = svc.score(v1.key, 1, ruleset_version=new_version).assessment  # a re-score names the change
    assert rescored is not None
    assert rescored.ruleset_version == new_version
    assert len(reads) == 2
    svc.score(v1.key, 1, ruleset_version="an-older-one")  # superseded: read once for it, then trusted
    svc.score(v1.key, 1, ruleset_version="an-older-one")
    assert len(reads) == 3
