from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from cts.domain.alerts import Alert, AlertStatus
from cts.domain.model import Direction, TransportMode
from cts.domain.risk.engine import Hit, Level
from cts.domain.subscriptions import (
    DUTY,
    AlertSummary,
    Channel,
    DigestEntry,
    Subscription,
    due_for_escalation,
    escalation_routes,
    group_digest,
    plan_delivery,
)

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def hit(category: str) -> Hit:
    return Hit(source="profile", ref=f"p@1#{category}", points=40, reason="r", matched="m", category=category)


def alert(**overrides: Any) -> Alert:
    values: dict[str, Any] = {
        "alert_id": "sea:ACME:B1#v1",
        "key": "sea:ACME:B1",
        "version": 1,
        "document_number": "B1",
        "score": 90,
        "level": Level.RED,
        "hits": (hit("drugs"),),
        "eta": NOW + timedelta(days=1),
        "place_of_discharge": "JMKIN",
        "raised_at": NOW,
        "direction": Direction.IMPORT,
    }
    values.update(overrides)
    return Alert(**values)


def sub(sub_id: str = "s1", user: str = "ana", **overrides: Any) -> Subscription:
    values: dict[str, Any] = {
        "subscription_id": sub_id,
        "user_id": user,
        "email": f"{user}@customs.example",
        "roles": ("targeting_analyst",),
    }
    values.update(overrides)
    return Subscription(**values)


@pytest.mark.parametrize(
    ("filters", "alert_changes", "matches"),
    [
        ({}, {}, True),  # no filter: everything at or above amber
        ({"ports": {"jmkin"}}, {}, True),  # ports compare upper-cased
        ({"ports": {"JMMBJ"}}, {}, False),
        ({"ports": {"JMKIN"}}, {"place_of_discharge": None}, False),  # unknown port fails a port filter
        ({"modes": {TransportMode.SEA}}, {}, True),  # mode read from the key when the alert has none
        ({"modes": {TransportMode.AIR}}, {}, False),
        ({"modes": {TransportMode.AIR}}, {"mode": TransportMode.AIR}, True),
        ({"directions": {Direction.IMPORT}}, {}, True),
        ({"directions": {Direction.EXPORT}}, {}, False),
        ({"directions": {Direction.IMPORT}}, {"direction": None}, False),
        ({"categories": {"drugs", "weapons"}}, {}, True),
        ({"categories": {"weapons"}}, {}, False),
        ({"categories": {"drugs"}}, {"hits": ()}, False),  # a random draw without hits has no category
        ({"min_level": Level.RED}, {}, True),
        ({"min_level": Level.RED}, {"level": Level.AMBER, "score": 60}, False),
        ({}, {"level": Level.NONE, "score": 0, "random_selection": "r1"}, False),  # default minimum is amber
        ({"min_level": Level.NONE}, {"level": Level.NONE, "score": 0, "random_selection": "r1"}, True),
        ({"active": False}, {}, False),
        ({"ports": {"JMKIN"}, "modes": {TransportMode.SEA}, "categories": {"drugs"}, "min_level": Level.RED}, {}, True),
        ({"ports": {"JMKIN"}, "modes": {TransportMode.SEA}, "categories": {"arms"}, "min_level": Level.RED}, {}, False),
    ],
)
def test_a_subscription_matches_only_when_every_filter_it_sets_holds(
    filters: dict[str, Any], alert_changes: dict[str, Any], matches: bool
) -> None:
    assert sub(**filters).matches(alert(**alert_changes)) is matches


def test_a_role_that_may_not_view_alerts_cannot_subscribe() -> None:
    with pytest.raises(ValidationError, match="may not view alerts"):
        sub(roles=("carrier",))


def test_red_goes_out_at_once_and_amber_to_the_digest_once_per_user() -> None:
    subs = [sub("a", "ana"), sub("b", "ana", ports={"JMKIN"}), sub("c", "ben", min_level=Level.RED)]
    red = plan_delivery(alert(), subs, ("duty@x",))
    assert [(r.recipient, r.channel) for r in red] == [("ana", Channel.IMMEDIATE), ("ben", Channel.IMMEDIATE)]
    amber = plan_delivery(alert(level=Level.AMBER, score=60), subs, ("duty@x",))
    assert [(r.recipient, r.channel) for r in amber] == [("ana", Channel.DIGEST)]


