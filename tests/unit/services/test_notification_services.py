from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from notification_fakes import (
    FakeDeliveryLog,
    FakeDigestQueue,
    FakeEscalations,
    FakeReadMarkers,
    FakeSchedule,
    FakeSubscriptions,
    ScriptedEmail,
)

from builders import make_consignment
from cts.domain.alerts import Alert, AlertStatus
from cts.domain.errors import Unavailable, ValidationFailed
from cts.domain.model import Direction
from cts.domain.records import ConsignmentVersion, VersionStatus
from cts.domain.risk.engine import Hit, Level
from cts.domain.subscriptions import DUTY, AlertSummary, Channel, DeliveryStatus, DigestState, Subscription
from cts.services.digest import DigestService
from cts.services.inbox import InboxService
from cts.services.notifications_email import render_digest_email, render_summary_email
from cts.services.notifications_escalation import EscalationService
from cts.services.notify import NotificationService
from fakes import FakeAlerts, FakeClock, FakeConsignments, FakeWorkflow

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
WEB = "https://cts.customs.example"
PARTY, GOODS = "Shadow Reef Trading Ltd", "Ceramic floor tiles"


def alert(alert_id: str = "sea:ACME:B1#v1", **overrides: Any) -> Alert:
    number = alert_id.split(":")[-1].split("#")[0]
    values: dict[str, Any] = {
        "alert_id": alert_id,
        "key": alert_id.split("#")[0],
        "version": 1,
        "document_number": number,
        "score": 95,
        "level": Level.RED,
        # the explanation names the party and the goods: the e-mail must not
        "hits": (
            Hit(
                source="watchlist",
                ref="w1",
                points=90,
                reason=f"consignor {PARTY} is watch-listed",
                matched=PARTY,
                category="drugs",
                values=(PARTY, GOODS),
            ),
        ),
        "eta": NOW + timedelta(days=1),
        "place_of_discharge": "JMKIN",
        "raised_at": NOW,
        "direction": Direction.IMPORT,
    }
    values.update(overrides)
    return Alert(**values)


def subscriber(user: str, **overrides: Any) -> Subscription:
    values: dict[str, Any] = {
        "subscription_id": "s1",
        "user_id": user,
        "email": f"{user}@customs.example",
        "roles": ("targeting_analyst",),
    }
    values.update(overrides)
    return Subscription(**values)


class World:
    def __init__(self, *subscriptions: Subscription, duty: tuple[str, ...] = ("duty@customs.example",)) -> None:
        self.alerts, self.email, self.workflow = FakeAlerts(), ScriptedEmail(), FakeWorkflow()
        self.subscriptions, self.deliveries, self.digests = (
            FakeSubscriptions(*subscriptions),
            FakeDeliveryLog(),
            FakeDigestQueue(),
        )
        self.consignments, self.clock = FakeConsignments(), FakeClock(NOW)
        self.notify = NotificationService(
            self.alerts,
            self.email,
            self.workflow,
            duty,
            WEB,
            subscriptions=self.subscriptions,
            deliveries=self.deliveries,
            digests=self.digests,
            consignments=self.consignments,
            clock=self.clock,
        )
        self.digest = DigestService(self.digests, self.email, self.deliveries, WEB, clock=self.clock)

    def raise_alert(self, a: Alert) -> str:
        self.alerts.add(a)
        return a.alert_id

    def statuses(self, alert_id: str) -> list[tuple[str, DeliveryStatus]]:
        return [(r.recipient, r.status) for r in self.deliveries.for_alert(alert_id)]


def test_a_red_alert_is_emailed_at_once_to_every_matching_subscriber_and_opens_its_case_once() -> None:
    world = World(subscriber("ana"), subscriber("ben", ports={"JMKIN"}), subscriber("cy", ports={"JMMBJ"}))
    alert_id = world.raise_alert(alert())
    delivery = world.notify.deliver(alert_id)
    assert delivery.sent == ("ana", "ben")
    assert sorted(m.to for m in world.email.sent) == [("ana@customs.example",), ("ben@customs.example",)]
    assert list(world.workflow.started) == [f"case-{alert_id}"]
    world.notify.deliver(alert_id)  # the queue delivered the message again
    assert len(world.email.sent) == 2
    assert world.statuses(alert_id) == [("ana", DeliveryStatus.SENT), ("ben", DeliveryStatus.SENT)]


