from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from chalice.test import Client
from notification_fakes import FakeReadMarkers, FakeSchedule

from chalicelib.container import set_container
from fakes_api import NOW, World, alert


def test_the_alert_inbox_marks_what_the_caller_has_read_and_counts_the_rest(client: Client, world: World) -> None:
    reads = FakeReadMarkers()
    set_container(dataclasses.replace(world.container, read_markers=reads))
    world.alerts.add(alert("sea:MSCU:LATE", NOW + timedelta(days=5)))
    world.alerts.add(alert("sea:MSCU:SOON", NOW + timedelta(hours=3)))
    world.alerts.add(alert("sea:MSCU:NOETA", None))
    reads.mark_read("sub-examination_officer", "sea:MSCU:LATE#v1", NOW)

    response = json.loads(client.http.get("/alerts", headers=world.auth("examination_officer")).body)
    assert [(a["key"], a["read"]) for a in response["alerts"]] == [
        ("sea:MSCU:SOON", False),
        ("sea:MSCU:LATE", True),
        ("sea:MSCU:NOETA", False),
    ]
    assert response["unread"] == 2
    other = json.loads(client.http.get("/alerts", headers=world.auth("auditor")).body)
    assert other["unread"] == 3  # read markers are per user


def test_without_read_markers_every_alert_is_unread(client: Client, world: World) -> None:
    world.alerts.add(alert("sea:MSCU:SOON", NOW + timedelta(hours=3)))
    response = json.loads(client.http.get("/alerts", headers=world.auth("auditor")).body)
    assert (response["unread"], response["alerts"][0]["read"]) == (1, False)


def test_live_updates_return_alerts_raised_since_the_cursor_and_reading_one_lowers_the_unread_count(
    client: Client, world: World
) -> None:
    now = datetime.now(UTC)
    fresh = alert("sea:MSCU:FRESH", now + timedelta(hours=5)).model_copy(update={"raised_at": now})
    old = alert("sea:MSCU:OLD", now + timedelta(hours=1)).model_copy(update={"raised_at": now - timedelta(hours=2)})
    for a in (fresh, old):
        world.alerts.add(a)
    reads = FakeReadMarkers()
    set_container(dataclasses.replace(world.container, read_markers=reads, alert_schedule=FakeSchedule([fresh, old])))
    headers = world.auth("examination_officer")

    since = (now - timedelta(minutes=5)).isoformat()
    updates = client.http.get(f"/alerts/updates?since={quote(since)}", headers=headers)
    assert updates.status_code == 200, updates.body
    body = json.loads(updates.body)
    assert [(a["key"], a["read"]) for a in body["alerts"]] == [("sea:MSCU:FRESH", False)]
    assert body["unread"] == 1
    assert datetime.fromisoformat(body["cursor"]) >= now - timedelta(minutes=5)

    marked = client.http.post(f"/alerts/{quote(fresh.alert_id, safe='')}/read", headers=headers, body=b"{}")
    assert marked.status_code == 200, marked.body
    inbox = json.loads(client.http.get("/alerts", headers=headers).body)
    assert inbox["unread"] == 1  # OLD is still unread; FRESH was read by this user
    assert {a["key"]: a["read"] for a in inbox["alerts"]} == {"sea:MSCU:OLD": False, "sea:MSCU:FRESH": True}


def test_live_updates_refuse_a_missing_or_zoneless_since_and_carriers(client: Client, world: World) -> None:
    set_container(dataclasses.replace(world.container, read_markers=FakeReadMarkers(), alert_schedule=FakeSchedule([])))
    headers = world.auth("examination_officer")
    assert client.http.get("/alerts/updates", headers=headers).status_code == 400
    assert client.http.get("/alerts/updates?since=2026-11-25T10:00:00", headers=headers).status_code == 400
    assert client.http.get("/alerts/updates?since=yesterday", headers=headers).status_code == 400
    assert client.http.post("/alerts/nope%23v1/read", headers=headers, body=b"{}").status_code == 404
    carrier = world.auth("carrier")
    since = quote(datetime.now(UTC).isoformat())
    assert client.http.get(f"/alerts/updates?since={since}", headers=carrier).status_code == 403