def test_nobody_matching_falls_back_to_the_duty_mailbox_at_once_unless_the_country_digests_it() -> None:
    amber = alert(level=Level.AMBER, score=60)
    (route,) = plan_delivery(amber, [sub(ports={"JMMBJ"})], ("duty@x", "duty2@x"))
    assert (route.recipient, route.to, route.channel) == (DUTY, ("duty@x", "duty2@x"), Channel.IMMEDIATE)
    (digested,) = plan_delivery(amber, [], ("duty@x",), duty_digest=True)
    assert digested.channel is Channel.DIGEST
    assert plan_delivery(alert(), [], ()) == []


def test_escalations_go_to_matching_supervisors_then_any_supervisor_then_duty() -> None:
    boss_kin = sub("k", "kim", roles=("supervisor",), supervisor=True, ports={"JMKIN"}, min_level=Level.RED)
    boss_mbj = sub("m", "max", roles=("supervisor",), supervisor=True, ports={"JMMBJ"})
    analyst = sub("a", "ana")
    amber = alert(level=Level.AMBER, score=60)
    # the supervisor's minimum level does not hold back an escalation of a port it watches
    assert [r.recipient for r in escalation_routes(amber, [boss_kin, boss_mbj, analyst], ("d@x",))] == ["kim"]
    elsewhere = alert(place_of_discharge="JMOCR")
    assert [r.recipient for r in escalation_routes(elsewhere, [boss_kin, boss_mbj, analyst], ("d@x",))] == [
        "kim",
        "max",
    ]
    (duty,) = escalation_routes(amber, [analyst], ("d@x",))
    assert (duty.recipient, duty.channel) == (DUTY, Channel.ESCALATION)


def test_the_summary_never_carries_parties_goods_or_matched_values() -> None:
    summary = AlertSummary.of(alert(hits=(hit("drugs"), hit("drugs"), hit("revenue"))))
    assert set(AlertSummary.model_fields) == {
        "alert_id",
        "document_number",
        "level",
        "score",
        "eta",
        "port",
        "categories",
        "random_selection",
    }
    assert summary.categories == ("drugs", "revenue")


def test_what_a_role_may_read_decides_what_the_summary_shows() -> None:
    summary = AlertSummary.of(alert())
    assert summary.for_roles(("examination_officer",)) == summary
    assert summary.for_roles(("carrier",)) is None
    assert summary.for_roles(()) is None


def entry(recipient: str, alert_id: str, eta: datetime | None) -> DigestEntry:
    summary = AlertSummary.of(alert(alert_id=alert_id, eta=eta, level=Level.AMBER, score=60))
    return DigestEntry(
        recipient=recipient, to=(f"{recipient}@x",), roles=("supervisor",), summary=summary, queued_at=NOW
    )


def test_a_digest_groups_per_recipient_soonest_arrival_first_each_alert_once() -> None:
    grouped = group_digest(
        [
            entry("ben", "late", NOW + timedelta(days=3)),
            entry("ana", "unknown", None),
            entry("ana", "late", NOW + timedelta(days=3)),
            entry("ana", "soon", NOW + timedelta(hours=2)),
            entry("ana", "soon", NOW + timedelta(hours=2)),  # queued twice by a retry
        ]
    )
    assert list(grouped) == ["ana", "ben"]
    assert [e.alert_id for e in grouped["ana"]] == ["soon", "late", "unknown"]
    assert [e.alert_id for e in grouped["ben"]] == ["late"]


@pytest.mark.parametrize(
    ("changes", "due"),
    [
        ({"eta": NOW + timedelta(hours=5)}, True),
        ({"eta": NOW + timedelta(hours=6)}, True),
        ({"eta": NOW + timedelta(hours=7)}, False),
        ({"eta": NOW - timedelta(hours=1)}, True),  # arrived and nobody took it
        ({"eta": None}, False),
        ({"eta": NOW + timedelta(hours=1), "status": AlertStatus.ACKNOWLEDGED}, False),
        ({"eta": NOW + timedelta(hours=1), "status": AlertStatus.CLOSED}, False),
        ({"eta": datetime(2026, 11, 25, 14)}, True),  # an ETA without an offset is UTC
    ],
)
def test_an_alert_escalates_when_nobody_took_it_and_it_arrives_within_the_margin(
    changes: dict[str, Any], due: bool
) -> None:
    assert due_for_escalation(alert(**changes), NOW, timedelta(hours=6)) is due


def test_alerts_stored_before_mode_and_direction_existed_still_load() -> None:
    old = alert().model_dump(mode="json")
    del old["mode"], old["direction"]
    loaded = Alert.model_validate(old)
    assert (loaded.mode, loaded.direction, loaded.transport_mode) == (None, None, TransportMode.SEA)