def test_the_red_email_shows_the_summary_and_a_deep_link_and_never_parties_or_goods() -> None:
    message = render_summary_email(AlertSummary.of(alert()), ("ana@x",), WEB)
    assert message.subject == "[CTS RED] B1 scored 95, arriving 2026-11-26 12:00 UTC"
    for body in (message.text, message.html):
        assert "B1" in body
        assert "95" in body
        assert "2026-11-26 12:00 UTC" in body
        assert "JMKIN" in body
        assert "drugs" in body
        assert f"{WEB}/#/alerts/sea:ACME:B1#v1" in body
        assert PARTY not in body
        assert GOODS not in body
        assert "watch-listed" not in body


def test_amber_alerts_wait_in_the_digest_and_the_digest_sends_one_email_per_recipient_once() -> None:
    world = World(subscriber("ana"), subscriber("ben"))
    soon = world.raise_alert(alert("sea:ACME:SOON#v1", level=Level.AMBER, score=60, eta=NOW + timedelta(hours=8)))
    late = world.raise_alert(alert("sea:ACME:LATE#v1", level=Level.AMBER, score=70, eta=NOW + timedelta(days=2)))
    for alert_id in (late, soon):
        assert world.notify.deliver(alert_id).queued == ("ana", "ben")
    world.notify.deliver(late)  # a retry queues nothing twice
    assert world.email.sent == []

    run = world.digest.send_pending()
    assert run.sent == {"ana": 2, "ben": 2}
    ana = next(m for m in world.email.sent if m.to == ("ana@customs.example",))
    assert ana.subject == "[CTS digest] 2 alerts, first arriving 2026-11-25 20:00 UTC"
    assert ana.text.index("SOON") < ana.text.index("LATE")
    assert PARTY not in ana.text + ana.html
    assert GOODS not in ana.text + ana.html
    assert f"{WEB}/#/alerts/sea:ACME:LATE#v1" in ana.html

    assert world.digest.send_pending().sent == {}
    assert len(world.email.sent) == 2
    assert ("ana", DeliveryStatus.SENT) in world.statuses(soon)


def test_a_digest_entry_claimed_by_a_live_run_is_not_sent_again_but_a_dead_runs_claim_expires() -> None:
    world = World(subscriber("ana"))
    world.notify.deliver(world.raise_alert(alert(level=Level.AMBER, score=60)))
    (entry,) = world.digests.pending()
    assert world.digests.claim(entry, "other-run", NOW, 900)
    assert world.digest.send_pending().sent == {}
    world.clock.current += timedelta(minutes=16)  # the other run died holding it: its lease has passed
    assert world.digest.send_pending().sent == {"ana": 1}


def test_a_throttled_send_is_recorded_and_retried_without_emailing_the_others_twice() -> None:
    world = World(subscriber("ana"), subscriber("ben"))
    alert_id = world.raise_alert(alert())
    world.email.throttle("ben@customs.example")
    with pytest.raises(Unavailable, match="ben"):
        world.notify.deliver(alert_id)
    world.notify.deliver(alert_id)  # the queue's retry
    assert sorted(m.to[0] for m in world.email.sent) == ["ana@customs.example", "ben@customs.example"]
    assert world.statuses(alert_id) == [
        ("ana", DeliveryStatus.SENT),
        ("ben", DeliveryStatus.RETRYING),
        ("ben", DeliveryStatus.SENT),
    ]


def test_a_rejected_address_is_recorded_and_the_duty_mailbox_told_when_nobody_else_was() -> None:
    world = World(subscriber("ana"))
    alert_id = world.raise_alert(alert())
    world.email.reject("ana@customs.example")
    delivery = world.notify.deliver(alert_id)
    assert (delivery.failed, delivery.sent) == (("ana",), (DUTY,))
    assert world.email.sent[0].to == ("duty@customs.example",)
    (failure,) = [r for r in world.deliveries.for_alert(alert_id) if r.status is DeliveryStatus.FAILED]
    assert failure.recipient == "ana"
    assert "rejected" in (failure.reason or "")


