from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

from chalice.test import Client
from notification_fakes import FakeReadMarkers

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
