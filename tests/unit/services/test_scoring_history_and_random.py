"""Scoring with party facts from the stored history, and alerts for random selections (in-memory fakes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from builders import make_consignment
from cts.domain.alerts import Alert
from cts.domain.records import ConsignmentVersion, VersionStatus
from cts.domain.risk.engine import Level
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import Profile, RandomSelection
from cts.services.notify import render_alert_email
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

FIRST_SHIPMENT = Profile.model_validate(
    {
        "id": "first-shipment",
        "version": 1,
        "name": "First shipment of a shipper to a consignee",
        "category": "revenue",
        "status": "active",
        "author": "test",
        "threshold": 60,
        "indicators": [
            {
                "id": "first",
                "description": "first shipment from this shipper to this consignee",
                "fact": "first_shipment_shipper_to_consignee",
                "op": "equals",
                "values": ["yes"],
                "weight": 60,
            }
        ],
    }
)
NEW_CONSIGNEE = Profile.model_validate(
    {
        "id": "new-consignee",
        "version": 1,
        "name": "Consignee first seen recently",
        "category": "revenue",
        "status": "active",
        "author": "test",
        "threshold": 5,
        "indicators": [
            {
                "id": "new",
                "description": "consignee first seen under 30 days ago",
                "fact": "consignee_known_days",
                "op": "range",
                "max": 30,
                "weight": 5,
            }
        ],
    }
)
EVERYTHING = RandomSelection(id="all-of-them", rate=1.0, seed="t")


def stored(number: str, status: VersionStatus = VersionStatus.ACTIVE, **overrides: Any) -> ConsignmentVersion:
    c = make_consignment(number, **overrides)
    return ConsignmentVersion(
        key=c.key,
        version=1,
        content_hash="h",
        status=status,
        file_id="f",
        carrier_id="ACME",
        stored_at=datetime(2026, 11, 25, tzinfo=UTC),
        consignment=c,
    )


def scoring(rules: FakeRules, *versions: ConsignmentVersion) -> ScoringService:
    consignments = FakeConsignments()
    for v in versions:
        consignments.add_version(v)
    return ScoringService(
        consignments=consignments,
        assessments=FakeAssessments(),
        alerts=FakeAlerts(),
        rules=rules,
        search=FakeSearch(),
        notify_queue=FakeQueue(),
        thresholds=Thresholds(alert=50, red=80),
        clock=FakeClock(),
        parties=FakePartyHistory(),
    )


def one_consignee() -> list[dict[str, str]]:
    return [{"role": "consignee", "name": "BLUE MOUNTAIN HARDWARE", "country": "JM"}]


def fired(svc: ScoringService, v: ConsignmentVersion) -> tuple[str, ...]:
    assessment = svc.score(v.key, v.version).assessment
    assert assessment is not None
    return tuple(h.ref for h in assessment.hits)


def test_the_first_shipment_of_a_shipper_to_a_consignee_fires_and_the_second_does_not() -> None:
    one, two = stored("FIRST1"), stored("SECOND2")
    svc = scoring(FakeRules([FIRST_SHIPMENT]), one, two)
    assert fired(svc, one) == ("first-shipment@1#first",)
    assert fired(svc, two) == ()
    assert fired(svc, one) == ("first-shipment@1#first",)  # a re-score of the first stays the first
    other_shipper = stored("THIRD3", parties=[{"role": "consignor", "name": "Other Exporter"}, *one_consignee()])
    svc.consignments.add_version(other_shipper)
    assert fired(svc, other_shipper) == ("first-shipment@1#first",)


def test_consignee_known_days_count_from_the_first_sighting() -> None:
    one, two = stored("FIRST1"), stored("SECOND2")
    svc = scoring(FakeRules([NEW_CONSIGNEE]), one, two)
    assert fired(svc, one) == ("new-consignee@1#new",)
    assert isinstance(svc.clock, FakeClock)
    svc.clock.current += timedelta(days=31)
    assert fired(svc, two) == ()  # known for 31 days
    assert fired(svc, one) == ("new-consignee@1#new",)  # it introduced the consignee: 0 days before it


def test_unknown_parties_give_no_party_facts_and_are_not_recorded() -> None:
    no_consignor = stored("ALONE1", parties=one_consignee())
    svc = scoring(FakeRules([FIRST_SHIPMENT]), no_consignor)
    assert fired(svc, no_consignor) == ()
    assert isinstance(svc.parties, FakePartyHistory)
    assert svc.parties.pairs == {}
    assert list(svc.parties.consignees) == ["blue mountain hardware"]


def test_a_cancelled_consignment_is_not_recorded_as_a_shipment() -> None:
    cancelled, later = stored("GONE1", VersionStatus.CANCELLED), stored("LATER2")
    svc = scoring(FakeRules([FIRST_SHIPMENT]), cancelled, later)
    svc.score(cancelled.key, 1)
    assert fired(svc, later) == ("first-shipment@1#first",)


def test_known_parties_are_looked_up_and_not_written_again() -> None:
    one, two = stored("FIRST1"), stored("SECOND2")
    svc = scoring(FakeRules(), one, two)
    svc.score(one.key, 1)
    history = svc.parties
    assert isinstance(history, FakePartyHistory)
    before = (dict(history.consignees), dict(history.pairs))
    svc.score(two.key, 1)
    assert (history.consignees, history.pairs) == before


def test_a_random_selection_raises_one_marked_alert_below_the_threshold() -> None:
    v = stored("DRAWN1")
    svc = scoring(FakeRules(random_selection=[EVERYTHING]), v)
    first = svc.score(v.key, 1)
    again = svc.score(v.key, 1)
    assert first.assessment is not None
    assert first.assessment.score == 0
    assert first.assessment.random_selection == "all-of-them"
    assert first.alert_id == again.alert_id == f"{v.key}#v1"
    assert isinstance(svc.alerts, FakeAlerts)
    (alert,) = svc.alerts.items.values()
    assert alert.random_selection == "all-of-them"
    assert alert.level is Level.NONE
    assert isinstance(svc.notify_queue, FakeQueue)
    assert svc.notify_queue.messages == [{"alert_id": first.alert_id}]
    doc = svc.search.get(v.key)
    assert doc is not None
    assert doc.alert_status == "new"


def test_a_consignment_outside_the_rate_scope_is_not_drawn() -> None:
    v = stored("SEA1")
    air_only = RandomSelection.model_validate({**EVERYTHING.model_dump(), "scope": {"modes": ["air"]}})
    svc = scoring(FakeRules(random_selection=[air_only]), v)
    outcome = svc.score(v.key, 1)
    assert outcome.alert_id is None
    assert outcome.assessment is not None
    assert not outcome.assessment.random


def test_a_cancelled_consignment_drawn_at_random_raises_no_alert() -> None:
    v = stored("GONE1", VersionStatus.CANCELLED)
    svc = scoring(FakeRules(random_selection=[EVERYTHING]), v)
    assert svc.score(v.key, 1).alert_id is None


def test_the_alert_email_says_it_was_a_random_selection() -> None:
    alert = Alert(
        alert_id="k#v1",
        key="k",
        version=1,
        document_number="DRAWN1",
        score=0,
        level=Level.NONE,
        hits=(),
        eta=None,
        place_of_discharge=None,
        raised_at=datetime(2026, 11, 25, tzinfo=UTC),
        random_selection="sea-1pct",
    )
    message = render_alert_email(alert, ("duty@customs.example",), "http://127.0.0.1:8000")
    assert message.subject.startswith("[CTS Random selection] DRAWN1")
    assert "Selected at random (rate sea-1pct)." in message.text
    assert "Selected at random" in message.html
    red = render_alert_email(alert.model_copy(update={"level": Level.RED, "score": 90}), ("d@x",), "http://x")
    assert red.subject.startswith("[CTS RED, random selection]")
    plain = render_alert_email(alert.model_copy(update={"random_selection": None, "level": Level.AMBER}), (), "x")
    assert plain.subject.startswith("[CTS Amber]")
    assert "random" not in plain.text.lower()


def test_a_batch_scores_and_records_party_sightings_like_one_by_one_and_isolates_a_failure() -> None:
    other = [{"role": "consignor", "name": "Other Exporter"}, *one_consignee()]
    versions = [stored("FIRST1"), stored("SECOND2"), stored("THIRD3", parties=other), stored("AGAIN4", parties=other)]
    cancelled = stored("GONE5", status=VersionStatus.CANCELLED, parties=[{"role": "consignee", "name": "Nobody Yet"}])
    rules = FakeRules([FIRST_SHIPMENT, NEW_CONSIGNEE])
    one_by_one, batch = scoring(rules, *versions, cancelled), scoring(rules, *versions, cancelled)
    expected = [fired(one_by_one, v) for v in [*versions, cancelled]]

    refs = [(v.key, v.version) for v in versions]
    outcome = batch.score_many([refs[0], ("sea:NOPE:MISSING", 1), *refs[1:], (cancelled.key, 1)])
    assert [(ref, type(error).__name__) for ref, error in outcome.failed] == [(("sea:NOPE:MISSING", 1), "NotFound")]
    assert [tuple(h.ref for h in o.assessment.hits) for o in outcome.scored if o.assessment] == expected
    parties = batch.parties
    assert isinstance(parties, FakePartyHistory)
    assert parties.consignees == one_by_one.parties.consignees  # type: ignore[attr-defined]
    assert parties.pairs == one_by_one.parties.pairs  # type: ignore[attr-defined]
    assert "nobody yet" not in parties.consignees  # a cancelled consignment shipped nothing


HARDWARE = Profile.model_validate(
    {
        "id": "hardware",
        "version": 1,
        "name": "Hardware to Jamaica",
        "category": "revenue",
        "status": "active",
        "author": "test",
        "threshold": 10,
        "indicators": [
            {
                "id": "jm",
                "description": "consigned in Jamaica",
                "fact": "countries",
                "op": "in",
                "values": ["JM"],
                "weight": 10,
            }
        ],
    }
)


def test_a_rescore_reads_party_records_only_when_its_rules_read_party_facts() -> None:
    """Every consignment of a re-score was scored on arrival (its parties' first sightings recorded then); under
    rules without a party fact it is judged on the consignment alone, exactly as with its history."""
    other = [{"role": "consignor", "name": "Other Exporter"}, *one_consignee()]
    versions = [stored("FIRST1"), stored("SECOND2", parties=other), stored("THIRD3", parties=other)]
    refs = [(v.key, v.version) for v in versions]
    for profiles, reads in (([HARDWARE], False), ([HARDWARE, NEW_CONSIGNEE], True), ([FIRST_SHIPMENT], True)):
        rules = FakeRules(profiles)
        svc = scoring(rules, *versions)
        first = svc.score_many(refs)  # on arrival: sightings looked up and recorded
        parties = svc.parties
        assert isinstance(parties, FakePartyHistory)
        assert parties.lookups == len(versions)
        parties.lookups = 0
        version = rules.ruleset(svc.clock.now().date()).version
        again = svc.score_many(refs, ruleset_version=version)
        assert svc.compiled(svc.ruleset(svc.clock.now().date())).reads_party_history is reads
        assert parties.lookups == (len(versions) if reads else 0)
        judged = {o.key: o.assessment for o in again.scored}
        assert judged == {o.key: o.assessment for o in first.scored}
        assert sum(bool(a and a.hits) for a in judged.values()) >= 1
        assert all(o.unchanged for o in again.scored if not (o.assessment and o.assessment.score >= 50))