def test_nobody_subscribed_keeps_the_duty_mailbox_behaviour() -> None:
    world = World(subscriber("ana", ports={"JMMBJ"}))
    alert_id = world.raise_alert(alert(level=Level.AMBER, score=60))
    assert world.notify.deliver(alert_id).sent == (DUTY,)
    assert world.email.sent[0].subject.startswith("[CTS Amber] B1")


def test_an_alert_stored_without_its_direction_is_matched_on_its_consignments_direction() -> None:
    consignment = make_consignment("B1")
    world = World(
        subscriber("exp", directions={Direction.EXPORT}), subscriber("imp", directions={consignment.direction})
    )
    stored = ConsignmentVersion(
        key=consignment.key,
        version=1,
        content_hash="h",
        status=VersionStatus.ACTIVE,
        file_id="f",
        carrier_id="ACME",
        stored_at=NOW,
        consignment=consignment,
    )
    world.consignments.add_version(stored)
    alert_id = world.raise_alert(alert(f"{consignment.key}#v1", key=consignment.key, direction=None))
    assert world.notify.deliver(alert_id).sent == ("imp",)


def test_a_digest_that_cannot_be_sent_now_is_released_and_sent_by_the_next_run() -> None:
    world = World(subscriber("ana"), subscriber("ben"))
    world.notify.deliver(world.raise_alert(alert(level=Level.AMBER, score=60)))
    world.email.throttle("ana@customs.example")
    with pytest.raises(Unavailable, match="ana"):
        world.digest.send_pending()
    assert [m.to for m in world.email.sent] == [("ben@customs.example",)]
    assert world.digest.send_pending().sent == {"ana": 1}
    assert len(world.email.sent) == 2


def test_a_rejected_digest_is_recorded_and_not_sent_again() -> None:
    world = World(subscriber("ana"))
    alert_id = world.raise_alert(alert(level=Level.AMBER, score=60))
    world.notify.deliver(alert_id)
    world.email.reject("ana@customs.example")
    assert world.digest.send_pending().failed.keys() == {"ana"}
    assert world.digest.send_pending().sent == {}
    assert [s.state for s in world.digests.slots.values()] == [DigestState.FAILED]
    assert ("ana", DeliveryStatus.FAILED) in world.statuses(alert_id)


def test_a_bounce_is_recorded_on_the_alert_and_the_duty_mailbox_gets_the_alert() -> None:
    world = World(subscriber("ana"))
    alert_id = world.raise_alert(alert())
    message_id = world.notify.deliver(alert_id).message_id
    assert world.notify.bounced(message_id, ["ana@customs.example"], "bounce Permanent/General", True) == [alert_id]
    assert world.deliveries.bounces == [("ana@customs.example", message_id, "bounce Permanent/General")]
    assert ("ana", DeliveryStatus.BOUNCED) in world.statuses(alert_id)
    assert world.email.sent[-1].to == ("duty@customs.example",)
    world.notify.bounced(message_id, ["ana@customs.example"], "bounce Permanent/General", True)  # SNS repeats
    assert len(world.email.sent) == 2


def escalation(world: World, schedule: FakeSchedule, escalations: FakeEscalations) -> EscalationService:
    return EscalationService(
        schedule,
        escalations,
        world.subscriptions,
        world.email,
        world.deliveries,
        ("duty@customs.example",),
        WEB,
        clock=world.clock,
        margin=timedelta(hours=6),
    )


def test_escalation_picks_new_alerts_arriving_within_the_margin_and_escalates_each_once() -> None:
    world = World(subscriber("ana"), subscriber("sue", roles=("supervisor",), supervisor=True))
    alerts = [
        alert("sea:A:DUE#v1", eta=NOW + timedelta(hours=5)),
        alert("sea:A:PAST#v1", eta=NOW - timedelta(hours=2)),
        alert("sea:A:LATER#v1", eta=NOW + timedelta(hours=9)),
        alert("sea:A:TAKEN#v1", eta=NOW + timedelta(hours=1), status=AlertStatus.ACKNOWLEDGED),
        alert("sea:A:NOETA#v1", eta=None),
    ]
    schedule, escalations = FakeSchedule(alerts), FakeEscalations()
    service = escalation(world, schedule, escalations)
    assert service.escalate_due() == ["sea:A:PAST#v1", "sea:A:DUE#v1"]
    ((after, until),) = schedule.windows  # one bounded range of the ETA index
    assert until - after == timedelta(days=2, hours=6)
    assert {m.to for m in world.email.sent} == {("sue@customs.example",)}
    assert all(m.subject.startswith("[CTS ESCALATION]") for m in world.email.sent)
    assert service.escalate_due() == []
    assert len(world.email.sent) == 2


