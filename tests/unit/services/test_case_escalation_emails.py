"""Case escalations the workflow recorded are e-mailed to the supervisors once each (pure: in-memory ports)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from notification_fakes import (
    FakeCaseEscalationNotices,
    FakeCaseEscalationSource,
    FakeDeliveryLog,
    FakeSubscriptions,
    ScriptedEmail,
)

from cts.domain.alerts import Alert
from cts.domain.case_escalations import CaseEscalation, CaseEscalationSummary, EscalationKind, new_escalations
from cts.domain.case_workflow import AuditEntry
from cts.domain.cases import CaseRecord
from cts.domain.errors import Unavailable
from cts.domain.risk.engine import Hit, Level
from cts.domain.subscriptions import AlertSummary, Channel, DeliveryStatus, Subscription
from cts.services.case_escalations import CaseEscalationNotifier
from fakes import FakeAlerts, FakeClock

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
WEB = "https://cts.customs.example"
PARTY, GOODS, BLOCKED = "Shadow Reef Trading Ltd", "Ceramic floor tiles", "the scanner at berth 4 is down"
DUTY = ("duty@customs.example",)


def alert(number: str = "B1", **overrides: Any) -> Alert:
    values: dict[str, Any] = {
        "alert_id": f"sea:ACME:{number}#v1",
        "key": f"sea:ACME:{number}",
        "version": 1,
        "document_number": number,
        "score": 95,
        "level": Level.RED,
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
        "eta": NOW + timedelta(hours=3),
        "place_of_discharge": "JMKIN",
        "raised_at": NOW - timedelta(hours=5),
    }
    values.update(overrides)
    return Alert(**values)


def supervisor(user: str, **overrides: Any) -> Subscription:
    values: dict[str, Any] = {
        "subscription_id": "s1",
        "user_id": user,
        "email": f"{user}@customs.example",
        "roles": ("supervisor",),
        "supervisor": True,
    }
    values.update(overrides)
    return Subscription(**values)


def entry(case_id: str, action: str, reason: str, minutes_ago: int) -> AuditEntry:
    return AuditEntry(
        case_id=case_id,
        revision=1,
        at=NOW - timedelta(minutes=minutes_ago),
        actor="workflow",
        action=action,
        from_status="triaged",
        to_status="triaged",
        reason=reason,
    )


class Desk:
    def __init__(self, *subscriptions: Subscription) -> None:
        self.cases, self.notices = FakeCaseEscalationSource(), FakeCaseEscalationNotices()
        self.alerts, self.email, self.deliveries = FakeAlerts(), ScriptedEmail(), FakeDeliveryLog()
        self.clock = FakeClock(NOW)
        self.notifier = CaseEscalationNotifier(
            cases=self.cases,
            alerts=self.alerts,
            notices=self.notices,
            subscriptions=FakeSubscriptions(*subscriptions),
            email=self.email,
            deliveries=self.deliveries,
            recipients=DUTY,
            web_url=WEB,
            clock=self.clock,
        )

    def case(self, a: Alert, status: str = "triaged", case_id: str | None = None) -> str:
        self.alerts.add(a)
        cid = case_id or a.alert_id
        self.cases.cases[cid] = CaseRecord(
            case_id=cid, alert_id=a.alert_id, consignment_key=a.key, level=a.level.value, status=status
        )
        return cid


def test_only_escalation_entries_count_each_once_oldest_first_with_their_kind() -> None:
    entries = [
        entry("C1", "escalate", "step overdue", 5),
        entry("C1", "escalate", "arrival near", 5),
        entry("C2", "step_failed", "Case.Blocked", 9),
        entry("C2", "step_failed", "Case.Blocked", 9),  # read twice (two pages, a retry): one escalation
        entry("C3", "override", "a justification long enough", 1),
    ]
    found = new_escalations(entries)
    assert [(e.case_id, e.kind) for e in found] == [
        ("C2", EscalationKind.STEP_FAILED),
        ("C1", EscalationKind.ARRIVAL_NEAR),
        ("C1", EscalationKind.STEP_OVERDUE),
    ]
    assert len({e.key for e in found if e.case_id == "C1"}) == 2
    assert CaseEscalation.of(entries[4]) is None


def test_a_recorded_escalation_is_emailed_once_to_the_matching_supervisors_with_nothing_sensitive() -> None:
    desk = Desk(
        supervisor("sue", ports={"JMKIN"}),
        supervisor("sam", ports={"JMMBJ"}),  # another port: not told while a matching supervisor exists
        Subscription(subscription_id="s1", user_id="ana", email="ana@customs.example", roles=("targeting_analyst",)),
    )
    case_id = desk.case(alert())
    desk.cases.entries.append(entry(case_id, "step_failed", BLOCKED, 10))

    (ref,) = desk.notifier.notify_new()
    assert ref.startswith(f"{case_id}#")
    ((_, since),) = desk.cases.queries
    assert since is not None
    assert NOW - since <= timedelta(days=1, seconds=1)
    (message,) = desk.email.sent
    assert message.to == ("sue@customs.example",)
    assert message.subject == "[CTS CASE ESCALATION] B1: step failed (case triaged)"
    for body in (message.text, message.html):
        assert "a step of the case could not be done" in body
        assert f"{WEB}/#/alerts/sea:ACME:B1#v1" in body
        assert "JMKIN" in body
        assert "drugs" in body
        for hidden in (PARTY, GOODS, BLOCKED, "watch-listed"):
            assert hidden not in body
    (record,) = desk.deliveries.for_alert("sea:ACME:B1#v1")
    assert (record.recipient, record.channel, record.status) == ("sue", Channel.ESCALATION, DeliveryStatus.SENT)
    assert record.reason == "case escalation: step failed"
    assert desk.deliveries.message("msg-1") == (["sea:ACME:B1#v1"], "sue")  # a later bounce finds the alert

    assert desk.notifier.notify_new() == []  # the next run, and a retry of this one: nobody is told twice
    assert len(desk.email.sent) == 1


def test_each_escalation_of_a_case_is_emailed_and_nobody_subscribed_means_the_duty_mailbox() -> None:
    desk = Desk()
    case_id = desk.case(alert())
    desk.cases.entries += [
        entry(case_id, "escalate", "step overdue", 30),
        entry(case_id, "escalate", "arrival near", 20),
    ]
    assert len(desk.notifier.notify_new()) == 2
    assert [m.to for m in desk.email.sent] == [DUTY, DUTY]
    assert [m.subject.split(": ")[1] for m in desk.email.sent] == [
        "step overdue (case triaged)",
        "arrival near (case triaged)",
    ]


def test_what_a_case_escalation_email_may_say_follows_the_readers_role() -> None:
    a = alert()
    summary = CaseEscalationSummary(
        case_id="C1",
        kind=EscalationKind.STEP_OVERDUE,
        status="new",
        at=NOW,
        alert_id=a.alert_id,
        alert=AlertSummary.of(a),
    )
    assert summary.for_roles(("carrier",)) is None  # a carrier may not read alerts: it is told nothing
    shown = summary.for_roles(("auditor",))
    assert shown is not None
    assert shown.alert is not None
    assert shown.alert.categories == ("drugs",)
    assert set(CaseEscalationSummary.model_fields) == {"case_id", "kind", "status", "at", "alert_id", "alert"}


def test_a_closed_case_is_marked_and_not_emailed() -> None:
    desk = Desk(supervisor("sue"))
    case_id = desk.case(alert(), status="closed")
    desk.cases.entries.append(entry(case_id, "escalate", "step overdue", 3))
    assert desk.notifier.notify_new() == []
    assert desk.email.sent == []
    assert len(desk.notices.claimed) == 1


def test_a_send_that_fails_now_is_released_and_the_next_run_tells_only_those_not_told() -> None:
    desk = Desk(supervisor("sue"), supervisor("sam"))
    case_id = desk.case(alert())
    desk.cases.entries.append(entry(case_id, "escalate", "arrival near", 3))
    desk.email.throttle("sue@customs.example")
    with pytest.raises(Unavailable):
        desk.notifier.notify_new()
    assert desk.notices.claimed == {}
    assert [m.to for m in desk.email.sent] == [("sam@customs.example",)]
    statuses = sorted((r.recipient, r.status) for r in desk.deliveries.for_alert("sea:ACME:B1#v1"))
    assert statuses == [("sam", DeliveryStatus.SENT), ("sue", DeliveryStatus.RETRYING)]
    assert len(desk.notifier.notify_new()) == 1
    assert [m.to for m in desk.email.sent] == [("sam@customs.example",), ("sue@customs.example",)]


def test_a_rejected_address_is_recorded_and_not_retried() -> None:
    desk = Desk(supervisor("sue"))
    case_id = desk.case(alert())
    desk.cases.entries.append(entry(case_id, "escalate", "step overdue", 3))
    desk.email.reject("sue@customs.example")
    assert len(desk.notifier.notify_new()) == 1
    (record,) = desk.deliveries.for_alert("sea:ACME:B1#v1")
    assert record.status is DeliveryStatus.FAILED
    assert desk.notifier.notify_new() == []


def test_a_case_whose_alert_is_unknown_goes_to_every_supervisor_with_only_the_case() -> None:
    desk = Desk(supervisor("sue", ports={"JMMBJ"}))
    desk.cases.cases["C9"] = CaseRecord(
        case_id="C9", alert_id="", consignment_key="sea:ACME:X", level="red", status="new"
    )
    desk.cases.entries.append(entry("C9", "escalate", "step overdue", 3))
    assert len(desk.notifier.notify_new()) == 1
    (message,) = desk.email.sent
    assert message.to == ("sue@customs.example",)
    assert message.subject == "[CTS CASE ESCALATION] case C9: step overdue (case new)"
    assert desk.deliveries.records == []  # no alert to record it on