def test_an_escalation_that_cannot_be_sent_is_released_for_the_next_run() -> None:
    world = World()
    schedule, escalations = FakeSchedule([alert(eta=NOW + timedelta(hours=1))]), FakeEscalations()
    service = escalation(world, schedule, escalations)
    world.email.throttle("duty@customs.example")
    with pytest.raises(Unavailable):
        service.escalate_due()
    assert escalations.marked == {}
    assert service.escalate_due() == ["sea:ACME:B1#v1"]
    assert world.email.sent[0].to == ("duty@customs.example",)


def test_the_digest_email_lists_every_alert_with_its_link_in_text_and_html() -> None:
    world = World(subscriber("ana"))
    for number in ("X1", "X2", "X3"):
        world.notify.deliver(world.raise_alert(alert(f"air:ACME:{number}#v1", level=Level.AMBER, score=55)))
    entries = world.digests.pending()
    message = render_digest_email(entries, ("ana@x",), WEB)
    assert message.subject.startswith("[CTS digest] 3 alerts")
    for number in ("X1", "X2", "X3"):
        assert f"#/alerts/air:ACME:{number}#v1" in message.text
        assert f"#/alerts/air:ACME:{number}#v1" in message.html


def inbox_world(alerts: list[Alert]) -> tuple[InboxService, FakeReadMarkers]:
    repository = FakeAlerts()
    for a in alerts:
        repository.add(a)
    reads = FakeReadMarkers()
    return InboxService(repository, reads, FakeSchedule(alerts), clock=FakeClock(NOW)), reads


def test_the_inbox_lists_soonest_arrival_first_with_read_markers_and_unread_counts() -> None:
    alerts = [
        alert("sea:A:LATE#v1", eta=NOW + timedelta(days=3)),
        alert("sea:A:NOETA#v1", eta=None),
        alert("sea:A:SOON#v1", eta=NOW + timedelta(hours=3)),
    ]
    service, _ = inbox_world(alerts)
    page = service.inbox("ana")
    assert [i.alert.document_number for i in page.items] == ["SOON", "LATE", "NOETA"]
    assert page.unread == 3
    service.mark_read("ana", "sea:A:SOON#v1")
    page = service.inbox("ana")
    assert [i.read for i in page.items] == [True, False, False]
    assert (page.unread, service.unread_count("ben")) == (2, 3)
    service.mark_unread("ana", "sea:A:SOON#v1")
    assert service.unread_count("ana") == 3


def test_live_updates_return_only_alerts_raised_after_the_cursor() -> None:
    alerts = [
        alert("sea:A:OLD#v1", raised_at=NOW - timedelta(minutes=10)),
        alert("sea:A:NEW1#v1", raised_at=NOW - timedelta(minutes=1), eta=NOW + timedelta(days=2)),
        alert("sea:A:NEW2#v1", raised_at=NOW - timedelta(seconds=30), eta=NOW + timedelta(hours=2)),
    ]
    service, _ = inbox_world(alerts)
    page = service.since("ana", NOW - timedelta(minutes=5))
    assert [i.alert.document_number for i in page.items] == ["NEW2", "NEW1"]
    assert NOW - timedelta(seconds=30) < page.cursor < NOW  # a few seconds back, for alerts not yet indexed
    assert service.since("ana", page.cursor).items == ()
    assert service.since("ana", NOW - timedelta(minutes=5), limit=1).cursor == NOW - timedelta(minutes=1)
    with pytest.raises(ValidationFailed):
        service.since("ana", NOW - timedelta(days=5))


def test_email_recipients_see_by_role_and_a_channel_for_escalation() -> None:
    summary = AlertSummary.of(alert())
    assert summary.for_roles(("auditor",)) == summary  # auditors read alerts and consignments
    assert summary.for_roles(("carrier",)) is None
    escalated = render_summary_email(summary, ("sue@x",), WEB, Channel.ESCALATION)
    assert "Nobody has acknowledged this alert" in escalated.text
